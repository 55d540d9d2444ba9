// A group member consuming in parallel, run as a child process by tests/integration/parallel-kill.test.ts,
// which kills one of three with SIGKILL and starts it again. Each handled record is appended to the log
// file before its handler returns (synchronously, so a kill loses no line of a record that may have been
// committed): "<pid> <partition> <offset> <key> <seq>"; each commit once the broker took it:
// "commit <pid> <partition> <offset> <metadata>". Settings come from the environment.
import { appendFileSync } from "node:fs";
import process from "node:process";
import { Consumer } from "../../src/consumer/consumer.ts";
import "../../src/transport/runtime.ts";

const env = process.env;
const dec = new TextDecoder();
const consumer = new Consumer({
  bootstrapServers: env.KAFKA_BOOTSTRAP!,
  groupId: env.PAR_GROUP!,
  groupInstanceId: env.PAR_INSTANCE!,
  groupProtocol: env.PAR_PROTOCOL === "consumer" ? "consumer" : "classic",
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 500,
  autoOffsetReset: "earliest",
  partitionAssignmentStrategy: ["cooperative-sticky"],
  onCommit: (err, offsets) => {
    if (err) return;
    for (const o of offsets.values()) {
      appendFileSync(env.PAR_LOG!, `commit ${process.pid} ${o.partition} ${o.offset} ${o.metadata ?? ""}\n`);
    }
  },
});
consumer.subscribe([env.PAR_TOPIC!]);
const log = env.PAR_LOG!;
const pid = process.pid;
const run = consumer.parallel({
  concurrency: Number(env.PAR_CONCURRENCY),
  maxInFlightRecords: Number(env.PAR_MAX_IN_FLIGHT),
  ordering: "key",
  commitIntervalMs: 20,
  handler: async (r) => {
    await new Promise((res) => setTimeout(res, Number(env.PAR_HANDLER_MS)));
    const [key, seq] = dec.decode(r.value!).split(":");
    appendFileSync(log, `${pid} ${r.partition} ${r.offset} ${key} ${seq}\n`);
  },
});
console.log("ready");
process.on("SIGTERM", () => void run.stop());
await run;
await consumer.close();
