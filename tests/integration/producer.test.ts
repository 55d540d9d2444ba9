// The producer against a real broker: every codec byte for byte, acks, bad input, backpressure, metrics.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import type { ProducerRecord, RecordMetadata } from "../../src/producer/types.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import {
  type CompressionName,
  CompressionType,
  loadCodec,
  registerCodec,
  unregisterCodec,
} from "../../src/codec/compression.ts";
import { gzipCodec } from "../../src/codec/gzip.ts";
import { defaultAdapter, detectRuntime } from "../../src/transport/runtime.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic, readPartition } from "../helpers/topics.ts";

const enc = new TextEncoder();

/** Deterministic, partly compressible values of varied size (some null, some empty). */
function record(topic: string, i: number): ProducerRecord<Uint8Array | string | null, Uint8Array | null> {
  const len = (i * 7919) % 260;
  const value = i % 101 === 0
    ? null
    : Uint8Array.from({ length: len }, (_, j) => (j % 13 === 0 ? i + j : j) & 0xff);
  return {
    topic,
    key: i % 37 === 0 ? null : `key-${i}`,
    value,
    headers: i % 5 === 0 ? [{ key: "n", value: String(i) }, { key: "n", value: null }] : undefined,
    timestamp: 1_700_000_000_000 + i,
  };
}

describe("producer against a real broker", () => {
  let cluster: Cluster;
  const topics: string[] = [];

  before(async () => {
    await registerDefaultCodecs();
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  async function topic(prefix: string, partitions = 3): Promise<string> {
    const name = uniqueTopic(prefix);
    topics.push(name);
    await createTopic(cluster, name, partitions);
    return name;
  }

  for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"] as CompressionName[]) {
    it(`writes 100,000 records with ${codec} that read back byte for byte`, async () => {
      const t = await topic(`producer-${codec}`);
      const producer = new Producer({
        bootstrapServers: bootstrap(),
        compression: codec,
        lingerMs: 10,
        batchSize: 64 * 1024,
      });
      const total = 100_000;
      const records = Array.from({ length: total }, (_, i) => record(t, i));
      const meta: RecordMetadata[] = [];
      for (let i = 0; i < total; i += 10_000) {
        meta.push(...await producer.sendBatch(records.slice(i, i + 10_000)));
      }
      await producer.close();
      assert.equal(meta.length, total);

      const byPartition = new Map<number, number[]>();
      meta.forEach((m, i) => {
        assert.equal(m.topic, t);
        const list = byPartition.get(m.partition) ?? [];
        list.push(i);
        byPartition.set(m.partition, list);
      });
      let seen = 0;
      for (const [partition, indexes] of byPartition) {
        const back = await readPartition(cluster, t, partition, indexes.length);
        const byOffset = new Map(back.map((r) => [r.offset, r]));
        for (const i of indexes) {
          const r = byOffset.get(meta[i].offset);
          assert.ok(r, `record ${i} at ${partition}/${meta[i].offset}`);
          const want = records[i];
          assert.deepEqual(r.key, want.key === null ? null : enc.encode(want.key as string), `key of ${i}`);
          assert.deepEqual(r.value, want.value, `value of ${i}`);
          assert.equal(r.timestamp, want.timestamp, `timestamp of ${i}`);
          const headers = (want.headers as { key: string; value: string | null }[] | undefined) ?? [];
          assert.deepEqual(
            r.headers,
            headers.map((h) => ({ key: h.key, value: h.value === null ? null : enc.encode(h.value) })),
            `headers of ${i}`,
          );
          seen++;
        }
      }
      assert.equal(seen, total);
    });
  }

  it("keyed records of one key stay on one partition, in order", async () => {
    const t = await topic("producer-order", 6);
    const producer = new Producer({ bootstrapServers: bootstrap() });
    const meta = await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.send({ topic: t, key: "same", value: String(i) })),
    );
    await producer.close();
    assert.equal(new Set(meta.map((m) => m.partition)).size, 1);
    for (let i = 1; i < meta.length; i++) {
      assert.ok(meta[i].offset > meta[i - 1].offset, "offsets follow send order");
    }
  });

  it("sendBatch sends its records without waiting for lingerMs; send() waits for it", async () => {
    const t = await topic("producer-batch-linger");
    const p = new Producer({ bootstrapServers: bootstrap(), lingerMs: 60_000 });
    try {
      await p.flush(); // nothing to send
      const lingered = p.send({ topic: t, partition: 0, value: "lingers" });
      let sent = false;
      void lingered.then(() => (sent = true));
      const records = Array.from({ length: 30 }, (_, i) => ({ topic: t, partition: i % 3, value: `r${i}` }));
      // With the linger a minute long, a batch that waited for it could not finish inside this race.
      const metas = await Promise.race([
        p.sendBatch(records),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("sendBatch waited for lingerMs")), 15_000)
        ),
      ]);
      assert.deepEqual(metas.map((m) => m.partition), records.map((r) => r.partition));
      // The record sent alone shared partition 0's batch with the batch call's records, so it went too.
      await lingered;
      assert.equal(sent, true);
      const alone = p.send({ topic: t, partition: 1, value: "alone" });
      let aloneSent = false;
      void alone.then(() => (aloneSent = true));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(aloneSent, false, "a send() waits for lingerMs");
      assert.equal(await p.flush(10_000), 0);
      assert.equal(aloneSent, true);
    } finally {
      await p.close();
    }
  });

  it("acks=1 and acks=0 without idempotence", async () => {
    const t = await topic("producer-acks", 1);
    const p1 = new Producer({ bootstrapServers: bootstrap(), acks: 1 });
    const m1 = await p1.send({ topic: t, value: "one" });
    assert.equal(m1.offset, 0n);
    await p1.close();
    const p0 = new Producer({ bootstrapServers: bootstrap(), acks: 0, idempotent: false });
    const m0 = await p0.send({ topic: t, value: "zero" });
    assert.equal(m0.offset, -1n, "acks=0 gets no offset");
    await p0.close();
    const back = await readPartition(cluster, t, 0, 2);
    assert.deepEqual(back.map((r) => new TextDecoder().decode(r.value!)), ["one", "zero"]);
  });

  it("bad input fails that call with a named error; other records are unaffected", async () => {
    const t = await topic("producer-bad", 2);
    const producer = new Producer({ bootstrapServers: bootstrap(), maxRequestSize: 100_000 });
    const good = producer.send({ topic: t, value: "fine" });
    await assert.rejects(
      producer.send({ topic: t, partition: -1, value: "x" }),
      /partition must be an integer >= 0/,
    );
    await assert.rejects(producer.send({ topic: t, partition: 9, value: "x" }), /partition 9 does not exist/);
    await assert.rejects(producer.send({ topic: "", value: "x" }), /topic must be a non-empty string/);
    await assert.rejects(
      producer.send({ topic: t, value: 42 as unknown as string }),
      (e: Error) => e instanceof TypeError && /value must be a Uint8Array, a string or null/.test(e.message),
    );
    await assert.rejects(
      producer.send({ topic: t, value: new Uint8Array(200_000) }),
      (e: Error) => e instanceof RangeError && /larger than maxRequestSize/.test(e.message),
    );
    await assert.rejects(
      producer.sendBatch([{ topic: t, value: "ok" }, { topic: t, value: undefined as unknown as string }]),
      /records\[1\]\.value/,
    );
    const m = await good;
    await producer.close();
    assert.equal(m.offset, 0n);
    // A record refused after waiting for metadata gives its buffer bytes back once, not twice.
    const fresh = new Producer({ bootstrapServers: bootstrap() });
    await assert.rejects(fresh.send({ topic: t, partition: 9, value: "x" }), /partition 9 does not exist/);
    assert.equal(fresh.metrics().bufferBytesInUse, 0);
    await fresh.close();
    const back = [...await readPartition(cluster, t, m.partition, 1)];
    assert.equal(back.length, 1, "only the good record was written");
    assert.throws(
      () => new Producer({ bootstrapServers: bootstrap(), lingerMs: -1 }),
      /lingerMs must be an integer >= 0/,
    );
    assert.throws(
      () => new Producer({ bootstrapServers: bootstrap(), acks: 1, idempotent: true }),
      /idempotent producers need acks "all"/,
    );
  });

  it("a codec that throws fails the records of its batch, and the producer goes on", async () => {
    const t = await topic("producer-codec-throws", 1);
    const failures: string[] = [];
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      compression: "snappy",
      onDelivery: (e) => {
        if (e) failures.push(e.message);
      },
    });
    const good = await producer.send({ topic: t, value: "before" });
    registerCodec(CompressionType.snappy, {
      compress: () => {
        throw new Error("compressor broke");
      },
      decompress: (d) => d,
    });
    try {
      await assert.rejects(producer.send({ topic: t, value: "lost" }), /compressor broke/);
      assert.deepEqual(failures, ["compressor broke"]);
    } finally {
      unregisterCodec(CompressionType.snappy);
      await loadCodec(CompressionType.snappy);
    }
    const after = await producer.send({ topic: t, value: "after" });
    await producer.close();
    // Idempotent sequences stay gapless: the broker took the record after the failed batch.
    assert.equal(after.offset, good.offset + 1n);
  });

  describe("gzip batches compressed asynchronously", () => {
    const base = gzipCodec;
    after(() => {
      registerCodec(CompressionType.gzip, base);
    });

    /** Values of 2,000 bytes: `i` in front, then text that compresses. */
    const value = (i: number) => enc.encode(String(i).padStart(8, "0") + "kafka ".repeat(332));

    /** The default codec's asynchronous path; on Deno, which has none, its synchronous one. */
    const compressAsync = (d: Uint8Array) => base.compressAsync?.(d) ?? Promise.resolve(base.compress(d));

    it("the default gzip codec has a native path on this runtime", () => {
      assert.equal(typeof CompressionStream, "function");
      // Deno's CompressionStream runs on the JavaScript thread, slower than node:zlib there.
      assert.equal(typeof base.compressAsync, detectRuntime() === "deno" ? "undefined" : "function");
      // Decompressing: on Node and Deno node:zlib on the reader's turn is quicker than the stream ahead of it.
      assert.equal(typeof base.decompressAsync, detectRuntime() === "bun" ? "function" : "undefined");
    });

    it("large batches go through it, and a broker's requests keep their order while they wait", async () => {
      const t = await topic("producer-gzip-async", 1);
      let calls = 0;
      registerCodec(CompressionType.gzip, {
        ...base,
        // The first large batch takes longest: were requests not kept in order, later ones would pass it.
        compressAsync: async (d) => {
          const n = calls++;
          const out = await compressAsync(d);
          if (n === 0) await new Promise((r) => setTimeout(r, 300));
          return out;
        },
      });
      // No idempotence: nothing but the producer's own ordering keeps the log in send order.
      const producer = new Producer({
        bootstrapServers: bootstrap(),
        compression: "gzip",
        idempotent: false,
        acks: 1,
        lingerMs: 0,
        batchSize: 40_000,
        maxInFlightRequestsPerConnection: 5,
      });
      const total = 400;
      const sends: Promise<RecordMetadata>[] = [];
      for (let i = 0; i < total; i++) {
        sends.push(producer.send({ topic: t, value: value(i) }));
        // A batch's worth at a time, so that each goes in its own request while the first is compressed.
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
      }
      const mds = await Promise.all(sends);
      await producer.close();
      assert.ok(calls >= 5, `${calls} batches compressed asynchronously`);
      assert.deepEqual(mds.map((m) => m.offset), mds.map((_, i) => BigInt(i)), "offsets in send order");
      const back = await readPartition(cluster, t, 0, total);
      assert.equal(back.length, total);
      back.forEach((r, i) => assert.deepEqual(r.value, value(i), `record ${i}`));
    });

    it("when the native path fails, the batch is compressed in JavaScript", async () => {
      const t = await topic("producer-gzip-fallback", 1);
      let rejected = 0;
      registerCodec(CompressionType.gzip, {
        ...base,
        compressAsync: () => {
          rejected++;
          return Promise.reject(new Error("no zlib today"));
        },
      });
      const producer = new Producer({
        bootstrapServers: bootstrap(),
        compression: "gzip",
        lingerMs: 5,
        batchSize: 40_000,
      });
      const sends: Promise<RecordMetadata>[] = [];
      for (let i = 0; i < 100; i++) sends.push(producer.send({ topic: t, value: value(i) }));
      await Promise.all(sends);
      await producer.close();
      assert.ok(rejected > 0, "the native path was tried");
      const back = await readPartition(cluster, t, 0, 100);
      back.forEach((r, i) => assert.deepEqual(r.value, value(i), `record ${i}`));
    });

    it("when both fail, the batch's records fail with the codec's error and the producer goes on", async () => {
      const t = await topic("producer-gzip-both-fail", 1);
      const producer = new Producer({
        bootstrapServers: bootstrap(),
        compression: "gzip",
        batchSize: 40_000,
      });
      const good = await producer.send({ topic: t, value: "before" });
      registerCodec(CompressionType.gzip, {
        ...base,
        compress: () => {
          throw new Error("compressor broke");
        },
        compressAsync: () => Promise.reject(new Error("no zlib today")),
      });
      try {
        const lost: Promise<RecordMetadata>[] = [];
        for (let i = 0; i < 20; i++) lost.push(producer.send({ topic: t, value: value(i) }));
        const outcomes = await Promise.allSettled(lost);
        for (const o of outcomes) {
          assert.equal(o.status, "rejected");
          assert.match(String((o as PromiseRejectedResult).reason), /compressor broke/);
        }
      } finally {
        registerCodec(CompressionType.gzip, base);
      }
      const later = await producer.send({ topic: t, value: "after" });
      await producer.close();
      // Nothing of the failed batch reached the log.
      assert.equal(later.offset, good.offset + 1n);
    });
  });

  it("writable() waits when the buffer is full instead of growing memory", async () => {
    const t = await topic("producer-backpressure", 1);
    // A slow link: every write to the broker is held back a little.
    const base = await defaultAdapter();
    const slow: SocketAdapter = {
      async connect(o) {
        const s = await base.connect(o);
        return {
          ...s,
          write: async (b) => {
            await new Promise((r) => setTimeout(r, 20));
            return s.write(b);
          },
        };
      },
    };
    const bufferMemory = 64 * 1024;
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      adapter: slow,
      bufferMemory,
      batchSize: 16 * 1024,
      lingerMs: 0,
    });
    const writer = producer.writable().getWriter();
    const value = new Uint8Array(1000);
    let maxInUse = 0;
    let waited = 0;
    for (let i = 0; i < 1000; i++) {
      await writer.ready;
      const w = writer.write({ topic: t, value, key: String(i) });
      let settled = false;
      void w.then(() => (settled = true));
      await Promise.resolve();
      if (!settled) waited++;
      await w;
      maxInUse = Math.max(maxInUse, producer.metrics().bufferBytesInUse);
    }
    await writer.close();
    const m = producer.metrics();
    await producer.close();
    assert.ok(waited > 0, "some writes had to wait for buffer space");
    assert.ok(maxInUse <= bufferMemory, `buffer in use ${maxInUse} stayed within ${bufferMemory}`);
    assert.equal(m.recordsSent, 1000);
    assert.equal((await readPartition(cluster, t, 0, 1000)).length, 1000);
  });

  it("idempotent batches keep their order when the first Produce is held up on the wire", async () => {
    // A broker without state for a producer id accepts any first sequence. If the first Produce is held
    // up on the wire (or refused by a leader that is not ready yet) while later batches get through, they
    // would be written first and the first batch then fail as out of order. A socket that holds back the
    // first Produce frame shows it: the producer must not send more to a partition before its first ack.
    const t = await topic("producer-first-ack", 6);
    const base = await defaultAdapter();
    let held = false;
    const reordering: SocketAdapter = {
      async connect(o) {
        const s = await base.connect(o);
        return {
          ...s,
          write: async (b) => {
            const apiKey = (b[4] << 8) | b[5]; // after the 4-byte frame length
            if (apiKey === 0 && !held) {
              held = true;
              await new Promise((r) => setTimeout(r, 300));
            }
            return s.write(b);
          },
        };
      },
    };
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      adapter: reordering,
      lingerMs: 0,
      batchSize: 2048,
    });
    let mds: RecordMetadata[];
    try {
      const sends: Promise<RecordMetadata>[] = [];
      for (let i = 0; i < 6_000; i++) {
        sends.push(producer.send({ topic: t, partition: i % 6, value: String(i).padStart(200, "0") }));
      }
      mds = await Promise.all(sends);
    } finally {
      await producer.close();
    }
    assert.ok(held, "the first Produce was held back");
    for (let p = 0; p < 6; p++) {
      const offsets = mds.filter((m) => m.partition === p).map((m) => m.offset);
      assert.deepEqual(offsets, offsets.map((_, i) => BigInt(i)), `partition ${p}: offsets in send order`);
      const back = await readPartition(cluster, t, p, 1_000);
      const values = back.map((r) => Number(new TextDecoder().decode(r.value!)));
      assert.deepEqual(values, values.map((_, i) => i * 6 + p), `partition ${p}: read back in send order`);
    }
  });

  it("flush, delivery callbacks and metrics", async () => {
    const t = await topic("producer-metrics", 3);
    const delivered: (RecordMetadata | null)[] = [];
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      lingerMs: 50,
      onDelivery: (err, md) => {
        assert.equal(err, null);
        delivered.push(md);
      },
    });
    for (let i = 0; i < 500; i++) void producer.send({ topic: t, key: `k${i}`, value: "v".repeat(100) });
    await producer.flush();
    assert.equal(delivered.length, 500, "every record settled by flush");
    const m = producer.metrics();
    await producer.close();
    assert.equal(m.recordsSent, 500);
    assert.ok(m.batchesSent >= 3 && m.batchesSent < 500, `${m.batchesSent} batches`);
    assert.ok(m.averageBatchRecords > 1);
    assert.ok(m.requestLatencyAvgMs > 0 && m.requestLatencyMaxMs >= m.requestLatencyAvgMs);
    assert.equal(m.bufferBytesInUse, 0);
    assert.equal(m.errors, 0);
  });
});
