import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DefaultPartitioner,
  keyPartition,
  murmur2,
  type Partitioner,
  type PartitionerFn,
  RoundRobinPartitioner,
  toPositive,
} from "../../src/producer/partitioner.ts";

const enc = new TextEncoder();

describe("murmur2", () => {
  // The first six are the vectors of Kafka's own Java tests (UtilsTest); every value here was checked
  // against kafka-python's murmur2, which is the Java algorithm too.
  const strings: [string, number][] = [
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
    ["", 275646681],
    ["a", -1563381124],
    ["héllo wörld", 439213890],
    ["日本語キー", 1445825182],
  ];
  for (const [s, expected] of strings) {
    it(`of ${JSON.stringify(s)} is ${expected}`, () => {
      assert.equal(murmur2(enc.encode(s)), expected);
    });
  }

  it("matches on binary keys, high bytes in the body and in every tail length", () => {
    const all = new Uint8Array(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    assert.equal(murmur2(Uint8Array.of(0xff)), -311467685);
    assert.equal(murmur2(Uint8Array.of(0xff, 0xfe, 0xfd)), 998637092);
    assert.equal(murmur2(new Uint8Array(5).fill(0x80)), -1525148316);
    assert.equal(murmur2(new Uint8Array(7).fill(0xff)), -71293549);
    assert.equal(murmur2(all), -1948347274);
  });

  it("hashes a view by its own bytes, not its buffer's", () => {
    const buf = enc.encode("xxfoobaryy");
    assert.equal(murmur2(buf.subarray(2, 8)), -790332482);
  });

  it("returns a signed 32-bit integer", () => {
    for (let i = 0; i < 1000; i++) {
      const h = murmur2(enc.encode(`key-${i}`));
      assert.ok(Number.isInteger(h) && h >= -0x80000000 && h <= 0x7fffffff, String(h));
    }
  });
});

describe("toPositive", () => {
  it("clears the sign bit like Kafka's Utils.toPositive", () => {
    assert.equal(toPositive(0), 0);
    assert.equal(toPositive(1), 1);
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-0x80000000), 0);
    assert.equal(toPositive(0x7fffffff), 0x7fffffff);
    assert.equal(toPositive(-790332482), 1357151166);
  });
});

describe("DefaultPartitioner with keys", () => {
  it("uses toPositive(murmur2(key)) % numPartitions", () => {
    const p = new DefaultPartitioner();
    // (-790332482 & 0x7fffffff) = 1357151166
    assert.equal(p.partition("t", enc.encode("foobar"), 1), 0);
    assert.equal(p.partition("t", enc.encode("foobar"), 3), 1357151166 % 3);
    assert.equal(p.partition("t", enc.encode("foobar"), 7), 1357151166 % 7);
    assert.equal(p.partition("t", enc.encode("foobar"), 100), 66);
    // 479470107 is positive: stays as it is.
    assert.equal(p.partition("t", enc.encode("abc"), 12), 479470107 % 12);
    assert.equal(keyPartition(enc.encode("abc"), 12), 479470107 % 12);
  });

  it("gives a key the same partition every time, whatever came between", () => {
    const p = new DefaultPartitioner();
    const key = enc.encode("user-42");
    const first = p.partition("t", key, 12);
    p.partition("t", null, 12);
    p.onNewBatch("t", first, 12);
    for (let i = 0; i < 10; i++) assert.equal(p.partition("t", key, 12), first);
  });

  it("hashes an empty key (not the same as no key)", () => {
    const p = new DefaultPartitioner();
    assert.equal(p.partition("t", new Uint8Array(0), 7), 275646681 % 7);
  });

  it("uses every partition, ignoring availability, as Java does for keys", () => {
    const p = new DefaultPartitioner();
    const key = enc.encode("foobar");
    assert.equal(p.partition("t", key, 7, [0]), 1357151166 % 7);
  });

  it("spreads keys over all partitions", () => {
    const p = new DefaultPartitioner();
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(p.partition("t", enc.encode(`k${i}`), 12));
    assert.equal(seen.size, 12);
  });

  it("rejects a partition count below 1", () => {
    const p = new DefaultPartitioner();
    assert.throws(() => p.partition("t", enc.encode("k"), 0), RangeError);
    assert.throws(() => p.partition("t", null, 0), RangeError);
  });
});

describe("DefaultPartitioner without keys (sticky)", () => {
  it("keeps one partition per topic until a new batch", () => {
    const p = new DefaultPartitioner();
    const first = p.partition("t", null, 6);
    assert.ok(first >= 0 && first < 6);
    for (let i = 0; i < 100; i++) assert.equal(p.partition("t", null, 6), first);
  });

  it("moves to another partition on onNewBatch, then sticks there", () => {
    const p = new DefaultPartitioner();
    let current = p.partition("t", null, 6);
    const visited = new Set([current]);
    for (let round = 0; round < 200; round++) {
      p.onNewBatch("t", current, 6);
      const next = p.partition("t", null, 6);
      assert.notEqual(next, current);
      assert.ok(next >= 0 && next < 6);
      for (let i = 0; i < 5; i++) assert.equal(p.partition("t", null, 6), next);
      current = next;
      visited.add(current);
    }
    assert.equal(visited.size, 6, "every partition is chosen sooner or later");
  });

  it("ignores a report for a partition it already left", () => {
    const p = new DefaultPartitioner();
    const a = p.partition("t", null, 6);
    p.onNewBatch("t", a, 6);
    const b = p.partition("t", null, 6);
    p.onNewBatch("t", a, 6); // late report about the old batch
    assert.equal(p.partition("t", null, 6), b);
  });

  it("keeps topics apart", () => {
    const p = new DefaultPartitioner();
    const a = p.partition("a", null, 50);
    const b = p.partition("b", null, 50);
    p.onNewBatch("b", b, 50);
    assert.equal(p.partition("a", null, 50), a);
  });

  it("stays on partition 0 of a one-partition topic", () => {
    const p = new DefaultPartitioner();
    assert.equal(p.partition("t", null, 1), 0);
    p.onNewBatch("t", 0, 1);
    assert.equal(p.partition("t", null, 1), 0);
  });

  it("prefers partitions whose leader is available", () => {
    const p = new DefaultPartitioner();
    const available = [1, 4];
    let current = p.partition("t", null, 6, available);
    assert.ok(available.includes(current));
    for (let i = 0; i < 20; i++) {
      p.onNewBatch("t", current, 6, available);
      const next = p.partition("t", null, 6, available);
      assert.ok(available.includes(next), String(next));
      assert.notEqual(next, current);
      current = next;
    }
    p.onNewBatch("t", current, 6, [3]);
    assert.equal(p.partition("t", null, 6), 3);
  });

  it("chooses again when the topic shrank below its sticky partition", () => {
    const p = new DefaultPartitioner();
    let sticky = p.partition("t", null, 1000);
    while (sticky < 3) {
      p.onNewBatch("t", sticky, 1000);
      sticky = p.partition("t", null, 1000);
    }
    const now = p.partition("t", null, 3);
    assert.ok(now >= 0 && now < 3);
    assert.equal(p.partition("t", null, 3), now);
  });
});

describe("RoundRobinPartitioner", () => {
  it("cycles through the partitions, keys or not", () => {
    const p = new RoundRobinPartitioner();
    const got = [];
    for (let i = 0; i < 7; i++) got.push(p.partition("t", i % 2 ? enc.encode("same") : null, 3));
    assert.deepEqual(got, [0, 1, 2, 0, 1, 2, 0]);
  });

  it("counts per topic", () => {
    const p = new RoundRobinPartitioner();
    assert.equal(p.partition("a", null, 4), 0);
    assert.equal(p.partition("a", null, 4), 1);
    assert.equal(p.partition("b", null, 4), 0);
    assert.equal(p.partition("a", null, 4), 2);
  });

  it("uses only available partitions when given", () => {
    const p = new RoundRobinPartitioner();
    const got = [];
    for (let i = 0; i < 5; i++) got.push(p.partition("t", null, 6, [2, 5]));
    assert.deepEqual(got, [2, 5, 2, 5, 2]);
  });
});

describe("custom partitioners", () => {
  it("a PartitionerFn gets topic, key, value and the partition count", () => {
    const seen: unknown[] = [];
    const fn: PartitionerFn = ({ topic, key, value, numPartitions }) => {
      seen.push([topic, key, value, numPartitions]);
      return (value?.[0] ?? 0) % numPartitions;
    };
    assert.equal(fn({ topic: "t", key: null, value: Uint8Array.of(7), numPartitions: 4 }), 3);
    assert.deepEqual(seen, [["t", null, Uint8Array.of(7), 4]]);
  });

  it("a Partitioner object need not implement onNewBatch", () => {
    const always2: Partitioner = { partition: () => 2 };
    assert.equal(always2.partition("t", null, 3), 2);
    assert.equal(always2.onNewBatch, undefined);
  });
});
