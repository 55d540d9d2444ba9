/** Per-partition batches of records waiting to be sent, and the memory they may take. */
import type { RecordInput } from "../protocol/record-batch.ts";
import { BufferExhaustedError } from "./errors.ts";
import type { RecordMetadata } from "./types.ts";

/**
 * A batch takes new records for at most this long after it opened (beyond that a new batch opens): a
 * record's delivery timeout runs from its batch's creation, so this bounds how much of it a record that
 * joined late can lose while the cluster is away and batches wait.
 */
export const MAX_BATCH_FILL_MS = 1000;

/** Whoever waits on a record: a `send` promise, a `sendBatch` group, or a stream. */
export interface Ack {
  /** `slot` is the record's place in what the caller handed over (for `sendBatch`). */
  settle(error: Error | null, metadata: RecordMetadata | null, slot: number): void;
}

/** One batch for one partition. Records are kept as given: payloads are not copied. */
export class ProducerBatch {
  readonly records: RecordInput[] = [];
  readonly acks: (Ack | null)[] = [];
  readonly slots: number[] = [];
  /** Estimated bytes of the records, for batchSize and the buffer budget. */
  bytes = 0;
  attempts = 0;
  /** Sequence of the first record, fixed at the first send so that retries are deduplicated. */
  baseSequence = -1;
  /** Encoded at the first send and reused by retries. */
  encoded: Uint8Array | undefined;
  /** Not to be retried before this time (performance.now() ms). */
  retryAt = 0;
  /** A request carrying it went out and got no answer: it may be in the log even if it fails. */
  possiblyWritten = false;

  readonly topic: string;
  readonly partition: number;
  readonly createdAt: number;
  /** When the batch fails for good if not yet written (createdAt + deliveryTimeoutMs). */
  readonly deadline: number;

  constructor(topic: string, partition: number, createdAt: number, deadline: number) {
    this.topic = topic;
    this.partition = partition;
    this.createdAt = createdAt;
    this.deadline = deadline;
  }
}

/** The queue and idempotence state of one partition. */
export class PartitionState {
  readonly queue: ProducerBatch[] = [];
  inFlight = 0;
  /** Next sequence number to assign (idempotence). */
  nextSequence = 0;
  /** Set while a failed batch waits for the batches sent after it to come back, so order is kept. */
  retrying = false;
  /**
   * Whether the broker has acknowledged a batch of this partition under the current producer id. Until
   * then a broker without state for the id accepts any first sequence, so a later batch could land
   * before a retried first one: only one batch goes out at a time.
   */
  acked = false;
  /** Added to the open transaction (classic protocol: AddPartitionsToTxn went before the first batch). */
  inTxn = false;
  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }
}

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The byte budget of records held by the producer (`bufferMemory`). */
export class BufferPool {
  used = 0;
  /** Waiters in arrival order from `#head` on; a queue without O(n) shifts, as floods queue many. */
  #waiters: (Waiter | undefined)[] = [];
  #head = 0;
  readonly total: number;

  constructor(total: number) {
    this.total = total;
  }

  get waiting(): boolean {
    return this.#head < this.#waiters.length;
  }

  /** Takes `bytes` now if they are free and nobody waits ahead. */
  tryReserve(bytes: number): boolean {
    if (this.waiting || this.used + bytes > this.total) return false;
    this.used += bytes;
    return true;
  }

  /** Waits, in order, for `bytes` to be free; fails after `maxBlockMs`. */
  reserve(bytes: number, maxBlockMs: number): Promise<void> {
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const at = this.#waiters.length;
      const w: Waiter = {
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => {
          if (this.#waiters[at] !== w) return;
          this.#waiters[at] = undefined;
          reject(
            new BufferExhaustedError(
              `could not get ${bytes} bytes of buffer memory within ${maxBlockMs} ms ` +
                `(bufferMemory ${this.total}, in use ${this.used})`,
            ),
          );
          this.#wake();
        }, maxBlockMs),
      };
      this.#waiters.push(w);
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.#wake();
  }

  /** Fails every waiter (the producer is closing). */
  failAll(e: Error): void {
    for (let i = this.#head; i < this.#waiters.length; i++) {
      const w = this.#waiters[i];
      if (!w) continue;
      clearTimeout(w.timer);
      w.reject(e);
    }
    this.#waiters = [];
    this.#head = 0;
  }

  #wake(): void {
    const q = this.#waiters;
    while (this.#head < q.length) {
      const w = q[this.#head];
      if (w) {
        // A record larger than the whole budget still goes through once nothing else is held.
        if (this.used + w.bytes > this.total && this.used > 0) break;
        clearTimeout(w.timer);
        this.used += w.bytes;
        w.resolve();
      }
      q[this.#head++] = undefined;
    }
    if (this.#head === q.length) {
      this.#waiters = [];
      this.#head = 0;
    }
  }
}

/** The per-partition queues. */
export class Accumulator {
  readonly #partitions = new Map<string, Map<number, PartitionState>>();

  state(topic: string, partition: number): PartitionState {
    let byPartition = this.#partitions.get(topic);
    if (!byPartition) this.#partitions.set(topic, byPartition = new Map());
    let s = byPartition.get(partition);
    if (!s) byPartition.set(partition, s = new PartitionState(topic, partition));
    return s;
  }

  /** Every partition state, for the sender to walk. */
  *states(): IterableIterator<PartitionState> {
    for (const byPartition of this.#partitions.values()) yield* byPartition.values();
  }

  /** Whether a record of `bytes` would open a new batch on this partition. */
  wouldOpen(s: PartitionState, bytes: number, batchSize: number): boolean {
    const batch = s.queue.length > 0 ? s.queue[s.queue.length - 1] : undefined;
    return !batch || batch.encoded !== undefined ||
      (batch.records.length > 0 && batch.bytes + bytes > batchSize);
  }

  /**
   * Adds a record to the partition's open batch, opening a new one when it would overflow `batchSize`.
   * Returns the batch it went into and whether that batch was new.
   */
  append(
    s: PartitionState,
    record: RecordInput,
    bytes: number,
    ack: Ack | null,
    slot: number,
    batchSize: number,
    now: number,
    deliveryTimeoutMs: number,
  ): { batch: ProducerBatch; opened: boolean } {
    let batch = s.queue.length > 0 ? s.queue[s.queue.length - 1] : undefined;
    let opened = false;
    if (!batch || this.wouldOpen(s, bytes, batchSize) || now - batch.createdAt > MAX_BATCH_FILL_MS) {
      batch = new ProducerBatch(s.topic, s.partition, now, now + deliveryTimeoutMs);
      s.queue.push(batch);
      opened = true;
    }
    batch.records.push(record);
    batch.acks.push(ack);
    batch.slots.push(slot);
    batch.bytes += bytes;
    return { batch, opened };
  }
}
