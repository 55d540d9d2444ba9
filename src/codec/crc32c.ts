/**
 * CRC32C (Castagnoli), the checksum of Kafka's RecordBatch v2.
 *
 * `crc32c()` is synchronous and needs no set-up. Inputs below a few KiB (most record batches) go to the
 * JavaScript version, which is faster there; larger ones go to hash-wasm's WebAssembly version once it has
 * loaded (the first call starts loading it in the background). Where compiling WebAssembly is forbidden
 * (Cloudflare Workers), loading fails quietly and the JavaScript version does all the work.
 */
import { createCRC32 } from "hash-wasm";
import { CASTAGNOLI, crc32cJs } from "./crc32c-js.ts";

/**
 * From this size on the WebAssembly version is as fast or faster (measured on Node, Deno and Bun: it loses
 * below 1 KiB, draws at 16 KiB on Deno and Bun, wins by about 15% on Node).
 */
const WASM_MIN_SIZE = 8192;

interface Crc32Hasher {
  init(): unknown;
  update(data: Uint8Array): unknown;
  digest(outputType: "binary"): Uint8Array;
}

let hasher: Crc32Hasher | null = null;
let pending: Promise<void> | null = null;
/** Whether a load was already started on the caller's behalf (tried once; `initCrc32c()` may retry). */
let autoLoaded = false;

/**
 * Loads the WebAssembly CRC32C implementation in advance. Optional: `crc32c()` works without it. Safe to
 * call many times; later calls share the first; rejects where WebAssembly cannot be compiled.
 *
 * @example
 * ```ts
 * import { initCrc32c } from "@kafka-ts/client";
 * await initCrc32c().catch(() => {}); // optional preload; crc32c() works either way
 * ```
 */
export function initCrc32c(): Promise<void> {
  if (pending === null) {
    pending = (async () => {
      hasher = await createCRC32(CASTAGNOLI);
    })().catch((err: unknown) => {
      pending = null; // allow a later retry
      throw err;
    });
  }
  return pending;
}

/** Whether the WebAssembly implementation has loaded (`crc32c()` works either way). */
export function crc32cReady(): boolean {
  return hasher !== null;
}

/** CRC32C of `data` through the WebAssembly implementation; throws unless it has loaded. */
export function crc32cWasm(data: Uint8Array): number {
  const h = hasher;
  if (h === null) throw new Error("the WebAssembly CRC32C has not loaded");
  h.init();
  h.update(data);
  // The binary digest is the CRC in big-endian byte order.
  const d = h.digest("binary");
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

/** CRC32C of `data` as an unsigned 32-bit number. */
export function crc32c(data: Uint8Array): number {
  if (data.length >= WASM_MIN_SIZE) {
    if (hasher !== null) return crc32cWasm(data);
    if (!autoLoaded) {
      autoLoaded = true;
      initCrc32c().catch(() => {}); // stays on JavaScript where WebAssembly cannot be compiled
    }
  }
  return crc32cJs(data);
}
