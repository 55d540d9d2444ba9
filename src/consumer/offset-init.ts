/**
 * Starting positions: for partitions without one, the group's committed offset (when there is a groupId
 * and no explicit reset was asked for), else `autoOffsetReset` (or the seekToBeginning/End asked for)
 * through ListOffsets. One look-up runs at a time; partitions seeked or revoked meanwhile keep what they got.
 */
import type { Cluster } from "../client/cluster.ts";
import { ERR, KafkaError } from "../protocol/errors.ts";
import { NoOffsetForPartitionError } from "./errors.ts";
import type { OffsetAndMetadata, TopicPartition } from "./group/types.ts";
import { EARLIEST, LATEST, listOffsets } from "./list-offsets.ts";
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";

/** What offset initialisation needs from around it. */
export interface OffsetInitHost {
  readonly closed: boolean;
  /** The group's committed offsets, or undefined without a groupId. */
  committed: ((tps: TopicPartition[]) => Promise<Map<string, OffsetAndMetadata | null>>) | undefined;
  /** A failure the reader is to see. */
  fail(e: Error): void;
  /** Positions were found: fetch and wake readers. */
  found(): void;
}

/** Looks up the positions of partitions that have none. */
export class OffsetInitializer {
  readonly #cluster: Cluster;
  readonly #subs: SubscriptionState;
  readonly #autoOffsetReset: "earliest" | "latest" | "none";
  readonly #isolationLevel: number;
  readonly #host: OffsetInitHost;
  #running: Promise<void> | undefined;

  constructor(
    cluster: Cluster,
    subs: SubscriptionState,
    autoOffsetReset: "earliest" | "latest" | "none",
    isolationLevel: number,
    host: OffsetInitHost,
  ) {
    this.#cluster = cluster;
    this.#subs = subs;
    this.#autoOffsetReset = autoOffsetReset;
    this.#isolationLevel = isolationLevel;
    this.#host = host;
  }

  /** The look-up under way, if any (it never rejects: failures go to the host). */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** Starts a look-up for the partitions without a position, unless one runs. */
  ensure(): void {
    if (this.#running || this.#host.closed) return;
    const todo = this.#subs.withoutPosition();
    if (todo.length === 0) return;
    this.#running = this.#init(todo).catch((e) => this.#host.fail(e as Error)).finally(() => {
      this.#running = undefined;
      this.#host.found();
    });
  }

  async #init(todo: PartitionState[]): Promise<void> {
    const subs = this.#subs;
    const epochs = todo.map((s) => s.epoch);
    const current = (s: PartitionState, i: number) => s.position === null && subs.isCurrentAt(s, epochs[i]);
    const useCommitted = todo.filter((s) => s.reset === null);
    const committed = this.#host.committed;
    if (useCommitted.length > 0 && committed) {
      let found: Map<string, OffsetAndMetadata | null>;
      try {
        found = await committed(useCommitted.map((s) => s.tp));
      } catch (e) {
        // A transaction still holds offsets of these partitions (read_committed): they stay without a
        // position, and the next look-up asks again, until the transaction commits or aborts.
        if (e instanceof KafkaError && e.code === ERR.UNSTABLE_OFFSET_COMMIT) return;
        throw e;
      }
      todo.forEach((s, i) => {
        if (s.reset !== null || !current(s, i)) return;
        const c = found.get(s.key);
        if (c) subs.initPosition(s, c.offset, c.leaderEpoch ?? -1);
      });
    }
    const resets: { s: PartitionState; i: number; to: "earliest" | "latest" | "none" }[] = [];
    todo.forEach((s, i) => {
      if (current(s, i)) resets.push({ s, i, to: s.reset ?? this.#autoOffsetReset });
    });
    const none = resets.filter((r) => r.to === "none");
    if (none.length > 0) throw new NoOffsetForPartitionError(none.map((r) => ({ ...r.s.tp })));
    if (resets.length === 0) return;
    const found = await listOffsets(
      this.#cluster,
      resets.map((r) => ({ tp: r.s.tp, timestamp: r.to === "earliest" ? EARLIEST : LATEST })),
      this.#isolationLevel,
    );
    for (const { s, i } of resets) {
      const a = found.get(s.key);
      if (a && current(s, i)) subs.initPosition(s, a.offset, -1);
    }
  }
}
