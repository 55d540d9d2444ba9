/**
 * CRC32C: our JavaScript (slicing by 16) against hash-wasm's WebAssembly, and `crc32c()` (which picks one
 * by size). Run with `deno bench -A bench/crc32c.bench.ts`; `bench/crc32c.ts` runs the same on Node and Bun.
 */
import { crc32c, crc32cWasm, initCrc32c } from "../src/codec/crc32c.ts";
import { crc32cJs } from "../src/codec/crc32c-js.ts";

await initCrc32c();

for (const [label, size] of [["64 B", 64], ["1 KiB", 1024], ["16 KiB", 16384], ["1 MiB", 1 << 20]] as const) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
  if (crc32cJs(data) !== crc32cWasm(data)) throw new Error(`JS and WASM disagree at ${label}`);
  Deno.bench({ name: `JS ${label}`, group: label, baseline: true, fn: () => void crc32cJs(data) });
  Deno.bench({ name: `WASM ${label}`, group: label, fn: () => void crc32cWasm(data) });
  Deno.bench({ name: `crc32c() ${label}`, group: label, fn: () => void crc32c(data) });
}
