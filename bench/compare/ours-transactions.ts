// This client's producer writing in transactions (or idempotent, for comparison) on the current runtime;
// prints a JSON result. Args: <bootstrap> <topic> <valueBytes> <commitEvery, 0 for idempotent>.
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { CHUNK, CONCURRENCY, makeValue, type ProduceResult, recordCount } from "./workload.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const [bootstrap, topic, valueBytesText, everyText] = args;
const valueBytes = Number(valueBytesText);
const every = Number(everyText);
const producer = new Producer({
  bootstrapServers: bootstrap,
  lingerMs: 5,
  batchSize: 256 * 1024,
  transactionalId: every > 0 ? `bench-${topic}` : undefined,
});
const value = makeValue(valueBytes);
const total = recordCount(valueBytes);
const chunk = Array.from({ length: CHUNK }, () => ({ topic, value }));
if (every > 0) await producer.initTransactions();
// Connect and fetch metadata outside the timing.
if (every > 0) await producer.transaction((tx) => tx.send({ topic, value }));
else await producer.send({ topic, value });

/** `count` records in sends of CHUNK, CONCURRENCY in flight. */
async function sendMany(count: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const n = Math.min(CHUNK, count - next);
      next += n;
      await producer.sendBatch(n === CHUNK ? chunk : chunk.slice(0, n));
    }
  }));
}

const t0 = performance.now();
if (every > 0) {
  for (let done = 0; done < total; done += every) {
    producer.beginTransaction();
    await sendMany(Math.min(every, total - done));
    await producer.commitTransaction();
  }
} else {
  await sendMany(total);
}
const seconds = (performance.now() - t0) / 1000;
await producer.close();
const result: ProduceResult = {
  client: `kafka-ts (${detectRuntime()}) ${every > 0 ? `commit every ${every}` : "idempotent"}`,
  records: total,
  bytes: total * valueBytes,
  seconds,
};
console.log(JSON.stringify(result));
