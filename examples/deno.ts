// A Deno script: writes some records with `producer.send`, then reads exactly those back in a consumer
// group through `consumer.stream()`, and commits what it read when it closes the consumer.
//
//   deno run -A examples/deno.ts [count]      (default 10 records)
//
// KAFKA_BOOTSTRAP names the broker (default 127.0.0.1:9092), KAFKA_TOPIC the topic (created if missing)
// and KAFKA_GROUP the group. Run it twice: the group goes on from where the first run committed.
import { Admin, Consumer, Producer } from "../mod.ts"; // in your project: "@kafka-ts/client"

const bootstrapServers = Deno.env.get("KAFKA_BOOTSTRAP") ?? "127.0.0.1:9092";
const topic = Deno.env.get("KAFKA_TOPIC") ?? "kafka-ts-deno-example";
const groupId = Deno.env.get("KAFKA_GROUP") ?? "kafka-ts-deno-example";
const count = Number(Deno.args[0] ?? 10);
if (!Number.isInteger(count) || count < 1) {
  console.error("usage: deno run -A examples/deno.ts [count]");
  Deno.exit(2);
}

const admin = new Admin({ bootstrapServers });
try {
  if (!(await admin.listTopics()).some((t) => t.name === topic)) {
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
  }
} finally {
  await admin.close();
}

const producer = new Producer({ bootstrapServers });
const run = crypto.randomUUID().slice(0, 8);
const written = await Promise.all(
  Array.from(
    { length: count },
    (_, i) => producer.send({ topic, key: `key-${i}`, value: `record ${i} of ${run}` }),
  ),
);
await producer.close();
console.log(`wrote ${count} records to ${topic}`);

// Read until every record written above is back (older unread ones of the group come along too).
const missing = new Set(written.map((m) => `${m.partition}/${m.offset}`));
const text = (bytes: Uint8Array | null) => new TextDecoder().decode(bytes ?? new Uint8Array());
const consumer = new Consumer({
  bootstrapServers,
  groupId,
  autoOffsetReset: "earliest",
  keyDeserializer: text,
  valueDeserializer: text,
});
consumer.subscribe([topic]);
const done = new AbortController();
try {
  await consumer.stream().pipeTo(
    new WritableStream({
      write(record) {
        console.log(`${record.partition}/${record.offset} ${record.key} = ${record.value}`);
        missing.delete(`${record.partition}/${record.offset}`);
        if (missing.size === 0) done.abort();
      },
    }),
    { signal: AbortSignal.any([done.signal, AbortSignal.timeout(30_000)]) },
  );
} catch (e) {
  if (missing.size > 0) throw e; // a timeout or a failure, not our own abort
} finally {
  await consumer.close(); // commits what the sink took, then leaves the group
}
console.log(`read back all ${count} records`);
