/**
 * gzip through node:zlib, which Node, Deno and Bun all provide: their set-up (`runtime.ts`) imports this
 * module; the Workers entry does not. It lives with the runtimes' adapters, the codec (src/codec/gzip.ts)
 * using only what it is handed.
 */
import { gunzipSync, gzip, gzipSync } from "node:zlib";
import { type GzipBinding, useGzipBinding } from "../codec/gzip.ts";
import { detectRuntime } from "./detect.ts";

/** node:zlib's gzip and gunzip. */
export const zlibGzipBinding: GzipBinding = {
  gzip: (data, level) => view(gzipSync(data, { level })),
  // A declared size of 0 is an empty record set; zlib takes no limit below 1.
  gunzip: (data, maxBytes) => view(gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) })),
};

// On Node zlib's own thread-pool call beats `CompressionStream` for the producer's large batches (measured
// 7-17% more records/s through `sendBatch`); on Bun the stream is quicker.
if (detectRuntime() === "node") {
  zlibGzipBinding.gzipAsync = (data, level) =>
    new Promise((resolve, reject) =>
      gzip(data, { level }, (err, out) => err ? reject(err) : resolve(view(out)))
    );
}

useGzipBinding(zlibGzipBinding);

/** A plain Uint8Array over the Buffer's bytes: the rest of the client needs no Buffer methods. */
function view(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
