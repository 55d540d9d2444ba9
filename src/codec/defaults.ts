/** Preloads the bundled snappy, lz4 and zstd codecs (gzip is there from the start). */
import { CompressionType, loadCodec } from "./compression.ts";

/**
 * Loads the bundled snappy, lz4 and zstd codecs now rather than on first use. Optional: producers and
 * consumers load the codecs they meet by themselves. A codec the application registered itself stays.
 * Safe to call many times (and concurrently).
 *
 * @example
 * ```ts
 * import { registerDefaultCodecs } from "@kafka-ts/client";
 * await registerDefaultCodecs(); // optional preload, e.g. to fail fast where WebAssembly is restricted
 * ```
 */
export async function registerDefaultCodecs(): Promise<void> {
  await Promise.all([
    loadCodec(CompressionType.snappy),
    loadCodec(CompressionType.lz4),
    loadCodec(CompressionType.zstd),
  ]);
}
