/** gzip compression (Kafka compression type 1), using fflate. */
import { gunzipSync, gzipSync } from "fflate";
import type { CompressionCodec } from "./codec.ts";

/**
 * Deflate cannot expand data by much more than 1032:1; a gzip trailer that claims more than that is
 * corrupt, and honouring it would allocate up to 4 GiB.
 */
const MAX_RATIO = 1032;

/** A gzip codec at the given deflate level (0-9; Kafka's default is 6, as here). */
export function createGzipCodec(level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): CompressionCodec {
  return {
    // mtime 0 keeps the output deterministic (and reveals no clock).
    compress: (data) => gzipSync(data, { level, mtime: 0 }),
    decompress: (data) => {
      if (data.length < 18) throw new Error(`gzip data of ${data.length} bytes is too short`);
      const n = data.length;
      const size = (data[n - 4] | (data[n - 3] << 8) | (data[n - 2] << 16) | (data[n - 1] << 24)) >>> 0;
      if (size > n * MAX_RATIO + 1024) {
        throw new Error(`gzip trailer claims ${size} bytes from ${n} compressed bytes`);
      }
      return gunzipSync(data);
    },
  };
}

/** The default gzip codec (level 6). */
export const gzipCodec: CompressionCodec = createGzipCodec();
