/**
 * Fetched bytes waiting to be handed over: one chunk per partition per answer, in arrival order, and the
 * hand-over itself. Batches are decoded one at a time as records are taken, so a large answer costs memory
 * for its raw bytes only; records are views into those bytes.
 */
import { allCodecsLoaded, findCodec, loadMissingCodecs } from "../codec/compression.ts";
import type { FetchResponse } from "../protocol/messages/fetch.ts";
import {
  batchEndAt,
  compressionTypesIn,
  decodeRecordBatch,
  decodeRecordBatches,
  type KafkaRecord,
  TimestampType,
} from "../protocol/record-batch.ts";
import { InflateAhead, InflateBudget } from "./inflate-ahead.ts";
import type { FetchAbortedTransaction } from "../protocol/messages/fetch.ts";
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";
import type { ConsumerRecord, Deserializer } from "./types.ts";

const EMPTY_RECORDS: KafkaRecord[] = [];
/** Decompressed bytes held ahead of the reader, at most, per consumer (past one batch per batch under way). */
const AHEAD_BYTES = 32 * 1024 * 1024;
const ABORT_MARKER = 0;

/** What `Chunk.load` found. */
type Load = 0 | 1 | 2;
const SPENT = 0;
const LOADED = 1;
const WAITING = 2;

/**
 * Scans batch headers (no decoding) for the offset after the last complete batch; -1n when there is none.
 * The broker may cut the last batch of an answer short; that one is fetched again next time.
 */
export function nextOffsetAfter(data: Uint8Array): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let next = -1n;
  for (let pos = 0;;) {
    const end = batchEndAt(view, data.length, pos);
    if (end < 0) return next;
    next = view.getBigInt64(pos) + BigInt(view.getInt32(pos + 23)) + 1n;
    pos = end;
  }
}

/**
 * `res` once the codecs its batches need are loaded (at once when none is missing). A codec that fails to
 * load is reported when its batch is decoded, as that batch's error, like any other undecodable batch.
 */
export function withCodecsLoaded(res: FetchResponse): FetchResponse | Promise<FetchResponse> {
  if (allCodecsLoaded()) return res;
  let types = 0;
  for (const t of res.responses) {
    for (const p of t.partitions) if (p.records) types |= compressionTypesIn(p.records);
  }
  const loading = loadMissingCodecs(types);
  return loading === null ? res : loading.then(() => res, () => res);
}

/**
 * One partition's part of one fetch answer. `records`/`i` walk the current batch; `load()` decodes the
 * next batch that has something to hand over, moving the partition's position past batches that have
 * nothing (control batches, aborted transactions, offsets before the one asked for).
 */
export class Chunk {
  readonly state: PartitionState;
  /** The partition's epoch when the fetch was sent; a different one now means the bytes are stale. */
  readonly epoch: number;
  /** Size of the raw bytes, counted in the consumer's buffer until the chunk is drained. */
  readonly bytes: number;
  /** Records of the current batch, with the index of the next one to hand over. */
  records: KafkaRecord[] = EMPTY_RECORDS;
  i = 0;
  /** Offset after the current batch (past any compaction gap at its end). */
  batchEnd = -1n;
  timestampType: TimestampType = TimestampType.createTime;
  leaderEpoch = -1;
  readonly #data: Uint8Array;
  readonly #view: DataView;
  #pos = 0;
  readonly #fetchOffset: bigint;
  readonly #readCommitted: boolean;
  readonly #checkCrc: boolean;
  /** Its batches being decompressed ahead, when its codec can do that. */
  readonly #inflate: InflateAhead | undefined;
  readonly #aborted: FetchAbortedTransaction[];
  #abortedAt = 0;
  readonly #abortedProducers = new Set<bigint>();

  constructor(
    state: PartitionState,
    epoch: number,
    data: Uint8Array,
    fetchOffset: bigint,
    readCommitted: boolean,
    aborted: FetchAbortedTransaction[] | null,
    checkCrc = true,
    ahead?: InflateBudget,
  ) {
    this.state = state;
    this.#checkCrc = checkCrc;
    this.epoch = epoch;
    this.bytes = data.length;
    this.#data = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    // The first batch's codec stands for the chunk's (a partition's batches rarely change codec).
    if (
      ahead !== undefined && data.length >= 61 && findCodec(data[22] & 0x07)?.decompressAsync !== undefined
    ) {
      this.#inflate = new InflateAhead(data, this.#view, ahead);
    }
    this.#fetchOffset = fetchOffset;
    this.#readCommitted = readCommitted;
    this.#aborted = aborted && readCommitted
      ? [...aborted].sort((
        a,
        b,
      ) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
      : [];
  }

  /**
   * Decodes batches until one has records to hand over (`LOADED`); `SPENT` when the chunk is, `WAITING`
   * when its next batch is still being decompressed ahead (the reader is woken when it is done).
   */
  load(): Load {
    const data = this.#data;
    const view = this.#view;
    const state = this.state;
    for (;;) {
      const at = this.#pos;
      const end = batchEndAt(view, data.length, at);
      if (end < 0) return SPENT; // spent, or the last batch cut short (refetched)
      if (this.#inflate?.waiting(at)) return WAITING;
      this.#pos = end;
      const baseOffset = view.getBigInt64(at);
      const batchEnd = baseOffset + BigInt(view.getInt32(at + 23)) + 1n;
      const attributes = view.getInt16(at + 21);
      const isControl = (attributes & 0x20) !== 0;
      const isTransactional = (attributes & 0x10) !== 0;
      let skip = batchEnd <= this.#fetchOffset;
      if (!skip && this.#readCommitted && isTransactional) {
        const producerId = view.getBigInt64(at + 43);
        // Aborted transactions that started at or before this batch's last offset are now in effect.
        while (
          this.#abortedAt < this.#aborted.length && this.#aborted[this.#abortedAt].firstOffset < batchEnd
        ) {
          this.#abortedProducers.add(this.#aborted[this.#abortedAt++].producerId);
        }
        if (isControl) {
          if (controlType(data.subarray(at, end)) === ABORT_MARKER) this.#abortedProducers.delete(producerId);
        } else if (this.#abortedProducers.has(producerId)) {
          skip = true;
        }
      }
      if (skip || isControl) {
        if (state.position !== null && batchEnd > state.position) state.position = batchEnd;
        continue;
      }
      const inflated = this.#inflate?.take(at, end);
      const batch = decodeRecordBatch(data.subarray(at, end), this.#checkCrc, inflated);
      let records = batch.records;
      if (records.length > 0 && records[0].offset < this.#fetchOffset) {
        records = records.filter((r) => r.offset >= this.#fetchOffset);
      }
      this.batchEnd = batchEnd;
      this.timestampType = batch.timestampType;
      this.leaderEpoch = batch.partitionLeaderEpoch;
      this.records = records;
      this.i = 0;
      if (records.length > 0) return LOADED;
      if (state.position !== null && batchEnd > state.position) state.position = batchEnd;
    }
  }

  /** Drops what was decompressed ahead (the chunk is dropped before it is spent). */
  close(): void {
    this.#inflate?.close();
  }
}

/** The type of a control batch's record: 0 abort, 1 commit (key: int16 version, int16 type). */
function controlType(batch: Uint8Array): number {
  const r = decodeRecordBatches(batch)[0]?.records[0];
  const key = r?.key;
  if (!key || key.length < 4) return -1;
  return (key[2] << 8) | key[3];
}

/** The fetched chunks in arrival order, and the hand-over of their records to a reader. */
export class FetchBuffer {
  readonly #subs: SubscriptionState;
  /** Chunks in arrival order; `#head` is the next one to take from. */
  #queue: (Chunk | undefined)[] = [];
  #head = 0;
  /** Raw bytes held by the chunks not yet drained. */
  bytes = 0;
  /** What the chunks may hold decompressed ahead of the reader. */
  readonly ahead: InflateBudget;

  /**
   * Positions advance in `subs` as records are taken. `wake` wakes readers when a batch decompressed ahead
   * is ready; what is held decompressed ahead stays within `aheadBytes` (the consumer's `fetchBufferBytes`)
   * and 32 MiB.
   */
  constructor(subs: SubscriptionState, wake: () => void = () => {}, aheadBytes = AHEAD_BYTES) {
    this.#subs = subs;
    this.ahead = new InflateBudget(Math.min(aheadBytes, AHEAD_BYTES), wake);
  }

  /** Whether no chunk is waiting. */
  get empty(): boolean {
    return this.#head >= this.#queue.length;
  }

  /** Adds a partition's part of an answer. */
  push(c: Chunk): void {
    this.#queue.push(c);
    this.bytes += c.bytes;
    c.state.chunks++;
  }

  /** Drops every chunk (close). */
  clear(): void {
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i]?.close();
    this.#queue = [];
    this.#head = 0;
    this.bytes = 0;
  }

  /**
   * Moves up to `max` records into `out` (and their partitions into `states`), advancing positions;
   * chunks of a stale epoch are dropped. The hot path. Returns true when a chunk was drained or the
   * buffer ran empty (time to fetch). A corrupt batch goes to `onCorrupt`: the records before it are
   * handed over, and reading resumes at the same position.
   */
  take<K, V>(
    out: ConsumerRecord<K, V>[],
    max: number,
    kd: Deserializer<K> | undefined,
    vd: Deserializer<V> | undefined,
    onCorrupt: (e: Error) => void,
    states?: PartitionState[],
  ): boolean {
    let drained = false;
    while (out.length < max) {
      const c = this.#queue[this.#head];
      if (c === undefined) break;
      const s = c.state;
      if (c.epoch !== s.epoch) {
        this.#dropHead(c);
        continue;
      }
      if (c.i >= c.records.length) {
        if (c.batchEnd > s.position!) s.position = c.batchEnd;
        let more: Load;
        try {
          more = c.load();
        } catch (e) {
          this.#dropHead(c);
          this.#subs.invalidate(s);
          onCorrupt(e as Error);
          break;
        }
        if (more === WAITING) break;
        if (more === SPENT) {
          s.chunks--;
          this.#dropHead(c);
          drained = true;
          continue;
        }
      }
      const r = c.records[c.i];
      const topic = s.tp.topic;
      const key = kd ? kd(r.key, topic, r.headers) : r.key as K;
      const value = vd ? vd(r.value, topic, r.headers) : r.value as V;
      c.i++;
      out.push({
        topic,
        partition: s.tp.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        timestampType: c.timestampType,
        key,
        value,
        headers: r.headers,
        leaderEpoch: c.leaderEpoch,
      });
      s.position = r.offset + 1n;
      s.positionEpoch = c.leaderEpoch;
      states?.push(s);
    }
    return drained || this.#head >= this.#queue.length;
  }

  #dropHead(c: Chunk): void {
    c.close();
    this.#queue[this.#head++] = undefined;
    this.bytes -= c.bytes;
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
