// KafkaJS reading a filled topic from the beginning (Node); prints a JSON result. KafkaJS has no manual
// assignment: a fresh group per run, fromBeginning, no commits, and `eachBatch` (its fastest API: one call
// per fetched batch) with every partition consumed concurrently. It reads no LZ4 without a codec plugin.
import kafkajs from "kafkajs";
import {
  CONSUME_PARTITIONS,
  FETCH_MAX_BYTES,
  parseConsumeArgs,
  PARTITION_FETCH_BYTES,
  ReadMeter,
} from "./workload.ts";

const { Kafka, logLevel } = kafkajs;
const { bootstrap, topic, expected, c } = parseConsumeArgs(process.argv.slice(2));
if (c.compression !== "none") {
  console.log(JSON.stringify({ client: "kafkajs", unsupported: `${c.compression} needs a codec plugin` }));
  process.exit(0);
}
const kafka = new Kafka({ brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId: `bench-kafkajs-${Date.now()}`,
  maxBytes: FETCH_MAX_BYTES,
  maxBytesPerPartition: PARTITION_FETCH_BYTES,
  maxWaitTimeInMs: 500,
  allowAutoTopicCreation: false,
});
const meter = new ReadMeter(expected);
meter.start();
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: CONSUME_PARTITIONS,
  eachBatch: ({ batch }) => {
    let bytes = 0;
    for (const m of batch.messages) bytes += m.value?.length ?? 0;
    meter.add(batch.messages.length, bytes);
  },
});
try {
  await meter.done;
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const result = meter.result("kafkajs");
await consumer.disconnect();
console.log(JSON.stringify(result));
