// Parallel consumption against a real broker: every record handled with its key's order kept and more
// records at once than partitions, commits never past a record in flight with the done ones in metadata
// (and a new member skipping them), dead-letter topic contents, worker threads, and a rebalance in the
// middle of in-flight work.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Admin } from "../../src/admin/admin.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerRecord } from "../../src/consumer/types.ts";
import { decodeDone } from "../../src/consumer/parallel/metadata.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const dec = new TextDecoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const text = (b: Uint8Array | null) => (b ? dec.decode(b) : "");

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    assert.ok(performance.now() < deadline, `timed out waiting for: ${what}`);
    await sleep(20);
  }
}

/** Writes `count` records keyed `k0..k(keys-1)` round robin, values `key:seq`, to `topic`. */
async function produce(topic: string, count: number, keys: number, valueOf = (i: number) => `${i}`) {
  const p = new Producer({ bootstrapServers: bootstrap(), lingerMs: 5 });
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) sends.push(p.send({ topic, key: `k${i % keys}`, value: valueOf(i) }));
  await Promise.all(sends);
  await p.close();
}

/** A consumer of its own group reading `topic` from the start, its records run by a fixture module in threads. */
function workerRun(
  topic: string,
  module: string,
  workers: number,
  retry: { attempts: number; backoffMs: number },
) {
  const consumer = new Consumer({
    bootstrapServers: bootstrap(),
    groupId: `g-${topic}`,
    autoOffsetReset: "earliest",
  });
  consumer.subscribe([topic]);
  const handlerModule = new URL(`../fixtures/parallel/${module}`, import.meta.url);
  return { consumer, run: consumer.parallel({ workers, handlerModule, retry }) };
}

describe("parallel consumption", () => {
  const cluster = new Cluster({ bootstrapServers: bootstrap() });
  const topics: string[] = [];
  const topic = async (partitions: number) => {
    const t = uniqueTopic("parallel");
    await createTopic(cluster, t, partitions);
    topics.push(t);
    return t;
  };
  after(async () => {
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  it("handles every record once, keeps each key's order, and runs more at once than partitions", async () => {
    const t = await topic(3);
    await produce(t, 600, 40);
    const consumer = new Consumer({
      bootstrapServers: bootstrap(),
      groupId: `g-${t}`,
      autoOffsetReset: "earliest",
    });
    consumer.subscribe([t]);
    const seen = new Map<string, number[]>();
    let running = 0;
    let maxRunning = 0;
    let handled = 0;
    const run = consumer.parallel({
      concurrency: 32,
      ordering: "key",
      handler: async (r) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const key = text(r.key);
        const list = seen.get(key) ?? [];
        list.push(Number(text(r.value)));
        seen.set(key, list);
        await sleep(5);
        running--;
        handled++;
      },
    });
    await until("600 handled", () => handled >= 600);
    await run.stop();
    await run; // resolves once stopped
    assert.equal(handled, 600);
    assert.equal(seen.size, 40);
    for (const [key, list] of seen) {
      assert.deepEqual(list, [...list].sort((a, b) => a - b), `key ${key} out of order`);
      assert.equal(list.length, 15);
    }
    assert.ok(maxRunning > 3, `at most ${maxRunning} at once on 3 partitions`);
    const committed = await consumer.committed([0, 1, 2].map((partition) => ({ topic: t, partition })));
    const total = [...committed.values()].reduce((s, c) => s + Number(c!.offset), 0);
    assert.equal(total, 600);
    await consumer.close();
  });

  it("commits below a record in flight, keeps the done ones in metadata, and a new member skips them", async () => {
    const t = await topic(1);
    await produce(t, 50, 50);
    const groupId = `g-${t}`;
    const first = new Consumer({ bootstrapServers: bootstrap(), groupId, autoOffsetReset: "earliest" });
    first.assign([{ topic: t, partition: 0 }]);
    const handledFirst = new Set<bigint>();
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const run = first.parallel({
      concurrency: 64,
      ordering: "unordered",
      commitIntervalMs: 100,
      handler: async (r) => {
        // Offset 10 hangs until the end of the test: nothing at or above it may be committed past.
        if (r.offset === 10n) await blocked;
        else handledFirst.add(r.offset);
      },
    });
    await until("49 handled", () => handledFirst.size === 49);
    const admin = new Admin({ bootstrapServers: bootstrap() });
    let meta: string | null = null;
    for (let i = 0; i < 100; i++) {
      const [c] = await admin.listConsumerGroupOffsets(groupId, [{ topic: t, partition: 0 }]);
      if (c.offset === 10n && c.metadata) {
        meta = c.metadata;
        const d = decodeDone(c.metadata);
        if (d && d.span === 40) break;
      }
      await sleep(50);
    }
    assert.ok(meta, "no commit with metadata");
    const d = decodeDone(meta)!;
    assert.equal(d.span, 40, "the done offsets 11..49 and the gap at 10");
    assert.equal(d.done[0], 0);
    for (let i = 1; i < 40; i++) assert.equal(d.done[i], 1);
    // A second consumer takes the partition over while the first is stuck: only offset 10 runs again.
    const second = new Consumer({ bootstrapServers: bootstrap(), groupId, autoOffsetReset: "earliest" });
    second.assign([{ topic: t, partition: 0 }]);
    const handledSecond: bigint[] = [];
    const run2 = second.parallel({
      handler: (r) => void handledSecond.push(r.offset),
      commitIntervalMs: 100,
    });
    await until("offset 10 handled again", () => handledSecond.length >= 1);
    await sleep(300);
    await run2.stop();
    assert.deepEqual(handledSecond, [10n]);
    assert.equal(run2.stats().skipped, 39);
    const [end] = await admin.listConsumerGroupOffsets(groupId, [{ topic: t, partition: 0 }]);
    assert.equal(end.offset, 50n);
    assert.equal(end.metadata ?? "", "");
    await second.close();
    release();
    await run.stop();
    await first.close();
    await admin.close();
  });

  it("never has more records in flight than maxInFlightRecords, stops fetching while full, stops on abort", async () => {
    const t = await topic(3);
    await produce(t, 400, 400);
    const consumer = new Consumer({
      bootstrapServers: bootstrap(),
      groupId: `g-${t}`,
      autoOffsetReset: "earliest",
    });
    consumer.subscribe([t]);
    const abort = new AbortController();
    let maxInFlight = 0;
    let handled = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const run = consumer.parallel({
      concurrency: 50,
      ordering: "unordered",
      maxInFlightRecords: 25,
      signal: abort.signal,
      handler: async () => {
        maxInFlight = Math.max(maxInFlight, run.stats().inFlight);
        await gate;
        handled++;
      },
    });
    // Full and blocked: the consumer sends no fetch (empty partitions would be polled every 500 ms).
    await until("25 in flight", () => run.stats().inFlight === 25);
    await sleep(700);
    const fetches = consumer.metrics().fetchRequests;
    await sleep(1500);
    assert.equal(consumer.metrics().fetchRequests, fetches, "fetched while full");
    open();
    await until("400 handled", () => handled === 400);
    assert.equal(maxInFlight, 25);
    abort.abort();
    await run;
    assert.equal(run.stats().inFlight, 0);
    // The run committed everything; a poll finds nothing more.
    assert.deepEqual(await consumer.poll(200), []);
    await consumer.close();
  });

  it("writes exactly the records whose handler always fails to the dead-letter topic", async () => {
    const t = await topic(3);
    const dlt = await topic(1);
    await produce(t, 300, 30);
    const consumer = new Consumer({
      bootstrapServers: bootstrap(),
      groupId: `g-${t}`,
      autoOffsetReset: "earliest",
    });
    consumer.subscribe([t]);
    const attempts = new Map<string, number>();
    let ok = 0;
    const run = consumer.parallel({
      concurrency: 16,
      retry: { attempts: 3, backoffMs: 5 },
      deadLetter: { topic: dlt },
      handler: (r) => {
        const v = Number(text(r.value));
        if (v % 7 === 0) {
          attempts.set(String(v), (attempts.get(String(v)) ?? 0) + 1);
          throw new Error(`bad ${v}`);
        }
        ok++;
      },
    });
    const failing = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 7 === 0);
    await until("all done", () => ok + run.stats().deadLettered === 300);
    await run.stop();
    assert.equal(run.stats().deadLettered, failing.length);
    for (const v of failing) assert.equal(attempts.get(String(v)), 3, `attempts of ${v}`);
    await consumer.close();
    const reader = new Consumer({ bootstrapServers: bootstrap(), autoOffsetReset: "earliest" });
    reader.assign([{ topic: dlt, partition: 0 }]);
    const got: ConsumerRecord[] = [];
    const deadline = performance.now() + 20_000;
    while (got.length < failing.length && performance.now() < deadline) got.push(...await reader.poll(500));
    got.push(...await reader.poll(300));
    await reader.close();
    assert.deepEqual(got.map((r) => Number(text(r.value))).sort((a, b) => a - b), failing);
    const h = (r: ConsumerRecord, k: string) => text(r.headers.find((x) => x.key === k)?.value ?? null);
    for (const r of got) {
      assert.equal(h(r, "kafka-ts.dlt.topic"), t);
      assert.equal(h(r, "kafka-ts.dlt.attempts"), "3");
      assert.match(h(r, "kafka-ts.dlt.error"), /^bad \d+$/);
    }
  });

  it("runs a handler module in worker threads, and fails the run when the module has no handler", async () => {
    const t = await topic(2);
    await produce(t, 200, 20);
    const { consumer, run } = workerRun(t, "spin-handler.ts", 2, { attempts: 2, backoffMs: 1 });
    await until("handled", () => run.stats().handled === 200, 30_000);
    await run.stop();
    const committed = await consumer.committed([0, 1].map((partition) => ({ topic: t, partition })));
    assert.equal([...committed.values()].reduce((s, c) => s + Number(c!.offset), 0), 200);
    await consumer.close();
    // A module without a handler fails the run.
    const c2 = new Consumer({ bootstrapServers: bootstrap(), groupId: `g2-${t}` });
    c2.assign([{ topic: t, partition: 0 }]);
    const bad = c2.parallel({ workers: 1, handlerModule: new URL("../helpers/broker.ts", import.meta.url) });
    await assert.rejects(Promise.resolve(bad), /exports no handler/);
    await c2.close();
  });
  it("starts a worker thread again after it dies, and its records run again", async () => {
    const t = await topic(1);
    const marker = join(mkdtempSync(join(tmpdir(), "kafka-ts-crash-")), "crashed");
    const p = new Producer({ bootstrapServers: bootstrap() });
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      sends.push(p.send({ topic: t, key: i === 20 ? "crash" : `k${i}`, value: i === 20 ? marker : `${i}` }));
    }
    await Promise.all(sends);
    await p.close();
    // One worker: without a restart nothing would be left to run the records after the crash.
    const { consumer, run } = workerRun(t, "crash-once-handler.ts", 1, { attempts: 5, backoffMs: 50 });
    await until("handled", () => run.stats().handled === 60, 30_000);
    assert.ok(existsSync(marker), "the worker crashed");
    assert.ok(run.stats().failures >= 1, "the crash failed the records in the dead worker");
    await run.stop();
    const committed = await consumer.committed([{ topic: t, partition: 0 }]);
    assert.equal([...committed.values()][0]?.offset, 60n);
    await consumer.close();
  });

  for (const protocol of ["classic", "consumer"] as const) {
    it(`${protocol} protocol: a member joining and leaving mid-run loses nothing and commits past no gap`, async () => {
      const t = await topic(6);
      const RECORDS = 1200;
      await produce(t, RECORDS, 60);
      const groupId = `g-${t}`;
      const options = {
        bootstrapServers: bootstrap(),
        groupId,
        groupProtocol: protocol,
        autoOffsetReset: "earliest" as const,
        partitionAssignmentStrategy: ["cooperative-sticky" as const],
        heartbeatIntervalMs: 300,
      };
      const handled = new Map<string, number>();
      let bAssigned = false;
      const handler = (who: string) => async (r: ConsumerRecord) => {
        // Slow down until the second member has partitions, so that the run is not over before.
        await sleep(who === "a" && !bAssigned && handled.size > 100 ? 300 : 30);
        const id = `${r.partition}:${r.offset}`;
        handled.set(id, (handled.get(id) ?? 0) + 1);
        if (who === "b") handledByB++;
      };
      let handledByB = 0;
      const a = new Consumer(options);
      a.subscribe([t]);
      // Enough at once that the partitions taken away always have records running.
      const runA = a.parallel({ concurrency: 16, commitIntervalMs: 30, handler: handler("a") });

      // Every commit seen: nothing below the committed offset, nor marked done above it, is unhandled.
      const admin = new Admin({ bootstrapServers: bootstrap() });
      const violations: string[] = [];
      let commitsChecked = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const list = await admin.listConsumerGroupOffsets(groupId).catch(() => []);
          for (const c of list) {
            if (c.topic !== t || c.offset < 0n) continue;
            commitsChecked++;
            for (let o = 0n; o < c.offset; o++) {
              if (!handled.has(`${c.partition}:${o}`)) {
                violations.push(`${c.partition}:${o} below ${c.offset}`);
              }
            }
            const d = decodeDone(c.metadata);
            for (let i = 0; d && i < d.span; i++) {
              const id = `${c.partition}:${c.offset + BigInt(i)}`;
              if (d.done[i] === 1 && !handled.has(id)) violations.push(`${id} marked done above ${c.offset}`);
            }
          }
          await sleep(25);
        }
      })();

      await until("a handled 100", () => handled.size >= 100);
      const b = new Consumer({
        ...options,
        rebalanceListener: { onAssigned: (tps) => void (bAssigned ||= tps.length > 0) },
      });
      b.subscribe([t]);
      const runB = b.parallel({ concurrency: 4, commitIntervalMs: 30, handler: handler("b") });
      await until("b handled 50", () => handledByB >= 50, 60_000);
      await b.close(); // stops the run (finishing what runs), commits, leaves the group
      await runB;
      await until("all handled", () => handled.size === RECORDS, 60_000);
      const ends = await a.endOffsets(Array.from({ length: 6 }, (_, partition) => ({ topic: t, partition })));
      const deadline = performance.now() + 30_000;
      for (;;) {
        const list = await admin.listConsumerGroupOffsets(groupId);
        if (list.filter((c) => c.topic === t).every((c) => c.offset === ends.get(`${t}:${c.partition}`))) {
          break;
        }
        assert.ok(performance.now() < deadline, "commits did not reach the end");
        await sleep(50);
      }
      sampling = false;
      await sampler;
      await runA.stop();
      await a.close();
      await admin.close();
      assert.ok(runA.stats().runningAtRevoke > 0, "no partition was revoked while its records ran");
      assert.ok(commitsChecked > 20, `only ${commitsChecked} commits checked`);
      assert.deepEqual(violations.slice(0, 5), []);
      const twice = [...handled].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], "records handled twice in a clean hand-over");
    });
  }
});
