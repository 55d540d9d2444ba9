/**
 * Decompressing ahead: the compressed batches of a fetched chunk whose codec has `decompressAsync` (gzip
 * through `DecompressionStream` on Bun and Workers) are decompressed in the background from
 * the chunk's arrival on. A reader that reaches a batch still under way waits for it as for a fetch (it is
 * woken when it is done), and decompresses it itself, as it does batches not started, should it take more
 * than `STALL_MS`. One budget per consumer bounds what is held decompressed ahead and how many batches are
 * under way at once.
 */
import { findCodec } from "../codec/compression.ts";
import { batchEndAt, RECORD_BATCH_OVERHEAD } from "../protocol/record-batch.ts";

/** Batches under way at once, at most, per consumer. */
export const AHEAD_CONCURRENCY = 16;
/** How long a reader waits for a batch under way before it decompresses the batch itself. */
export const STALL_MS = 250;
/** Smaller compressed batches are decompressed as quickly in JavaScript. */
export const AHEAD_MIN_BYTES = 1024;
/** Room held for a batch under way, per compressed byte, until its real size is known. */
const GUESSED_RATIO = 4;

/** A batch started: its records section once decompressed, and the room it holds. */
interface Ahead {
  body: Uint8Array | null;
  room: number;
  /** When a reader first waited for it (performance.now() ms), and the timer that wakes it at STALL_MS. */
  since: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The decompressed bytes one consumer's chunks may hold ahead of its reader, and the chunks with more to do. */
export class InflateBudget {
  /** Bytes held ahead, at most (a batch's real size may pass it by one batch per batch under way). */
  readonly limit: number;
  used = 0;
  pending = 0;
  readonly #chunks: InflateAhead[] = [];
  /** Wakes readers waiting for a batch. */
  readonly wake: () => void;

  constructor(limit: number, wake: () => void) {
    this.limit = limit;
    this.wake = wake;
  }

  /** Whether another batch may start. */
  get open(): boolean {
    return this.used < this.limit && this.pending < AHEAD_CONCURRENCY;
  }

  /** Lets `chunk` start its batches, after the chunks that came before it. */
  add(chunk: InflateAhead): void {
    this.#chunks.push(chunk);
    this.pump();
  }

  /** Starts batches, oldest chunk first, while there is room. */
  pump(): void {
    const chunks = this.#chunks;
    while (chunks.length > 0 && this.open) {
      if (!chunks[0].fill()) return;
      chunks.shift(); // nothing more to start there
    }
  }
}

/** The batches of one chunk being decompressed ahead, by their start in the chunk's bytes. */
export class InflateAhead {
  readonly #data: Uint8Array;
  readonly #view: DataView;
  readonly #budget: InflateBudget;
  /** Where the next batch not yet looked at starts. */
  #scan = 0;
  readonly #ahead = new Map<number, Ahead>();
  /** A batch of it took longer than `STALL_MS`: the reader decompresses the rest itself. */
  #stalled = false;

  constructor(data: Uint8Array, view: DataView, budget: InflateBudget) {
    this.#data = data;
    this.#view = view;
    this.#budget = budget;
    budget.add(this);
  }

  /**
   * Whether the reader is to wait for the batch at `at`: it is under way, and not for `STALL_MS` since the
   * reader first asked.
   */
  waiting(at: number): boolean {
    const a = this.#ahead.get(at);
    if (a === undefined || a.body !== null || this.#stalled) return false;
    const now = performance.now();
    if (a.since === 0) {
      a.since = now;
      a.timer = setTimeout(this.#budget.wake, STALL_MS);
    }
    if (now - a.since < STALL_MS) return true;
    // Stalled: the rest of this chunk is not waited for, nor started.
    this.#stalled = true;
    this.#scan = this.#data.length;
    return false;
  }

  /**
   * The records section of the batch at `at`, if it was decompressed ahead. Results for batches before
   * `next` (the one after this) are dropped: the reader has passed them.
   */
  take(at: number, next: number): Uint8Array | undefined {
    let body: Uint8Array | undefined;
    let freed = 0;
    for (const [start, a] of this.#ahead) {
      if (start >= next) break;
      this.#ahead.delete(start);
      freed += a.room;
      if (a.timer !== undefined) clearTimeout(a.timer);
      if (a.body === null) this.#budget.pending--;
      else if (start === at) body = a.body;
    }
    if (this.#scan < next) this.#scan = next;
    if (freed > 0) {
      this.#budget.used -= freed;
      this.#budget.pump();
    }
    return body;
  }

  /** Drops every result and starts nothing more (the chunk is done with or dropped). */
  close(): void {
    this.#scan = this.#data.length;
    this.take(-1, this.#data.length);
  }

  /** Starts batches while the budget allows; true when none is left to start. */
  fill(): boolean {
    const data = this.#data;
    const view = this.#view;
    const budget = this.#budget;
    while (budget.open) {
      const at = this.#scan;
      const end = batchEndAt(view, data.length, at);
      if (end < 0) return true; // the end, or a batch cut short
      this.#scan = end;
      const attributes = view.getInt16(at + 21);
      const type = attributes & 0x07;
      if (type === 0 || (attributes & 0x20) !== 0 || end - at < RECORD_BATCH_OVERHEAD + AHEAD_MIN_BYTES) {
        continue;
      }
      const codec = findCodec(type);
      if (codec?.decompressAsync === undefined) continue;
      let result: Promise<Uint8Array>;
      try {
        result = codec.decompressAsync(data.subarray(at + RECORD_BATCH_OVERHEAD, end));
      } catch {
        continue; // left to the reader, whose own decompression reports what is wrong
      }
      const a: Ahead = { body: null, room: (end - at) * GUESSED_RATIO, since: 0, timer: undefined };
      this.#ahead.set(at, a);
      budget.used += a.room;
      budget.pending++;
      result.then(
        (body) => this.#settled(at, a, body),
        () => this.#settled(at, a, null),
      );
    }
    return false;
  }

  #settled(at: number, a: Ahead, body: Uint8Array | null): void {
    if (this.#ahead.get(at) !== a) return; // taken or dropped meanwhile: its room is already free
    const budget = this.#budget;
    budget.pending--;
    if (a.timer !== undefined) clearTimeout(a.timer);
    if (body === null) {
      this.#ahead.delete(at);
      budget.used -= a.room;
    } else {
      budget.used += body.length - a.room;
      a.room = body.length;
      a.body = body;
    }
    budget.pump();
    if (a.since !== 0) budget.wake();
  }
}
