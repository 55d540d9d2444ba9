// This client producing one call per record on the current runtime (Node, Deno or Bun); prints one JSON
// result line.
//
//   <runtime> bench/compare/ours-send.ts <bootstrap> <topic> <valueBytes> <mode> <records>
//
// Modes: `send` (a `send()` per record, not awaited, then `flush()`), `produce` (`produce()` per record
// with a delivery callback, then `flush()`), `latency` (linger 0, one awaited `send()` every millisecond:
// p50/p99 from the call to the acknowledgement), `memory` and `memory-produce` (`send()` or `produce()` per
// record with a 32 MiB buffer: peak RSS).
import { readFileSync } from "node:fs";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import type { RecordMetadata } from "../../src/producer/types.ts";
import {
  LATENCY_RATE,
  makeValue,
  MEMORY_BUFFER_BYTES,
  percentile,
  SEND_BATCH_BYTES,
  SEND_LINGER_MS,
  type SendResult,
} from "./workload.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const [bootstrap, topic, valueBytesArg, mode, recordsArg] = args;
const valueBytes = Number(valueBytesArg);
const total = Number(recordsArg);
const client = `kafka-ts (${detectRuntime()}) ${mode}`;

const producer = new Producer({
  bootstrapServers: bootstrap,
  acks: "all",
  idempotent: true,
  lingerMs: mode === "latency" ? 0 : SEND_LINGER_MS,
  batchSize: SEND_BATCH_BYTES,
  bufferMemory: MEMORY_BUFFER_BYTES,
});
const value = makeValue(valueBytes);
await producer.send({ topic, value }); // connect and fetch metadata outside the timing

let failed = 0;
let firstError: unknown;
const fail = (e: unknown) => {
  failed++;
  firstError ??= e;
};
const result: SendResult = { client, records: total, bytes: total * valueBytes, seconds: 0 };
const t0 = performance.now();
if (mode === "send" || mode === "memory") {
  for (let i = 0; i < total; i++) producer.send({ topic, value }).catch(fail);
  await producer.flush();
} else if (mode === "produce" || mode === "memory-produce") {
  const p = producer as unknown as {
    produce?: (r: { topic: string; value: Uint8Array }, cb: (e: Error | null) => void) => void;
  };
  if (typeof p.produce !== "function") {
    console.log(JSON.stringify({ client, unsupported: "no produce()" }));
    await producer.close();
    (globalThis as { process?: { exit(c: number): void } }).process?.exit(0);
  }
  const cb = (e: Error | null) => {
    if (e) fail(e);
  };
  for (let i = 0; i < total; i++) p.produce!({ topic, value }, cb);
  await producer.flush();
} else if (mode === "latency") {
  // Paced by the clock: each record goes at its scheduled time, so a slow answer does not slow the rate.
  const latencies: number[] = [];
  const waits: Promise<unknown>[] = [];
  const gap = 1000 / LATENCY_RATE;
  for (let i = 0; i < total; i++) {
    const due = t0 + i * gap;
    const ahead = due - performance.now();
    if (ahead > 1) await new Promise((r) => setTimeout(r, ahead));
    const sent = performance.now();
    waits.push(
      producer.send({ topic, value }).then(
        (_: RecordMetadata) => latencies.push(performance.now() - sent),
        fail,
      ),
    );
  }
  await Promise.all(waits);
  latencies.sort((a, b) => a - b);
  result.p50Ms = percentile(latencies, 50);
  result.p99Ms = percentile(latencies, 99);
} else {
  throw new Error(`unknown mode ${mode}`);
}
result.seconds = (performance.now() - t0) / 1000;
if (mode.startsWith("memory")) result.peakRssMiB = peakRssMiB();
await producer.close();
if (failed > 0) throw new Error(`${failed} records failed: ${firstError}`);
console.log(JSON.stringify(result));

/** The process's peak resident set size (Linux `VmHWM`). */
function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}
