// Pure logic of the admin client: broker version rules, per-item retries and outcomes, consumer protocol bytes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AdminBatchError, type Outcome, runBatch, settle } from "../../src/admin/batch.ts";
import { decodeAssignment, decodeSubscription } from "../../src/admin/consumer-protocol.ts";
import { describeApiVersions, inferBrokerVersion, VERSION_RULES } from "../../src/admin/versions.ts";
import { specTimestamp } from "../../src/admin/offsets.ts";
import type { VersionRange } from "../../src/client/connection.ts";
import { KafkaError } from "../../src/protocol/errors.ts";
import { ApiTimeoutError } from "../../src/client/errors.ts";
import { withRetry } from "../../src/client/retry.ts";
import { Writer } from "../../src/protocol/writer.ts";

function ranges(entries: Record<number, [number, number]>): Map<number, VersionRange> {
  return new Map(Object.entries(entries).map(([k, [min, max]]) => [Number(k), { min, max }]));
}

// What brokers of these releases list (the APIs the rules look at), as their ApiVersions answers show.
const KAFKA_3_9 = {
  0: [0, 11],
  1: [0, 17],
  2: [0, 9],
  3: [0, 12],
  8: [0, 9],
  9: [0, 9],
  11: [0, 9],
  24: [0, 5],
};
const KAFKA_4_0 = {
  0: [0, 12],
  1: [4, 17],
  2: [1, 10],
  3: [0, 13],
  8: [2, 9],
  9: [1, 9],
  11: [0, 9],
  24: [0, 5],
};
const KAFKA_4_1 = { ...KAFKA_4_0, 0: [0, 13], 1: [4, 18] };
const KAFKA_4_3 = { ...KAFKA_4_1, 2: [1, 11], 8: [2, 10], 9: [1, 10] };
const KAFKA_2_6 = { 0: [0, 8], 1: [0, 11], 2: [0, 5], 3: [0, 9], 29: [0, 2], 48: [0, 0] };

describe("broker version inference", () => {
  it("reads each release from the API versions it introduced", () => {
    const cases: [Record<number, number[]>, string, string][] = [
      [KAFKA_4_3, "4.2", "OffsetCommit v10"],
      [KAFKA_4_1, "4.1", "Produce v13"],
      [KAFKA_4_0, "4.0", "Metadata v13"],
      [KAFKA_3_9, "3.9", "Fetch v17"],
      [KAFKA_2_6, "2.6", "DescribeClientQuotas v0"],
      [{ 3: [0, 5], 1: [0, 6] }, "1.0", "Metadata v5"],
      [{ 3: [0, 2], 9: [0, 1] }, "0.10.1", "Metadata v2"],
      [{ 18: [0, 0] }, "0.10.0", "ApiVersions answered"],
    ];
    for (const [r, text, evidence] of cases) {
      const v = inferBrokerVersion(ranges(r as Record<number, [number, number]>));
      assert.equal(v.text, text);
      assert.equal(v.evidence, evidence);
      assert.deepEqual([...v.version], text.split(".").map(Number));
    }
  });

  it("needs the version inside the broker's range, not just the API", () => {
    // Fetch v17 is 3.9; a broker whose Fetch starts above 17 does not count as speaking it.
    assert.equal(inferBrokerVersion(ranges({ 1: [18, 20] })).text, "0.10.0");
  });

  it("lists its rules newest first, each for a distinct release", () => {
    const texts = VERSION_RULES.map((r) => r.version.join("."));
    assert.equal(new Set(texts).size, texts.length);
    for (let i = 1; i < VERSION_RULES.length; i++) {
      const [a, b] = [VERSION_RULES[i - 1].version, VERSION_RULES[i].version];
      const cmp = a[0] - b[0] || a[1] - b[1] || (a[2] ?? 0) - (b[2] ?? 0);
      assert.ok(cmp > 0, `${a.join(".")} before ${b.join(".")}`);
    }
  });

  it("describes negotiated versions, and APIs this client does not know", () => {
    const apis = describeApiVersions(ranges({ 3: [0, 99], 1: [50, 60], 999: [0, 1] }));
    assert.deepEqual(apis.map((a) => a.apiKey), [1, 3, 999]);
    const [fetch, metadata, unknown] = apis;
    assert.equal(metadata.name, "Metadata");
    assert.equal(metadata.negotiated, metadata.clientMax);
    assert.equal(fetch.negotiated, null); // the broker only speaks versions newer than ours
    assert.equal(unknown.name, "UNKNOWN_999");
    assert.equal(unknown.clientMin, null);
    assert.equal(unknown.negotiated, null);
  });
});

describe("per-item outcomes and retries", () => {
  const retriable = () => new KafkaError(16); // NOT_COORDINATOR
  const final = () => new KafkaError(36); // TOPIC_ALREADY_EXISTS

  it("retries only the items that failed with a retriable error", async () => {
    const sent: string[][] = [];
    const fails = new Map([["b", 2], ["c", 100]]);
    const outcomes = await runBatch(["a", "b", "c", "d"], (k) => k, (pending) => {
      sent.push([...pending]);
      const out = new Map<string, Outcome<string>>();
      for (const k of pending) {
        const left = fails.get(k) ?? 0;
        if (k === "d") out.set(k, { ok: false, error: final() });
        else if (left > 0) {
          fails.set(k, left - 1);
          out.set(k, { ok: false, error: retriable() });
        } else out.set(k, { ok: true, value: k.toUpperCase() });
      }
      return Promise.resolve(out);
    }, { retries: 3, retryBackoffMs: 1, retryBackoffMaxMs: 1 });
    assert.deepEqual(sent, [["a", "b", "c", "d"], ["b", "c"], ["b", "c"], ["c"]]);
    assert.deepEqual([...outcomes.keys()], ["a", "b", "c", "d"]);
    assert.deepEqual(outcomes.get("b"), { ok: true, value: "B" });
    const c = outcomes.get("c");
    assert.ok(c && !c.ok && c.error.name === "NOT_COORDINATOR");

    try {
      settle("op", ["a", "b", "c", "d"], (k) => k, outcomes);
      assert.fail("settle must throw when an item failed");
    } catch (err) {
      assert.ok(err instanceof AdminBatchError && err instanceof AggregateError);
      assert.equal(err.operation, "op");
      assert.equal(err.errors.length, 2);
      assert.deepEqual([...err.failures.keys()], ["c", "d"]);
      assert.deepEqual([...err.successes], [["a", "A"], ["b", "B"]]);
      assert.match(err.message, /op: 2 of 4 failed \(c: NOT_COORDINATOR, d: TOPIC_ALREADY_EXISTS\)/);
    }
  });

  it("treats errors marked final as final, and rounds that throw", async () => {
    let rounds = 0;
    const outcomes = await runBatch(["x"], (k) => k, () => {
      rounds++;
      return Promise.resolve(new Map([["x", { ok: false as const, error: new KafkaError(3) }]]));
    }, { retries: 5, retryBackoffMs: 1, final: (e) => e instanceof KafkaError && e.code === 3 });
    assert.equal(rounds, 1);
    assert.equal(outcomes.get("x")?.ok, false);

    await assert.rejects(
      runBatch(["x"], (k) => k, () => Promise.reject(new TypeError("broken")), { retries: 5 }),
      TypeError,
    );
    let tries = 0;
    const after = await runBatch(["x", "y"], (k) => k, (pending) => {
      if (tries++ === 0) return Promise.reject(new KafkaError(15)); // COORDINATOR_NOT_AVAILABLE
      return Promise.resolve(new Map(pending.map((k) => [k, { ok: true as const, value: 1 }])));
    }, { retries: 2, retryBackoffMs: 1 });
    assert.deepEqual(settle("op", ["x", "y"], (k) => k, after), [1, 1]);
  });

  it("retries without a count until the deadline, then fails the items left with ApiTimeoutError", async () => {
    let rounds = 0;
    const deadline = performance.now() + 150;
    const outcomes = await runBatch(["ok", "stuck"], (k) => k, (pending) => {
      rounds++;
      return Promise.resolve(
        new Map(
          pending.map((
            k,
          ) => [
            k,
            k === "ok" ? { ok: true as const, value: 1 } : { ok: false as const, error: retriable() },
          ]),
        ),
      );
    }, { retries: Infinity, retryBackoffMs: 5, retryBackoffMaxMs: 5, deadline });
    // Far more rounds than the default count of 5: only the deadline ended them.
    assert.ok(rounds > 6, `${rounds} rounds`);
    assert.ok(performance.now() >= deadline - 10, "gave up before its deadline");
    assert.deepEqual(outcomes.get("ok"), { ok: true, value: 1 });
    const stuck = outcomes.get("stuck");
    assert.ok(stuck && !stuck.ok && stuck.error instanceof ApiTimeoutError);
    assert.equal(stuck.error.retriable, true);
    assert.ok(stuck.error.cause instanceof KafkaError && stuck.error.cause.name === "NOT_COORDINATOR");
    assert.match(stuck.error.message, /out of time: .*NOT_COORDINATOR/);
  });

  it("withRetry: the deadline ends the attempts with ApiTimeoutError; a count still ends them first", async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(retriable());
    };
    const e = await withRetry(failing, {
      retries: Infinity,
      retryBackoffMs: 5,
      retryBackoffMaxMs: 5,
      deadline: performance.now() + 100,
    }).catch((err) => err);
    assert.ok(e instanceof ApiTimeoutError, String(e));
    assert.ok(calls > 6, `${calls} calls`);
    // An ApiTimeoutError from an inner loop with the same deadline is passed on, not wrapped again.
    const inner = new ApiTimeoutError("inner");
    assert.equal(
      await withRetry(() => Promise.reject(inner), { deadline: performance.now() - 1 }).catch((x) => x),
      inner,
    );
    calls = 0;
    const counted = await withRetry(failing, {
      retries: 2,
      retryBackoffMs: 1,
      deadline: performance.now() + 60_000,
    }).catch((err) => err);
    assert.equal(calls, 3);
    assert.ok(counted instanceof KafkaError, "the count ran out first: the error itself");
  });
});

describe("consumer protocol decoding", () => {
  it("decodes a v3 subscription and a v0 assignment", () => {
    const sub = new Writer().int16(3).arrayLength(2).string("a").string("b").bytes(Uint8Array.of(7))
      .arrayLength(1).string("a").arrayLength(2).int32(0).int32(2)
      .int32(5).string("rack-1").finish();
    assert.deepEqual(decodeSubscription(sub), {
      topics: ["a", "b"],
      ownedPartitions: [{ topic: "a", partition: 0 }, { topic: "a", partition: 2 }],
      rackId: "rack-1",
      userData: Uint8Array.of(7),
    });
    const v0 = new Writer().int16(0).arrayLength(1).string("a").bytes(null).finish();
    assert.deepEqual(decodeSubscription(v0), {
      topics: ["a"],
      ownedPartitions: [],
      rackId: null,
      userData: null,
    });

    const asg = new Writer().int16(0).arrayLength(2).string("a").arrayLength(1).int32(1)
      .string("b").arrayLength(0).bytes(null).finish();
    assert.deepEqual(decodeAssignment(asg), [{ topic: "a", partition: 1 }]);
    assert.deepEqual(decodeAssignment(new Uint8Array(0)), []);
  });

  it("answers null for bytes that are not the consumer protocol", () => {
    assert.equal(decodeSubscription(Uint8Array.of(0, 0, 0, 0, 0, 9)), null);
    assert.equal(decodeAssignment(Uint8Array.of(1)), null);
    assert.equal(decodeSubscription(Uint8Array.of(0xff, 0xff)), null);
  });
});

describe("offset specs", () => {
  it("map to ListOffsets timestamps", () => {
    assert.equal(specTimestamp("earliest", "s"), -2n);
    assert.equal(specTimestamp("latest", "s"), -1n);
    assert.equal(specTimestamp("maxTimestamp", "s"), -3n);
    assert.equal(specTimestamp({ timestamp: 1_700_000_000_000 }, "s"), 1_700_000_000_000n);
  });
});
