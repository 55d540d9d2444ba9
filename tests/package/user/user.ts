// A TypeScript user's file, type-checked against the installed package's .d.ts files.
import {
  Admin,
  Consumer,
  type ConsumerRecord,
  Producer,
  type ProducerRecord,
  type RecordMetadata,
} from "@kafka-ts/client";

const producer = new Producer({ bootstrapServers: "127.0.0.1:9092", compression: "zstd", lingerMs: 5 });
const record: ProducerRecord = { topic: "events", key: "k", value: "v" };
const sent: Promise<RecordMetadata> = producer.send(record);
const partition: Promise<number> = sent.then((m) => m.partition);

// @ts-expect-error compression takes a codec name, so a typo is a type error
new Producer({ bootstrapServers: "127.0.0.1:9092", compression: "brotli" });

const consumer = new Consumer({ bootstrapServers: "127.0.0.1:9092", groupId: "g" });
consumer.subscribe(["events"]);
const stream: ReadableStream<ConsumerRecord> = consumer.stream();
const offset = (r: ConsumerRecord): bigint => r.offset;

const admin = new Admin({ bootstrapServers: "127.0.0.1:9092" });
const topics: Promise<string[]> = admin.listTopics().then((l) => l.map((t) => t.name));

export { offset, partition, stream, topics };
