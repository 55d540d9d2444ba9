import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runNow } from "../../src/producer/run-clock.ts";

const nextTask = () => new Promise((r) => setTimeout(r, 0));
const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* let the clock move */ }
};

describe("runNow", () => {
  it("serves one reading to 16 calls in a synchronous run, then reads again", async () => {
    await nextTask();
    const first = runNow();
    spin(2);
    for (let i = 1; i < 16; i++) assert.equal(runNow(), first, `call ${i + 1}`);
    const seventeenth = runNow();
    assert.ok(seventeenth >= first + 2, "the 17th call reads the clock");
    assert.ok(seventeenth <= performance.now());
  });

  it("reads afresh once the run is over, and never runs ahead of the clock", async () => {
    await nextTask();
    const before = runNow();
    spin(2);
    await nextTask();
    const after = runNow();
    assert.ok(after >= before + 2, "a new run does not reuse the last run's reading");
    for (let i = 0; i < 100; i++) assert.ok(runNow() <= performance.now());
  });
});
