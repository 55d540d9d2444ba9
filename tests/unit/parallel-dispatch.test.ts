// Parallel consumption without a broker: the dispatcher's ordering, the offset tracker's commit point and
// metadata, the retry policy, the options, and batches packed for worker threads.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Dispatcher } from "../../src/consumer/parallel/dispatcher.ts";
import { decodeDone, encodeDone } from "../../src/consumer/parallel/metadata.ts";
import { OffsetTracker } from "../../src/consumer/parallel/offset-tracker.ts";
import { DEFAULT_RETRY, nextRetryDelay } from "../../src/consumer/parallel/retry.ts";
import { resolveParallelOptions } from "../../src/consumer/parallel/options.ts";
import { packBatch, transferables, unpackBatch } from "../../src/consumer/parallel/wire.ts";

interface Item {
  lane: string | null;
  part: number;
  id: number;
}

/** Runs a dispatcher whose items finish in a pseudo-random order; returns the order they started in. */
function simulate(items: Item[], concurrency: number, seed: number) {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const running: Item[] = [];
  const started: Item[] = [];
  let maxRunning = 0;
  const runningLanes = new Set<string>();
  const d = new Dispatcher<Item>(concurrency, (batch) => {
    for (const it of batch) {
      if (it.lane !== null) {
        assert.ok(!runningLanes.has(it.lane), `two items of lane ${it.lane} at once`);
        runningLanes.add(it.lane);
      }
      running.push(it);
      started.push(it);
    }
    maxRunning = Math.max(maxRunning, running.length);
  });
  // Items come in three chunks, finishing some in between.
  const chunks = [items.slice(0, 30), items.slice(30, 60), items.slice(60)];
  for (const chunk of chunks) {
    d.push(chunk);
    for (let i = 0; i < 5 && running.length > 0; i++) {
      const [it] = running.splice(Math.floor(rand() * running.length), 1);
      if (it.lane !== null) runningLanes.delete(it.lane);
      d.done(it);
    }
  }
  while (running.length > 0) {
    const [it] = running.splice(Math.floor(rand() * running.length), 1);
    if (it.lane !== null) runningLanes.delete(it.lane);
    d.done(it);
  }
  return { started, maxRunning, queued: d.queued, running: d.running };
}

const items = (lanes: (string | null)[]) => lanes.map((lane, id) => ({ lane, part: 0, id }));

describe("parallel dispatcher", () => {
  it("keeps each lane in order, one at a time, within concurrency, and runs everything", () => {
    const lanes = Array.from({ length: 100 }, (_, i) => `k${(i * 7) % 9}`);
    for (const seed of [1, 2, 3, 42]) {
      const r = simulate(items(lanes), 4, seed);
      assert.equal(r.started.length, 100);
      assert.ok(r.maxRunning <= 4);
      assert.equal(r.queued, 0);
      assert.equal(r.running, 0);
      const last = new Map<string, number>();
      for (const it of r.started) {
        assert.ok((last.get(it.lane!) ?? -1) < it.id, `lane ${it.lane} out of order at ${it.id}`);
        last.set(it.lane!, it.id);
      }
    }
  });

  it("one lane (partition ordering of one partition) runs strictly one by one", () => {
    const r = simulate(items(Array(100).fill("p0")), 16, 7);
    assert.equal(r.maxRunning, 1);
    assert.deepEqual(r.started.map((i) => i.id), Array.from({ length: 100 }, (_, i) => i));
  });

  it("unordered items use all the concurrency", () => {
    const r = simulate(items(Array(100).fill(null)), 16, 9);
    assert.equal(r.maxRunning, 16);
    assert.equal(r.started.length, 100);
  });

  it("concurrency may exceed the number of partitions when lanes are keys", () => {
    // 3 partitions, 50 keys: far more than 3 run at once.
    const r = simulate(items(Array.from({ length: 100 }, (_, i) => `k${i % 50}`)), 32, 5);
    assert.ok(r.maxRunning > 3, `max running ${r.maxRunning}`);
  });

  it("a held item keeps its lane until resubmitted, and runs before newer items", () => {
    const started: number[] = [];
    const d = new Dispatcher<Item>(2, (b) => b.forEach((i) => started.push(i.id)));
    const [a, b, c] = items(["x", "x", "y"]);
    d.push([a, b, c]);
    assert.deepEqual(started, [0, 2]);
    d.hold(a); // a failed, waits for a retry: b must not start
    assert.deepEqual(started, [0, 2]);
    d.resubmit(a);
    assert.deepEqual(started, [0, 2, 0]);
    d.done(a);
    assert.deepEqual(started, [0, 2, 0, 1]);
  });

  it("starts ready items round robin across partitions, each partition's lanes in order", () => {
    // 3 partitions x 4 keys, pushed one partition after the other, as a take from the consumer holds them.
    const take = [0, 1, 2].flatMap((p) =>
      Array.from({ length: 8 }, (_, i) => ({ part: p, lane: `p${p}k${i % 4}`, id: p * 100 + i }))
    );
    const running: (typeof take)[number][] = [];
    const started: (typeof take)[number][] = [];
    const d = new Dispatcher<(typeof take)[number]>(6, (b) => {
      running.push(...b);
      started.push(...b);
    });
    d.push(take);
    assert.deepEqual(started.map((x) => x.part), [0, 1, 2, 0, 1, 2]);
    for (let i = 0; i < 12; i++) {
      d.done(running.shift()!);
      assert.deepEqual(new Set(running.map((x) => x.part)), new Set([0, 1, 2]), `after ${i + 1} done`);
    }
  });

  it("remove drops waiting items of revoked partitions and keeps the rest in order", () => {
    const started: number[] = [];
    const d = new Dispatcher<Item & { p: number }>(1, (b) => b.forEach((i) => started.push(i.id)));
    const all = [0, 1, 0, 1, 0].map((p, id) => ({ lane: `k${id % 2}`, part: p, id, p }));
    d.push(all);
    assert.deepEqual(started, [0]);
    const dropped = d.remove((i) => i.p === 1);
    assert.deepEqual(dropped.map((i) => i.id), [1, 3]);
    d.done(all[0]);
    d.done(all[2]);
    d.done(all[4]);
    assert.deepEqual(started, [0, 2, 4]);
    assert.equal(d.queued, 0);
  });
});

describe("parallel offset tracker", () => {
  it("commits below the first record in flight, and past everything when all are done", () => {
    const t = new OffsetTracker(10n);
    assert.equal(t.commitPoint(), 10n);
    for (const o of [10n, 11n, 12n, 15n, 16n]) assert.equal(t.take(o), true);
    assert.equal(t.pending, 5);
    t.complete(11n);
    t.complete(15n);
    assert.equal(t.commitPoint(), 10n);
    t.complete(10n);
    assert.equal(t.commitPoint(), 12n);
    t.complete(12n);
    // 13 and 14 never came (compacted or markers): the point moves to 16.
    assert.equal(t.commitPoint(), 16n);
    t.complete(16n);
    assert.equal(t.commitPoint(), 17n);
    assert.equal(t.pending, 0);
    assert.equal(t.metadata(4000), "");
  });

  it("metadata round trip: a new owner skips exactly what was done above the commit point", () => {
    const t = new OffsetTracker(100n);
    for (let o = 100n; o < 200n; o++) t.take(o);
    const done = new Set<bigint>();
    for (let o = 101n; o < 200n; o++) {
      if (o % 3n !== 0n) {
        t.complete(o);
        done.add(o);
      }
    }
    assert.equal(t.commitPoint(), 100n);
    const meta = t.metadata(4000);
    assert.ok(meta.startsWith("p1:"));
    const next = new OffsetTracker(100n, meta);
    const handled: bigint[] = [];
    for (let o = 100n; o < 250n; o++) if (next.take(o)) handled.push(o);
    for (const o of handled) assert.ok(!done.has(o), `${o} handled again`);
    assert.equal(handled.length, 150 - done.size);
    // The skipped ones count as done: completing the rest moves the point to the end.
    for (const o of handled) next.complete(o);
    assert.equal(next.commitPoint(), 250n);
  });

  it("gaps in the offsets survive the encoding as done", () => {
    const t = new OffsetTracker(0n);
    for (const o of [0n, 5n, 9n]) t.take(o);
    t.complete(9n);
    const d = decodeDone(t.metadata(4000));
    assert.ok(d);
    assert.equal(d.span, 10);
    assert.deepEqual([...d.done], [0, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it("picks the shorter of runs and bitmap, and both decode", () => {
    const alternating = { span: 400, done: (i: number) => i % 2 === 1 };
    const runs = { span: 400, done: (i: number) => i >= 1 };
    const a = encodeDone(alternating, 4000);
    const r = encodeDone(runs, 4000);
    assert.ok(a.startsWith("p1:b"), a);
    assert.ok(r.startsWith("p1:r"), r);
    for (const [text, d] of [[a, alternating], [r, runs]] as const) {
      const back = decodeDone(text)!;
      assert.equal(back.span, 400);
      for (let i = 0; i < 400; i++) assert.equal(back.done[i] === 1, d.done(i), `${text} at ${i}`);
    }
  });

  it("too large for the limit: keeps a prefix that fits, never marking an undone offset done", () => {
    let x = 3;
    const bits = Array.from({ length: 100_000 }, (_, i) => i > 0 && ((x = (x * 69069 + 1) >>> 0) & 1) === 1);
    const d = { span: bits.length, done: (i: number) => bits[i] };
    const text = encodeDone(d, 200);
    assert.ok(text.length <= 200 && text.length > 100, `${text.length}`);
    const back = decodeDone(text)!;
    assert.ok(back.span > 0 && back.span < bits.length);
    for (let i = 0; i < back.span; i++) assert.equal(back.done[i] === 1, bits[i]);
  });

  it("ignores metadata that is not its own or is damaged", () => {
    for (const m of [null, "", "hello", "p1:x123", "p1:r", "p1:b____", "p1:r!!"]) {
      const t = new OffsetTracker(0n, m);
      assert.equal(t.take(0n), true);
      assert.equal(t.take(1n), true);
    }
  });
});

describe("parallel retry policy", () => {
  it("backs off exponentially up to the cap, with jitter below the wait, and gives up after attempts", () => {
    const p = { attempts: 5, backoffMs: 100, maxBackoffMs: 500, multiplier: 2, jitter: 0.5 };
    assert.deepEqual([1, 2, 3, 4].map((a) => nextRetryDelay(p, a, () => 0)), [100, 200, 400, 500]);
    assert.equal(nextRetryDelay(p, 5, () => 0), null);
    assert.equal(nextRetryDelay(p, 3, () => 0.999), Math.round(400 * (1 - 0.5 * 0.999)));
  });

  it("retries for ever by default", () => {
    assert.equal(DEFAULT_RETRY.attempts, Infinity);
    assert.equal(nextRetryDelay(DEFAULT_RETRY, 1000, () => 0), DEFAULT_RETRY.maxBackoffMs);
  });
});

describe("parallel options", () => {
  it("fills defaults and names bad fields", () => {
    const s = resolveParallelOptions({ handler: () => {} }, 5000);
    assert.equal(s.ordering, "key");
    assert.equal(s.concurrency, 16);
    assert.equal(s.commitIntervalMs, 5000);
    assert.throws(() => resolveParallelOptions({ handler: () => {}, concurrency: 0 }, 5000), /concurrency/);
    assert.throws(
      () => resolveParallelOptions({ handler: () => {}, ordering: "random" as "key" }, 5000),
      /options\.ordering/,
    );
    assert.throws(
      () => resolveParallelOptions({ handler: () => {}, retry: { atempts: 3 } as never }, 5000),
      /did you mean options\.retry\.attempts/,
    );
    assert.throws(() => resolveParallelOptions({ workers: 2 }, 5000), /handler/);
    assert.throws(
      () => resolveParallelOptions({ handler: () => {}, deadLetter: {} as never }, 5000),
      /deadLetter\.topic/,
    );
  });
});

describe("parallel worker batches", () => {
  it("pack and unpack give back every field, with payloads in one transferable buffer", () => {
    const fetched = new Uint8Array(4096).map((_, i) => i & 0xff);
    const records = [
      {
        topic: "a",
        partition: 3,
        offset: 9_007_199_254_740_993n,
        timestamp: 1_700_000_000_123,
        timestampType: 1 as const,
        key: fetched.subarray(10, 14),
        value: fetched.subarray(100, 1100),
        headers: [{ key: "trace-é", value: fetched.subarray(5, 7) }, { key: "empty", value: null }],
        leaderEpoch: 7,
      },
      {
        topic: "b",
        partition: 0,
        offset: 0n,
        timestamp: 0,
        timestampType: 0 as const,
        key: null,
        value: null,
        headers: [],
        leaderEpoch: -1,
      },
      {
        topic: "a",
        partition: 1,
        offset: 5n,
        timestamp: 1,
        timestampType: 0 as const,
        key: "text key",
        value: { n: 1 },
        headers: [],
        leaderEpoch: 0,
      },
    ];
    const wire = packBatch(records);
    // Only the payload bytes are copied, not the 4 KiB they view.
    assert.ok(wire.bytes.byteLength < 1100, `${wire.bytes.byteLength} bytes`);
    const moved = structuredClone(wire, { transfer: transferables(wire) });
    assert.equal(wire.bytes.byteLength, 0, "the buffer was transferred, not copied");
    const back = unpackBatch(moved);
    assert.equal(back.length, 3);
    const [a, b, c] = back;
    assert.deepEqual(
      { ...a, key: [...a.key!], value: a.value!.length, headers: a.headers.map((h) => h.key) },
      {
        ...records[0],
        key: [10, 11, 12, 13],
        value: 1000,
        headers: ["trace-é", "empty"],
      },
    );
    assert.deepEqual([...a.value!.subarray(0, 3)], [100, 101, 102]);
    assert.deepEqual([...a.headers[0].value!], [5, 6]);
    assert.equal(a.headers[1].value, null);
    assert.deepEqual(b, { ...records[1] });
    assert.equal(new TextDecoder().decode(c.key!), "text key");
    assert.equal(new TextDecoder().decode(c.value!), '{"n":1}');
    assert.equal(c.topic, "a");
  });
});
