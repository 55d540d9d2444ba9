// The CPU-bound handler of bench/parallel.ts: spins for the microseconds after the ":" in the value.
import type { ConsumerRecord } from "../src/consumer/types.ts";

const dec = new TextDecoder();

/** Busy-waits as long as the record's value says. */
export function handler(record: ConsumerRecord): void {
  const us = Number(dec.decode(record.value ?? new Uint8Array(0)).split(":")[1] ?? "0");
  const end = performance.now() + us / 1000;
  let spins = 0;
  while (performance.now() < end) spins++;
  if (spins < 0) throw new Error("unreachable");
}
