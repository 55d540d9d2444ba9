/**
 * What a stream's reader has taken. Records enqueued into the stream are noted in order; the stream's
 * `desiredSize` tells how many are still queued, so the rest were taken. A taken record counts as
 * accepted once the reader takes another (or at close): with `pipeTo`, the sink has finished writing it.
 */
import type { DeliveryTracker } from "./delivery.ts";
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";

/** The unit the stream's highWaterMark counts in bytes mode: key and value bytes, at least 1. */
export function recordBytes(r: { key: unknown; value: unknown }): number {
  const k = r.key instanceof Uint8Array ? r.key.length : 0;
  const v = r.value instanceof Uint8Array ? r.value.length : 0;
  return k + v + 1;
}

/** The queue of one open stream, as far as the consumer can see it. */
export interface StreamQueue {
  /** The stream controller's `desiredSize`. */
  readonly desiredSize: number | null;
  /** Closes the stream: its reader gets what is queued, then the end. */
  close(): void;
}

/** Records handed to the active stream and not yet known to be taken by its reader, oldest first. */
export class StreamTracker implements DeliveryTracker {
  readonly #subs: SubscriptionState;
  readonly #queue: StreamQueue;
  readonly #highWaterMark: number;
  #states: PartitionState[] = [];
  #epochs: number[] = [];
  #next: bigint[] = [];
  #sizes: number[] = [];
  #head = 0;
  /** Sum of `#sizes` from `#head` on. */
  #queued = 0;
  /** The last record the reader took: counted as accepted once the reader takes another (or at close). */
  #pending: { state: PartitionState; epoch: number; next: bigint } | undefined;

  /** `queue` is the stream's controller; `highWaterMark` in its own unit (records or bytes). */
  constructor(subs: SubscriptionState, queue: StreamQueue, highWaterMark: number) {
    this.#subs = subs;
    this.#queue = queue;
    this.#highWaterMark = highWaterMark;
  }

  /** A record of `s` (the position after it: `next`), of `size` units, was enqueued. */
  enqueued(s: PartitionState, next: bigint, size: number): void {
    this.#states.push(s);
    this.#epochs.push(s.epoch);
    this.#next.push(next);
    this.#sizes.push(size);
    this.#queued += size;
  }

  /** Records the reader took (the queue holds fewer than were enqueued) count as accepted. */
  sync(): void {
    const desired = this.#queue.desiredSize;
    const inQueue = desired === null ? 0 : Math.max(0, this.#highWaterMark - desired);
    while (this.#head < this.#sizes.length && this.#queued > inQueue) {
      if (this.#pending) this.#acceptPending();
      const h = this.#head++;
      this.#queued -= this.#sizes[h];
      this.#pending = { state: this.#states[h], epoch: this.#epochs[h], next: this.#next[h] };
    }
    if (this.#head > 4096 && this.#head * 2 > this.#sizes.length) {
      this.#states = this.#states.slice(this.#head);
      this.#epochs = this.#epochs.slice(this.#head);
      this.#next = this.#next.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Up to the last record the reader took, or what was accepted. */
  consumedAt(s: PartitionState): { offset: bigint; leaderEpoch: number } | null {
    const p = this.#pending;
    if (p && p.state === s && p.epoch === s.epoch) return { offset: p.next, leaderEpoch: -1 };
    return s.accepted === null ? null : { offset: s.accepted, leaderEpoch: s.acceptedEpoch };
  }

  /** Everything the reader took is processed. */
  acceptAll(): void {
    this.sync();
    if (this.#pending) this.#acceptPending();
  }

  /** Whether records of `s` wait in the stream's queue. */
  outstanding(s: PartitionState): boolean {
    for (let i = this.#head; i < this.#states.length; i++) {
      if (this.#states[i] === s && this.#epochs[i] === s.epoch) return true;
    }
    return false;
  }

  /** Ends the stream (the consumer closes); queued records are still read. */
  close(): void {
    try {
      this.#queue.close();
    } catch {
      // already closed or errored
    }
  }

  /**
   * A cancelled stream drops its queue, and its reader gave up on the record it took last (a `pipeTo`
   * whose sink failed on it): the first offset not accepted of each partition, where it goes back to so
   * that no commit covers those records and they are handed over again.
   */
  rewind(): Map<PartitionState, bigint> {
    const back = new Map<PartitionState, bigint>();
    const note = (s: PartitionState, epoch: number, next: bigint) => {
      if (this.#subs.isCurrentAt(s, epoch) && !back.has(s)) back.set(s, next - 1n);
    };
    const p = this.#pending;
    if (p) note(p.state, p.epoch, p.next);
    for (let i = this.#head; i < this.#sizes.length; i++) {
      note(this.#states[i], this.#epochs[i], this.#next[i]);
    }
    return back;
  }

  #acceptPending(): void {
    const p = this.#pending!;
    this.#pending = undefined;
    // A seek or revocation since: the record no longer says anything about the partition's progress.
    if (!this.#subs.isCurrentAt(p.state, p.epoch)) return;
    this.#subs.accept(p.state, p.next, -1);
  }
}
