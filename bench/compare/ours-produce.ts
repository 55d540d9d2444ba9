// This client's producer on the current runtime (Node, Deno or Bun) for one case; prints a JSON result.
import { Producer } from "../../src/producer/producer.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { drive, makeValue, parseArgs, type ProduceResult, recordCount } from "./workload.ts";

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const { bootstrap, topic, c } = parseArgs(args);
await registerDefaultCodecs();
const producer = new Producer({
  bootstrapServers: bootstrap,
  acks: c.acks,
  lingerMs: c.lingerMs,
  compression: c.compression,
  batchSize: 256 * 1024,
});
const value = makeValue(c.valueBytes);
const total = recordCount(c.valueBytes);
const chunk = Array.from({ length: 1000 }, () => ({ topic, value }));
await producer.send({ topic, value }); // connect and fetch metadata outside the timing
const seconds = await drive(
  total,
  (_, count) => producer.sendBatch(count === chunk.length ? chunk : chunk.slice(0, count)),
);
await producer.close();
const result: ProduceResult = {
  client: `kafka-ts (${detectRuntime()})`,
  records: total,
  bytes: total * c.valueBytes,
  seconds,
};
console.log(JSON.stringify(result));
