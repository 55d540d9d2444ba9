/**
 * Records on their way to a worker thread. A batch becomes one byte buffer holding every key, value and
 * header, plus typed arrays of numbers: all of it is transferred (moved, not copied) with one message,
 * so payload bytes are copied once per batch on this side and never per record by the structured clone.
 * The fetch's own buffers are not transferred: other records (of this batch and of records still
 * buffered) view them, and a transfer would detach them on this thread.
 */
import type { RecordHeader } from "../../protocol/record-batch.ts";
import type { ConsumerRecord } from "../types.ts";

/** Numbers per record in `nums`. */
const N = 10;
/** Numbers per header in `hdrs`. */
const H = 4;

/** A batch as it crosses to a worker. */
export interface WireBatch {
  topics: string[];
  /** Per record: topic index, partition, timestamp, timestamp type, leader epoch, key start/length, value start/length, header count. Length -1 is null. */
  nums: Float64Array;
  offsets: BigInt64Array;
  /** Per header: key start/length, value start/length. */
  hdrs: Float64Array;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

function asBytes(x: unknown): Uint8Array | null {
  if (x === null || x === undefined) return null;
  if (x instanceof Uint8Array) return x;
  return encoder.encode(typeof x === "string" ? x : JSON.stringify(x));
}

/** Packs records; keys and values that are not bytes (deserialized) are sent as UTF-8 (JSON for non-strings). */
export function packBatch(records: readonly ConsumerRecord<unknown, unknown>[]): WireBatch {
  const n = records.length;
  let size = 0;
  let headerCount = 0;
  const keys: (Uint8Array | null)[] = new Array(n);
  const values: (Uint8Array | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = records[i];
    const k = asBytes(r.key);
    const v = asBytes(r.value);
    keys[i] = k;
    values[i] = v;
    size += (k?.length ?? 0) + (v?.length ?? 0);
    for (const h of r.headers) size += h.key.length * 3 + (h.value?.length ?? 0);
    headerCount += r.headers.length;
  }
  const bytes = new Uint8Array(size);
  const nums = new Float64Array(n * N);
  const offsets = new BigInt64Array(n);
  const hdrs = new Float64Array(headerCount * H);
  const topics: string[] = [];
  const topicIndex = new Map<string, number>();
  let at = 0;
  let h = 0;
  const put = (b: Uint8Array | null, slot: Float64Array, i: number) => {
    if (b === null) {
      slot[i] = 0;
      slot[i + 1] = -1;
      return;
    }
    bytes.set(b, at);
    slot[i] = at;
    slot[i + 1] = b.length;
    at += b.length;
  };
  for (let i = 0; i < n; i++) {
    const r = records[i];
    let t = topicIndex.get(r.topic);
    if (t === undefined) {
      t = topics.length;
      topics.push(r.topic);
      topicIndex.set(r.topic, t);
    }
    const o = i * N;
    nums[o] = t;
    nums[o + 1] = r.partition;
    nums[o + 2] = r.timestamp;
    nums[o + 3] = r.timestampType;
    nums[o + 4] = r.leaderEpoch;
    put(keys[i], nums, o + 5);
    put(values[i], nums, o + 7);
    nums[o + 9] = r.headers.length;
    offsets[i] = r.offset;
    for (const x of r.headers) {
      const written = encoder.encodeInto(x.key, bytes.subarray(at)).written;
      hdrs[h] = at;
      hdrs[h + 1] = written;
      at += written;
      put(x.value, hdrs, h + 2);
      h += H;
    }
  }
  return { topics, nums, offsets, hdrs, bytes };
}

/** The buffers to transfer with a batch. */
export function transferables(b: WireBatch): ArrayBuffer[] {
  return [b.nums.buffer, b.offsets.buffer, b.hdrs.buffer, b.bytes.buffer] as ArrayBuffer[];
}

const decoder = new TextDecoder();

/** The records of a batch, with keys, values and header values as views of its one buffer. */
export function unpackBatch(b: WireBatch): ConsumerRecord[] {
  const { nums, offsets, hdrs, bytes, topics } = b;
  const n = offsets.length;
  const out: ConsumerRecord[] = new Array(n);
  const view = (start: number, len: number) => (len < 0 ? null : bytes.subarray(start, start + len));
  let h = 0;
  for (let i = 0; i < n; i++) {
    const o = i * N;
    const count = nums[o + 9];
    const headers: RecordHeader[] = new Array(count);
    for (let j = 0; j < count; j++, h += H) {
      headers[j] = {
        key: decoder.decode(bytes.subarray(hdrs[h], hdrs[h] + hdrs[h + 1])),
        value: view(hdrs[h + 2], hdrs[h + 3]),
      };
    }
    out[i] = {
      topic: topics[nums[o]],
      partition: nums[o + 1],
      offset: offsets[i],
      timestamp: nums[o + 2],
      timestampType: nums[o + 3] as ConsumerRecord["timestampType"],
      leaderEpoch: nums[o + 4],
      key: view(nums[o + 5], nums[o + 6]),
      value: view(nums[o + 7], nums[o + 8]),
      headers,
    };
  }
  return out;
}
