/** Registers the bundled snappy, lz4 and zstd codecs (gzip is registered from the start). */
import { CompressionType, hasCodec, registerCodec } from "./compression.ts";
import { lz4Codec } from "./lz4.ts";
import { snappyCodec } from "./snappy.ts";
import { initZstd, zstdCodec } from "./zstd.ts";

/**
 * Initializes the snappy, lz4 and zstd codecs and registers each for its compression type, unless the
 * application already registered its own codec there. Safe to call many times (and concurrently).
 */
export async function registerDefaultCodecs(): Promise<void> {
  await initZstd();
  if (!hasCodec(CompressionType.snappy)) registerCodec(CompressionType.snappy, snappyCodec);
  if (!hasCodec(CompressionType.lz4)) registerCodec(CompressionType.lz4, lz4Codec);
  if (!hasCodec(CompressionType.zstd)) registerCodec(CompressionType.zstd, zstdCodec);
}
