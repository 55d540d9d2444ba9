// The committer without a broker: what auto-commit commits, where commits go, what is remembered and
// reported.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { acceptedSinceCommit, commitEntry, Committer } from "../../src/consumer/committer.ts";
import { ConsumerCounters } from "../../src/consumer/counters.ts";
import type { GroupMembership } from "../../src/consumer/group/membership.ts";
import { type CommitEntry, CommitFailedError } from "../../src/consumer/group/types.ts";
import { SubscriptionState } from "../../src/consumer/subscription-state.ts";

function setup() {
  const subs = new SubscriptionState(false);
  const [a, b, c] = subs.add([0, 1, 2].map((partition) => ({ topic: "t", partition })));
  return { subs, a, b, c };
}

/** A group member that records the commits it is asked for, failing with `fail` when set. */
function fakeGroup(sent: CommitEntry[][], fail?: Error): GroupMembership {
  return {
    commit(entries: CommitEntry[]) {
      sent.push([...entries]);
      return fail ? Promise.reject(fail) : Promise.resolve();
    },
  } as unknown as GroupMembership;
}

describe("what to commit", () => {
  it("commits accepted offsets that moved since the last commit, with their leader epoch", () => {
    const { a, b, c } = setup();
    a.accepted = 10n;
    a.acceptedEpoch = 4;
    b.accepted = 5n;
    b.committed = 5n; // unchanged since committed
    assert.equal(c.accepted, null); // nothing processed
    assert.deepEqual(acceptedSinceCommit([a, b, c]), [
      { tp: { topic: "t", partition: 0 }, offset: { offset: 10n, leaderEpoch: 4 } },
    ]);
    assert.equal(commitEntry(a.tp, 3n, -1).offset.leaderEpoch, undefined);
  });
});

describe("committer", () => {
  const cluster = new Cluster({ bootstrapServers: "127.0.0.1:1" });
  const options = {
    groupId: "g",
    enableAutoCommit: true,
    autoCommitIntervalMs: 1000,
    onCommit: undefined,
    isolationLevel: 0 as const,
  };

  it("commits through the group member, remembers what was committed and reports it", async () => {
    const { subs, a, b } = setup();
    const sent: CommitEntry[][] = [];
    const reports: [Error | null, string[]][] = [];
    const committer = new Committer(
      cluster,
      { ...options, onCommit: (err, offsets) => reports.push([err, [...offsets.keys()]]) },
      subs,
      new ConsumerCounters(),
      { group: () => fakeGroup(sent), beforeAutoCommit: () => {} },
    );
    a.accepted = 7n;
    b.accepted = 3n;
    await committer.commitAccepted(true, [a]);
    assert.deepEqual(sent.map((e) => e.map((x) => x.tp.partition)), [[0]], "only the partitions asked for");
    assert.equal(a.committed, 7n);
    assert.equal(b.committed, null);
    await committer.commitAccepted(true);
    assert.deepEqual(sent.map((e) => e.map((x) => x.tp.partition)), [[0], [1]], "a has not moved since");
    assert.deepEqual(reports, [[null, ["t:0"]], [null, ["t:1"]]]);
  });

  it("a rebalance's CommitFailedError is reported, not thrown, by automatic commits", async () => {
    const { subs, a } = setup();
    const counters = new ConsumerCounters();
    const reports: (Error | null)[] = [];
    const fail = new CommitFailedError("generation gone");
    const committer = new Committer(
      cluster,
      { ...options, onCommit: (err) => reports.push(err) },
      subs,
      counters,
      {
        group: () => fakeGroup([], fail),
        beforeAutoCommit: () => {},
      },
    );
    a.accepted = 1n;
    await committer.commitAccepted(true);
    assert.deepEqual(reports, [fail]);
    assert.equal(a.committed, null);
    assert.equal(counters.commitErrors, 1);
    await assert.rejects(committer.commit([commitEntry(a.tp, 1n, -1)], false), CommitFailedError);
  });

  it("auto-commit is on only with a groupId", () => {
    const { subs } = setup();
    const host = { group: () => undefined, beforeAutoCommit: () => {} };
    assert.equal(new Committer(cluster, options, subs, new ConsumerCounters(), host).auto, true);
    const noGroup = new Committer(
      cluster,
      { ...options, groupId: undefined },
      subs,
      new ConsumerCounters(),
      host,
    );
    assert.equal(noGroup.auto, false);
  });
});
