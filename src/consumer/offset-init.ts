/**
 * Starting positions: for partitions without one, the group's committed offset (when there is a groupId
 * and no explicit reset was asked for), else `autoOffsetReset` (or the seekToBeginning/End asked for)
 * through ListOffsets. One look-up runs at a time; partitions seeked or revoked meanwhile keep what they got.
 */
import type { Cluster } from "../client/cluster.ts";
import { isRetriable } from "../client/retry.ts";
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

/** The pause after a look-up failed with a retriable error (each look-up already retried with backoff). */
const RETRY_AFTER_MS = 500;

/** Looks up the positions of partitions that have none. */
export class OffsetInitializer {
  readonly #cluster: Cluster;
  readonly #subs: SubscriptionState;
  readonly #autoOffsetReset: "earliest" | "latest" | "none";
  readonly #isolationLevel: number;
  readonly #host: OffsetInitHost;
  #running: Promise<void> | undefined;
  /** The next try after a retriable failure. */
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** The retriable error of the last look-up, until one succeeds. */
  #lastFailure: Error | undefined;

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

  /** Why the last look-up failed, when it did with a retriable error (it runs again a little later). */
  get lastFailure(): Error | undefined {
    return this.#lastFailure;
  }

  /** The look-up under way, if any (it never rejects: failures go to the host). */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** Starts a look-up for the partitions without a position, unless one runs or one failed just now. */
  ensure(): void {
    if (this.#running || this.#host.closed || this.#retry !== undefined) return;
    const todo = this.#subs.withoutPosition();
    if (todo.length === 0) return;
    this.#running = this.#init(todo).then(() => {
      this.#lastFailure = undefined;
    }, (e) => {
      // As the Java client: a retriable failure (the cluster away, a coordinator or leader moving, offsets
      // a transaction still holds under read_committed) leaves the partitions without a position and the
      // look-up runs again a little later; only other errors reach the reader.
      if (!isRetriable(e)) return this.#host.fail(e as Error);
      this.#lastFailure = e as Error;
      if (this.#host.closed) return;
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.ensure();
      }, RETRY_AFTER_MS);
      // Node: a pending retry alone does not keep the process alive.
      (this.#retry as { unref?: () => void }).unref?.();
    }).finally(() => {
      this.#running = undefined;
      this.#host.found();
    });
  }

  /** Drops a pending retry (the consumer is closing). */
  stop(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  async #init(todo: PartitionState[]): Promise<void> {
    const subs = this.#subs;
    const epochs = todo.map((s) => s.epoch);
    const current = (s: PartitionState, i: number) => s.position === null && subs.isCurrentAt(s, epochs[i]);
    const useCommitted = todo.filter((s) => s.reset === null);
    const committed = this.#host.committed;
    if (useCommitted.length > 0 && committed) {
      const found = await committed(useCommitted.map((s) => s.tp));
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
