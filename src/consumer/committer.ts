/**
 * Commits: the auto-commit timer, commits of what the application accepted (on the timer, on revocation,
 * at close), commits the application asks for, and where they go (the group member's identity when
 * subscribed, else a standalone commit under the groupId). `onCommit` hears of automatic and async ones.
 */
import type { RetryPolicy } from "../client/retry.ts";
import type { Cluster } from "../client/cluster.ts";
import type { ConsumerCounters } from "./counters.ts";
import type { GroupMembership } from "./group/membership.ts";
import { commitOffsetsStandalone, fetchCommittedStandalone } from "./group/offsets.ts";
import {
  type CommitEntry,
  CommitFailedError,
  type OffsetAndMetadata,
  type TopicPartition,
  tpKey,
} from "./group/types.ts";
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";
import type { CommitCallback } from "./types.ts";

/** A commit entry for `offset` with its leader epoch when known. */
export function commitEntry(tp: TopicPartition, offset: bigint, leaderEpoch: number): CommitEntry {
  return { tp, offset: { offset, leaderEpoch: leaderEpoch >= 0 ? leaderEpoch : undefined } };
}

/** What auto-commit commits: each partition's accepted position that differs from its last commit. */
export function acceptedSinceCommit(states: Iterable<PartitionState>): CommitEntry[] {
  const out: CommitEntry[] = [];
  for (const s of states) {
    const a = s.accepted;
    if (a === null || a === s.committed) continue;
    out.push(commitEntry(s.tp, a, s.acceptedEpoch));
  }
  return out;
}

/** What the committer needs from around it. */
export interface CommitterHost {
  /** The membership when the consumer is subscribed (commits carry its identity), else undefined. */
  group(): GroupMembership | undefined;
  /** Before an automatic commit: let the read mode count what its reader has taken. */
  beforeAutoCommit(): void;
}

/** Sends commits and runs the auto-commit timer. */
export class Committer {
  readonly #cluster: Cluster;
  readonly #groupId: string | undefined;
  readonly #requireStable: boolean;
  readonly #auto: boolean;
  readonly #intervalMs: number;
  readonly #onCommit: CommitCallback | undefined;
  readonly #subs: SubscriptionState;
  readonly #m: ConsumerCounters;
  readonly #host: CommitterHost;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;

  constructor(
    cluster: Cluster,
    o: {
      groupId: string | undefined;
      enableAutoCommit: boolean;
      autoCommitIntervalMs: number;
      onCommit: CommitCallback | undefined;
      /** 1 (read_committed): committed offsets are read as stable only (KIP-447). */
      isolationLevel: 0 | 1;
    },
    subs: SubscriptionState,
    counters: ConsumerCounters,
    host: CommitterHost,
  ) {
    this.#cluster = cluster;
    this.#groupId = o.groupId;
    this.#requireStable = o.isolationLevel === 1;
    this.#auto = o.enableAutoCommit && o.groupId !== undefined;
    this.#intervalMs = o.autoCommitIntervalMs;
    this.#onCommit = o.onCommit;
    this.#subs = subs;
    this.#m = counters;
    this.#host = host;
  }

  /** Whether offsets are committed automatically (enableAutoCommit with a groupId). */
  get auto(): boolean {
    return this.#auto;
  }

  /** The automatic commit under way, if any (never rejects). */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** Starts the auto-commit timer (once). */
  start(): void {
    if (!this.#auto || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#host.beforeAutoCommit();
      const p = this.commitAccepted(false).finally(() => {
        if (this.#running === p) this.#running = undefined;
      });
      this.#running = p;
    }, this.#intervalMs);
    // Node: the timer alone does not keep the process alive.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Commits the accepted positions that moved since the last commit, for `only` or every partition.
   * Failures go to `onCommit`; with `rethrow` they are thrown as well (but a `CommitFailedError`, which
   * a rebalance explains, is not).
   */
  async commitAccepted(rethrow: boolean, only?: Iterable<PartitionState>): Promise<void> {
    const entries = acceptedSinceCommit(only ?? this.#subs.values());
    if (entries.length === 0) return;
    try {
      await this.commit(entries, true);
    } catch (e) {
      if (rethrow && !(e instanceof CommitFailedError)) throw e;
    }
  }

  /**
   * Sends a commit, retried as `policy` allows; reports to `onCommit` when `report`. Remembers what was
   * committed.
   */
  async commit(entries: CommitEntry[], report: boolean, policy?: RetryPolicy): Promise<void> {
    const map = new Map<string, OffsetAndMetadata & TopicPartition>();
    for (const e of entries) map.set(tpKey(e.tp), { ...e.tp, ...e.offset });
    try {
      if (entries.length > 0) {
        const group = this.#host.group();
        if (group) await group.commit(entries, policy);
        else await commitOffsetsStandalone(this.#cluster, this.#groupId!, entries, policy);
      }
      this.#m.commits++;
      for (const e of entries) this.#subs.noteCommitted(tpKey(e.tp), e.offset.offset);
      if (report) this.#report(null, map);
    } catch (e) {
      this.#m.commitErrors++;
      if (report) this.#report(e as Error, map);
      throw e;
    }
  }

  /**
   * The group's committed offsets (needs a groupId). A read_committed consumer asks for stable offsets only,
   * as the Java client does: offsets a transaction still holds are not handed out before it ends, so an
   * exactly-once pipeline does not restart from an older offset (the retriable UNSTABLE_OFFSET_COMMIT is
   * retried as `policy` allows).
   */
  fetchCommitted(
    tps: TopicPartition[],
    policy?: RetryPolicy,
  ): Promise<Map<string, OffsetAndMetadata | null>> {
    if (!this.#groupId) return Promise.reject(new TypeError("committed offsets need the groupId option"));
    const group = this.#host.group();
    if (group) return group.fetchCommitted(tps, this.#requireStable, policy);
    return fetchCommittedStandalone(this.#cluster, this.#groupId, tps, this.#requireStable, policy);
  }

  #report(err: Error | null, map: Map<string, OffsetAndMetadata & TopicPartition>): void {
    try {
      this.#onCommit?.(err, map);
    } catch {
      // The callback's own failure must not break the consumer.
    }
  }
}
