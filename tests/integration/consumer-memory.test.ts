// A slow sink behind `consumer.stream().pipeTo()` must not make the consumer buffer the topic: with a
// million records waiting, what it holds stays within its fetch settings, checked both through its own
// metrics and through the process's live memory (sampled after a forced full GC, so garbage is no noise).
// Closing the consumer mid-pipe ends the pipe cleanly, after the records already in the stream's queue.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerRecord } from "../../src/consumer/types.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const RECORDS = 1_000_000;
const PARTITIONS = 4;
const VALUE_BYTES = 100;
/** Largest batch the producer writes: the one thing a fetch may bring beyond its size limits. */
const BATCH_SIZE = 64 * 1024;
const MAX_BATCH = BATCH_SIZE + 1024;
// Fetch limits small next to the topic (about 130 MB on the wire). The buffer limit is tighter than
// two answers per partition, so it is this limit, not the per-partition one, that keeps memory down.
const MAX_PARTITION_FETCH_BYTES = 1024 * 1024;
const FETCH_MAX_BYTES = 2 * 1024 * 1024;
const FETCH_BUFFER_BYTES = 3 * 1024 * 1024;
const HIGH_WATER_MARK = 1000;
/** Generous size of one record held in the stream's queue: the object, its header list and two views. */
const RECORD_OVERHEAD = 1024;
/**
 * Live memory the consumer may add over the baseline: a few times everything it may hold (its buffer,
 * one more answer in flight or just decoded, the stream's queue), plus room for the runtime's own
 * bookkeeping (JIT code, socket buffers). Reading the whole topic ahead would need over 100 MB.
 */
const MEMORY_CEILING = 4 * (FETCH_BUFFER_BYTES + FETCH_MAX_BYTES + MAX_BATCH) +
  HIGH_WATER_MARK * RECORD_OVERHEAD + 24 * 1024 * 1024;
/** On top of its per-record work the sink waits this long every SLOW_EVERY records. */
const SLOW_EVERY = 1000;
const SLOW_MS = 2;
/** Live memory is measured (after a forced GC) every this many records. */
const SAMPLE_EVERY = 50_000;

/** A full, synchronous garbage collection on every runtime, without command-line flags. */
function gcFunction(): () => void {
  const g = globalThis as { Bun?: { gc(force: boolean): void } };
  if (g.Bun) return () => g.Bun!.gc(true);
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/**
 * Bytes of live JS objects and array buffers. V8 (Node, Deno) counts array buffers under `external`;
 * JavaScriptCore (Bun) counts them in `heapUsed` already.
 */
function liveBytes(): number {
  const m = process.memoryUsage();
  return detectRuntime() === "bun" ? m.heapUsed : m.heapUsed + m.external;
}

describe("consumer stream into a slow sink", () => {
  let cluster: Cluster;
  let gc: () => void;
  const topics: string[] = [];
  // Closed at the end even when an assertion fails midway, so no socket keeps the runtime alive.
  const open: Consumer[] = [];

  before(async () => {
    await registerDefaultCodecs();
    cluster = new Cluster({ bootstrapServers: bootstrap() });
    gc = gcFunction();
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => {});
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  /** Collects twice with a turn between, so array buffers freed by the first are swept too. */
  async function settledLiveBytes(): Promise<number> {
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    return liveBytes();
  }

  it(`pipeTo a slow sink over ${RECORDS} records holds only what the fetch settings allow`, async () => {
    const topic = uniqueTopic("consumer-memory");
    topics.push(topic);
    await createTopic(cluster, topic, PARTITIONS);

    // Record i goes to partition i % PARTITIONS at offset i / PARTITIONS; its value starts with i.
    const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 5, batchSize: BATCH_SIZE });
    const chunk = 50_000;
    for (let from = 0; from < RECORDS; from += chunk) {
      const batch = [];
      for (let i = from; i < from + chunk; i++) {
        const value = new Uint8Array(VALUE_BYTES);
        new DataView(value.buffer).setUint32(0, i);
        value.fill(i & 0xff, 4);
        batch.push({ topic, partition: i % PARTITIONS, value });
      }
      await producer.sendBatch(batch);
    }
    await producer.close();

    const baseline = await settledLiveBytes();
    const rssBaseline = process.memoryUsage().rss;

    const consumer = new Consumer({
      bootstrapServers: bootstrap(),
      autoOffsetReset: "earliest",
      maxPartitionFetchBytes: MAX_PARTITION_FETCH_BYTES,
      fetchMaxBytes: FETCH_MAX_BYTES,
      fetchBufferBytes: FETCH_BUFFER_BYTES,
    });
    open.push(consumer);
    consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));

    const next = new Array<bigint>(PARTITIONS).fill(0n);
    let read = 0;
    let bufferedSeen = 0;
    let liveMax = 0;
    let rssMax = 0;
    const done = Promise.withResolvers<void>();
    const sink = new WritableStream<ConsumerRecord>({
      write: async (r) => {
        // In order, nothing skipped or repeated, per partition; the value is the one written there.
        const p = r.partition;
        if (r.offset !== next[p]) assert.fail(`partition ${p}: offset ${r.offset}, expected ${next[p]}`);
        next[p]++;
        const i = Number(r.offset) * PARTITIONS + p;
        const v = r.value;
        if (
          v === null || v.length !== VALUE_BYTES || new DataView(v.buffer, v.byteOffset).getUint32(0) !== i
        ) {
          assert.fail(`partition ${p} offset ${r.offset}: not record ${i}`);
        }
        read++;
        if (read % 100 === 0) {
          bufferedSeen = Math.max(bufferedSeen, consumer.metrics().bufferedBytes);
        }
        if (read % SAMPLE_EVERY === 0) {
          liveMax = Math.max(liveMax, await settledLiveBytes() - baseline);
          rssMax = Math.max(rssMax, process.memoryUsage().rss - rssBaseline);
        }
        if (read === RECORDS) done.resolve();
        else if (read % SLOW_EVERY === 0) await new Promise((r) => setTimeout(r, SLOW_MS));
      },
    });
    const piped = consumer.stream({ highWaterMark: HIGH_WATER_MARK }).pipeTo(sink);
    piped.catch(done.reject); // a failed assertion in the sink ends the pipe
    await done.promise;
    const m = consumer.metrics();
    // Closing the consumer ends its stream, which closes the sink: the pipe finishes cleanly.
    await consumer.close();
    await piped;

    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      `${detectRuntime()}: ${read} records; bufferedBytesMax ${mb(m.bufferedBytesMax)}, ` +
        `live memory +${mb(liveMax)} over ${mb(baseline)}, rss +${mb(rssMax)} (not asserted), ` +
        `${m.fetchRequests} fetches`,
    );
    assert.equal(read, RECORDS);
    assert.deepEqual(next, new Array<bigint>(PARTITIONS).fill(BigInt(RECORDS / PARTITIONS)));
    assert.equal(m.recordsConsumed, RECORDS);
    // The consumer's own account: never more than its buffer limit, give or take one oversized batch.
    assert.ok(
      m.bufferedBytesMax <= FETCH_BUFFER_BYTES + MAX_BATCH,
      `bufferedBytesMax ${m.bufferedBytesMax} > ${FETCH_BUFFER_BYTES + MAX_BATCH}`,
    );
    // The gauge read from outside agrees with the high-water mark the consumer keeps.
    assert.ok(bufferedSeen <= m.bufferedBytesMax, `sampled ${bufferedSeen} > max ${m.bufferedBytesMax}`);
    // The process's account: live memory stayed within a multiple of what the settings allow.
    assert.ok(liveMax <= MEMORY_CEILING, `live memory grew by ${mb(liveMax)}, ceiling ${mb(MEMORY_CEILING)}`);
  });

  it("closing the consumer mid-pipe ends the pipe after the records already queued", async () => {
    const topic = uniqueTopic("consumer-close-pipe");
    topics.push(topic);
    await createTopic(cluster, topic, 1);
    const producer = new Producer({ bootstrapServers: bootstrap() });
    await producer.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic, partition: 0, value: `v${i}` })));
    await producer.close();

    const consumer = new Consumer({ bootstrapServers: bootstrap(), autoOffsetReset: "earliest" });
    open.push(consumer);
    consumer.assign([{ topic, partition: 0 }]);
    const offsets: bigint[] = [];
    const firstWrite = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const sink = new WritableStream<ConsumerRecord>({
      write: async (r) => {
        offsets.push(r.offset);
        if (offsets.length > 1) return;
        firstWrite.resolve();
        await release.promise;
      },
    });
    const piped = consumer.stream({ highWaterMark: 100 }).pipeTo(sink);
    await firstWrite.promise;
    // The sink holds the first record; the other nine wait in the stream's queue while its next pull
    // waits for records that never come. A moment lets that pull start.
    await new Promise((r) => setTimeout(r, 200));
    await consumer.close();
    release.resolve();
    await piped;
    assert.deepEqual(offsets, Array.from({ length: 10 }, (_, i) => BigInt(i)));
  });
});
