// Consumer groups end to end, through the Consumer with real records: members that join and leave
// while the group reads (cooperative-sticky: every record read, no partition read by two members at
// once, positions handed over by commits), a member that dies without leaving (classic and KIP-848),
// and a stream whose sink fails: only what the sink accepted is committed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Admin } from "../../src/admin/admin.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerOptions, ConsumerRebalanceListener, ConsumerRecord } from "../../src/consumer/types.ts";
import type { OffsetAndMetadata, TopicPartition } from "../../src/consumer/group/types.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const TOTAL = 60_000;
const PARTITIONS = 6;
/** Records per poll: a member re-reads at most one poll's worth when a partition moves. */
const MAX_POLL = 200;
const dec = new TextDecoder();

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Record `i` is written to partition `i % PARTITIONS` with the value `String(i)`. */
function idOf(r: ConsumerRecord): number {
  return Number(dec.decode(r.value ?? new Uint8Array(0)));
}

/** Polls `check` until it holds, failing with `what` after `ms`; `failed` ends the wait early. */
async function waitFor(
  what: string,
  check: () => boolean,
  failed: () => unknown = () => undefined,
  ms = 60_000,
): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    const err = failed();
    if (err !== undefined) throw err;
    assert.ok(performance.now() < deadline, `timed out waiting for: ${what}`);
    await sleep(50);
  }
}

/**
 * What the members of one group did: who owns which partition (per the rebalance listeners), which
 * records each member was handed, in order, and which records count as processed.
 */
class GroupLog {
  readonly topic: string;
  readonly #t0 = performance.now();
  /** Partition → the member that owns it now. */
  readonly owner = new Map<number, string>();
  /** A partition assigned to a member while another still owned it. */
  readonly overlaps: string[] = [];
  /** Records handed to a member while another owned their partition (or from the wrong partition). */
  readonly violations: string[] = [];
  readonly events: string[] = [];
  /** Per partition, every record handed over, in the order it happened. */
  readonly deliveries: { member: string; offset: bigint }[][] = Array.from(
    { length: PARTITIONS },
    () => [],
  );
  /** Record id → times it was processed. */
  readonly seen = new Uint16Array(TOTAL);
  distinct = 0;

  constructor(topic: string) {
    this.topic = topic;
  }

  #note(what: string): void {
    this.events.push(`${(performance.now() - this.#t0).toFixed(0).padStart(6)} ms ${what}`);
  }

  #mine(parts: TopicPartition[]): number[] {
    return parts.filter((tp) => tp.topic === this.topic).map((tp) => tp.partition);
  }

  listener(name: string): ConsumerRebalanceListener {
    const gone = (how: string) => (parts: TopicPartition[]) => {
      for (const p of this.#mine(parts)) if (this.owner.get(p) === name) this.owner.delete(p);
      this.#note(`${name} ${how} ${this.#mine(parts).join(",")}`);
    };
    return {
      onAssigned: (parts) => {
        for (const p of this.#mine(parts)) {
          const other = this.owner.get(p);
          if (other !== undefined && other !== name) {
            this.overlaps.push(`p${p} to ${name} while ${other} owns it`);
          }
          this.owner.set(p, name);
        }
        this.#note(`${name} +${this.#mine(parts).join(",")}`);
      },
      onRevoked: gone("-"),
      onLost: gone("lost"),
    };
  }

  /** Partitions owned by `name` now. */
  owned(name: string): number {
    let n = 0;
    for (const m of this.owner.values()) if (m === name) n++;
    return n;
  }

  /** Checks records just handed to `name`: from a partition no other member owns, with the right value. */
  handed(name: string, records: ConsumerRecord[]): void {
    for (const r of records) {
      const owner = this.owner.get(r.partition);
      if (owner !== undefined && owner !== name) {
        this.violations.push(`p${r.partition}@${r.offset} handed to ${name} while ${owner} owns it`);
      }
      if (idOf(r) % PARTITIONS !== r.partition) {
        this.violations.push(`record ${idOf(r)} came from p${r.partition}`);
      }
      this.deliveries[r.partition].push({ member: name, offset: r.offset });
    }
  }

  /** Counts records as processed. */
  processed(records: ConsumerRecord[]): void {
    for (const r of records) if (this.seen[idOf(r)]++ === 0) this.distinct++;
  }

  /**
   * Per partition: reading starts at offset 0, never skips ahead of what was handed over (no gap, so
   * nothing unread), and goes back at most one poll's worth when a partition moves (the previous owner
   * committed its position on revoke or close).
   */
  handOverProblems(maxRewind: number): string[] {
    const out: string[] = [];
    this.deliveries.forEach((list, p) => {
      let next = 0n; // one past the highest offset handed over so far
      let prev = -1n;
      for (const d of list) {
        // Only where reading does not simply go on: a new owner, or a member that went back.
        if (d.offset !== prev + 1n) {
          if (d.offset > next) out.push(`p${p}: ${d.member} jumped to ${d.offset}, ${next} not yet read`);
          else if (next - d.offset > BigInt(maxRewind)) {
            out.push(`p${p}: ${d.member} went back from ${next} to ${d.offset}`);
          }
        }
        prev = d.offset;
        if (d.offset + 1n > next) next = d.offset + 1n;
      }
    });
    return out;
  }

  /** Record ids that were never processed (the first few). */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < TOTAL && out.length < 10; i++) if (this.seen[i] === 0) out.push(i);
    return out;
  }
}

/** A consumer with a poll loop that stops taking records once it has `quota`. */
interface Member {
  readonly name: string;
  readonly consumer: Consumer;
  /** Records this member may take before it waits (raised by the test to move the scenario on). */
  quota: number;
  taken: number;
  /** Commit after each poll and count the batch as processed only then (no auto-commit). */
  readonly commitEachPoll: boolean;
  /** Set to make the member take one more batch and then stop as if it crashed. */
  crash: boolean;
  /** The batch taken at the crash: never processed, never committed. */
  lostBatch: ConsumerRecord[];
  stop: boolean;
  error: unknown;
  loop: Promise<void>;
}

// A KIP-848 group's session and heartbeat interval are group configs; the test broker allows these.
const KIP848_GROUP_CONFIGS = [
  { name: "consumer.session.timeout.ms", value: "6000" },
  { name: "consumer.heartbeat.interval.ms", value: "500" },
];

const CLASSIC_SHORT = {
  groupProtocol: "classic",
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 20_000,
} as const satisfies Partial<ConsumerOptions>;

describe("consumer groups with real records", () => {
  let cluster: Cluster;
  let admin: Admin;
  let topic: string;
  const members: Member[] = [];
  const consumers: Consumer[] = [];

  before(async () => {
    cluster = new Cluster({ bootstrapServers: bootstrap() });
    admin = new Admin({ bootstrapServers: bootstrap() });
    topic = uniqueTopic("cgroup");
    await createTopic(cluster, topic, PARTITIONS);
    // Small batches, so that a fetch answer holds a few hundred records of a partition, not all of it.
    const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 5, batchSize: 8192 });
    try {
      await producer.sendBatch(
        Array.from({ length: TOTAL }, (_, i) => ({ topic, partition: i % PARTITIONS, value: String(i) })),
      );
    } finally {
      await producer.close();
    }
  });

  after(async () => {
    // A member left open would keep heart-beating and hold the process.
    for (const m of members) m.stop = true;
    await Promise.all(members.map((m) => m.loop));
    for (const c of consumers) await c.close().catch(() => {});
    await deleteTopic(cluster, topic).catch(() => {});
    await admin.close();
    await cluster.close();
  });

  /** A fresh group; a KIP-848 one gets short session and heartbeat group configs first. */
  async function newGroup(protocol: "classic" | "consumer"): Promise<string> {
    const groupId = uniqueTopic("cg");
    if (protocol === "consumer") {
      await admin.incrementalAlterConfigs([{
        resource: { type: "GROUP", name: groupId },
        ops: KIP848_GROUP_CONFIGS.map((c) => ({ ...c, op: "SET" as const })),
      }]);
    }
    return groupId;
  }

  function consumer(options: Partial<ConsumerOptions>): Consumer {
    const c = new Consumer({
      bootstrapServers: bootstrap(),
      autoOffsetReset: "earliest",
      maxPollRecords: MAX_POLL,
      // Small answers per partition, so members read all their partitions side by side.
      maxPartitionFetchBytes: 8192,
      ...options,
    });
    consumers.push(c);
    return c;
  }

  function start(
    log: GroupLog,
    name: string,
    options: Partial<ConsumerOptions>,
    quota: number,
    commitEachPoll = false,
  ): Member {
    const c = consumer({
      ...options,
      enableAutoCommit: !commitEachPoll,
      rebalanceListener: log.listener(name),
    });
    c.subscribe([log.topic]);
    const m: Member = {
      name,
      consumer: c,
      quota,
      taken: 0,
      commitEachPoll,
      crash: false,
      lostBatch: [],
      stop: false,
      error: undefined,
      loop: Promise.resolve(),
    };
    m.loop = drive(m, log).catch((e) => {
      m.error = e;
    });
    members.push(m);
    return m;
  }

  async function drive(m: Member, log: GroupLog): Promise<void> {
    while (!m.stop) {
      if (m.taken >= m.quota && !m.crash) {
        await sleep(20);
        continue;
      }
      const batch = await m.consumer.poll(200);
      if (batch.length === 0) continue;
      log.handed(m.name, batch);
      if (m.crash) {
        m.lostBatch = batch;
        return;
      }
      if (m.commitEachPoll) await m.consumer.commit();
      log.processed(batch);
      m.taken += batch.length;
    }
  }

  /** Stops the member's loop and closes its consumer (committing and leaving, unless told otherwise). */
  async function stopMember(m: Member, remain = false): Promise<void> {
    m.stop = true;
    await m.loop;
    await m.consumer.close(remain ? { groupMembershipOperation: "remain-in-group" } : {});
  }

  const anyError = () => members.find((m) => m.error !== undefined)?.error;

  function assertClean(log: GroupLog): void {
    const trail = log.events.join("\n");
    assert.deepEqual(log.overlaps, [], trail);
    assert.deepEqual(log.violations.slice(0, 10), [], trail);
    assert.deepEqual(log.missing(), [], `${log.distinct} of ${TOTAL} processed`);
    assert.equal(log.distinct, TOTAL);
    assert.deepEqual(log.handOverProblems(MAX_POLL).slice(0, 10), [], trail);
  }

  it("cooperative-sticky: members join and leave mid-stream; every record read, no partition read twice at once", async () => {
    const log = new GroupLog(topic);
    const groupId = await newGroup("classic");
    const opts = { ...CLASSIC_SHORT, groupId, partitionAssignmentStrategy: ["cooperative-sticky" as const] };
    // Quotas keep records flowing while members join, and leave records for each newcomer to read.
    const a = start(log, "a", opts, 8000);
    await waitFor("a reads", () => a.taken >= 4000, anyError);

    const b = start(log, "b", opts, 4000);
    await waitFor(
      "a and b own 3 each and reach their quotas",
      () => log.owned("a") === 3 && log.owned("b") === 3 && a.taken >= a.quota && b.taken >= b.quota,
      anyError,
    );

    const c = start(log, "c", opts, 2000);
    a.quota += 3000;
    b.quota += 3000;
    await waitFor(
      "2 partitions each, quotas reached",
      () =>
        ["a", "b", "c"].every((n) => log.owned(n) === 2) &&
        [a, b, c].every((m) => m.taken >= m.quota),
      anyError,
    );

    // b leaves while a and c go on reading.
    a.quota = c.quota = Infinity;
    b.quota += 2000;
    await waitFor("b reads on", () => b.taken >= b.quota, anyError);
    await stopMember(b);
    await waitFor("a and c own all 6", () => log.owned("a") + log.owned("c") === 6, anyError);
    await waitFor("every record read", () => log.distinct === TOTAL, anyError);
    await stopMember(a);
    await stopMember(c);

    assertClean(log);
    for (const m of [a, b, c]) assert.ok(m.taken > 0, `${m.name} read records`);
  });

  for (const protocol of ["classic", "consumer"] as const) {
    it(`${protocol} protocol: a member that dies without leaving hands its partitions over after the session timeout`, async () => {
      const log = new GroupLog(topic);
      const groupId = await newGroup(protocol);
      const opts: Partial<ConsumerOptions> = protocol === "classic"
        ? { ...CLASSIC_SHORT, groupId }
        : { groupProtocol: "consumer", groupId, rebalanceTimeoutMs: 20_000 };
      const a = start(log, "a", opts, 0);
      const b = start(log, "b", opts, 0);
      // c commits after every poll and has no auto-commit: its crash loses what it took last.
      const c = start(log, "c", opts, 0, true);
      await waitFor("2 partitions each", () => ["a", "b", "c"].every((n) => log.owned(n) === 2), anyError);
      for (const m of [a, b, c]) m.quota = 5000;
      await waitFor("quotas reached", () => [a, b, c].every((m) => m.taken >= m.quota), anyError);

      const cParts = [...log.owner].filter(([, m]) => m === "c").map(([p]) => p);
      c.crash = true;
      await waitFor("c takes its last batch", () => c.lostBatch.length > 0, anyError);
      await stopMember(c, true);
      a.quota = b.quota = Infinity;
      await waitFor("a and b own all 6", () => log.owned("a") + log.owned("b") === 6, anyError);
      await waitFor("every record read", () => log.distinct === TOTAL, anyError);
      await stopMember(a);
      await stopMember(b);

      assertClean(log);
      // The batch c took but never processed was read again by the members that took its partitions.
      for (const r of c.lostBatch) {
        assert.ok(cParts.includes(r.partition));
        assert.ok(
          log.deliveries[r.partition].some((d) => d.offset === r.offset && d.member !== "c"),
          `p${r.partition}@${r.offset} read again after c died`,
        );
      }
    });
  }

  it("stream: commits cover only what the sink accepted; a new member resumes at or before the first record the sink refused", async () => {
    const groupId = await newGroup("classic");
    const N = 25_000;
    const HWM = 2000;
    /** Per partition, the last offset the sink accepted. */
    const last = new Array<bigint>(PARTITIONS).fill(-1n);
    const accepted = new Uint8Array(TOTAL);
    const commitProblems: string[] = [];
    let commitsSeen = 0;
    const checkCommitted = (where: string, got: Map<string, OffsetAndMetadata | null>) => {
      for (const [key, o] of got) {
        const p = Number(key.slice(key.lastIndexOf(":") + 1));
        if (o && o.offset > last[p] + 1n) {
          commitProblems.push(`${where}: p${p} committed ${o.offset}, the sink accepted up to ${last[p]}`);
        }
      }
    };
    const a = consumer({
      ...CLASSIC_SHORT,
      groupId,
      autoCommitIntervalMs: 50,
      onCommit: (err, offsets) => {
        if (err) return;
        commitsSeen++;
        checkCommitted("auto-commit", offsets);
      },
    });
    a.subscribe([topic]);
    let refused: ConsumerRecord | undefined;
    let acceptedCount = 0;
    const sink = new WritableStream<ConsumerRecord>({
      async write(r) {
        if (acceptedCount === N) {
          refused = r;
          throw new Error("sink is full");
        }
        accepted[idOf(r)] = 1;
        acceptedCount++;
        if (r.offset > last[r.partition]) last[r.partition] = r.offset;
        // A slow write now and then: the stream's queue fills up ahead and auto-commit runs meanwhile.
        if (acceptedCount % 1000 === 0) await sleep(60);
      },
    });
    await assert.rejects(a.stream({ highWaterMark: HWM }).pipeTo(sink), /sink is full/);
    assert.ok(commitsSeen > 0, "auto-commit ran while the sink was writing");
    assert.equal(acceptedCount, N);
    assert.ok(refused);
    await a.close(); // commits what was accepted

    const b = consumer({ groupId, enableAutoCommit: false, autoOffsetReset: "none" });
    const tps = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
    const committed = await b.committed(tps);
    checkCommitted("after close", committed);
    assert.deepEqual(commitProblems, []);
    // Never past what the sink accepted, so nothing is lost. Behind it only by records the reader took
    // after the consumer last looked (a cancelled stream no longer tells), at most the stream's queue.
    let reread = 0n;
    const from = new Map<number, bigint>();
    for (let p = 0; p < PARTITIONS; p++) {
      const at = committed.get(`${topic}:${p}`)?.offset;
      assert.ok(at !== undefined, `p${p} has a commit`);
      assert.ok(at <= last[p] + 1n, `p${p} committed ${at} past ${last[p]}`);
      from.set(p, at);
      reread += last[p] + 1n - at;
    }
    assert.ok(from.get(refused.partition)! <= refused.offset);
    assert.ok(reread <= BigInt(HWM + 1), `${reread} accepted records not committed`);

    b.assign(tps);
    const first = new Map<number, bigint>();
    let rest = 0;
    const deadline = performance.now() + 60_000;
    while (accepted.includes(0)) {
      assert.ok(performance.now() < deadline, `read ${rest} more; some records never came`);
      for (const r of await b.poll(500)) {
        if (!first.has(r.partition)) first.set(r.partition, r.offset);
        accepted[idOf(r)] = 1;
        rest++;
      }
    }
    assert.deepEqual(first, from);
    assert.equal(rest, TOTAL - N + Number(reread));
    await b.close();
  });
});
