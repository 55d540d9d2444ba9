// The consumer's subscription state without a broker: epochs (what makes buffered data stale), positions,
// pause, accepted offsets, lag and the end-of-partition check.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type PartitionState, SubscriptionState } from "../../src/consumer/subscription-state.ts";
import { resolveConsumerSettings } from "../../src/consumer/settings.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { consumerOptionsFromProperties } from "../../src/consumer/options.ts";
import type { ConsumerOptions } from "../../src/consumer/types.ts";

const tp0 = { topic: "t", partition: 0 };
const tp1 = { topic: "t", partition: 1 };

function withPositions(): { subs: SubscriptionState; a: PartitionState; b: PartitionState } {
  const subs = new SubscriptionState(false);
  const [a, b] = subs.add([tp0, tp1]);
  subs.initPosition(a, 10n, 3);
  subs.initPosition(b, 20n, -1);
  return { subs, a, b };
}

describe("subscription state", () => {
  it("adds only new partitions; replace keeps the states of kept ones and removes the rest", () => {
    const subs = new SubscriptionState(false);
    const [a] = subs.add([tp0]);
    assert.deepEqual(subs.add([tp0, tp1]).map((s) => s.key), ["t:1"]);
    const b = subs.get("t:1")!;
    subs.replace([tp0, { topic: "u", partition: 0 }]);
    assert.equal(subs.get("t:0"), a);
    assert.deepEqual(subs.assignment(), [tp0, { topic: "u", partition: 0 }]);
    assert.equal(subs.isCurrent(b), false);
    assert.equal(b.epoch, 1, "a removed partition's data goes stale");
  });

  it("seek, reset, pause and removal each make the partition's buffered data stale", () => {
    const { subs, a } = withPositions();
    a.chunks = 2;
    a.fetchOffset = 50n;
    const e0 = a.epoch;
    subs.setPosition(a, 5n);
    assert.equal(a.epoch, e0 + 1);
    assert.deepEqual([a.position, a.positionEpoch, a.fetchOffset, a.chunks, a.reset], [5n, -1, 5n, 0, null]);
    assert.equal(subs.isCurrentAt(a, e0), false);
    assert.equal(subs.isCurrentAt(a, a.epoch), true);

    subs.resetPosition(a, "earliest");
    assert.equal(a.epoch, e0 + 2);
    assert.equal(a.position, null);
    assert.equal(a.reset, "earliest");
    assert.deepEqual(subs.withoutPosition(), [a]);

    subs.initPosition(a, 0n, -1);
    subs.pause(a);
    subs.pause(a); // already paused: nothing more goes stale
    assert.equal(a.epoch, e0 + 3);
    assert.deepEqual(subs.paused(), [tp0]);
    subs.resume(a);
    assert.deepEqual(subs.paused(), []);

    subs.fence([a]);
    assert.equal(a.epoch, e0 + 4);
    assert.equal(a.position, 0n, "fencing keeps the position");
  });

  it("accepts offsets only for partitions still assigned", () => {
    const { subs, a, b } = withPositions();
    subs.acceptPositions();
    assert.deepEqual([a.accepted, a.acceptedEpoch, b.accepted], [10n, 3, 20n]);
    subs.remove(b);
    subs.accept(b, 25n, -1);
    assert.equal(b.accepted, 20n);
    a.position = 12n;
    subs.acceptPosition(a);
    assert.equal(a.accepted, 12n);
  });

  it("names the field when a partition is not assigned or malformed", () => {
    const { subs } = withPositions();
    assert.throws(() => subs.assigned({ topic: "t", partition: 9 }, "tp"), /tp: t:9 is not assigned/);
    assert.throws(
      () => subs.assigned({ topic: "t", partition: -1 }, "partitions[2]"),
      /partitions\[2\]\.partition/,
    );
  });

  it("lag uses the high watermark, or the last stable offset under read_committed", () => {
    const { subs, a } = withPositions();
    assert.equal(subs.lagOf(a), null, "end unknown");
    a.highWatermark = 15n;
    a.lastStableOffset = 12n;
    assert.equal(subs.lagOf(a), 5n);
    const rc = new SubscriptionState(true);
    const [c] = rc.add([tp0]);
    rc.initPosition(c, 10n, -1);
    c.highWatermark = 15n;
    c.lastStableOffset = 12n;
    assert.equal(rc.lagOf(c), 2n);
    a.highWatermark = 8n;
    assert.equal(subs.lagOf(a), 0n, "never negative");
  });

  it("reports the end of a partition once per position reached, not while records are outstanding", () => {
    const { subs, a, b } = withPositions();
    a.highWatermark = 10n;
    b.highWatermark = 30n;
    const none = () => false;
    assert.deepEqual(subs.reachedEnd(() => true), [], "a's records are still in the reader's hands");
    assert.deepEqual(subs.reachedEnd(none), [a]);
    assert.deepEqual(subs.reachedEnd(none), [], "once per position");
    a.position = 14n;
    a.highWatermark = 14n;
    b.position = 30n;
    assert.deepEqual(subs.reachedEnd(none), [a, b], "again after new records were read to the end");
    subs.setPosition(a, 0n);
    a.position = 14n;
    assert.deepEqual(subs.reachedEnd(none), [a], "again after a seek back");
    subs.setPosition(a, 0n);
    a.position = 14n;
    subs.pause(a);
    assert.deepEqual(subs.reachedEnd(none), [], "not while paused");
  });
});

describe("consumer settings", () => {
  it("fills in the Java client's defaults", () => {
    const s = resolveConsumerSettings({ bootstrapServers: "h:1" });
    assert.equal(s.autoOffsetReset, "latest");
    assert.equal(s.enableAutoCommit, true);
    assert.equal(s.autoCommitIntervalMs, 5000);
    assert.equal(s.fetchMaxWaitMs, 500);
    assert.equal(s.fetchBufferBytes, s.fetchMaxBytes);
    assert.equal(s.maxPollRecords, 500);
    assert.equal(s.isolationLevel, 0);
    assert.equal(s.groupOptions, undefined);
  });

  it("takes the buffer budget from fetchMaxBytes and passes group options on", () => {
    const s = resolveConsumerSettings({
      bootstrapServers: "h:1",
      fetchMaxBytes: 1000,
      groupId: "g",
      groupInstanceId: "i",
      isolationLevel: "read_committed",
    });
    assert.equal(s.fetchBufferBytes, 1000);
    assert.equal(s.isolationLevel, 1);
    assert.equal(s.groupOptions?.groupId, "g");
    assert.equal(s.groupOptions?.groupInstanceId, "i");
  });
});

describe("reading options", () => {
  it("partitionEof follows onPartitionEof unless turned off, and needs it when turned on", () => {
    const cb = () => {};
    assert.equal(resolveConsumerSettings({ bootstrapServers: "h:1", onPartitionEof: cb }).onPartitionEof, cb);
    assert.equal(
      resolveConsumerSettings({ bootstrapServers: "h:1", onPartitionEof: cb, partitionEof: false })
        .onPartitionEof,
      undefined,
    );
    assert.throws(
      () => resolveConsumerSettings({ bootstrapServers: "h:1", partitionEof: true }),
      /onPartitionEof/,
    );
    assert.equal(resolveConsumerSettings({ bootstrapServers: "h:1" }).consumerTimeoutMs, undefined);
    assert.equal(
      resolveConsumerSettings({ bootstrapServers: "h:1", consumerTimeoutMs: 0 }).consumerTimeoutMs,
      0,
    );
  });

  it("maps librdkafka's enable.partition.eof and kafka-python's consumer_timeout_ms", () => {
    const o = consumerOptionsFromProperties({
      "bootstrap.servers": "h:1",
      "enable.partition.eof": "true",
      "consumer.timeout.ms": "250",
    });
    assert.equal(o.partitionEof, true);
    assert.equal(o.consumerTimeoutMs, 250);
    assert.throws(
      () => new Consumer({ bootstrapServers: "h:1", consumer_timeout_ms: 5 } as unknown as ConsumerOptions),
      /use consumerTimeoutMs/,
    );
    assert.throws(
      () => new Consumer({ bootstrapServers: "h:1", consumerTimeoutMs: 1.5 }),
      /consumerTimeoutMs/,
    );
  });
});
