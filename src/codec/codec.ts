/** The interface every compression codec implements; the registry (compression.ts) maps type ids to codecs. */

/** Compresses and decompresses a whole record section of a batch. */
export interface CompressionCodec {
  /** Compresses a whole record set. */
  compress(data: Uint8Array): Uint8Array;
  /** Decompresses what `compress` (or another Kafka client) produced. */
  decompress(data: Uint8Array): Uint8Array;
  /**
   * Optional: compresses without holding the JavaScript thread for the whole input (e.g. with the
   * runtime's native zlib). The producer uses it for large batches and leaves `data` untouched until the
   * promise settles; when it rejects, the producer falls back to `compress`.
   */
  compressAsync?(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional: decompresses without holding the JavaScript thread for the whole input. The consumer uses it
   * to decompress the next batches of a fetched chunk ahead of its reader, and `decompress` for a batch
   * whose turn comes first (or when the promise rejects).
   */
  decompressAsync?(data: Uint8Array): Promise<Uint8Array>;
}
