// Consume, transform, produce, as one chain of Web Streams:
//   consumer.stream().pipeThrough(new TransformStream(...)).pipeTo(producer.writable())
// It writes some sentences to an input topic, then a consumer group reads them, upper-cases each one and writes
// it to an output topic with a header naming the input record it came from.
//
//   node examples/transform.ts [count]     (or deno run -A, or bun; default 10 records)
//
// KAFKA_BOOTSTRAP names the broker (default 127.0.0.1:9092); KAFKA_TOPIC and KAFKA_OUTPUT_TOPIC the topics
// (created if missing), KAFKA_GROUP the group. Run it again: the group goes on from where it committed.
import process from "node:process";
import { Admin, Consumer, type ConsumerRecord, Producer, type ProducerRecord } from "../mod.ts"; // "@kafka-ts/client"

const bootstrapServers = process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const input = process.env.KAFKA_TOPIC ?? "kafka-ts-sentences";
const output = process.env.KAFKA_OUTPUT_TOPIC ?? "kafka-ts-shouted";
const groupId = process.env.KAFKA_GROUP ?? "kafka-ts-transform";
const count = Number(process.argv[2] ?? 10);

const admin = new Admin({ bootstrapServers });
try {
  const existing = new Set((await admin.listTopics()).map((t) => t.name));
  const missing = [input, output].filter((name) => !existing.has(name));
  if (missing.length > 0) {
    await admin.createTopics(missing.map((name) => ({ name, numPartitions: 3, replicationFactor: 1 })));
  }
} finally {
  await admin.close();
}

const producer = new Producer({ bootstrapServers });
// Some input to work on.
await producer.sendBatch(
  Array.from(
    { length: count },
    (_, i) => ({ topic: input, key: `line-${i}`, value: `sentence number ${i}` }),
  ),
);

const consumer = new Consumer({ bootstrapServers, groupId, autoOffsetReset: "earliest" });
consumer.subscribe([input]);
const decoder = new TextDecoder();
let done = 0;
const shout = new TransformStream<ConsumerRecord, ProducerRecord>({
  transform(r, controller) {
    controller.enqueue({
      topic: output,
      key: r.key,
      value: decoder.decode(r.value ?? undefined).toUpperCase(),
      headers: { source: `${r.topic}/${r.partition}/${r.offset}` },
    });
    // Stop after `count` records: ending this stream cancels the consumer's and closes the producer's.
    if (++done === count) controller.terminate();
  },
});
try {
  // Closing the producer's writable at the end flushes it: every record written is acknowledged.
  await consumer.stream().pipeThrough(shout).pipeTo(producer.writable(), {
    signal: AbortSignal.timeout(30_000),
  });
} finally {
  await consumer.close(); // commits what was handed on, and leaves the group
  await producer.close();
}
console.log(`transformed ${done} records from ${input} into ${output}`);
