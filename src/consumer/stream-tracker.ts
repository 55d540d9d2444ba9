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
  /** Each record's own offset (the record's bigint, not a new one). */
  #offsets: bigint[] = [];
  #sizes: number[] = [];
  #head = 0;
  /** Sum of `#sizes` from `#head` on. */
  #queued = 0;
  /**
   * Whether the record at `#head - 1`, the last one the reader took, is pending: counted as accepted once
   * the reader takes another (or at close).
   */
  #pending = false;

  /** `queue` is the stream's controller; `highWaterMark` in its own unit (records or bytes). */
  constructor(subs: SubscriptionState, queue: StreamQueue, highWaterMark: number) {
    this.#subs = subs;
    this.#queue = queue;
    this.#highWaterMark = highWaterMark;
  }

  /** A record of `s` at `offset`, of `size` units, was enqueued. */
  enqueued(s: PartitionState, offset: bigint, size: number): void {
    this.#states.push(s);
    this.#epochs.push(s.epoch);
    this.#offsets.push(offset);
    this.#sizes.push(size);
    this.#queued += size;
  }

  /** Records the reader took (the queue holds fewer than were enqueued) count as accepted. */
  sync(): void {
    const desired = this.#queue.desiredSize;
    const inQueue = desired === null ? 0 : Math.max(0, this.#highWaterMark - desired);
    const states = this.#states;
    const epochs = this.#epochs;
    // Of a run of one partition's records taken together only the last accepted one matters: accepting
    // where a run ends costs one look-up per run instead of one (and a new bigint) per record.
    let last = this.#pending ? this.#head - 1 : -1;
    let runStart = last;
    while (this.#head < this.#sizes.length && this.#queued > inQueue) {
      const h = this.#head++;
      this.#queued -= this.#sizes[h];
      if (last >= 0 && (states[last] !== states[h] || epochs[last] !== epochs[h])) {
        this.#accept(last);
        runStart = h;
      } else if (last < 0) runStart = h;
      last = h;
    }
    if (last >= 0) {
      this.#pending = true;
      // The run still going: all of it but its last record (pending) is accepted.
      if (last > runStart) this.#accept(last - 1);
    }
    if (this.#head > 4096 && this.#head * 2 > this.#sizes.length) {
      // Keep the pending record (at head - 1).
      const from = this.#head - 1;
      this.#states = states.slice(from);
      this.#epochs = epochs.slice(from);
      this.#offsets = this.#offsets.slice(from);
      this.#sizes = this.#sizes.slice(from);
      this.#head = 1;
    }
  }

  /** Up to the last record the reader took, or what was accepted. */
  consumedAt(s: PartitionState): { offset: bigint; leaderEpoch: number } | null {
    const p = this.#head - 1;
    if (this.#pending && this.#states[p] === s && this.#epochs[p] === s.epoch) {
      return { offset: this.#offsets[p] + 1n, leaderEpoch: -1 };
    }
    return s.accepted === null ? null : { offset: s.accepted, leaderEpoch: s.acceptedEpoch };
  }

  /** Everything the reader took is processed. */
  acceptAll(): void {
    this.sync();
    if (this.#pending) {
      this.#pending = false;
      this.#accept(this.#head - 1);
    }
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
    const from = this.#pending ? this.#head - 1 : this.#head;
    for (let i = from; i < this.#sizes.length; i++) {
      const s = this.#states[i];
      if (this.#subs.isCurrentAt(s, this.#epochs[i]) && !back.has(s)) back.set(s, this.#offsets[i]);
    }
    return back;
  }

  /** The record at `i` is processed: its partition's progress moves past it, unless a seek came since. */
  #accept(i: number): void {
    const s = this.#states[i];
    if (!this.#subs.isCurrentAt(s, this.#epochs[i])) return;
    this.#subs.accept(s, this.#offsets[i] + 1n, -1);
  }
}
