// A consume-transform-produce pipeline with exactly-once delivery, run as a child process by
// tests/integration/transactions-eos.test.ts, which kills it with SIGKILL at random points and starts it
// again. Input records carry an id; each output is "out-<id>". Settings come from the environment.
import process from "node:process";
// Installs the runtime's default socket adapter, as mod.ts does.
import "../../src/transport/runtime.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerRecord } from "../../src/consumer/types.ts";
import { Producer } from "../../src/producer/producer.ts";
import type { TransformedRecord } from "../../src/producer/transactional-writable.ts";
import { FORCE_CLASSIC_TRANSACTIONS } from "../../src/producer/transactions.ts";
import type { ProducerOptions } from "../../src/producer/types.ts";

const env = process.env;
const bootstrapServers = env.KAFKA_BOOTSTRAP!;
const input = env.EOS_INPUT!;
const output = env.EOS_OUTPUT!;
const dec = new TextDecoder();

const options: ProducerOptions = {
  bootstrapServers,
  transactionalId: env.EOS_TRANSACTIONAL_ID!,
  lingerMs: 5,
};
// EOS_CLASSIC=1: the classic transaction protocol, even where the broker offers KIP-890's.
const producer = new Producer(
  env.EOS_CLASSIC === "1" ? { ...options, [FORCE_CLASSIC_TRANSACTIONS]: true } as ProducerOptions : options,
);
// Before the consumer reads its committed offsets: this settles the killed predecessor's transaction.
await producer.initTransactions();
const consumer = new Consumer({
  bootstrapServers,
  groupId: env.EOS_GROUP!,
  groupInstanceId: "eos-worker", // a restarted worker takes its predecessor's place at once
  enableAutoCommit: false,
  autoOffsetReset: "earliest",
  isolationLevel: "read_committed",
});
consumer.subscribe([input]);
console.log("ready");

let n = 0;
const transform = new TransformStream<ConsumerRecord, TransformedRecord>({
  async transform(record, out) {
    // Slow enough that kills land in the middle of transactions.
    if (++n % 5 === 0) await new Promise((r) => setTimeout(r, 15));
    const id = dec.decode(record.value!);
    out.enqueue({ input: record, outputs: [{ topic: output, key: record.key, value: `out-${id}` }] });
  },
});
await consumer.stream({ highWaterMark: 200 })
  .pipeThrough(transform)
  .pipeTo(producer.transactionalWritable({ consumer, commitEvery: { records: 150, ms: 300 } }));
