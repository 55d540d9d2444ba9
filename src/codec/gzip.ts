/**
 * gzip compression (Kafka compression type 1) through the runtime's own zlib where it can be had: node:zlib
 * when the runtime's set-up gives it (`useGzipBinding`), and the Web platform's `CompressionStream` and
 * `DecompressionStream` for large batches where those are quicker. fflate in JavaScript otherwise.
 */
import { gunzipSync, gzipSync } from "fflate";
import type { CompressionCodec } from "./codec.ts";
import { concatBytes } from "./bytes.ts";
import { detectRuntime } from "../transport/detect.ts";

/**
 * Deflate cannot expand data by much more than 1032:1; a gzip trailer that claims more than that is
 * corrupt, and honouring it would allocate up to 4 GiB.
 */
const MAX_RATIO = 1032;

/** zlib's default level, which `CompressionStream` uses (it takes no level). */
const NATIVE_LEVEL = 6;

/** A gzip codec at the given deflate level (0-9; Kafka's default is 6, as here). */
export function createGzipCodec(level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): CompressionCodec {
  const codec: CompressionCodec = {
    // mtime 0 keeps the output deterministic (and reveals no clock).
    compress: (data) => binding ? binding.gzip(data, level) : gzipSync(data, { level, mtime: 0 }),
    decompress: (data) => {
      const size = declaredSize(data);
      if (binding) return binding.gunzip(data, size);
      // zlib checks the trailer itself. fflate stops silently where its output is full: one byte more than
      // declared shows data that goes on.
      const out = gunzipSync(data, { out: new Uint8Array(size + 1) });
      if (out.length !== size) {
        throw new Error(`gzip data inflates to ${out.length} bytes, its trailer declares ${size}`);
      }
      return out;
    },
  };
  const runtime = detectRuntime();
  // Deno's `CompressionStream` compresses on the JavaScript thread too, and slower than its node:zlib there
  // (measured 179,000-194,000 against 217,000 records/s of varied 1 KiB values through `sendBatch`).
  if (level === NATIVE_LEVEL && typeof globalThis.CompressionStream === "function" && runtime !== "deno") {
    codec.compressAsync = (data) => binding?.gzipAsync?.(data, level) ?? nativeGzip(data);
  }
  // On Node and Deno node:zlib on the JavaScript thread reads a chunk faster than `DecompressionStream`
  // ahead of it (Node hands that stream's output over in 16 KiB pieces, each a trip to its thread pool); on
  // Bun reading ahead through the stream stays quicker for batches of 256 KiB, as it is on Workers.
  if (
    typeof globalThis.DecompressionStream === "function" && runtime !== "node" && runtime !== "deno"
  ) {
    codec.decompressAsync = nativeGunzip;
  }
  return codec;
}

/**
 * The runtime's zlib called directly, where the runtime's set-up gives it (node:zlib on Node, Deno and Bun: on
 * the JavaScript thread 2 to 10 times fflate's speed decompressing, 1.3 to 4 times compressing). Without it
 * fflate and the Web streams work.
 */
export interface GzipBinding {
  /** gzip at `level`, mtime 0. */
  gzip(data: Uint8Array, level: number): Uint8Array;
  /** gunzip; fails rather than give more than `maxBytes`. */
  gunzip(data: Uint8Array, maxBytes: number): Uint8Array;
  /** gzip off the JavaScript thread, where quicker than `CompressionStream`; leaves `data` untouched. */
  gzipAsync?(data: Uint8Array, level: number): Promise<Uint8Array>;
}

let binding: GzipBinding | undefined;

/** Makes every gzip codec use `b` (or fflate and the Web streams again, given undefined). */
export function useGzipBinding(b: GzipBinding | undefined): void {
  binding = b;
}

/** The uncompressed size a gzip trailer declares; throws when it is more than deflate can expand to. */
function declaredSize(data: Uint8Array): number {
  if (data.length < 18) throw new Error(`gzip data of ${data.length} bytes is too short`);
  const n = data.length;
  const size = (data[n - 4] | (data[n - 3] << 8) | (data[n - 2] << 16) | (data[n - 1] << 24)) >>> 0;
  if (size > n * MAX_RATIO + 1024) {
    throw new Error(`gzip trailer claims ${size} bytes from ${n} compressed bytes`);
  }
  return size;
}

/** The default gzip codec (level 6). */
export const gzipCodec: CompressionCodec = createGzipCodec();

/**
 * gzip through `CompressionStream`: native code on every runtime (on Node off the main thread), about
 * three times fflate's speed on a batch of 64 KiB or more.
 */
function nativeGzip(data: Uint8Array): Promise<Uint8Array> {
  return through(new CompressionStream("gzip"), data, Infinity);
}

/** gunzip through `DecompressionStream`; fails rather than give more than the trailer declares. */
function nativeGunzip(data: Uint8Array): Promise<Uint8Array> {
  let size: number;
  try {
    size = declaredSize(data);
  } catch (e) {
    return Promise.reject(e);
  }
  return through(new DecompressionStream("gzip"), data, size);
}

/** All of `data` through a transform stream, as one array; rejects once the output passes `limit` bytes. */
async function through(
  stream: TransformStream<BufferSource, Uint8Array>,
  data: Uint8Array,
  limit: number,
): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  // Written while read: the write settles only once the output is taken.
  const written = writer.write(data as Uint8Array<ArrayBuffer>).then(() => writer.close());
  written.catch(() => {}); // its failure surfaces as the read's
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.length;
    if (length > limit) {
      void reader.cancel().catch(() => {});
      throw new Error(`gzip data inflates past the ${limit} bytes its trailer declares`);
    }
  }
  await written;
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks);
}
