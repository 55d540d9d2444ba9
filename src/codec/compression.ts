/**
 * Compression codecs for record batches, behind one synchronous interface, and the registry that maps
 * Kafka's compression type ids to them.
 *
 * Codecs are synchronous so that encoding and decoding a batch stays synchronous. A codec whose
 * implementation needs asynchronous set-up (a WebAssembly module, say) finishes that set-up before it is
 * registered.
 */
import { gzipCodec } from "./gzip.ts";

/** Kafka's compression type ids, as carried in bits 0-2 of a batch's attributes. */
export const CompressionType = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;

/** One of Kafka's compression type ids. */
export type CompressionType = typeof CompressionType[keyof typeof CompressionType];

/** The lowercase name of a compression type. */
export type CompressionName = keyof typeof CompressionType;

/** Compresses and decompresses a whole record section of a batch. */
export interface CompressionCodec {
  /** Compresses a whole record set. */
  compress(data: Uint8Array): Uint8Array;
  /** Decompresses what `compress` (or another Kafka client) produced. */
  decompress(data: Uint8Array): Uint8Array;
}

/** A compression type that has no registered codec, or an id that is no compression type at all. */
export class UnsupportedCompressionError extends Error {
  /** Always `"UnsupportedCompressionError"`. */
  override name = "UnsupportedCompressionError";
  /** The compression type id that was asked for. */
  readonly type: number;

  /** `type` is the compression id that has no codec. */
  constructor(type: number, message: string) {
    super(message);
    this.type = type;
  }
}

const NAMES: readonly string[] = ["none", "gzip", "snappy", "lz4", "zstd"];

/** The codec for "no compression": hands bytes back unchanged. */
const identityCodec: CompressionCodec = {
  compress: (data) => data,
  decompress: (data) => data,
};

const codecs = new Map<number, CompressionCodec>([
  [CompressionType.none, identityCodec],
  [CompressionType.gzip, gzipCodec],
]);

/** The name of a compression type id ("gzip"), or `unknown(<id>)` for ids Kafka does not define. */
export function compressionName(type: number): string {
  return NAMES[type] ?? `unknown(${type})`;
}

/** The id of a compression type given by name; throws a `RangeError` for an unknown name. */
export function compressionTypeFromName(name: string): CompressionType {
  const id = NAMES.indexOf(name);
  if (id < 0) {
    throw new RangeError(`compression must be one of ${NAMES.join(", ")}, got ${JSON.stringify(name)}`);
  }
  return id as CompressionType;
}

/** Registers (or replaces) the codec for a compression type. */
export function registerCodec(type: CompressionType, codec: CompressionCodec): void {
  if (type === CompressionType.none) throw new RangeError("the 'none' compression type cannot be replaced");
  if (NAMES[type] === undefined) throw new RangeError(`unknown compression type ${type}`);
  codecs.set(type, codec);
}

/** Removes the codec for a compression type (gzip included); "none" always stays. */
export function unregisterCodec(type: CompressionType): void {
  if (type !== CompressionType.none) codecs.delete(type);
}

/** Whether a codec is registered for the type. */
export function hasCodec(type: number): boolean {
  return codecs.has(type);
}

/** The codec for a compression type; throws `UnsupportedCompressionError` when there is none. */
export function getCodec(type: number): CompressionCodec {
  const codec = codecs.get(type);
  if (codec !== undefined) return codec;
  if (NAMES[type] !== undefined) {
    throw new UnsupportedCompressionError(type, `${NAMES[type]} compression is not available yet`);
  }
  throw new UnsupportedCompressionError(type, `unknown compression type ${type}`);
}
