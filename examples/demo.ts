// Writes 100,000 records of 1 KiB to a new 3-partition topic and reads them back, all through Web Streams:
// a ReadableStream of records piped into `producer.writable()`, then `consumer.stream()` piped into a
// WritableStream that checks every record. Prints throughput both ways and exits non-zero on any mismatch.
// Run it with `npm run demo` (starts a local broker), or set KAFKA_BOOTSTRAP to use your own; DEMO_RECORDS
// sets another number of records.
import {
  Admin,
  Consumer,
  type ConsumerRecord,
  detectRuntime,
  Producer,
  type ProducerRecord,
} from "../mod.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const bootstrap = env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const TOTAL = Number(env.DEMO_RECORDS ?? 100_000);
if (!Number.isInteger(TOTAL) || TOTAL < 1) throw new RangeError("DEMO_RECORDS must be a whole number > 0");
const VALUE_BYTES = 1024;
const PARTITIONS = 3;
/** Reading gives up when no record arrives for this long, instead of waiting forever. */
const STALL_MS = 30_000;

const admin = new Admin({ bootstrapServers: bootstrap, clientId: "demo" });
const topic = `demo-${Date.now()}`;
await admin.createTopics([{ name: topic, numPartitions: PARTITIONS, replicationFactor: 1 }]);
// A new topic's leaders may refuse writes for a moment; ListOffsets retries until each one answers.
await admin.listOffsets(
  Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, spec: "latest" as const })),
);
console.log(`${detectRuntime()}: topic ${topic} with ${PARTITIONS} partitions on ${bootstrap}`);

const problems: string[] = [];
try {
  // ---- Write ----
  // The delivery report tells how many records each partition got, to check the read against.
  const delivered = new Map<number, number>();
  let failed = 0;
  const producer = new Producer({
    bootstrapServers: bootstrap,
    clientId: "demo",
    // 1 KiB records: bigger batches than the Java default of 16 KiB mean fewer, fuller requests.
    batchSize: 256 * 1024,
    onDelivery: (error, metadata) => {
      if (error || !metadata) failed++;
      else delivered.set(metadata.partition, (delivered.get(metadata.partition) ?? 0) + 1);
    },
  });
  // One value buffer shared by every record: the demo measures the client, not the data generator.
  const value = new Uint8Array(VALUE_BYTES).map((_, i) => i & 0xff);
  let made = 0;
  // Records are made as the producer asks for them: `pull` runs only while the writable has room.
  const source = new ReadableStream<ProducerRecord>({
    pull(controller) {
      for (let n = 0; n < 1000 && made < TOTAL; n++, made++) {
        controller.enqueue({ topic, key: `key-${made}`, value });
      }
      if (made === TOTAL) controller.close();
    },
  }, { highWaterMark: 1000 });
  const t0 = performance.now();
  await source.pipeTo(producer.writable()); // closing the writable flushes: every record is acknowledged
  const writeSecs = (performance.now() - t0) / 1000;
  await producer.close();
  const written = [...delivered.values()].reduce((a, b) => a + b, 0);
  if (failed > 0 || written !== TOTAL) {
    problems.push(`wrote ${written} of ${TOTAL} records, ${failed} failed`);
  }
  report("wrote", written, written * VALUE_BYTES, writeSecs, "acks=all");

  // ---- Read ----
  // Manual assignment of every partition, from the beginning: no group to join. With a `groupId`,
  // `consumer.subscribe([topic])` reads the same way.
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    clientId: "demo",
    autoOffsetReset: "earliest",
  });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
  const seen = new Uint8Array(TOTAL); // which keys arrived, to catch duplicates and losses
  const nextOffset = new Map<number, bigint>(); // per partition: offsets must run 0, 1, 2, ... without gaps
  const perPartition = new Map<number, number>();
  const dec = new TextDecoder();
  let read = 0;
  let readBytes = 0;
  let t1 = performance.now();
  let lastAt = t1;
  let complete = false;
  const stop = new AbortController();
  const watchdog = setInterval(() => {
    if (performance.now() - lastAt > STALL_MS) {
      stop.abort(new Error(`no record for ${STALL_MS / 1000} s after ${read} of ${TOTAL}`));
    }
  }, 1000);
  const sink = new WritableStream<ConsumerRecord>({
    write(r) {
      if (read === 0) t1 = performance.now(); // time the reading, not the connecting
      lastAt = performance.now();
      read++;
      readBytes += r.value?.length ?? 0;
      const expected = nextOffset.get(r.partition) ?? 0n;
      if (r.offset !== expected && problems.length < 10) {
        problems.push(`partition ${r.partition}: offset ${r.offset}, expected ${expected}`);
      }
      nextOffset.set(r.partition, r.offset + 1n);
      perPartition.set(r.partition, (perPartition.get(r.partition) ?? 0) + 1);
      const i = r.key ? Number(dec.decode(r.key).slice("key-".length)) : -1;
      if (!(Number.isInteger(i) && i >= 0 && i < TOTAL) || seen[i]++ !== 0) {
        if (problems.length < 10) problems.push(`unexpected or repeated key at ${r.partition}/${r.offset}`);
      }
      if (r.value?.length !== VALUE_BYTES && problems.length < 10) {
        problems.push(`value of ${r.value?.length} bytes at ${r.partition}/${r.offset}`);
      }
      if (read === TOTAL) {
        complete = true;
        stop.abort(); // everything is here: end the pipe (and the consumer's stream)
      }
    },
  });
  try {
    await consumer.stream().pipeTo(sink, { signal: stop.signal });
  } catch (e) {
    // Aborting once all records arrived is the normal end; any other reason is a failure.
    if (!complete) {
      problems.push(`read failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  } finally {
    clearInterval(watchdog);
  }
  const readSecs = (performance.now() - t1) / 1000;
  await consumer.close();
  report("read ", read, readBytes, readSecs, "");

  if (read !== TOTAL) problems.push(`read ${read} records, wrote ${TOTAL}`);
  for (let p = 0; p < PARTITIONS; p++) {
    const got = perPartition.get(p) ?? 0;
    if (got !== (delivered.get(p) ?? 0)) {
      problems.push(`partition ${p}: read ${got} records, ${delivered.get(p) ?? 0} were written`);
    }
  }
  if (problems.length === 0) {
    const split = [...Array(PARTITIONS).keys()].map((p) => perPartition.get(p) ?? 0).join(" + ");
    console.log(`all ${TOTAL.toLocaleString("en-US")} records back, offsets contiguous (${split})`);
  }
} finally {
  await admin.deleteTopics([topic]);
  await admin.close();
}
if (problems.length > 0) {
  for (const p of problems) console.error(`mismatch: ${p}`);
  throw new Error(`${problems.length} mismatch(es)`);
}

function report(what: string, records: number, bytes: number, secs: number, note: string): void {
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const mb = bytes / 1e6;
  console.log(
    `${what} ${fmt(records)} records (${mb.toFixed(1)} MB) in ${secs.toFixed(2)} s: ` +
      `${fmt(records / secs)} records/s, ${(mb / secs).toFixed(1)} MB/s${note ? ` (${note})` : ""}`,
  );
}
