/**
 * gzip through node:zlib, which Node, Deno and Bun all provide: their set-up (`src/transport/runtime.ts`)
 * imports this module; the Workers entry does not.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { type GzipBinding, useGzipBinding } from "./gzip.ts";

/** node:zlib's synchronous gzip and gunzip. */
export const zlibGzipBinding: GzipBinding = {
  gzip: (data, level) => view(gzipSync(data, { level })),
  // A declared size of 0 is an empty record set; zlib takes no limit below 1.
  gunzip: (data, maxBytes) => view(gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) })),
};

useGzipBinding(zlibGzipBinding);

/** A plain Uint8Array over the Buffer's bytes: the rest of the client needs no Buffer methods. */
function view(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
