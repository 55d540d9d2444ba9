/**
 * CRC32C (Castagnoli), the checksum of Kafka's RecordBatch v2.
 *
 * The computation runs in WebAssembly (hash-wasm). Instantiating the module is asynchronous, so call
 * `initCrc32c()` once at start-up; after that `crc32c()` is synchronous and cheap enough for the hot path.
 */
import { createCRC32 } from "hash-wasm";

/** The reflected CRC32C polynomial. */
const CASTAGNOLI = 0x82f63b78;

interface Crc32Hasher {
  init(): unknown;
  update(data: Uint8Array): unknown;
  digest(outputType: "binary"): Uint8Array;
}

let hasher: Crc32Hasher | null = null;
let pending: Promise<void> | null = null;

/** Loads the WebAssembly CRC32C implementation. Safe to call many times; later calls share the first. */
export function initCrc32c(): Promise<void> {
  if (pending === null) {
    pending = createCRC32(CASTAGNOLI).then(
      (h) => {
        hasher = h;
      },
      (err: unknown) => {
        pending = null; // allow a later retry
        throw err;
      },
    );
  }
  return pending;
}

/** Whether `initCrc32c()` has completed, i.e. `crc32c()` may be called. */
export function crc32cReady(): boolean {
  return hasher !== null;
}

/** CRC32C of `data` as an unsigned 32-bit number. Requires a completed `initCrc32c()`. */
export function crc32c(data: Uint8Array): number {
  const h = hasher;
  if (h === null) {
    throw new Error("crc32c() called before initCrc32c() completed: await initCrc32c() once at start-up");
  }
  h.init();
  h.update(data);
  // The binary digest is the CRC in big-endian byte order.
  const d = h.digest("binary");
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}
