// Runs in a scratch project that installed the packed tarball: plain JavaScript, the package imported
// by name, no loader and no set-up call. Writes records with each codec named on the command line,
// reads them back with a consumer, and prints one JSON line with what it saw.
import { Admin, Consumer, Producer } from "@kafka-ts/client";

const [bootstrap, topic, ...codecs] = globalThis.Deno?.args ?? process.argv.slice(2);
const PER_CODEC = 50;

const admin = new Admin({ bootstrapServers: bootstrap });
await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
await admin.listOffsets([{ topic, partition: 0, spec: "latest" }]); // the leader is ready for writes
await admin.close();

const sent = [];
for (const compression of codecs) {
  const producer = new Producer({ bootstrapServers: bootstrap, compression, lingerMs: 5 });
  const acks = [];
  for (let i = 0; i < PER_CODEC; i++) {
    const value = `${compression}-${i}-${"x".repeat(i * 10)}`;
    sent.push(value);
    acks.push(producer.send({ topic, partition: 0, key: `k${i}`, value }));
  }
  await Promise.all(acks);
  await producer.close();
}

const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: "earliest" });
consumer.assign([{ topic, partition: 0 }]);
const got = [];
const deadline = Date.now() + 30_000;
while (got.length < sent.length && Date.now() < deadline) {
  for (const r of await consumer.poll(1000)) got.push(new TextDecoder().decode(r.value));
}
await consumer.close();
console.log(JSON.stringify({ sent, got }));
