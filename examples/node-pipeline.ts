// Node streams with kafka-ts, joined by `stream.pipeline`: a Node Readable of records is written through
// `Writable.fromWeb(producer.writable())`, then `Readable.fromWeb(consumer.stream())` goes through a Node
// Transform into a file, one JSON line per record.
//
//   node examples/node-pipeline.ts [count] [file]     (default 10 records into records.jsonl; Bun runs it too)
//
// KAFKA_BOOTSTRAP names the broker (default 127.0.0.1:9092), KAFKA_TOPIC the topic (created if missing).
import { createWriteStream } from "node:fs";
import process from "node:process";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Admin, Consumer, type ConsumerRecord, Producer, type ProducerRecord } from "../mod.ts"; // "@kafka-ts/client"

const bootstrapServers = process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const topic = process.env.KAFKA_TOPIC ?? "kafka-ts-node-example";
const count = Number(process.argv[2] ?? 10);
const file = process.argv[3] ?? "records.jsonl";

// Where each partition ends before writing: reading starts there, so it gets exactly this run's records.
const admin = new Admin({ bootstrapServers });
const start = await (async () => {
  try {
    if (!(await admin.listTopics()).some((t) => t.name === topic)) {
      await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
    }
    const [{ partitions }] = await admin.describeTopics([topic]);
    return await admin.listOffsets(
      partitions.map((p) => ({ topic, partition: p.partition, spec: "latest" })),
    );
  } finally {
    await admin.close();
  }
})();

// Write: a Node Readable of records into the producer's WritableStream; closing it flushes.
const producer = new Producer({ bootstrapServers });
function* orders(): Generator<ProducerRecord> {
  for (let i = 0; i < count; i++) {
    yield { topic, key: `order-${i}`, value: JSON.stringify({ order: i, amount: (i * 37) % 100 }) };
  }
}
await pipeline(Readable.from(orders()), Writable.fromWeb(producer.writable(), { objectMode: true }));
await producer.close();

// Read: `count` records from where the write began, as JSON lines into the file.
const consumer = new Consumer({ bootstrapServers });
consumer.assign(start.map(({ topic, partition }) => ({ topic, partition })));
for (const s of start) consumer.seek(s, s.offset);
const decoder = new TextDecoder();
const toJsonLines = new Transform({
  writableObjectMode: true,
  transform(r: ConsumerRecord, _encoding, done) {
    const line = {
      partition: r.partition,
      offset: String(r.offset),
      key: decoder.decode(r.key ?? undefined),
    };
    done(null, JSON.stringify({ ...line, value: JSON.parse(decoder.decode(r.value ?? undefined)) }) + "\n");
  },
});
// The consumer's stream never ends by itself: stop after `count` records (which cancels the stream).
async function* take(records: AsyncIterable<ConsumerRecord>): AsyncGenerator<ConsumerRecord> {
  let n = 0;
  for await (const r of records) {
    yield r;
    if (++n === count) return;
  }
}
try {
  await pipeline(
    // The cast only bridges two typings of the same Web ReadableStream (Deno's and @types/node's).
    Readable.fromWeb(consumer.stream() as NodeReadableStream<ConsumerRecord>, { objectMode: true }),
    take,
    toJsonLines,
    createWriteStream(file),
    { signal: AbortSignal.timeout(30_000) },
  );
} finally {
  await consumer.close();
}
console.log(`wrote ${count} records to ${topic} and read them back into ${file}`);
