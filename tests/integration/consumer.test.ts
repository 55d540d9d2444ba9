// The consumer against a real broker: read-back byte for byte, seeks, pause/resume, offset look-ups,
// offset reset, commits across restarts, poll batches, the iterator and bad input.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import type { RecordMetadata } from "../../src/producer/types.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerOptions, ConsumerRecord } from "../../src/consumer/types.ts";
import { NoOffsetForPartitionError, OffsetOutOfRangeError } from "../../src/consumer/errors.ts";
import { CorruptRecordError } from "../../src/protocol/record-batch.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { ConnectionError } from "../../src/transport/socket.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { apiKeyOf, wrapSockets } from "../helpers/reset-adapter.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Sent {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
  timestamp: number;
  meta: RecordMetadata;
}

/** Deterministic records of varied shape: null keys and values, empty values, repeated header keys. */
function makeRecord(i: number): Omit<Sent, "meta"> {
  const len = (i * 7919) % 300;
  return {
    key: i % 17 === 0 ? null : enc.encode(`key-${i}`),
    value: i % 53 === 0 ? null : Uint8Array.from({ length: len }, (_, j) => (i + j * 31) & 0xff),
    headers: i % 4 === 0 ? [{ key: "h", value: enc.encode(String(i)) }, { key: "h", value: null }] : [],
    timestamp: 1_700_000_000_000 + i,
  };
}

describe("consumer against a real broker", () => {
  let cluster: Cluster;
  const topics: string[] = [];
  const open: Consumer<unknown, unknown>[] = [];

  before(async () => {
    await registerDefaultCodecs();
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => {});
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  async function topic(prefix: string, partitions = 3): Promise<string> {
    const name = uniqueTopic(prefix);
    topics.push(name);
    await createTopic(cluster, name, partitions);
    return name;
  }

  function consumer<K = Uint8Array | null, V = Uint8Array | null>(
    o: Partial<ConsumerOptions<K, V>> = {},
  ): Consumer<K, V> {
    const c = new Consumer<K, V>({ bootstrapServers: bootstrap(), autoOffsetReset: "earliest", ...o });
    open.push(c as Consumer<unknown, unknown>);
    return c;
  }

  /** Writes `n` records (round robin over partitions, keys in the record); returns them with metadata. */
  async function produce(t: string, n: number, partitions = 3, from = 0): Promise<Sent[]> {
    const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 5, batchSize: 64 * 1024 });
    const recs = Array.from({ length: n }, (_, k) => makeRecord(from + k));
    const metas = await producer.sendBatch(
      recs.map((r, k) => ({ topic: t, partition: (from + k) % partitions, ...r })),
    );
    await producer.close();
    return recs.map((r, k) => ({ ...r, meta: metas[k] }));
  }

  /** Polls until `n` records came (fails after `ms`). */
  async function pollN<K, V>(c: Consumer<K, V>, n: number, ms = 20_000): Promise<ConsumerRecord<K, V>[]> {
    const out: ConsumerRecord<K, V>[] = [];
    const deadline = performance.now() + ms;
    while (out.length < n) {
      assert.ok(performance.now() < deadline, `got ${out.length} of ${n} records`);
      out.push(...await c.poll(500));
    }
    return out;
  }

  function assertSame(got: ConsumerRecord, want: Sent): void {
    const where = `${got.topic}-${got.partition}@${got.offset}`;
    assert.equal(got.partition, want.meta.partition, where);
    assert.equal(got.offset, want.meta.offset, where);
    assert.deepEqual(got.key, want.key, `${where} key`);
    assert.deepEqual(got.value, want.value, `${where} value`);
    assert.deepEqual(
      got.headers.map((h) => [h.key, h.value]),
      want.headers.map((h) => [h.key, h.value]),
      `${where} headers`,
    );
    assert.equal(got.timestamp, want.timestamp, `${where} timestamp`);
    assert.equal(got.timestampType, 0);
  }

  it("reads back through a stream, byte for byte, every partition in order", async () => {
    const t = await topic("consumer-stream");
    const sent = await produce(t, 20_000);
    const c = consumer();
    c.assign([0, 1, 2].map((partition) => ({ topic: t, partition })));
    const byPartition: ConsumerRecord[][] = [[], [], []];
    let n = 0;
    const reader = c.stream({ highWaterMark: 200 }).getReader();
    while (n < sent.length) {
      const { value, done } = await reader.read();
      assert.ok(!done);
      byPartition[value.partition].push(value);
      n++;
    }
    reader.releaseLock();
    for (let p = 0; p < 3; p++) {
      const want = sent.filter((s) => s.meta.partition === p);
      assert.equal(byPartition[p].length, want.length);
      for (let i = 0; i < want.length; i++) assertSame(byPartition[p][i], want[i]);
    }
    const m = c.metrics();
    assert.equal(m.recordsConsumed >= sent.length, true);
    assert.ok(m.fetchRequests > 0 && m.bytesFetched > 0 && m.fetchLatencyMaxMs > 0);
    for (let p = 0; p < 3; p++) assert.equal(c.lag({ topic: t, partition: p }), 0n);
    assert.equal(m.lag.get(`${t}:0`), 0n);
    await c.close();
  });

  it("keys, values and headers are views into the fetched bytes, not copies", async () => {
    const t = await topic("consumer-views", 1);
    await produce(t, 50, 1);
    const c = consumer();
    c.assign([{ topic: t, partition: 0 }]);
    const recs = await pollN(c, 50);
    const withValues = recs.filter((r) => r.value && r.value.length > 0);
    // Two records of one answer share one buffer.
    assert.equal(withValues[0].value!.buffer, withValues[1].value!.buffer);
    assert.ok(withValues[0].value!.buffer.byteLength > withValues[0].value!.length);
    await c.close();
  });

  it("seek, seekToBeginning, seekToEnd, seekRelative and position", async () => {
    const t = await topic("consumer-seek", 1);
    const sent = await produce(t, 1000, 1);
    const tp = { topic: t, partition: 0 };
    const c = consumer({ autoOffsetReset: "latest" });
    c.assign([tp]);
    assert.equal(await c.position(tp), 1000n); // latest
    c.seek(tp, 500n);
    assert.equal(await c.position(tp), 500n);
    let got = await pollN(c, 10);
    assert.equal(got[0].offset, 500n);
    assertSame(got[0], sent[500]);
    c.seek(tp, 990n);
    got = await pollN(c, 10);
    assert.deepEqual(got.map((r) => r.offset), Array.from({ length: 10 }, (_, i) => 990n + BigInt(i)));
    assert.equal(await c.position(tp), 1000n);
    assert.equal(await c.seekRelative(tp, -25n), 975n);
    got = await c.poll(5000, 1);
    assert.equal(got[0].offset, 975n);
    c.seekToBeginning([tp]);
    assert.equal(await c.position(tp), 0n);
    got = await c.poll(5000, 1);
    assert.equal(got[0].offset, 0n);
    assert.equal(await c.seekRelative(tp, -100n), 0n); // clamped
    c.seekToEnd();
    assert.equal(await c.position(tp), 1000n);
    assert.deepEqual(await c.poll(300), []);
    await produce(t, 5, 1, 1000);
    got = await pollN(c, 5);
    assert.equal(got[0].offset, 1000n);
    assertSame(got[4], {
      ...makeRecord(1004),
      meta: { topic: t, partition: 0, offset: 1004n, timestamp: 0 },
    });
    await c.close();
  });

  it("pause and resume", async () => {
    const t = await topic("consumer-pause", 2);
    await produce(t, 200, 2);
    const c = consumer();
    c.assign([{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
    c.pause([{ topic: t, partition: 1 }]);
    assert.deepEqual(c.paused(), [{ topic: t, partition: 1 }]);
    const got = await pollN(c, 100);
    // Only partition 0 while 1 is paused, and nothing more after its 100 records.
    assert.ok(got.every((r) => r.partition === 0));
    assert.deepEqual(await c.poll(300), []);
    c.resume([{ topic: t, partition: 1 }]);
    assert.deepEqual(c.paused(), []);
    const rest = await pollN(c, 100);
    assert.ok(rest.every((r) => r.partition === 1));
    assert.equal(rest[0].offset, 0n);
    await c.close();
  });

  it("beginning and end offsets, offsetsForTimes", async () => {
    const t = await topic("consumer-times", 1);
    await produce(t, 100, 1); // timestamps 1_700_000_000_000 + i
    const c = consumer();
    const tp = { topic: t, partition: 0 };
    assert.deepEqual(await c.beginningOffsets([tp]), new Map([[`${t}:0`, 0n]]));
    assert.deepEqual(await c.endOffsets([tp]), new Map([[`${t}:0`, 100n]]));
    const found = await c.offsetsForTimes(new Map([[`${t}:0`, 1_700_000_000_042]]));
    assert.deepEqual(found.get(`${t}:0`), { offset: 42n, timestamp: 1_700_000_000_042 });
    const late = await c.offsetsForTimes([{ ...tp, timestamp: 1_800_000_000_000 }]);
    assert.equal(late.get(`${t}:0`), null);
    await c.close();
  });

  it("autoOffsetReset earliest, latest and none", async () => {
    const t = await topic("consumer-reset", 1);
    await produce(t, 10, 1);
    const tp = { topic: t, partition: 0 };

    const early = consumer({ autoOffsetReset: "earliest" });
    early.assign([tp]);
    assert.equal((await pollN(early, 10))[0].offset, 0n);
    // Out of range: back to the earliest.
    early.seek(tp, 5000n);
    const again = await pollN(early, 1);
    assert.equal(again[0].offset, 0n);
    await early.close();

    const late = consumer({ autoOffsetReset: "latest" });
    late.assign([tp]);
    assert.deepEqual(await late.poll(500), []);
    await produce(t, 1, 1, 10);
    assert.equal((await pollN(late, 1))[0].offset, 10n);
    await late.close();

    const none = consumer({ autoOffsetReset: "none", groupId: uniqueTopic("g-none") });
    none.assign([tp]);
    await assert.rejects(none.poll(2000), NoOffsetForPartitionError);
    none.seek(tp, 3n);
    assert.equal((await pollN(none, 1))[0].offset, 3n);
    none.seek(tp, 999n);
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 20; i++) await none.poll(500);
      })(),
      (e: unknown) => e instanceof OffsetOutOfRangeError && e.offset === 999n,
    );
    await none.close();
  });

  it("commits survive a restart with manual assignment (sync, given offsets, async with onCommit)", async () => {
    const t = await topic("consumer-commit", 1);
    await produce(t, 300, 1);
    const tp = { topic: t, partition: 0 };
    const groupId = uniqueTopic("g-manual");

    const a = consumer({ groupId, enableAutoCommit: false });
    a.assign([tp]);
    const first = await pollN(a, 100);
    await a.commit({ offsets: [{ ...tp, offset: first[99].offset + 1n }] });
    assert.equal((await a.committed([tp])).get(`${t}:0`)?.offset, 100n);
    await a.close();

    const b = consumer({ groupId, enableAutoCommit: false, maxPollRecords: 50 });
    b.assign([tp]);
    const next = await b.poll(5000);
    assert.equal(next[0].offset, 100n);
    assert.equal(next.length <= 50, true);
    await b.commit(); // the position after the batch
    const expected = next[next.length - 1].offset + 1n;
    assert.equal((await b.committed([tp])).get(`${t}:0`)?.offset, expected);
    const reported = Promise.withResolvers<[Error | null, bigint | undefined]>();
    await b.close();

    const c = consumer({
      groupId,
      enableAutoCommit: false,
      onCommit: (err, offsets) => reported.resolve([err, offsets.get(`${t}:0`)?.offset]),
    });
    c.assign([tp]);
    const third = await c.poll(5000);
    assert.equal(third[0].offset, expected);
    await c.commit({ async: true });
    const [err, offset] = await reported.promise;
    assert.equal(err, null);
    assert.equal(offset, third[third.length - 1].offset + 1n);
    await c.close();
  });

  it("a consumer that cannot reach the cluster for a while starts from the committed offset once it can", async () => {
    const t = await topic("consumer-away", 1);
    await produce(t, 20, 1);
    const tp = { topic: t, partition: 0 };
    const groupId = uniqueTopic("g-away");
    const committer = consumer({ groupId, enableAutoCommit: false });
    committer.assign([tp]);
    await committer.commit({ offsets: [{ ...tp, offset: 12n }] });
    await committer.close();

    // For 4 s, longer than one look-up retries (one retry here), every connection that asks for the group's
    // coordinator or its offsets is cut, as while a whole cluster restarts: the look-up of the committed
    // offset fails retriably and must be tried again, not reported to the reader.
    const cutUntil = performance.now() + 4000;
    let cut = 0;
    const adapter = wrapSockets((socket) => ({
      write(bytes) {
        // 9 is OffsetFetch, 10 FindCoordinator.
        const key = apiKeyOf(bytes);
        if ((key === 9 || key === 10) && performance.now() < cutUntil) {
          cut++;
          void socket.close();
          return Promise.reject(new ConnectionError("connection cut by the fault injector"));
        }
        return socket.write(bytes);
      },
    }));
    const c = consumer({ groupId, enableAutoCommit: false, adapter, retries: 1 });
    c.assign([tp]);
    const got = await pollN(c, 8, 30_000);
    assert.ok(cut > 1, `connections cut: ${cut}`);
    assert.deepEqual(got.map((r) => r.offset), [12n, 13n, 14n, 15n, 16n, 17n, 18n, 19n]);
  });

  it("a record changed on the wire fails the read with CorruptRecordError, unless checkCrcs is false", async () => {
    const t = await topic("consumer-crc", 1);
    const producer = new Producer({ bootstrapServers: bootstrap() });
    await producer.send({ topic: t, value: "payload-before-the-wire" });
    await producer.close();
    const tp = { topic: t, partition: 0 };
    const marker = enc.encode("before");
    // Flips one bit of the value in every answer that carries it, as a faulty network path would.
    const flipping = wrapSockets((socket) => ({
      readable: socket.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            for (let i = 0; i + marker.length <= chunk.length; i++) {
              if (marker.every((b, j) => chunk[i + j] === b)) chunk[i] ^= 0x20; // "before" -> "Before"
            }
            out.enqueue(chunk);
          },
        }),
      ),
    }));
    const checked = consumer({ adapter: flipping });
    checked.assign([tp]);
    await assert.rejects(pollN(checked, 1, 10_000), (e: unknown) => {
      assert.ok(e instanceof CorruptRecordError, String(e));
      assert.match((e as Error).message, /CRC/);
      return true;
    });
    const unchecked = consumer({ adapter: flipping, checkCrcs: false });
    unchecked.assign([tp]);
    const [r] = await pollN(unchecked, 1);
    assert.equal(dec.decode(r.value!), "payload-Before-the-wire");
  });

  it("auto-commit on close commits everything poll handed over", async () => {
    const t = await topic("consumer-autocommit", 1);
    await produce(t, 100, 1);
    const tp = { topic: t, partition: 0 };
    const groupId = uniqueTopic("g-auto");
    const a = consumer({ groupId, maxPollRecords: 30 });
    a.assign([tp]);
    const got = await a.poll(5000);
    assert.equal(got.length, 30);
    await a.close(); // the application is done with what it took
    const b = consumer({ groupId });
    b.assign([tp]);
    assert.equal((await b.poll(5000))[0].offset, 30n);
    await b.close();
  });

  it("commits survive a restart as a group member (subscribe)", async () => {
    const t = await topic("consumer-group-commit", 2);
    await produce(t, 200, 2);
    const groupId = uniqueTopic("g-sub");
    const a = consumer({ groupId, sessionTimeoutMs: 10_000 });
    a.subscribe([t]);
    const first = await pollN(a, 200, 40_000);
    assert.equal(first.length, 200);
    await a.close(); // commits, leaves
    await produce(t, 20, 2, 200);
    const b = consumer({ groupId, autoOffsetReset: "none", sessionTimeoutMs: 10_000 });
    b.subscribe([t]);
    const more = await pollN(b, 20, 40_000);
    // Each partition resumes where the first member stopped: 100 records in, 10 new ones each.
    for (const p of [0, 1]) {
      const mine = more.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(mine, Array.from({ length: 10 }, (_, i) => 100n + BigInt(i)));
    }
    await b.close();
  });

  it("a slow stream sink that keeps reading stays in the group past maxPollIntervalMs", async () => {
    const t = await topic("consumer-slow-sink", 1);
    await produce(t, 2000, 1);
    const events: string[] = [];
    const c = consumer({
      groupId: uniqueTopic("g-slow"),
      maxPollIntervalMs: 2000,
      sessionTimeoutMs: 10_000,
      rebalanceListener: {
        onAssigned: (ps) => void events.push(`assigned ${ps.length}`),
        onRevoked: (ps) => void events.push(`revoked ${ps.length}`),
        onLost: (ps) => void events.push(`lost ${ps.length}`),
      },
    });
    c.subscribe([t]);
    let seen = 0;
    const startedAt = performance.now();
    // Reads one record every 25 ms for three poll intervals: each read is the application polling, even
    // while the stream's queue (400 records, 10 s of reading) is far from needing a refill.
    await c.stream({ highWaterMark: 400 }).pipeTo(
      new WritableStream({
        async write() {
          seen++;
          await new Promise((r) => setTimeout(r, 25));
          if (performance.now() - startedAt > 6000) throw new Error("enough");
        },
      }),
    ).catch((e: Error) => assert.equal(e.message, "enough"));
    assert.ok(seen > 100, `the sink read ${seen} records`);
    assert.deepEqual(events, ["assigned 1"], "assigned once, never revoked or lost");
    await c.close();
  });

  it("poll returns batches of at most maxRecords, and [] on timeout", async () => {
    const t = await topic("consumer-poll", 1);
    await produce(t, 1000, 1);
    const c = consumer({ maxPollRecords: 64 });
    c.assign([{ topic: t, partition: 0 }]);
    let n = 0;
    let next = 0n;
    while (n < 1000) {
      const batch = await c.poll(5000);
      assert.ok(batch.length > 0 && batch.length <= 64);
      for (const r of batch) {
        assert.equal(r.offset, next++);
        n++;
      }
    }
    const small = await c.poll(10, 3);
    assert.deepEqual(small, []);
    const t0 = performance.now();
    assert.deepEqual(await c.poll(200), []);
    assert.ok(performance.now() - t0 >= 150);
    await c.close();
  });

  it("for await with deserializers", async () => {
    const t = await topic("consumer-iter", 1);
    await produce(t, 30, 1);
    const c = consumer<string | null, number>({
      keyDeserializer: (b) => (b === null ? null : dec.decode(b)),
      valueDeserializer: (b) => b?.length ?? -1,
    });
    c.assign([{ topic: t, partition: 0 }]);
    let i = 0;
    for await (const r of c) {
      const want = makeRecord(i);
      assert.equal(r.key, want.key === null ? null : dec.decode(want.key));
      assert.equal(r.value, want.value?.length ?? -1);
      if (++i === 30) break;
    }
    await c.close();
  });

  it("bad arguments fail at the call, naming the field", async () => {
    const t = await topic("consumer-bad", 1);
    const c = consumer();
    assert.throws(
      () => new Consumer({ bootstrapServers: bootstrap(), autoOffsetReset: "first" as "earliest" }),
      /autoOffsetReset/,
    );
    assert.throws(() => new Consumer({ bootstrapServers: bootstrap(), fetchMaxBytes: -1 }), RangeError);
    assert.throws(() => c.assign([{ topic: t, partition: -1 }]), /partitions\[0\]\.partition/);
    assert.throws(() => c.assign([{ topic: "", partition: 0 }]), TypeError);
    c.assign([{ topic: t, partition: 0 }]);
    assert.throws(
      () => c.seek({ topic: t, partition: 0 }, 5 as unknown as bigint),
      /offset must be a bigint/,
    );
    assert.throws(() => c.seek({ topic: t, partition: 0 }, -1n), RangeError);
    assert.throws(() => c.seek({ topic: t, partition: 7 }, 0n), /tp: .* is not assigned/);
    assert.throws(() => c.subscribe([t]), /groupId/);
    await assert.rejects(c.commit(), /groupId/);
    await assert.rejects(c.poll(-1), /timeoutMs/);
    assert.throws(() => c.stream({ highWaterMark: -2 }), /highWaterMark/);
    await c.close();
    await assert.rejects(c.poll(10), { name: "ConsumerClosedError" });
  });
});
