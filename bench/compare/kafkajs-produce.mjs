// KafkaJS for one case (Node); prints a JSON result. KafkaJS has gzip built in and no other codec.
import kafkajs from "kafkajs";
import { drive, makeValue, parseArgs, recordCount } from "./workload.ts";

const { Kafka, CompressionTypes, logLevel } = kafkajs;
const { bootstrap, topic, c } = parseArgs(process.argv.slice(2));
const codecs = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP };
if (!(c.compression in codecs)) {
  console.log(JSON.stringify({ client: "kafkajs", unsupported: `${c.compression} needs a codec plugin` }));
  process.exit(0);
}
const kafka = new Kafka({ brokers: bootstrap.split(","), logLevel: logLevel.NOTHING });
const producer = kafka.producer({
  allowAutoTopicCreation: false,
  idempotent: c.acks === -1,
  maxInFlightRequests: 5,
});
await producer.connect();
const value = Buffer.from(makeValue(c.valueBytes));
const total = recordCount(c.valueBytes);
const messages = Array.from({ length: 1000 }, () => ({ value }));
await producer.send({ topic, messages: [{ value }], acks: c.acks });
const seconds = await drive(
  total,
  (_, count) =>
    producer.send({
      topic,
      messages: messages.slice(0, count),
      acks: c.acks,
      compression: codecs[c.compression],
    }),
);
await producer.disconnect();
console.log(JSON.stringify({ client: "kafkajs", records: total, bytes: total * c.valueBytes, seconds }));
