// Group membership against a real broker, with the classic protocol and KIP-848's: partitions owned
// exactly once, hand-over on leave and on a dead member, cooperative hand-over without overlap,
// commits that outlive members, static members keeping their partitions.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Admin } from "../../src/admin/admin.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { GroupMembership } from "../../src/consumer/group/membership.ts";
import { commitOffsetsStandalone, fetchCommittedStandalone } from "../../src/consumer/group/offsets.ts";
import type { GroupOptions, TopicPartition } from "../../src/consumer/group/types.ts";
import { CommitFailedError } from "../../src/consumer/group/types.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const key = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

/** Polls `check` until it holds, failing with `what` after `ms`. */
async function waitFor(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    assert.ok(performance.now() < deadline, `timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A log of who owns what, shared by the members of one test. A partition given to a member while
 * another still holds it is recorded as an overlap.
 */
class Ownership {
  readonly owner = new Map<string, string>();
  readonly overlaps: string[] = [];
  readonly events: string[] = [];

  listener(name: string) {
    return {
      onAssigned: (parts: TopicPartition[]): Promise<void> => {
        for (const tp of parts) {
          const other = this.owner.get(key(tp));
          if (other !== undefined && other !== name) {
            this.overlaps.push(`${key(tp)} to ${name} while ${other} owns it`);
          }
          this.owner.set(key(tp), name);
        }
        this.events.push(`${name} +${parts.map(key).join(",")}`);
        return Promise.resolve();
      },
      onRevoked: async (parts: TopicPartition[]) => {
        await new Promise((r) => setTimeout(r, 50)); // a revocation that takes a while (commits)
        for (const tp of parts) if (this.owner.get(key(tp)) === name) this.owner.delete(key(tp));
        this.events.push(`${name} -${parts.map(key).join(",")}`);
      },
      onLost: (parts: TopicPartition[]): Promise<void> => {
        for (const tp of parts) if (this.owner.get(key(tp)) === name) this.owner.delete(key(tp));
        this.events.push(`${name} lost ${parts.map(key).join(",")}`);
        return Promise.resolve();
      },
    };
  }
}

/** Every partition of `topic` (0..n-1) owned by exactly one of `members`. */
function exactlyOnce(members: GroupMembership[], topic: string, n: number): boolean {
  const seen = members.flatMap((m) => m.assignment()).filter((tp) => tp.topic === topic).map((tp) =>
    tp.partition
  );
  return seen.length === n && new Set(seen).size === n;
}

const protocols: { name: string; options: Partial<GroupOptions> }[] = [
  {
    name: "classic, range",
    options: {
      groupProtocol: "classic",
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      rebalanceTimeoutMs: 20_000,
    },
  },
  {
    name: "classic, cooperative-sticky",
    options: {
      groupProtocol: "classic",
      partitionAssignmentStrategy: ["cooperative-sticky"],
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 500,
      rebalanceTimeoutMs: 20_000,
    },
  },
  { name: "consumer (KIP-848)", options: { groupProtocol: "consumer", rebalanceTimeoutMs: 20_000 } },
];

// A KIP-848 group's session and heartbeat interval are group configs on the broker; these short ones
// (within the test broker's minimums) keep the session-timeout tests quick.
const KIP848_GROUP_CONFIGS = [
  { name: "consumer.session.timeout.ms", value: "6000" },
  { name: "consumer.heartbeat.interval.ms", value: "500" },
];

describe("group membership against a real broker", () => {
  let admin: Cluster;
  let adminClient: Admin;
  const clusters: Cluster[] = [];
  const members: GroupMembership[] = [];
  const topics: string[] = [];

  before(() => {
    admin = new Cluster({ bootstrapServers: bootstrap() });
    adminClient = new Admin({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    // Members a failed test left behind would keep heart-beating and hold the process open.
    for (const m of members) await m.close().catch(() => {});
    for (const t of topics) await deleteTopic(admin, t).catch(() => {});
    await admin.close();
    await adminClient.close();
    for (const c of clusters) await c.close();
  });

  /** A fresh group id; for a KIP-848 group, with short session and heartbeat settings. */
  async function newGroup(options: Partial<GroupOptions>): Promise<string> {
    const groupId = uniqueTopic("g");
    if (options.groupProtocol === "consumer") {
      await adminClient.incrementalAlterConfigs([{
        resource: { type: "GROUP", name: groupId },
        ops: KIP848_GROUP_CONFIGS.map((c) => ({ ...c, op: "SET" as const })),
      }]);
    }
    return groupId;
  }

  async function topic(partitions = 6): Promise<string> {
    const name = uniqueTopic("group");
    await createTopic(admin, name, partitions);
    topics.push(name);
    return name;
  }

  function member(options: GroupOptions, listener: Ownership, name: string): GroupMembership {
    const cluster = new Cluster({ bootstrapServers: bootstrap() });
    clusters.push(cluster);
    const m = new GroupMembership(cluster, options, listener.listener(name));
    members.push(m);
    return m;
  }

  for (const p of protocols) {
    describe(p.name, () => {
      it("three members own six partitions exactly once; a leaving member's partitions move", async () => {
        const t = await topic();
        const log = new Ownership();
        const groupId = await newGroup(p.options);
        const ms = ["a", "b", "c"].map((n) => member({ ...p.options, groupId }, log, n));
        for (const m of ms) m.subscribe([t]);
        await Promise.all(ms.map((m) => m.ready()));
        await waitFor(
          "6 partitions over 3 members",
          () => exactlyOnce(ms, t, 6) && ms.every((m) => m.assignment().length === 2),
        );
        await ms[0].close();
        await waitFor("the 2 left own all 6", () => exactlyOnce(ms.slice(1), t, 6));
        assert.equal(ms[0].assignment().length, 0);
        await Promise.all(ms.slice(1).map((m) => m.close()));
        assert.deepEqual(log.overlaps, [], log.events.join("\n"));
      });

      it("a member that stops heart-beating without leaving loses its partitions after the session timeout", async () => {
        const t = await topic();
        const log = new Ownership();
        const groupId = await newGroup(p.options);
        const [a, b] = ["a", "b"].map((n) => member({ ...p.options, groupId }, log, n));
        a.subscribe([t]);
        b.subscribe([t]);
        await waitFor("both own 3", () => exactlyOnce([a, b], t, 6) && a.assignment().length === 3);
        await a.close({ groupMembershipOperation: "remain-in-group" });
        await waitFor("b owns all 6 after a's session expired", () => b.assignment().length === 6, 120_000);
        await b.close();
      });

      it("commits outlive the member; a new member reads them back", async () => {
        const t = await topic(2);
        const log = new Ownership();
        const groupId = await newGroup(p.options);
        const a = member({ ...p.options, groupId }, log, "a");
        a.subscribe([t]);
        await a.ready();
        await waitFor("a owns both", () => a.assignment().length === 2);
        await a.commit([
          { tp: { topic: t, partition: 0 }, offset: { offset: 5n, metadata: "m" } },
          { tp: { topic: t, partition: 1 }, offset: { offset: 7n } },
        ]);
        await a.close();
        const b = member({ ...p.options, groupId }, log, "b");
        const got = await b.fetchCommitted([{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
        assert.equal(got.get(`${t}:0`)?.offset, 5n);
        assert.equal(got.get(`${t}:0`)?.metadata, "m");
        assert.equal(got.get(`${t}:1`)?.offset, 7n);
        b.subscribe([t]);
        await b.ready();
        await b.commit([{ tp: { topic: t, partition: 0 }, offset: { offset: 6n } }]);
        assert.equal(
          (await fetchCommittedStandalone(admin, groupId, [{ topic: t, partition: 0 }])).get(`${t}:0`)
            ?.offset,
          6n,
        );
        await b.close();
      });

      it("a member not polled within maxPollIntervalMs loses its partitions and rejoins when polled", async () => {
        const t = await topic(2);
        const log = new Ownership();
        const groupId = await newGroup(p.options);
        const a = member(
          { ...p.options, groupId, maxPollIntervalMs: 3000, rebalanceTimeoutMs: 10_000 },
          log,
          "a",
        );
        a.subscribe([t]);
        await waitFor("a owns both", () => a.assignment().length === 2);
        await waitFor(
          "lost once the poll interval passed",
          () => log.events.some((e) => e.startsWith("a lost")),
        );
        assert.equal(a.assignment().length, 0);
        a.pollTick();
        await waitFor("owned again after a poll", () => a.assignment().length === 2);
        await a.close();
      });

      it("a static member that comes back within the session keeps its partitions", async () => {
        const t = await topic();
        const log = new Ownership();
        const groupId = await newGroup(p.options);
        const opts = (id: string) => ({
          ...p.options,
          groupId,
          groupInstanceId: id,
          sessionTimeoutMs: 30_000,
        });
        const a = member(opts("ia"), log, "a");
        const b = member(opts("ib"), log, "b");
        a.subscribe([t]);
        b.subscribe([t]);
        await waitFor("both own 3", () => exactlyOnce([a, b], t, 6) && a.assignment().length === 3);
        const before = a.assignment().map(key).sort();
        await a.close();
        const a2 = member(opts("ia"), log, "a2");
        a2.subscribe([t]);
        await waitFor("a2 owns what a owned", () => a2.assignment().map(key).sort().join() === before.join());
        assert.equal(b.assignment().length, 3);
        await a2.close({ groupMembershipOperation: "leave-group" });
        await b.close();
      });
    });
  }

  it("cooperative-sticky over joins and leaves never has a partition owned twice", async () => {
    const t = await topic();
    const log = new Ownership();
    const groupId = uniqueTopic("g");
    const opts = { ...protocols[1].options, groupId };
    const ms: GroupMembership[] = [];
    for (const n of ["a", "b", "c", "d"]) {
      const m = member(opts, log, n);
      m.subscribe([t]);
      ms.push(m);
      await waitFor(
        `balanced with ${ms.length}`,
        () => exactlyOnce(ms, t, 6) && ms.every((x) => x.assignment().length >= Math.floor(6 / ms.length)),
      );
    }
    // The first members kept what they had: a had all 6 at the start and still holds some of them.
    await ms[1].close();
    await waitFor("3 left own all", () => exactlyOnce([ms[0], ms[2], ms[3]], t, 6));
    for (const m of [ms[0], ms[2], ms[3]]) await m.close();
    assert.deepEqual(log.overlaps, [], log.events.join("\n"));
  });

  it("commit fails with CommitFailedError after the member's generation is gone; standalone commits work", async () => {
    const t = await topic(1);
    const groupId = uniqueTopic("g");
    await commitOffsetsStandalone(admin, groupId, [{
      tp: { topic: t, partition: 0 },
      offset: { offset: 3n },
    }]);
    const got = await fetchCommittedStandalone(admin, groupId, [{ topic: t, partition: 0 }, {
      topic: t,
      partition: 9,
    }]);
    assert.equal(got.get(`${t}:0`)?.offset, 3n);
    assert.equal(got.get(`${t}:9`), null);
    const log = new Ownership();
    const a = member({ ...protocols[0].options, groupId }, log, "a");
    a.subscribe([t]);
    await a.ready();
    // A standalone commit while the group has a member is refused as a stale generation.
    await assert.rejects(
      commitOffsetsStandalone(admin, groupId, [{ tp: { topic: t, partition: 0 }, offset: { offset: 4n } }]),
      (e: Error) => e instanceof CommitFailedError,
    );
    await a.close();
  });
});
