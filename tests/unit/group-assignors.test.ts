// Assignors (range and roundrobin as Java assigns; cooperative-sticky balance, stickiness and
// hand-over) and the consumer protocol's subscription and assignment bytes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rangeAssignor } from "../../src/consumer/group/assignors/range.ts";
import { roundRobinAssignor } from "../../src/consumer/group/assignors/roundrobin.ts";
import { cooperativeStickyAssignor } from "../../src/consumer/group/assignors/cooperative-sticky.ts";
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from "../../src/consumer/group/consumer-protocol.ts";
import type { MemberSubscription, TopicPartition } from "../../src/consumer/group/types.ts";

function member(id: string, topics: string[], owned: TopicPartition[] = [], instance: string | null = null) {
  return {
    memberId: id,
    groupInstanceId: instance,
    topics,
    ownedPartitions: owned,
    generationId: owned.length > 0 ? 1 : -1,
    rackId: null,
    userData: null,
  } satisfies MemberSubscription;
}

/** "t0-0,t0-1" per member, sorted, for compact expectations. */
function show(result: Map<string, TopicPartition[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, parts] of result) {
    out[id] = parts.map((p) => `${p.topic}-${p.partition}`).sort().join(",");
  }
  return out;
}

const counts = (o: Record<string, number>) => new Map(Object.entries(o));

describe("range assignor (Java's RangeAssignor)", () => {
  it("splits each topic into ranges, the first members taking the remainder", () => {
    // Java's documented example: C0, C1 on t0, t1 with 3 partitions each.
    const members = [member("C1", ["t0", "t1"]), member("C0", ["t0", "t1"])];
    const r = rangeAssignor.assign({ members, partitionsPerTopic: counts({ t0: 3, t1: 3 }) });
    assert.deepEqual(show(r), { C1: "t0-2,t1-2", C0: "t0-0,t0-1,t1-0,t1-1" });
  });

  it("only assigns a topic to its subscribers and gives others nothing", () => {
    const members = [member("a", ["t0"]), member("b", ["t0", "t1"]), member("c", ["t2"])];
    const r = rangeAssignor.assign({ members, partitionsPerTopic: counts({ t0: 5, t1: 2 }) });
    assert.deepEqual(show(r), { a: "t0-0,t0-1,t0-2", b: "t0-3,t0-4,t1-0,t1-1", c: "" });
  });

  it("orders static members first, by instance id", () => {
    const members = [member("a", ["t"]), member("z", ["t"], [], "i1")];
    const r = rangeAssignor.assign({ members, partitionsPerTopic: counts({ t: 3 }) });
    assert.deepEqual(show(r), { a: "t-2", z: "t-0,t-1" });
  });
});

describe("roundrobin assignor (Java's RoundRobinAssignor)", () => {
  it("deals all partitions in turn over sorted topics", () => {
    // Java's documented example: C0, C1 on t0, t1 with 3 partitions each.
    const members = [member("C0", ["t0", "t1"]), member("C1", ["t0", "t1"])];
    const r = roundRobinAssignor.assign({ members, partitionsPerTopic: counts({ t1: 3, t0: 3 }) });
    assert.deepEqual(show(r), { C0: "t0-0,t0-2,t1-1", C1: "t0-1,t1-0,t1-2" });
  });

  it("skips members not subscribed to a topic (Java's second example)", () => {
    // C0: t0; C1: t0, t1; C2: t0, t1, t2 with 1, 2 and 3 partitions.
    const members = [member("C0", ["t0"]), member("C1", ["t0", "t1"]), member("C2", ["t0", "t1", "t2"])];
    const r = roundRobinAssignor.assign({ members, partitionsPerTopic: counts({ t0: 1, t1: 2, t2: 3 }) });
    assert.deepEqual(show(r), { C0: "t0-0", C1: "t1-0", C2: "t1-1,t2-0,t2-1,t2-2" });
  });
});

describe("cooperative-sticky assignor", () => {
  const six = counts({ t: 6 });
  const tps = (...ps: number[]) => ps.map((p) => ({ topic: "t", partition: p }));

  it("balances a fresh group", () => {
    const members = [member("a", ["t"]), member("b", ["t"]), member("c", ["t"])];
    const r = cooperativeStickyAssignor.assign({ members, partitionsPerTopic: six });
    assert.deepEqual([...r.values()].map((p) => p.length), [2, 2, 2]);
    assert.equal(new Set([...r.values()].flat().map((p) => p.partition)).size, 6);
  });

  it("keeps owned partitions and holds back the ones that move until their owner revoked them", () => {
    const members = [member("a", ["t"], tps(0, 1, 2)), member("b", ["t"], tps(3, 4, 5)), member("c", ["t"])];
    const first = cooperativeStickyAssignor.assign({ members, partitionsPerTopic: six });
    // a and b keep two each; c gets nothing yet because everything is still owned.
    assert.equal(first.get("a")!.length, 2);
    assert.equal(first.get("b")!.length, 2);
    assert.equal(first.get("c")!.length, 0);
    for (const tp of first.get("a")!) assert.ok([0, 1, 2].includes(tp.partition));
    for (const tp of first.get("b")!) assert.ok([3, 4, 5].includes(tp.partition));
    // Follow-up rebalance: a and b own what they kept; the freed partitions go to c.
    const second = cooperativeStickyAssignor.assign({
      members: [member("a", ["t"], first.get("a")!), member("b", ["t"], first.get("b")!), member("c", ["t"])],
      partitionsPerTopic: six,
    });
    assert.deepEqual(show(second).a, show(first).a);
    assert.deepEqual(show(second).b, show(first).b);
    assert.equal(second.get("c")!.length, 2);
  });

  it("never assigns a partition that another member still owns", () => {
    // Random owned states over many rounds.
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 200; round++) {
      const ids = ["a", "b", "c", "d"].slice(0, 1 + rand(4));
      const owned = new Map<string, TopicPartition[]>(ids.map((id) => [id, []]));
      for (let p = 0; p < 8; p++) {
        if (rand(3) > 0) owned.get(ids[rand(ids.length)])!.push({ topic: "t", partition: p });
      }
      const members = ids.map((id) => member(id, ["t"], owned.get(id)!));
      const r = cooperativeStickyAssignor.assign({ members, partitionsPerTopic: counts({ t: 8 }) });
      const seen = new Set<number>();
      for (const [id, parts] of r) {
        for (const tp of parts) {
          assert.ok(!seen.has(tp.partition), `partition ${tp.partition} given twice`);
          seen.add(tp.partition);
          for (const [other, o] of owned) {
            if (other !== id) {
              assert.ok(!o.some((x) => x.partition === tp.partition), `${tp.partition} still owned`);
            }
          }
        }
        // Members keep what they keep: nothing owned by a member is taken to give it something else.
        assert.ok(parts.length <= Math.ceil(8 / ids.length));
      }
    }
  });

  it("ends balanced and sticky after the follow-up rebalance", () => {
    let owned = new Map<string, TopicPartition[]>([["a", tps(0, 1, 2, 3, 4, 5)], ["b", []], ["c", []]]);
    for (let i = 0; i < 3; i++) {
      const members = [...owned].map(([id, o]) => member(id, ["t"], o));
      owned = cooperativeStickyAssignor.assign({ members, partitionsPerTopic: six });
    }
    assert.deepEqual([...owned.values()].map((p) => p.length), [2, 2, 2]);
  });
});

describe("consumer protocol bytes", () => {
  it("subscription v3 matches the layout byte by byte", () => {
    const bytes = encodeSubscription({
      topics: ["ab"],
      userData: null,
      ownedPartitions: [{ topic: "ab", partition: 1 }],
      generationId: 5,
      rackId: "r",
    });
    const expected = [
      0,
      3, // version
      0,
      0,
      0,
      1,
      0,
      2,
      0x61,
      0x62, // topics: ["ab"]
      0xff,
      0xff,
      0xff,
      0xff, // user data: null
      0,
      0,
      0,
      1,
      0,
      2,
      0x61,
      0x62,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      1, // owned: ab [1]
      0,
      0,
      0,
      5, // generation
      0,
      1,
      0x72, // rack "r"
    ];
    assert.deepEqual([...bytes], expected);
  });

  it("subscriptions round-trip at every version", () => {
    const s = {
      topics: ["a", "b"],
      userData: new Uint8Array([1, 2]),
      ownedPartitions: [{ topic: "a", partition: 0 }, { topic: "a", partition: 3 }, {
        topic: "b",
        partition: 1,
      }],
      generationId: 9,
      rackId: "rack-1",
    };
    assert.deepEqual(decodeSubscription(encodeSubscription(s)), s);
    assert.deepEqual(decodeSubscription(encodeSubscription(s, 0)), {
      ...s,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    assert.deepEqual(decodeSubscription(encodeSubscription(s, 1)), { ...s, generationId: -1, rackId: null });
  });

  it("assignments round-trip; empty bytes are no partitions", () => {
    const a = { partitions: [{ topic: "x", partition: 2 }, { topic: "y", partition: 0 }], userData: null };
    assert.deepEqual(decodeAssignment(encodeAssignment(a)), a);
    assert.deepEqual(decodeAssignment(new Uint8Array()), { partitions: [], userData: null });
    assert.deepEqual(
      [...encodeAssignment({ partitions: [{ topic: "x", partition: 2 }], userData: null }, 0)],
      [0, 0, 0, 0, 0, 1, 0, 1, 0x78, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff],
    );
  });
});
