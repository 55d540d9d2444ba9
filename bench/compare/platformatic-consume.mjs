// @platformatic/kafka reading a filled topic from the beginning (Node); prints a JSON result. Its consumer
// always joins a group: a fresh group per run, mode "earliest", no autocommit, read_uncommitted (its
// default is read_committed), and the stream's "data" events (no async-iterator overhead per message).
import { Consumer, MessagesStreamModes } from "@platformatic/kafka";
import { FETCH_MAX_BYTES, parseConsumeArgs, PARTITION_FETCH_BYTES, ReadMeter } from "./workload.ts";

const { bootstrap, topic, expected } = parseConsumeArgs(process.argv.slice(2));
const consumer = new Consumer({
  clientId: "bench",
  groupId: `bench-platformatic-${Date.now()}`,
  bootstrapBrokers: bootstrap.split(","),
  maxBytes: FETCH_MAX_BYTES,
  maxBytesPerPartition: PARTITION_FETCH_BYTES,
  maxWaitTime: 500,
  isolationLevel: 0,
  autocommit: false,
});
const meter = new ReadMeter(expected);
meter.start();
const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST });
stream.on("data", (m) => {
  meter.add(1, m.value?.length ?? 0);
});
stream.on("error", (e) => {
  console.error(String(e?.message ?? e));
  process.exit(1);
});
try {
  await meter.done;
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const result = meter.result("@platformatic/kafka");
await stream.close();
await consumer.close(true);
console.log(JSON.stringify(result));
