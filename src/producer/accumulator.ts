/** Per-partition batches of records waiting to be sent, and the memory they may take. */
import { RECORD_BATCH_OVERHEAD, RecordBatchBuilder, type RecordHeader } from "../protocol/record-batch.ts";
import type { RecordMetadata } from "./types.ts";
import { runNow } from "./run-clock.ts";

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
  /**
   * The records go out without waiting for `lingerMs` (`sendBatch`: the caller batched them already and
   * waits for all of them).
   */
  readonly sendNow?: boolean;
}

/**
 * One batch for one partition. Each record is encoded into the batch's buffer as it is appended (payloads
 * are copied once, there); sending the batch only adds the header.
 */
export class ProducerBatch {
  readonly builder: RecordBatchBuilder;
  /** Each record's timestamp, for its metadata. */
  readonly timestamps: number[] = [];
  readonly acks: (Ack | null)[] = [];
  readonly slots: number[] = [];
  /** Estimated bytes of the records, for batchSize and the buffer budget. */
  bytes = 0;
  attempts = 0;
  /** Sequence of the first record, fixed at the first send so that retries are deduplicated. */
  baseSequence = -1;
  /** Encoded at the first send and reused by retries. */
  encoded: Uint8Array | undefined;
  /** Why it could not be encoded, when its compression failed after it was handed to a request. */
  sealError: Error | undefined;
  /** Not to be retried before this time (performance.now() ms). */
  retryAt = 0;
  /** A request carrying it went out and got no answer: it may be in the log even if it fails. */
  possiblyWritten = false;
  /** Holds a record that is not to wait for `lingerMs` (see `Ack.sendNow`). */
  sendNow = false;

  readonly topic: string;
  readonly partition: number;
  readonly createdAt: number;
  /** When the batch fails for good if not yet written (createdAt + deliveryTimeoutMs). */
  readonly deadline: number;

  constructor(
    topic: string,
    partition: number,
    createdAt: number,
    deadline: number,
    capacity: number,
    reuse?: Uint8Array,
  ) {
    this.builder = new RecordBatchBuilder(capacity, reuse);
    this.topic = topic;
    this.partition = partition;
    this.createdAt = createdAt;
    this.deadline = deadline;
  }

  /** Records in the batch. */
  get count(): number {
    return this.builder.count;
  }

  /** Removes the records of `ack` (not sent yet); returns how many went. */
  remove(ack: Ack): number {
    const keep = this.acks.map((a) => a !== ack);
    const gone = keep.filter((k) => !k).length;
    if (gone === 0) return 0;
    this.builder.retain((i) => keep[i]);
    let j = 0;
    for (let i = 0; i < keep.length; i++) {
      if (!keep[i]) continue;
      this.timestamps[j] = this.timestamps[i];
      this.acks[j] = this.acks[i];
      this.slots[j] = this.slots[i];
      j++;
    }
    this.timestamps.length = this.acks.length = this.slots.length = j;
    return gone;
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
  /** Bytes of this partition's last batch: a new batch starts with room for as many. */
  lastBatchBytes = 0;
  /** Added to the open transaction (classic protocol: AddPartitionsToTxn went before the first batch). */
  inTxn = false;
  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }
}

/**
 * The byte budget of records held by the producer (`bufferMemory`). Records that find it full wait in the
 * producer's backlog (backlog.ts), which sets `waiting` and is told of every release.
 */
export class BufferPool {
  used = 0;
  /** Set while records wait for space: new records queue behind them, and the sender sends at once. */
  waiting = false;
  /** Called after bytes are released. */
  onRelease: (() => void) | undefined;
  readonly total: number;

  constructor(total: number) {
    this.total = total;
  }

  /** Takes `bytes` now if they are free and nobody waits ahead. */
  tryReserve(bytes: number): boolean {
    if (this.waiting || this.used + bytes > this.total) return false;
    this.used += bytes;
    return true;
  }

  /**
   * Takes `bytes` for the first waiter if they are free. A record larger than the whole budget still goes
   * through once nothing else is held.
   */
  take(bytes: number): boolean {
    if (this.used + bytes > this.total && this.used > 0) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
    if (this.waiting) this.onRelease?.();
  }
}

/** Buffers of finished batches kept for new ones: at most this many ... */
const MAX_SPARE_BUFFERS = 16;
/** ... and none larger than this (a rare huge batch is not held on to). */
const MAX_SPARE_BYTES = 4 * 1024 * 1024;

/** The per-partition queues. */
export class Accumulator {
  readonly #partitions = new Map<string, Map<number, PartitionState>>();
  /**
   * Buffers of batches that are done, for new batches to write into: a busy producer then neither asks
   * the allocator for (and zeroes) a batch-sized buffer per batch nor leaves them all to the collector.
   */
  readonly #spare: Uint8Array[] = [];

  /** A batch is done (written, or failed for good): nothing reads its bytes any more. */
  recycle(batch: ProducerBatch): void {
    if (this.#spare.length >= MAX_SPARE_BUFFERS) return;
    const buf = batch.builder.takeBuffer();
    if (buf.length > 0 && buf.length <= MAX_SPARE_BYTES) this.#spare.push(buf);
  }

  /** A spare buffer of at least `bytes` and not more than twice that, if there is one. */
  #spareFor(bytes: number): Uint8Array | undefined {
    const spare = this.#spare;
    for (let i = spare.length - 1; i >= 0; i--) {
      const b = spare[i];
      if (b.length >= bytes && b.length <= 2 * bytes) {
        spare[i] = spare[spare.length - 1];
        spare.pop();
        return b;
      }
    }
    return undefined;
  }

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
      (batch.builder.count > 0 && batch.bytes + bytes > batchSize);
  }

  /**
   * Encodes a record into the partition's open batch, opening a new one when it would overflow
   * `batchSize`. Returns the batch it went into.
   */
  append(
    s: PartitionState,
    record: AppendRecord,
    bytes: number,
    ack: Ack | null,
    slot: number,
    batchSize: number,
    deliveryTimeoutMs: number,
  ): ProducerBatch {
    const q = s.queue;
    let batch = q.length > 0 ? q[q.length - 1] : undefined;
    if (
      !batch || batch.encoded !== undefined || (batch.builder.count > 0 && batch.bytes + bytes > batchSize) ||
      runNow() - batch.createdAt > MAX_BATCH_FILL_MS
    ) {
      const now = performance.now();
      if (batch) s.lastBatchBytes = batch.builder.sizeInBytes;
      // Room for as much as the last batch took (a busy partition fills whole batches), at least this record.
      const capacity = Math.max(bytes, Math.min(s.lastBatchBytes, batchSize + bytes));
      const reuse = this.#spareFor(RECORD_BATCH_OVERHEAD + Math.max(capacity, 64));
      batch = new ProducerBatch(s.topic, s.partition, now, now + deliveryTimeoutMs, capacity, reuse);
      q.push(batch);
    }
    const ts = record.timestamp;
    batch.builder.append(record.key, record.value, record.headers, ts);
    batch.timestamps.push(ts);
    batch.acks.push(ack);
    batch.slots.push(slot);
    batch.bytes += bytes;
    return batch;
  }
}

/** The fields of a record that go into a batch. */
export interface AppendRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: readonly RecordHeader[];
  timestamp: number;
}
