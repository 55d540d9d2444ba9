// Writes 100,000 records to a new 3-partition topic and reads them back, printing throughput both ways.
// Run it with `npm run demo` (starts a local broker), or set KAFKA_BOOTSTRAP to use your own.
import {
  Cluster,
  CreateTopics,
  decodeRecordBatches,
  DeleteTopics,
  detectRuntime,
  encodeRecordBatch,
  Fetch,
  initCrc32c,
  Produce,
  type RecordInput,
} from "../mod.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const bootstrap = env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const TOTAL = 100_000;
const VALUE_BYTES = 1024;
const BATCH = 1_000; // records per partition batch
const IN_FLIGHT = 4; // Produce requests in flight per broker

await initCrc32c();
const cluster = new Cluster({ bootstrapServers: bootstrap, clientId: "demo" });
const topic = `demo-${Date.now()}`;
const created = await cluster.send("any", CreateTopics, {
  topics: [{ name: topic, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }],
  timeoutMs: 30_000,
  validateOnly: false,
});
if (created.topics[0].errorCode !== 0) throw new Error(`create topic: ${created.topics[0].errorMessage}`);
const { topicId, partitions } = await cluster.topic(topic);
console.log(`${detectRuntime()}: topic ${topic} with ${partitions.length} partitions on ${bootstrap}`);

// One value buffer shared by every record: the demo measures the client, not the data generator.
const value = new Uint8Array(VALUE_BYTES).map((_, i) => i & 0xff);
const enc = new TextEncoder();
// Spread TOTAL exactly over the partitions.
const share = (p: number) => Math.floor(TOTAL / partitions.length) + (p < TOTAL % partitions.length ? 1 : 0);

// Write: each partition's records in batches, several Produce requests in flight per broker.
let writtenBytes = 0;
const jobs: { leader: number; partition: number; records: RecordInput[] }[] = [];
for (const p of partitions) {
  const count = share(p.partition);
  for (let start = 0; start < count; start += BATCH) {
    const records: RecordInput[] = [];
    for (let i = start; i < Math.min(start + BATCH, count); i++) {
      const key = enc.encode(`key-${p.partition}-${i}`);
      writtenBytes += key.length + value.length;
      records.push({ key, value });
    }
    jobs.push({ leader: p.leader, partition: p.partition, records });
  }
}
let written = 0;
const t0 = performance.now();
const lanes = Array.from({ length: IN_FLIGHT * partitions.length }, async () => {
  for (let job = jobs.shift(); job; job = jobs.shift()) {
    const res = await cluster.send(job.leader, Produce, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30_000,
      topicData: [{
        name: topic,
        topicId,
        partitionData: [{ index: job.partition, records: encodeRecordBatch({ records: job.records }) }],
      }],
    });
    const r = res.responses[0].partitionResponses[0];
    if (r.errorCode !== 0) throw new Error(`produce to partition ${r.index}: error ${r.errorCode}`);
    written += job.records.length;
  }
});
await Promise.all(lanes);
const writeSecs = (performance.now() - t0) / 1000;

// Read: one Fetch at a time for all partitions, until every record is back.
const offsets = new Map(partitions.map((p) => [p.partition, 0n]));
let read = 0;
let readBytes = 0;
const t1 = performance.now();
while (read < written) {
  const res = await cluster.send(partitions[0].leader, Fetch, {
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 64 * 1024 * 1024,
    isolationLevel: 0,
    topics: [{
      topic,
      topicId,
      partitions: partitions.map((p) => ({
        partition: p.partition,
        fetchOffset: offsets.get(p.partition)!,
        partitionMaxBytes: 8 * 1024 * 1024,
      })),
    }],
  });
  for (const part of res.responses[0].partitions) {
    if (part.errorCode !== 0) {
      throw new Error(`fetch partition ${part.partitionIndex}: error ${part.errorCode}`);
    }
    let next = offsets.get(part.partitionIndex)!;
    for (const batch of decodeRecordBatches(part.records ?? new Uint8Array(0))) {
      for (const r of batch.records) {
        if (r.offset < next) continue;
        readBytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
        next = r.offset + 1n;
        read++;
      }
    }
    offsets.set(part.partitionIndex, next);
  }
}
const readSecs = (performance.now() - t1) / 1000;

await cluster.send("any", DeleteTopics, {
  topics: [{ name: topic, topicId }],
  topicNames: [topic],
  timeoutMs: 30_000,
});
await cluster.close();

const wmb = writtenBytes / 1e6;
const rmb = readBytes / 1e6;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(
  `wrote ${fmt(written)} records (${wmb.toFixed(1)} MB) in ${writeSecs.toFixed(2)} s: ` +
    `${fmt(written / writeSecs)} records/s, ${(wmb / writeSecs).toFixed(1)} MB/s (acks=all)`,
);
console.log(
  `read  ${fmt(read)} records (${rmb.toFixed(1)} MB) in ${readSecs.toFixed(2)} s: ` +
    `${fmt(read / readSecs)} records/s, ${(rmb / readSecs).toFixed(1)} MB/s`,
);
if (read !== written) throw new Error(`read ${read} records, wrote ${written}`);
