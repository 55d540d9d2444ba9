/**
 * What a rebalance does to the consumer's state: assigned partitions get a state (positions looked up on
 * first read); revoked ones stop handing over records at once, have what the application accepted
 * committed (with auto-commit), then go; lost ones go without a commit. The listener is awaited in between.
 */
import type { Committer } from "./committer.ts";
import type { ConsumerCounters } from "./counters.ts";
import { type TopicPartition, tpKey } from "./group/types.ts";
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";
import type { ConsumerRebalanceListener } from "./types.ts";

/** Applies a group's assignment changes to the subscription state. */
export class RebalanceGlue {
  readonly #subs: SubscriptionState;
  readonly #listener: ConsumerRebalanceListener | undefined;
  readonly #m: ConsumerCounters;
  readonly #committer: Committer;
  readonly #syncDelivery: () => void;
  readonly #wake: () => void;
  /**
   * Set while a parallel run owns delivery: it finishes or abandons its records of revoked partitions and
   * commits them itself (with metadata), instead of the accepted-offset commit.
   */
  handoff: ((states: PartitionState[], commit: boolean) => Promise<void>) | undefined;

  /** `syncDelivery` lets the active read mode count what its reader took before anything is committed. */
  constructor(
    subs: SubscriptionState,
    listener: ConsumerRebalanceListener | undefined,
    counters: ConsumerCounters,
    committer: Committer,
    syncDelivery: () => void,
    wake: () => void,
  ) {
    this.#subs = subs;
    this.#listener = listener;
    this.#m = counters;
    this.#committer = committer;
    this.#syncDelivery = syncDelivery;
    this.#wake = wake;
  }

  /** Partitions assigned to this member. */
  async assigned(tps: TopicPartition[]): Promise<void> {
    this.#subs.add(tps);
    this.#m.rebalances++;
    try {
      await this.#listener?.onAssigned?.(tps.map((tp) => ({ ...tp })));
    } finally {
      this.#wake();
    }
  }

  /**
   * Revoked (`commit`: what the application accepted is committed first) or lost partitions. Only
   * accepted records are committed: a revocation can come while the last records handed over are
   * still being processed.
   */
  async revoked(tps: TopicPartition[], commit: boolean): Promise<void> {
    const states = tps.map((tp) => this.#subs.get(tpKey(tp))).filter((s): s is PartitionState => !!s);
    this.#syncDelivery();
    // Stop handing over records of these partitions before anything else.
    this.#subs.fence(states);
    this.#m.rebalances++;
    try {
      if (this.handoff) await this.handoff(states, commit);
      if (commit) {
        await this.#committer.running?.catch(() => {});
        if (this.#committer.auto && !this.handoff) await this.#committer.commitAccepted(false, states);
        await this.#listener?.onRevoked?.(tps.map((tp) => ({ ...tp })));
      } else {
        await this.#listener?.onLost?.(tps.map((tp) => ({ ...tp })));
      }
    } finally {
      for (const s of states) this.#subs.remove(s);
    }
  }
}
