// What each read mode counts as processed, without a broker: poll (everything handed over by earlier
// calls), the iterator (the previous record, once the next is asked for) and a stream (what its reader
// took, judged from the queue's desiredSize).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { IteratorTracker, PollTracker } from "../../src/consumer/delivery.ts";
import { recordBytes, StreamTracker } from "../../src/consumer/stream-tracker.ts";
import { type PartitionState, SubscriptionState } from "../../src/consumer/subscription-state.ts";

function setup(): { subs: SubscriptionState; a: PartitionState; b: PartitionState } {
  const subs = new SubscriptionState(false);
  const [a, b] = subs.add([{ topic: "t", partition: 0 }, { topic: "t", partition: 1 }]);
  subs.initPosition(a, 0n, -1);
  subs.initPosition(b, 0n, -1);
  return { subs, a, b };
}

/** A stand-in for a stream controller: the test says how many records sit in the queue. */
class Queue {
  readonly highWaterMark: number;
  constructor(highWaterMark: number) {
    this.highWaterMark = highWaterMark;
  }
  queued = 0;
  closed = false;
  get desiredSize(): number {
    return this.highWaterMark - this.queued;
  }
  close(): void {
    this.closed = true;
  }
}

describe("poll tracker", () => {
  it("a poll call accepts every position handed over before it", () => {
    const { subs, a, b } = setup();
    const t = new PollTracker(subs);
    a.position = 5n;
    a.positionEpoch = 2;
    assert.equal(a.accepted, null);
    t.sync();
    assert.deepEqual([a.accepted, a.acceptedEpoch, b.accepted], [5n, 2, 0n]);
    a.position = 9n;
    assert.deepEqual(t.consumedAt(a), { offset: 9n, leaderEpoch: 2 }, "commit() takes what was handed over");
    assert.equal(a.accepted, 5n, "but auto-commit waits for the next poll");
  });
});

describe("iterator tracker", () => {
  it("accepts the previous record's partition only when the next one is asked for", () => {
    const { subs, a, b } = setup();
    const t = new IteratorTracker(subs);
    a.position = 1n;
    t.delivered(a);
    assert.equal(t.outstanding(a), true);
    assert.equal(t.outstanding(b), false);
    assert.equal(a.accepted, null);
    b.position = 1n;
    t.sync();
    assert.equal(a.accepted, 1n);
    assert.equal(b.accepted, null, "b's record was not returned by this iterator");
    assert.equal(t.outstanding(a), false);
  });

  it("a record of a partition revoked since is not accepted", () => {
    const { subs, a } = setup();
    const t = new IteratorTracker(subs);
    a.position = 1n;
    t.delivered(a);
    subs.remove(a);
    t.sync();
    assert.equal(a.accepted, null);
  });
});

describe("stream tracker", () => {
  it("counts a taken record as accepted once the reader takes the next", () => {
    const { subs, a, b } = setup();
    const q = new Queue(10);
    const t = new StreamTracker(subs, q, 10);
    for (const [s, offset] of [[a, 0n], [b, 0n], [a, 1n]] as const) {
      t.enqueued(s, offset, 1);
      q.queued++;
    }
    t.sync();
    assert.equal(a.accepted, null, "nothing taken yet");
    q.queued = 2; // the reader took a@0
    t.sync();
    assert.equal(a.accepted, null, "a@0 is in the reader's hands");
    assert.deepEqual(t.consumedAt(a), { offset: 1n, leaderEpoch: -1 }, "commit() covers what was taken");
    assert.equal(t.outstanding(a), true, "a@1 is still queued");
    q.queued = 1; // took b@0: a@0 is processed
    t.sync();
    assert.equal(a.accepted, 1n);
    assert.equal(b.accepted, null);
    q.queued = 0;
    t.sync();
    assert.equal(b.accepted, 1n);
    assert.equal(t.outstanding(a), false);
    t.acceptAll();
    assert.equal(a.accepted, 2n, "at close the last record taken counts too");
  });

  it("many records of two partitions taken at once: each partition accepted up to its last record but the one taken last", () => {
    const { subs, a, b } = setup();
    const q = new Queue(10);
    const t = new StreamTracker(subs, q, 10);
    for (const [s, offset] of [[a, 0n], [a, 1n], [a, 2n], [b, 0n], [b, 1n], [a, 3n]] as const) {
      t.enqueued(s, offset, 1);
      q.queued++;
    }
    q.queued = 1; // took a@0-2, b@0 and b@1
    t.sync();
    assert.equal(a.accepted, 3n, "a@0-2 were followed by b's records");
    assert.equal(b.accepted, 1n, "b@1 is in the reader's hands");
    assert.deepEqual(t.consumedAt(b), { offset: 2n, leaderEpoch: -1 });
    q.queued = 0; // took a@3
    t.sync();
    assert.equal(b.accepted, 2n);
    assert.equal(a.accepted, 3n);
    assert.deepEqual(t.consumedAt(a), { offset: 4n, leaderEpoch: -1 });
    t.acceptAll();
    assert.equal(a.accepted, 4n);
  });

  it("a seek makes records already queued say nothing about the partition's progress", () => {
    const { subs, a } = setup();
    const q = new Queue(10);
    const t = new StreamTracker(subs, q, 10);
    t.enqueued(a, 0n, 1);
    t.enqueued(a, 1n, 1);
    q.queued = 2;
    subs.setPosition(a, 100n);
    q.queued = 0;
    t.acceptAll();
    assert.equal(a.accepted, null);
    assert.equal(t.consumedAt(a), null);
  });

  it("after a cancel, each partition goes back to its first record not accepted", () => {
    const { subs, a, b } = setup();
    const q = new Queue(10);
    const t = new StreamTracker(subs, q, 10);
    for (const [s, offset] of [[a, 0n], [a, 1n], [b, 0n], [a, 2n]] as const) {
      t.enqueued(s, offset, 1);
      q.queued++;
    }
    q.queued = 2; // a@0 processed, a@1 taken (its sink failed on it), b@0 and a@2 queued
    t.sync();
    assert.deepEqual([...t.rewind()].map(([s, o]) => [s.key, o]), [["t:0", 1n], ["t:1", 0n]]);
  });

  it("in bytes mode counts key and value bytes", () => {
    assert.equal(recordBytes({ key: new Uint8Array(3), value: new Uint8Array(4) }), 8);
    assert.equal(recordBytes({ key: null, value: null }), 1);
    const { subs, a } = setup();
    const q = new Queue(100);
    const t = new StreamTracker(subs, q, 100);
    t.enqueued(a, 0n, 40);
    t.enqueued(a, 1n, 40);
    q.queued = 40; // one record of 40 bytes left
    t.sync();
    assert.deepEqual(t.consumedAt(a), { offset: 1n, leaderEpoch: -1 });
    t.close();
    assert.equal(q.closed, true);
  });
});
