// What kafka-python and confluent-kafka users reach for, against a real broker: consumerTimeoutMs (the
// iterator and the stream end when no record comes), partition EOF events in all three read modes, poll
// that waits for maxRecords, every method failing once the consumer is closed, and groupMetadata().
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { ConsumerClosedError } from "../../src/consumer/errors.ts";
import type { ConsumerOptions, ConsumerRecord, PartitionEof } from "../../src/consumer/types.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { CompressionType, registerCodec } from "../../src/codec/compression.ts";
import { gzipCodec } from "../../src/codec/gzip.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";
import { root, run } from "../examples/helpers.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

describe("consumer reading features against a real broker", () => {
  let cluster: Cluster;
  let producer: Producer;
  const topics: string[] = [];
  const open: Consumer[] = [];

  before(async () => {
    await registerDefaultCodecs();
    cluster = new Cluster({ bootstrapServers: bootstrap() });
    producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 0 });
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => {});
    await producer.close();
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  async function topic(prefix: string, partitions: number): Promise<string> {
    const name = uniqueTopic(prefix);
    topics.push(name);
    await createTopic(cluster, name, partitions);
    return name;
  }

  function consumer(o: Partial<ConsumerOptions> = {}): Consumer {
    const c = new Consumer({ bootstrapServers: bootstrap(), autoOffsetReset: "earliest", ...o });
    open.push(c);
    return c;
  }

  /** Writes `n` records to one partition in one batch (they become readable together). */
  async function produce(t: string, partition: number, n: number): Promise<void> {
    await producer.sendBatch(Array.from({ length: n }, (_, i) => ({ topic: t, partition, value: `v${i}` })));
  }

  /** Writes `n` records to one partition, one send each (each its own batch, readable one by one). */
  async function trickle(t: string, partition: number, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await producer.send({ topic: t, partition, value: `v${i}` });
  }

  it("consumerTimeoutMs ends the iterator and the stream when no record comes; the consumer stays open", async () => {
    const t = await topic("reading-timeout", 2);
    await producer.sendBatch(
      Array.from({ length: 40 }, (_, i) => ({ topic: t, partition: i % 2, value: `${i}` })),
    );
    const c = consumer({ consumerTimeoutMs: 1500 });
    c.assign([{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
    let n = 0;
    for await (const _ of c) n++;
    assert.equal(n, 40, "every record, then the end");

    await produce(t, 0, 5);
    const got: ConsumerRecord[] = [];
    for await (const r of c.stream({ highWaterMark: 10 })) got.push(r);
    assert.deepEqual(got.map((r) => r.offset), [20n, 21n, 22n, 23n, 24n], "the new records, then the end");

    // The stream ended without closing the consumer: another read goes on from there.
    await produce(t, 1, 1);
    const more = await c.poll({ timeoutMs: 10_000 });
    assert.deepEqual(more.map((r) => [r.partition, r.offset]), [[1, 20n]]);
    assert.throws(() => consumer({ consumerTimeoutMs: -1 }), /consumerTimeoutMs/);
  });

  it("partition EOF in poll: once per end reached, after the records before it were processed", async () => {
    const t = await topic("reading-eof-poll", 2);
    await produce(t, 0, 10);
    const events: PartitionEof[] = [];
    const processed = [0, 0];
    const c = consumer({
      partitionEof: true,
      onPartitionEof: (e) => {
        assert.equal(BigInt(processed[e.partition]), e.offset, "every record before the end was processed");
        events.push(e);
      },
    });
    c.assign([{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
    const until = async (want: number) => {
      for (let i = 0; i < 100 && events.length < want; i++) {
        for (const r of await c.poll(200)) processed[r.partition]++;
      }
    };
    await until(2);
    assert.deepEqual(
      events.map((e) => [e.partition, e.offset]).sort(),
      [[0, 10n], [1, 0n]],
      "the empty partition too",
    );
    for (let i = 0; i < 5; i++) await c.poll(100);
    assert.equal(events.length, 2, "not again while nothing new came");
    await produce(t, 0, 3);
    await until(3);
    assert.deepEqual(events.slice(2).map((e) => [e.topic, e.partition, e.offset]), [[t, 0, 13n]]);
    assert.equal(processed[0], 13);
  });

  it("partition EOF in the iterator and the stream", async () => {
    const t = await topic("reading-eof-iter", 2);
    await produce(t, 0, 6);
    await produce(t, 1, 3);
    const events: string[] = [];
    let seen = 0;
    const c = consumer({
      consumerTimeoutMs: 2000,
      onPartitionEof: (e) => events.push(`${e.partition}@${e.offset} after ${seen}`),
    });
    c.assign([{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
    for await (const _ of c) seen++;
    assert.equal(seen, 9);
    // The iterator reports an end when the next record is asked for: the last one was processed.
    assert.deepEqual(events.map((e) => e.split(" after ")[0]).sort(), ["0@6", "1@3"]);
    assert.ok(events.some((e) => e.endsWith("after 9")), events.join(", "));

    events.length = 0;
    await produce(t, 1, 2);
    let streamed = 0;
    for await (const _ of c.stream()) streamed++;
    assert.equal(streamed, 2);
    assert.deepEqual(events.map((e) => e.split(" after ")[0]), ["1@5"], "only the partition that moved");
  });

  it("partitionEof: false turns the callback off; true without one is refused", async () => {
    const t = await topic("reading-eof-off", 1);
    await produce(t, 0, 2);
    const events: PartitionEof[] = [];
    const c = consumer({ partitionEof: false, onPartitionEof: (e) => events.push(e) });
    c.assign([{ topic: t, partition: 0 }]);
    let n = 0;
    for (let i = 0; i < 100 && n < 2; i++) n += (await c.poll(200)).length;
    for (let i = 0; i < 3; i++) await c.poll(200);
    assert.equal(n, 2);
    assert.deepEqual(events, []);
    assert.throws(() => consumer({ partitionEof: true }), /onPartitionEof/);
  });

  it("poll with waitForAll waits for maxRecords, returns fewer at the timeout, never more", async () => {
    const t = await topic("reading-wait", 1);
    const tp = { topic: t, partition: 0 };
    await produce(t, 0, 3);
    const c = consumer({ fetchMaxWaitMs: 100 });
    c.assign([tp]);
    const few = await c.poll({ maxRecords: 10, timeoutMs: 1500, waitForAll: true });
    assert.deepEqual(few.map((r) => r.offset), [0n, 1n, 2n], "what came before the timeout");

    // Records trickle in one batch at a time; the poll returns once all 8 are there.
    const waiting = c.poll({ maxRecords: 8, timeoutMs: 30_000, waitForAll: true });
    await trickle(t, 0, 12);
    const all = await waiting;
    assert.deepEqual(all.map((r) => r.offset), Array.from({ length: 8 }, (_, i) => 3n + BigInt(i)));
    // Without waitForAll, what is there; the positional form still works.
    const rest = await c.poll(5000, 100);
    assert.ok(rest.length >= 1 && rest[0].offset === 11n);
    await assert.rejects(c.poll({ maxRecords: 0 }), /maxRecords/);
    await assert.rejects(c.poll({ waitForAll: "yes" as unknown as boolean }), /waitForAll/);
  });

  it('groupMetadata: -1 and "" outside the group, the member\'s identity in it, an error without groupId', async () => {
    const t = await topic("reading-gm", 1);
    assert.throws(() => consumer().groupMetadata(), /groupId/);
    const groupId = uniqueTopic("g-meta");
    const c = consumer({ groupId, groupInstanceId: `${groupId}-i`, sessionTimeoutMs: 10_000 });
    assert.deepEqual(c.groupMetadata(), {
      groupId,
      generationId: -1,
      memberId: "",
      groupInstanceId: `${groupId}-i`,
    });
    c.subscribe([t]);
    await produce(t, 0, 1);
    for (let i = 0; i < 100 && c.assignment().length === 0; i++) await c.poll(200);
    const m = c.groupMetadata();
    assert.equal(m.groupId, groupId);
    assert.ok(m.generationId >= 1, `generation ${m.generationId}`);
    assert.ok(m.memberId.length > 0);
    await c.close();
  });

  it("gzip batches are decompressed ahead of the reader, in every read mode, record for record", async () => {
    const t = await topic("reading-gzip-ahead", 2);
    const value = (i: number) => new TextEncoder().encode(`${i} `.repeat(1 + (i * 7919) % 300));
    const writer = new Producer({ bootstrapServers: bootstrap(), compression: "gzip", batchSize: 64 * 1024 });
    const total = 6_000;
    await writer.sendBatch(
      Array.from({ length: total }, (_, i) => ({ topic: t, partition: i % 2, value: value(i) })),
    );
    await writer.close();
    // The default codec, counted; where the runtime's own is slower (Node) the test's stands in.
    let ahead = 0;
    registerCodec(CompressionType.gzip, {
      compress: gzipCodec.compress,
      decompress: gzipCodec.decompress,
      decompressAsync: (d) => {
        ahead++;
        return gzipCodec.decompressAsync?.(d) ?? Promise.resolve(gzipCodec.decompress(d));
      },
    });
    try {
      for (const mode of ["poll", "stream", "iterator"] as const) {
        const c = consumer({ maxPartitionFetchBytes: 256 * 1024 });
        c.assign([{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
        const seen: ConsumerRecord[] = [];
        if (mode === "poll") {
          while (seen.length < total) seen.push(...await c.poll(1000));
        } else if (mode === "iterator") {
          for await (const r of c) if (seen.push(r) === total) break;
        } else {
          const reader = c.stream().getReader();
          while (seen.length < total) seen.push((await reader.read()).value!);
          await reader.cancel();
        }
        await c.close();
        for (const p of [0, 1]) {
          const got = seen.filter((r) => r.partition === p);
          assert.equal(got.length, total / 2, `${mode}: partition ${p}`);
          got.forEach((r, k) => {
            assert.equal(r.offset, BigInt(k), `${mode}: offset`);
            assert.deepEqual(r.value, value(2 * k + p), `${mode}: value at ${p}/${k}`);
          });
        }
      }
    } finally {
      registerCodec(CompressionType.gzip, gzipCodec);
    }
    assert.ok(ahead > 10, `${ahead} batches decompressed ahead`);
  });

  it("after close every method fails with ConsumerClosedError; close again does nothing", async () => {
    const t = await topic("reading-closed", 1);
    const tp = { topic: t, partition: 0 };
    await produce(t, 0, 2);
    const c = consumer({ groupId: uniqueTopic("g-closed") });
    c.assign([tp]);
    assert.equal((await c.poll(10_000)).length > 0, true);
    await c.close();
    await c.close();
    const sync: Record<string, () => unknown> = {
      assign: () => c.assign([tp]),
      subscribe: () => c.subscribe([t]),
      assignment: () => c.assignment(),
      groupMetadata: () => c.groupMetadata(),
      autoCommitEnabled: () => c.autoCommitEnabled,
      seek: () => c.seek(tp, 0n),
      seekToBeginning: () => c.seekToBeginning(),
      seekToEnd: () => c.seekToEnd([tp]),
      pause: () => c.pause([tp]),
      resume: () => c.resume([tp]),
      paused: () => c.paused(),
      lag: () => c.lag(tp),
      stream: () => c.stream(),
      parallel: () => c.parallel({ handler: () => {} }),
      metrics: () => c.metrics(),
    };
    const async: Record<string, () => Promise<unknown>> = {
      unsubscribe: () => c.unsubscribe(),
      seekRelative: () => c.seekRelative(tp, 1n),
      position: () => c.position(tp),
      beginningOffsets: () => c.beginningOffsets([tp]),
      endOffsets: () => c.endOffsets([tp]),
      offsetsForTimes: () => c.offsetsForTimes([{ ...tp, timestamp: 0 }]),
      committed: () => c.committed([tp]),
      poll: () => c.poll(10),
      commit: () => c.commit(),
      [Symbol.asyncIterator.toString()]: () => c[Symbol.asyncIterator]().next(),
    };
    for (const [name, call] of Object.entries(sync)) assert.throws(call, ConsumerClosedError, name);
    for (const [name, call] of Object.entries(async)) await assert.rejects(call(), ConsumerClosedError, name);
    // Every public method is in one of the two lists (close aside), so a new one cannot be forgotten.
    // Getters (autoCommitEnabled) are not methods.
    const methods = Object.getOwnPropertyNames(Consumer.prototype).filter((m) =>
      m !== "constructor" &&
      typeof Object.getOwnPropertyDescriptor(Consumer.prototype, m)?.value === "function"
    );
    assert.deepEqual(
      methods.filter((m) => m !== "close" && !(m in sync) && !(m in async)),
      [],
    );
  });

  it('the README\'s "Reading to the end" block runs as users copy it', async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Reading to the end\n"));
    const code = /^```ts\n([\s\S]*?)^```$/m.exec(section)?.[1];
    assert.ok(code, "README.md has a ts block under ### Reading to the end");
    const t = uniqueTopic("readme-eof");
    topics.push(t);
    const script = code
      .replace(/from "@kafka-ts\/client"/, `from "${pathToFileURL(join(root, "mod.ts")).href}"`)
      .replace(/^const bootstrapServers = "[^"]*";$/m, `const bootstrapServers = "${bootstrap()}";`)
      .replace(/^const topic = "[^"]*";$/m, `const topic = "${t}";`);
    assert.ok(script.includes(t) && script.includes(bootstrap()), "the block names its broker and topic");
    const dir = mkdtempSync(join(tmpdir(), "kafka-ts-readme-eof-"));
    try {
      const file = join(dir, "reading-to-the-end.mts");
      writeFileSync(file, script);
      const out = await run(detectRuntime(), file, {
        denoFlags: ["--check", "--config", join(root, "deno.json")],
      });
      assert.match(out, /10 keys cached, 2 partitions caught up/);
      assert.match(out, /10 records in one batch/);
      assert.equal(out.match(/read to its end/g)?.length, 2, out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
