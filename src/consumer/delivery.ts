/**
 * Delivery tracking: what counts as processed in each read mode. A reader's records are "accepted" (what
 * auto-commit commits, and what a revocation commits) once the application is known to be done with them:
 * with `poll`, everything handed over by earlier calls; with the iterator, the record returned last, once
 * the next is asked for; with a stream, see stream-tracker.ts.
 */
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";

/** One read mode's notion of "processed". */
export interface DeliveryTracker {
  /** The reader asks for more: what it is done with now counts as accepted. */
  sync(): void;
  /** Where committing "everything consumed" puts `s`, with its leader epoch (-1 unknown); null: nowhere. */
  consumedAt(s: PartitionState): { offset: bigint; leaderEpoch: number } | null;
  /** The application is done with everything it took (close). */
  acceptAll(): void;
  /** Whether records of `s` are handed over and not yet processed. */
  outstanding(s: PartitionState): boolean;
}

/** `poll`: each call tells that the records of the calls before it are processed. */
export class PollTracker implements DeliveryTracker {
  readonly #subs: SubscriptionState;

  /** Tracks the partitions of `subs`. */
  constructor(subs: SubscriptionState) {
    this.#subs = subs;
  }

  /** A poll call: every record handed over before it is processed. */
  sync(): void {
    this.#subs.acceptPositions();
  }

  /** The position: everything handed over. */
  consumedAt(s: PartitionState): { offset: bigint; leaderEpoch: number } | null {
    return s.position === null ? null : { offset: s.position, leaderEpoch: s.positionEpoch };
  }

  /** Accepts every position. */
  acceptAll(): void {
    this.#subs.acceptPositions();
  }

  /** Nothing is outstanding once a poll call synced. */
  outstanding(_s: PartitionState): boolean {
    return false;
  }
}

/** `for await`: asking for the next record tells that the previous one is processed. */
export class IteratorTracker extends PollTracker {
  readonly #subs: SubscriptionState;
  /** The partition of the record returned last, until the next is asked for. */
  #previous: PartitionState | undefined;

  /** Tracks the partitions of `subs`. */
  constructor(subs: SubscriptionState) {
    super(subs);
    this.#subs = subs;
  }

  /** The record returned last was of `s`. */
  delivered(s: PartitionState): void {
    this.#previous = s;
  }

  /** The next record is asked for: the previous one is processed. */
  override sync(): void {
    const s = this.#previous;
    if (s) this.#subs.acceptPosition(s);
    this.#previous = undefined;
  }

  /** The iterator ended: its last record is neither outstanding nor accepted by it. */
  forget(): void {
    this.#previous = undefined;
  }

  /** The record returned last, until the next is asked for. */
  override outstanding(s: PartitionState): boolean {
    return this.#previous === s;
  }
}
