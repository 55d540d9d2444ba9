/**
 * The in-flight offsets of one partition: what was taken from the consumer, in offset order, and which of
 * it is done. The commit point is the lowest offset not done (never past a record still in flight); the
 * done offsets above it go into the commit metadata (metadata.ts) so the next owner skips them.
 */
import { decodeDone, type DoneSpan, encodeDone } from "./metadata.ts";

/** Offsets of one partition between its commit point and the last one taken. */
export class OffsetTracker {
  /** Offsets taken, ascending, from `#head` on. */
  #offsets: bigint[] = [];
  /** 1 where the offset at the same index is done. */
  #done: number[] = [];
  #head = 0;
  /** The offset after the last one taken (or the starting point while nothing was taken). */
  #next: bigint;
  /** Done offsets recorded by the previous owner: relative to `#skipBase`. */
  #skip: Uint8Array | null = null;
  #skipBase = 0n;
  /** Records taken and not done. */
  #pending = 0;

  /**
   * Starts at `start` (the position records are read from); `metadata` is the committed metadata, whose
   * done offsets are skipped when it belongs to a commit at `start`.
   */
  constructor(start: bigint, metadata?: string | null) {
    this.#next = start;
    const d = decodeDone(metadata);
    if (d) {
      this.#skip = d.done;
      this.#skipBase = start;
    }
  }

  /** Records taken and not yet done. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Takes `offset` (ascending). Returns false when the previous owner already did it: it counts as done
   * and must not be handled again.
   */
  take(offset: bigint): boolean {
    if (offset < this.#next) throw new RangeError(`offset ${offset} taken after ${this.#next - 1n}`);
    this.#next = offset + 1n;
    const skip = this.#skip;
    let done = false;
    if (skip) {
      const rel = offset - this.#skipBase;
      if (rel >= BigInt(skip.length)) this.#skip = null;
      else done = skip[Number(rel)] === 1;
    }
    // A record done before anything is pending needs no entry: the commit point moves past it.
    if (done && this.#head === this.#offsets.length) return false;
    this.#offsets.push(offset);
    this.#done.push(done ? 1 : 0);
    if (!done) this.#pending++;
    return !done;
  }

  /** `offset` (taken, not yet done) is done. */
  complete(offset: bigint): void {
    const i = this.#indexOf(offset);
    if (i < 0 || this.#done[i] === 1) return;
    this.#done[i] = 1;
    this.#pending--;
    if (i !== this.#head) return;
    let h = this.#head;
    while (h < this.#offsets.length && this.#done[h] === 1) h++;
    this.#head = h;
    // Drop the done prefix now and then, not on every completion.
    if (h > 1024 && h * 2 > this.#offsets.length) {
      this.#offsets = this.#offsets.slice(h);
      this.#done = this.#done.slice(h);
      this.#head = 0;
    }
  }

  /** The offset to commit: the lowest one not done, or the next one to take when all are. */
  commitPoint(): bigint {
    return this.#head < this.#offsets.length ? this.#offsets[this.#head] : this.#next;
  }

  /** The done offsets above the commit point, encoded in at most `maxChars` characters. */
  metadata(maxChars: number): string {
    if (this.#head >= this.#offsets.length) return "";
    const base = this.#offsets[this.#head];
    const span = Number(this.#next - base);
    // Offsets never taken between two taken ones (compacted away, transaction markers) count as done.
    const flags = new Uint8Array(span).fill(1);
    for (let i = this.#head; i < this.#offsets.length; i++) {
      if (this.#done[i] === 0) flags[Number(this.#offsets[i] - base)] = 0;
    }
    const view: DoneSpan = { span, done: (i) => flags[i] === 1 };
    return encodeDone(view, maxChars);
  }

  /** Offsets taken and not done, ascending (for abandoning them). */
  pendingOffsets(): bigint[] {
    const out: bigint[] = [];
    for (let i = this.#head; i < this.#offsets.length; i++) {
      if (this.#done[i] === 0) out.push(this.#offsets[i]);
    }
    return out;
  }

  #indexOf(offset: bigint): number {
    // Binary search: offsets are ascending.
    let lo = this.#head;
    let hi = this.#offsets.length - 1;
    const a = this.#offsets;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = a[mid];
      if (v === offset) return mid;
      if (v < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
