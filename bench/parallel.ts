/**
 * Parallel consumption benchmark (`consumer.parallel()`), against a broker at KAFKA_BOOTSTRAP (default
 * 127.0.0.1:9092). Run it once per runtime, from the repository root:
 *
 *   node bench/parallel.ts
 *   deno run -A bench/parallel.ts
 *   bun bench/parallel.ts
 *
 * 1. I/O-bound: a handler that waits 10 ms per record, on a 3-partition topic with 1,000 keys, ordering
 *    "key", at concurrency 1, 16 and 256. Records per second from the start of the run until all are done.
 * 2. CPU-bound: a handler that spins 2 ms per record, on this thread against `workers: 2`.
 * 3. Handing a batch to a worker: 1,000 records of 1 KiB whose values are views of one 1 MiB fetched
 *    buffer, as the consumer hands them over. The structured clone of the records copies each view's
 *    whole backing buffer (1 MiB per record); packing copies each payload once into one buffer that is
 *    then transferred without a copy. The figures show why the pool packs.
 *
 * Prints markdown tables. Takes about a minute.
 */
import process from "node:process";
import { Admin } from "../src/admin/admin.ts";
import { Consumer } from "../src/consumer/consumer.ts";
import type { ConsumerRecord } from "../src/consumer/types.ts";
import { packBatch, transferables } from "../src/consumer/parallel/wire.ts";
import { Producer } from "../src/producer/producer.ts";
import { detectRuntime } from "../src/transport/runtime.ts";
import { handler as spin } from "./parallel-spin.ts";

const bootstrapServers = process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const stamp = `${detectRuntime()}-${Date.now()}`;
const admin = new Admin({ bootstrapServers });
const made: string[] = [];

async function topicWith(name: string, count: number, value: (i: number) => string): Promise<string> {
  const topic = `bench-parallel-${name}-${stamp}`;
  await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
  made.push(topic);
  const producer = new Producer({ bootstrapServers, lingerMs: 5 });
  await producer.sendBatch(
    Array.from({ length: count }, (_, i) => ({ topic, key: `k${i % 1000}`, value: value(i) })),
  );
  await producer.close();
  return topic;
}

/** Runs `options` over `topic` until `count` records are handled; records per second. */
async function measure(
  topic: string,
  count: number,
  options: Parameters<Consumer["parallel"]>[0],
): Promise<number> {
  const consumer = new Consumer({
    bootstrapServers,
    groupId: `g-${topic}-${Math.random()}`,
    autoOffsetReset: "earliest",
  });
  consumer.subscribe([topic]);
  // Wait for the assignment and the first records before timing.
  let t0 = 0;
  const run = consumer.parallel(options);
  while (run.stats().handled === 0) await new Promise((r) => setTimeout(r, 5));
  t0 = performance.now();
  const first = run.stats().handled;
  while (run.stats().handled < count) await new Promise((r) => setTimeout(r, 5));
  const rate = (run.stats().handled - first) / ((performance.now() - t0) / 1000);
  await run.stop();
  await consumer.close();
  return rate;
}

const sleep10 = (_r: ConsumerRecord) => new Promise<void>((r) => setTimeout(r, 10));

console.log(`## ${detectRuntime()}\n`);
console.log("| handler waits 10 ms, 3 partitions, ordering key | records/s |\n| --- | ---: |");
for (const [concurrency, count] of [[1, 300], [16, 3000], [256, 20000]] as const) {
  const topic = await topicWith(`io${concurrency}`, count, (i) => `${i}`);
  const rate = await measure(topic, count, { concurrency, ordering: "key", handler: sleep10 });
  console.log(`| concurrency ${concurrency} | ${rate.toFixed(0)} |`);
}

console.log("\n| handler spins 2 ms per record | records/s |\n| --- | ---: |");
const cpu = await topicWith("cpu", 1500, (i) => `${i}:2000`);
const inThread = await measure(cpu, 1500, { concurrency: 1, ordering: "unordered", handler: spin });
console.log(`| this thread | ${inThread.toFixed(0)} |`);
const pooled = await measure(cpu, 1500, {
  workers: 2,
  ordering: "unordered",
  handlerModule: new URL("./parallel-spin.ts", import.meta.url),
});
console.log(`| workers: 2 | ${pooled.toFixed(0)} |`);

// 3. The cost of getting 1,000 records to another thread.
const fetched = new Uint8Array(1024 * 1024);
const records: ConsumerRecord[] = Array.from({ length: 1000 }, (_, i) => ({
  topic: "t",
  partition: 0,
  offset: BigInt(i),
  timestamp: 0,
  timestampType: 0,
  key: fetched.subarray(i * 1024, i * 1024 + 8),
  value: fetched.subarray(i * 1024 + 8, i * 1024 + 1024),
  headers: [],
  leaderEpoch: 0,
}));
function best(f: () => void, rounds = 5): number {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    f();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}
const cloneMs = best(() => structuredClone(records), 3);
const packMs = best(() => {
  const b = packBatch(records);
  structuredClone(b, { transfer: transferables(b) });
});
console.log(
  "\n| 1,000 records of 1 KiB (views of a 1 MiB fetch) to a worker | ms per batch |\n| --- | ---: |",
);
console.log(`| structured clone of the records | ${cloneMs.toFixed(2)} |`);
console.log(`| packed once into one buffer, transferred | ${packMs.toFixed(2)} |`);

await admin.deleteTopics(made).catch(() => {});
await admin.close();
