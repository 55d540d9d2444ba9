// @platformatic/kafka for one case (Node); prints a JSON result.
import { Producer } from "@platformatic/kafka";
import { drive, makeValue, parseArgs, recordCount } from "./workload.ts";

const { bootstrap, topic, c } = parseArgs(process.argv.slice(2));
const producer = new Producer({
  clientId: "bench",
  bootstrapBrokers: bootstrap.split(","),
  acks: c.acks,
  idempotent: c.acks === -1,
});
const value = Buffer.from(makeValue(c.valueBytes));
const total = recordCount(c.valueBytes);
const messages = Array.from({ length: 1000 }, () => ({ topic, value }));
const compression = c.compression === "none" ? undefined : c.compression;
try {
  await producer.send({ messages: [{ topic, value }], compression });
} catch (e) {
  console.log(
    JSON.stringify({ client: "@platformatic/kafka", unsupported: String(e.message ?? e).slice(0, 80) }),
  );
  await producer.close();
  process.exit(0);
}
const seconds = await drive(
  total,
  (_, count) => producer.send({ messages: messages.slice(0, count), compression }),
);
await producer.close();
console.log(
  JSON.stringify({ client: "@platformatic/kafka", records: total, bytes: total * c.valueBytes, seconds }),
);
