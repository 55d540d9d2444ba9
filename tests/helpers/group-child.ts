// A consumer group member run as a child process by tests/faults/group-faults.test.ts, which kills it with
// SIGKILL. It reads slowly and commits after each poll, printing `read <values>` before each commit and
// `committed` after it, so the parent knows which records it had in flight when it died.
import process from "node:process";
import "../../mod.ts"; // installs the runtime's socket adapter
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerOptions } from "../../src/consumer/types.ts";

const env = process.env;
const classic = env.GROUP_PROTOCOL === "classic";
const consumer = new Consumer({
  bootstrapServers: env.KAFKA_CLUSTER_BOOTSTRAP!,
  groupId: env.GROUP_ID!,
  groupProtocol: env.GROUP_PROTOCOL as ConsumerOptions["groupProtocol"],
  autoOffsetReset: "earliest",
  enableAutoCommit: false,
  maxPollRecords: 50,
  // The classic protocol takes its session from the member; KIP-848's from the group's config.
  ...(classic ? { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 } : {}),
});
consumer.subscribe([env.GROUP_TOPIC!]);
const dec = new TextDecoder();
for (;;) {
  const records = await consumer.poll(200);
  if (records.length > 0) {
    console.log(`read ${records.map((r) => dec.decode(r.value!)).join(",")}`);
    await consumer.commit();
    console.log("committed");
  }
  await new Promise((r) => setTimeout(r, 20));
}
