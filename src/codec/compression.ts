/**
 * Compression codecs for record batches, behind one synchronous interface, and the registry that maps
 * Kafka's compression type ids to them.
 *
 * Codecs are synchronous so that encoding and decoding a batch stays synchronous. The bundled snappy, lz4
 * and zstd codecs are loaded on first use by `loadCodec()` (an asynchronous import, and for zstd its
 * WebAssembly), which the producer awaits before it encodes a batch and the consumer before it decodes the
 * batches of a fetch answer, so only the codecs an application meets are ever loaded.
 */
import { KafkaClientError } from "../errors.ts";
import type { CompressionCodec } from "./codec.ts";
import { gzipCodec } from "./gzip.ts";

export type { CompressionCodec };

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

/** A compression type that has no registered codec, or an id that is no compression type at all. */
export class UnsupportedCompressionError extends KafkaClientError {
  /** Always `"UnsupportedCompressionError"`. */
  override name = "UnsupportedCompressionError";
  /** The compression type id that was asked for. */
  readonly type: number;

  /** `type` is the compression id that has no codec. */
  constructor(type: number, message: string, options?: ErrorOptions) {
    super(message, options);
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

/** Loads a bundled codec; modules other than gzip are imported only when first needed. */
const LOADERS: Record<number, () => Promise<CompressionCodec>> = {
  [CompressionType.gzip]: () => Promise.resolve(gzipCodec),
  [CompressionType.snappy]: async () => (await import("./snappy.ts")).snappyCodec,
  [CompressionType.lz4]: async () => (await import("./lz4.ts")).lz4Codec,
  [CompressionType.zstd]: async () => {
    const zstd = await import("./zstd.ts");
    await zstd.initZstd();
    return zstd.zstdCodec;
  },
};

/** Loads under way, shared by concurrent callers. */
const loading = new Map<number, Promise<CompressionCodec>>();
/** The last failed load per type, reported by `getCodec` until a load succeeds. */
const loadErrors = new Map<number, unknown>();

/**
 * The codec for a compression type, loading the bundled one on first use. An application's own codec
 * (`registerCodec`) wins over the bundled one. Memoised; a failed load rejects and a later call tries
 * again. Rejects with `UnsupportedCompressionError` for an id Kafka does not define.
 *
 * Producers and consumers call this themselves; call it before `encodeRecordBatch` or
 * `decodeRecordBatches` when you use those directly with compression.
 *
 * @example
 * ```ts
 * import { CompressionType, loadCodec } from "@kafka-ts/client";
 * const zstd = await loadCodec(CompressionType.zstd);
 * const packed = zstd.compress(new TextEncoder().encode("hello"));
 * ```
 */
export function loadCodec(type: number): Promise<CompressionCodec> {
  const codec = codecs.get(type);
  if (codec !== undefined) return Promise.resolve(codec);
  let pending = loading.get(type);
  if (pending === undefined) {
    const loader = LOADERS[type];
    if (loader === undefined) {
      return Promise.reject(new UnsupportedCompressionError(type, `unknown compression type ${type}`));
    }
    pending = loader().then(
      (loaded) => {
        loading.delete(type);
        loadErrors.delete(type);
        // A codec the application registered meanwhile stays.
        const current = codecs.get(type);
        if (current !== undefined) return current;
        codecs.set(type, loaded);
        return loaded;
      },
      (err: unknown) => {
        loading.delete(type);
        loadErrors.set(type, err);
        throw err;
      },
    );
    loading.set(type, pending);
  }
  return pending;
}

/**
 * Loads the codecs of the compression types whose bits are set in `types` (bit `1 << type`) and that have
 * none yet; `null` when nothing is missing, so callers on a hot path need not wait.
 */
export function loadMissingCodecs(types: number): Promise<unknown> | null {
  let waits: Promise<CompressionCodec>[] | null = null;
  for (let type = 1; type < NAMES.length; type++) {
    if ((types & (1 << type)) !== 0 && !codecs.has(type)) (waits ??= []).push(loadCodec(type));
  }
  return waits === null ? null : Promise.all(waits);
}

/** Whether every compression type Kafka defines has its codec (then nothing is left to load). */
export function allCodecsLoaded(): boolean {
  return codecs.size === NAMES.length;
}

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

/** The codec registered (or loaded) for a compression type, if any: `getCodec` without the error. */
export function findCodec(type: number): CompressionCodec | undefined {
  return codecs.get(type);
}

/** Whether a codec is registered (or loaded) for the type. */
export function hasCodec(type: number): boolean {
  return codecs.has(type);
}

/**
 * The codec for a compression type; throws `UnsupportedCompressionError` when there is none (yet: see
 * `loadCodec`).
 */
export function getCodec(type: number): CompressionCodec {
  const codec = codecs.get(type);
  if (codec !== undefined) return codec;
  if (NAMES[type] !== undefined) {
    const cause = loadErrors.get(type);
    if (cause !== undefined) {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new UnsupportedCompressionError(type, `${NAMES[type]} compression failed to load: ${why}`, {
        cause,
      });
    }
    throw new UnsupportedCompressionError(type, `${NAMES[type]} compression is not available yet`);
  }
  throw new UnsupportedCompressionError(type, `unknown compression type ${type}`);
}
