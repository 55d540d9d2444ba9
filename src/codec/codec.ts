/** The interface every compression codec implements; the registry (compression.ts) maps type ids to codecs. */

/** Compresses and decompresses a whole record section of a batch. */
export interface CompressionCodec {
  /** Compresses a whole record set. */
  compress(data: Uint8Array): Uint8Array;
  /** Decompresses what `compress` (or another Kafka client) produced. */
  decompress(data: Uint8Array): Uint8Array;
}
