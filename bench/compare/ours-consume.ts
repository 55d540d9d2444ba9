// This client's consumer on the current runtime (Node, Deno or Bun): reads a filled topic from the
// beginning and prints a JSON result. Manual assignment of every partition with earliest reset and no
// group: nothing to join or commit, the fastest way this client reads a topic. The read API is the last
// argument: "poll" (default: batches of POLL_RECORDS, the counterpart of KafkaJS's eachBatch), "stream"
// (`consumer.stream()` piped into a counting WritableStream) or "iterator" (`for await`).
import { Consumer } from "../../src/consumer/consumer.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import {
  CONSUME_PARTITIONS,
  FETCH_MAX_BYTES,
  parseConsumeArgs,
  PARTITION_FETCH_BYTES,
  ReadMeter,
} from "./workload.ts";

const POLL_RECORDS = 10_000;

const args = (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const { bootstrap, topic, expected } = parseConsumeArgs(args);
const arg = args[5] ?? "poll";
// "poll-nocrc": poll without checking CRCs, as librdkafka reads by default.
const mode = arg === "poll-nocrc" ? "poll" : arg;
if (mode !== "poll" && mode !== "stream" && mode !== "iterator") throw new Error(`unknown mode ${mode}`);
await registerDefaultCodecs();
const consumer = new Consumer({
  bootstrapServers: bootstrap,
  autoOffsetReset: "earliest",
  fetchMaxBytes: FETCH_MAX_BYTES,
  maxPartitionFetchBytes: PARTITION_FETCH_BYTES,
  checkCrcs: arg !== "poll-nocrc",
});
const meter = new ReadMeter(expected);
// A stalled read must end the run with its count, not hang it: an uncaught error exits non-zero.
meter.done.catch((e) =>
  setTimeout(() => {
    throw e;
  })
);
meter.start();
consumer.assign(Array.from({ length: CONSUME_PARTITIONS }, (_, partition) => ({ topic, partition })));

if (mode === "poll") {
  for (;;) {
    const records = await consumer.poll(1000, POLL_RECORDS);
    if (records.length === 0) continue;
    let bytes = 0;
    for (const r of records) bytes += r.value?.length ?? 0;
    if (meter.add(records.length, bytes)) break;
  }
} else if (mode === "stream") {
  // Aborting the pipe once every record is in cancels the consumer's stream (its reader stops pulling).
  const stop = new AbortController();
  const sink = new WritableStream<{ value: Uint8Array | null }>({
    write(r) {
      if (meter.add(1, r.value?.length ?? 0)) stop.abort();
    },
  });
  await consumer.stream().pipeTo(sink, { signal: stop.signal }).catch((e) => {
    if (!stop.signal.aborted) throw e;
  });
} else {
  for await (const r of consumer) {
    if (meter.add(1, r.value?.length ?? 0)) break;
  }
}
await meter.done;
const result = meter.result(`kafka-ts (${detectRuntime()}${arg === "poll" ? "" : `, ${arg}`})`);
await consumer.close();
console.log(JSON.stringify(result));
