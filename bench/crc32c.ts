/**
 * CRC32C throughput on any runtime: our JavaScript (slicing by 16), hash-wasm's WebAssembly, and
 * `crc32c()`, which uses JavaScript below 8 KiB and WebAssembly from there once it has loaded.
 *
 *   node bench/crc32c.ts
 *   bun bench/crc32c.ts
 *   deno run -A bench/crc32c.ts        (or deno bench -A bench/crc32c.bench.ts)
 *
 * Prints one markdown table of MB/s (10^6 bytes), the best of 7 timed rounds after a warm-up.
 */
import { crc32c, crc32cWasm, initCrc32c } from "../src/codec/crc32c.ts";
import { crc32cJs } from "../src/codec/crc32c-js.ts";
import { detectRuntime } from "../src/transport/runtime.ts";

await initCrc32c();

/** MB/s of `fn(data)`, best of 7 rounds of about 50 ms each. */
function measure(fn: (d: Uint8Array) => number, data: Uint8Array): number {
  const iterations = Math.max(4, Math.ceil(16e6 / data.length));
  let sink = 0;
  for (let i = 0; i < iterations; i++) sink ^= fn(data);
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) sink ^= fn(data);
    best = Math.min(best, performance.now() - t0);
  }
  if (sink === 0.5) console.log(sink); // keeps the calls observable
  return (data.length * iterations) / best / 1e3;
}

const rows = ["| size | JS (slicing by 16) | WASM (hash-wasm) | crc32c() |", "|---|--:|--:|--:|"];
for (const [label, size] of [["64 B", 64], ["1 KiB", 1024], ["16 KiB", 16384], ["1 MiB", 1 << 20]] as const) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 2654435761) >>> 24;
  if (crc32cJs(data) !== crc32cWasm(data)) throw new Error(`JS and WASM disagree at ${label}`);
  const js = measure(crc32cJs, data);
  const wasm = measure(crc32cWasm, data);
  const auto = measure(crc32c, data);
  rows.push(`| ${label} | ${js.toFixed(0)} | ${wasm.toFixed(0)} | ${auto.toFixed(0)} |`);
}
console.log(`### CRC32C on ${detectRuntime()}, MB/s\n`);
console.log(rows.join("\n"));
