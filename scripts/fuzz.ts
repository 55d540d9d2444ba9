// Decoder fuzzing at scale, seeded and reproducible: the generator of tests/unit/fuzz.test.ts (captured
// frames mutated and truncated, random frames for every API and version) over a million frames.
// Usage: node scripts/fuzz.ts [--frames 1000000] [--seed 1]   (also `deno run -A`, `bun`)
// Exits 1 and prints the frame numbers when a frame ends in anything but a result or a clear error.
import process from "node:process";
import { initCrc32c } from "../src/codec/crc32c.ts";
import { fuzz } from "../tests/helpers/fuzz.ts";
import { detectRuntime } from "../src/transport/runtime.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const frames = arg("frames", 1_000_000);
const seed = arg("seed", 1);
await initCrc32c();
const started = performance.now();
const r = fuzz(seed, frames);
const seconds = (performance.now() - started) / 1000;
console.log(
  `${detectRuntime()}: seed ${seed}, ${r.frames} frames in ${seconds.toFixed(1)} s: ${r.decoded} decoded, ` +
    `${r.failedClearly} failed with a clear error, ${r.bugs.length} decoder bugs`,
);
for (const b of r.bugs) console.log(b);
process.exit(r.bugs.length === 0 ? 0 : 1);
