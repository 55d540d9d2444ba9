// examples/demo.ts, with fewer records, on the runtime running this file (the suite runs it on Node, Deno and
// Bun): it checks every record it reads back against what it wrote, and fails on any mismatch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { run } from "./helpers.ts";

test(`examples/demo.ts on ${detectRuntime()}: writes records and reads every one back`, async () => {
  const stdout = await run(detectRuntime(), "examples/demo.ts", { env: { DEMO_RECORDS: "3000" } });
  assert.match(stdout, /^wrote 3,000 records /m);
  assert.match(stdout, /^all 3,000 records back, offsets contiguous \(\d+ \+ \d+ \+ \d+\)$/m);
});
