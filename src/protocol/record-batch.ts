/**
 * RecordBatch v2 (magic 2), the only record format Kafka 4 speaks: encoding for produce, decoding of a
 * partition's fetched `records` bytes.
 *
 * Batch layout (big-endian; offsets in bytes from the batch start):
 *
 *   0  baseOffset            int64
 *   8  batchLength           int32   bytes after this field
 *  12  partitionLeaderEpoch  int32
 *  16  magic                 int8    = 2
 *  17  crc                   uint32  CRC32C of bytes 21..end
 *  21  attributes            int16   bits 0-2 compression, 3 timestamp type (1 = LogAppendTime),
 *                                    4 transactional, 5 control, 6 has delete horizon
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records               (compressed as one blob when bits 0-2 are not 0)
 *
 * Record: length varint (bytes after it), attributes int8, timestampDelta varlong, offsetDelta varint,
 * key varint length (-1 = null) + bytes, value likewise, header count varint, then per header a key
 * (varint length + UTF-8) and a value (varint length, -1 = null, + bytes).
 *
 * Decoding never copies payloads: keys, values and header values are views into the input (or into the
 * decompressed buffer of a compressed batch).
 */
import { KafkaClientError } from "../errors.ts";
import { crc32c } from "../codec/crc32c.ts";
import { CompressionType, getCodec } from "../codec/compression.ts";

/** One record header. Keys may repeat; values may be null. */
export interface RecordHeader {
  /** Header key (UTF-8). */
  key: string;
  /** Header value; null is allowed. */
  value: Uint8Array | null;
}

/** A decoded record. */
export interface KafkaRecord {
  /** The record's offset in its partition. */
  offset: bigint;
  /** Milliseconds since the epoch (create time, or log-append time for such batches). */
  timestamp: number;
  /** Key bytes (a view), or null. */
  key: Uint8Array | null;
  /** Value bytes (a view), or null for a tombstone. */
  value: Uint8Array | null;
  /** Headers in order; keys may repeat. */
  headers: RecordHeader[];
}

/** Timestamp types of a batch (attribute bit 3). */
export const TimestampType = { createTime: 0, logAppendTime: 1 } as const;
/** 0 = CreateTime, 1 = LogAppendTime. */
export type TimestampType = typeof TimestampType[keyof typeof TimestampType];

/** A decoded batch with its records. */
export interface RecordBatch {
  /** Offset of the first record. */
  baseOffset: bigint;
  /** Leader epoch when the batch was written, or -1. */
  partitionLeaderEpoch: number;
  /** Compression type id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression: number;
  /** Whether timestamps are create times or log-append times. */
  timestampType: TimestampType;
  /** Part of a transaction. */
  isTransactional: boolean;
  /** A control batch (transaction markers), not user records. */
  isControl: boolean;
  /** Whether `baseTimestamp` holds the delete horizon set by log compaction. */
  hasDeleteHorizon: boolean;
  /** Offset of the last record minus baseOffset. */
  lastOffsetDelta: number;
  /** Timestamp of the first record (ms). */
  baseTimestamp: number;
  /** Largest timestamp in the batch (ms). */
  maxTimestamp: number;
  /** Idempotent or transactional producer id, or -1. */
  producerId: bigint;
  /** Producer epoch, or -1. */
  producerEpoch: number;
  /** Sequence number of the first record, or -1. */
  baseSequence: number;
  /** Size of the batch on the wire, in bytes (baseOffset to the end). */
  sizeInBytes: number;
  /** The batch's records. */
  records: KafkaRecord[];
}

/** A record to encode. */
export interface RecordInput {
  /** Key bytes, or null. */
  key?: Uint8Array | null;
  /** Value bytes, or null for a tombstone. */
  value: Uint8Array | null;
  /** Headers; keys may repeat. */
  headers?: readonly RecordHeader[];
  /** Milliseconds since the epoch; defaults to the batch's time. */
  timestamp?: number;
}

/** What `encodeRecordBatch` needs. */
export interface EncodeRecordBatchInput {
  /** The records, in offset order. */
  records: readonly RecordInput[];
  /** Defaults to 0 (the broker assigns offsets). */
  baseOffset?: bigint;
  /** Compression type id; defaults to 0 (none). */
  compression?: number;
  /** Defaults to -1 (no idempotence). */
  producerId?: bigint;
  /** Defaults to -1. */
  producerEpoch?: number;
  /** Defaults to -1. */
  baseSequence?: number;
  /** Mark the batch transactional. */
  isTransactional?: boolean;
  /** Mark the batch as a control batch. */
  isControl?: boolean;
  /** Defaults to CreateTime. */
  timestampType?: TimestampType;
  /** Defaults to -1. */
  partitionLeaderEpoch?: number;
  /** The time to use for records without a timestamp; defaults to `Date.now()`, read once per batch. */
  now?: number;
}

/** A batch that fails its CRC, has inconsistent lengths, an unsupported magic, or cannot be decompressed. */
export class CorruptRecordError extends KafkaClientError {
  /** Always `"CorruptRecordError"`. */
  override name = "CorruptRecordError";
}

/** Size of the fixed batch header, baseOffset through recordCount. */
export const RECORD_BATCH_OVERHEAD = 61;
/** Size of baseOffset plus batchLength, the part not counted in batchLength. */
const LOG_OVERHEAD = 12;
/** The first byte covered by the CRC (attributes). */
const CRC_START = 21;
/** A record is at least 7 bytes: length, attributes, timestamp, offset, key, value and header count. */
const MIN_RECORD_SIZE = 7;

const ATTR_COMPRESSION_MASK = 0x07;
const ATTR_TIMESTAMP_TYPE = 0x08;
const ATTR_TRANSACTIONAL = 0x10;
const ATTR_CONTROL = 0x20;
const ATTR_DELETE_HORIZON = 0x40;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const EMPTY: Uint8Array = new Uint8Array(0);

// ---------------------------------------------------------------------------------------------------------
// Encoding
//
// Every record's size is computed first, so the batch is one exact allocation and records are written
// into it with plain byte stores.

/** Bytes a zigzag varint of a 32-bit signed value takes. */
export function varintSize(v: number): number {
  const u = ((v << 1) ^ (v >> 31)) >>> 0;
  if (u < 0x80) return 1;
  if (u < 0x4000) return 2;
  if (u < 0x200000) return 3;
  if (u < 0x10000000) return 4;
  return 5;
}

/** Bytes a zigzag varlong takes, for a safe-integer value given as a number. */
function varlongSize(v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return varintSize(v);
  let u = v >= 0 ? v * 2 : -v * 2 - 1; // zigzag; exact, as |v| < 2^53
  let n = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Writes an unsigned varint (up to 32 bits) at `pos`; returns the position after it. */
function putUvarint(buf: Uint8Array, pos: number, u: number): number {
  while (u > 0x7f) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

/** Writes a zigzag varint of a 32-bit signed value. */
function putVarint(buf: Uint8Array, pos: number, v: number): number {
  return putUvarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0);
}

/** Writes a zigzag varlong of a safe-integer number; small values avoid bigint. */
function putVarlong(buf: Uint8Array, pos: number, v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) return putVarint(buf, pos, v);
  const n = BigInt(v);
  let u = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  while (u > 0x7fn) {
    buf[pos++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[pos++] = Number(u);
  return pos;
}

/** Writes varint-length bytes (-1 for null). Short payloads are copied by hand: cheaper than `set`. */
function putBytes(buf: Uint8Array, pos: number, b: Uint8Array | null): number {
  if (b === null) {
    buf[pos] = 1; // zigzag(-1)
    return pos + 1;
  }
  const n = b.length;
  pos = putVarint(buf, pos, n);
  if (n < 32) {
    for (let i = 0; i < n; i++) buf[pos + i] = b[i];
  } else {
    buf.set(b, pos);
  }
  return pos + n;
}

/** Byte length of `s` in UTF-8, as `TextEncoder` writes it (a lone surrogate becomes 3-byte U+FFFD). */
function utf8Length(s: string): number {
  const n = s.length;
  let len = n;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      len += 1;
      continue;
    }
    len += 2;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++; // a pair: 2 UTF-16 units, 4 bytes
    }
  }
  return len;
}

// Header key byte lengths, computed by the sizing pass and reused by the writing pass.
let keyLens = new Int32Array(64);

function badTimestamp(ts: unknown, i: number): never {
  throw new RangeError(`records[${i}].timestamp must be an integer number of milliseconds, got ${ts}`);
}

function badBytes(field: string): never {
  throw new TypeError(`${field} must be a Uint8Array or null`);
}

/**
 * Encodes records into one RecordBatch v2. Offsets are 0..n-1 relative to `baseOffset`; the base timestamp
 * is the first record's, the max timestamp the largest. Throws `RangeError`/`TypeError` naming the field
 * for bad input, `UnsupportedCompressionError` for a compression without a codec (snappy, lz4 and zstd
 * load on first use: `await loadCodec(type)` before encoding with one directly).
 */
export function encodeRecordBatch(input: EncodeRecordBatchInput): Uint8Array {
  const records = input.records;
  const count = records.length;
  if (count === 0) throw new RangeError("records must contain at least one record");
  const compression = input.compression ?? CompressionType.none;
  const codec = compression === CompressionType.none ? null : getCodec(compression);
  const now = input.now ?? Date.now();
  if (!Number.isSafeInteger(now)) throw new RangeError(`now must be an integer number of milliseconds`);

  // Pass 1: validate, find the timestamps, and size every record.
  const first = records[0].timestamp;
  const baseTimestamp = first === undefined ? now : first;
  let maxTimestamp = baseTimestamp;
  const sizes = new Int32Array(count);
  let totalHeaders = 0;
  for (let i = 0; i < count; i++) {
    const h = records[i].headers;
    if (h !== undefined && h !== null) totalHeaders += h.length;
  }
  if (keyLens.length < totalHeaders) keyLens = new Int32Array(Math.max(totalHeaders, keyLens.length * 2));
  let hk = 0;
  let recordsSize = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i];
    let ts = r.timestamp;
    if (ts === undefined) ts = now;
    else if (!Number.isSafeInteger(ts)) badTimestamp(ts, i);
    if (ts > maxTimestamp) maxTimestamp = ts;
    const key = r.key;
    const value = r.value;
    let body = 1 + varlongSize(ts - baseTimestamp) + varintSize(i);
    if (key === null || key === undefined) body += 1;
    else if (key instanceof Uint8Array) body += varintSize(key.length) + key.length;
    else badBytes(`records[${i}].key`);
    if (value === null) body += 1;
    else if (value instanceof Uint8Array) body += varintSize(value.length) + value.length;
    else badBytes(`records[${i}].value`);
    const headers = r.headers;
    if (headers === undefined || headers === null || headers.length === 0) {
      body += 1;
    } else {
      body += varintSize(headers.length);
      for (let j = 0; j < headers.length; j++) {
        const hd = headers[j];
        if (typeof hd.key !== "string") {
          throw new TypeError(`records[${i}].headers[${j}].key must be a string`);
        }
        const hv = hd.value;
        const kl = utf8Length(hd.key);
        keyLens[hk++] = kl;
        body += varintSize(kl) + kl;
        if (hv === null) body += 1;
        else if (hv instanceof Uint8Array) body += varintSize(hv.length) + hv.length;
        else badBytes(`records[${i}].headers[${j}].value`);
      }
    }
    if (body > 0x7fffffff - 5 - RECORD_BATCH_OVERHEAD - recordsSize) {
      throw new RangeError(`record batch is too large (over 2 GiB)`);
    }
    sizes[i] = body;
    recordsSize += varintSize(body) + body;
  }

  // Pass 2: write the records, straight after the header, or into a buffer that is then compressed.
  let out: Uint8Array;
  if (codec === null) {
    out = new Uint8Array(RECORD_BATCH_OVERHEAD + recordsSize);
    writeRecords(out, RECORD_BATCH_OVERHEAD, records, sizes, now, baseTimestamp);
  } else {
    const plain = new Uint8Array(recordsSize);
    writeRecords(plain, 0, records, sizes, now, baseTimestamp);
    const compressed = codec.compress(plain);
    if (compressed.length > 0x7fffffff - RECORD_BATCH_OVERHEAD) {
      throw new RangeError(`record batch is too large (over 2 GiB)`);
    }
    out = new Uint8Array(RECORD_BATCH_OVERHEAD + compressed.length);
    out.set(compressed, RECORD_BATCH_OVERHEAD);
  }
  writeHeader(out, input, compression, count, baseTimestamp, maxTimestamp);
  return out;
}

function writeRecords(
  buf: Uint8Array,
  pos: number,
  records: readonly RecordInput[],
  sizes: Int32Array,
  now: number,
  baseTimestamp: number,
): void {
  let hk = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const ts = r.timestamp === undefined ? now : r.timestamp;
    pos = putVarint(buf, pos, sizes[i]);
    buf[pos++] = 0; // attributes: unused
    pos = putVarlong(buf, pos, ts - baseTimestamp);
    pos = putVarint(buf, pos, i);
    pos = putBytes(buf, pos, r.key ?? null);
    pos = putBytes(buf, pos, r.value);
    const headers = r.headers;
    if (headers === undefined || headers === null || headers.length === 0) {
      buf[pos++] = 0;
      continue;
    }
    pos = putVarint(buf, pos, headers.length);
    for (let j = 0; j < headers.length; j++) {
      const hd = headers[j];
      const kl = keyLens[hk++];
      pos = putVarint(buf, pos, kl);
      const key = hd.key;
      if (kl === key.length) {
        for (let k = 0; k < kl; k++) buf[pos + k] = key.charCodeAt(k); // ASCII
      } else {
        encoder.encodeInto(key, buf.subarray(pos, pos + kl));
      }
      pos += kl;
      pos = putBytes(buf, pos, hd.value);
    }
  }
  if (pos !== buf.length) {
    throw new Error(`internal error: record batch size mismatch (${pos} != ${buf.length})`);
  }
}

/** Writes the 61-byte header into `buf`, then the CRC over everything from the attributes on. */
function writeHeader(
  buf: Uint8Array,
  input: Omit<EncodeRecordBatchInput, "records">,
  compression: number,
  count: number,
  baseTimestamp: number,
  maxTimestamp: number,
): void {
  let attributes = compression & ATTR_COMPRESSION_MASK;
  if (input.timestampType === TimestampType.logAppendTime) attributes |= ATTR_TIMESTAMP_TYPE;
  if (input.isTransactional) attributes |= ATTR_TRANSACTIONAL;
  if (input.isControl) attributes |= ATTR_CONTROL;
  const v = new DataView(buf.buffer, buf.byteOffset, RECORD_BATCH_OVERHEAD);
  v.setBigInt64(0, input.baseOffset ?? 0n);
  v.setInt32(8, buf.length - LOG_OVERHEAD);
  v.setInt32(12, input.partitionLeaderEpoch ?? -1);
  v.setInt8(16, 2);
  v.setInt16(21, attributes);
  v.setInt32(23, count - 1);
  v.setBigInt64(27, BigInt(baseTimestamp));
  v.setBigInt64(35, BigInt(maxTimestamp));
  v.setBigInt64(43, input.producerId ?? -1n);
  v.setInt16(51, input.producerEpoch ?? -1);
  v.setInt32(53, input.baseSequence ?? -1);
  v.setInt32(57, count);
  v.setUint32(17, crc32c(buf.subarray(CRC_START)));
}

// ---------------------------------------------------------------------------------------------------------
// Building a batch record by record
//
// The producer encodes each record into its batch's buffer when the record is appended, so a batch is never
// walked twice: sending it only writes the header and the CRC in front of the records (or compresses them).

/** What `RecordBatchBuilder.build` writes into the header. */
export interface BatchHeaderInput {
  /** Compression type id; 0 (none) leaves the records where they are. */
  compression: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
}

/**
 * A RecordBatch v2 built one record at a time: `append` encodes the record straight into the batch's
 * buffer (after room for the header), `build` writes the header and CRC and returns the batch. Inputs are
 * trusted: the producer checked them before (use `encodeRecordBatch` for checked encoding).
 */
export class RecordBatchBuilder {
  #buf: Uint8Array;
  #pos = RECORD_BATCH_OVERHEAD;
  /** Records appended. */
  count = 0;
  /** Timestamp of the first record (the batch's base timestamp). */
  baseTimestamp = 0;
  /** Largest timestamp appended. */
  maxTimestamp = 0;

  /**
   * `capacity`: expected bytes of records; the buffer grows by doubling past it. `reuse`, a buffer another
   * builder gave back with `takeBuffer()`, is written over when it is large enough.
   */
  constructor(capacity: number, reuse?: Uint8Array) {
    const need = RECORD_BATCH_OVERHEAD + Math.max(capacity, 64);
    this.#buf = reuse !== undefined && reuse.length >= need ? reuse : new Uint8Array(need);
  }

  /**
   * Gives up the buffer, for another builder to reuse. Neither this builder nor what `build` returned may
   * be used afterwards.
   */
  takeBuffer(): Uint8Array {
    const buf = this.#buf;
    this.#buf = new Uint8Array(0);
    this.#pos = 0;
    this.count = 0;
    return buf;
  }

  /** Bytes of the batch so far, header included. */
  get sizeInBytes(): number {
    return this.#pos;
  }

  /** Encodes one record at the end of the batch. */
  append(
    key: Uint8Array | null,
    value: Uint8Array | null,
    headers: readonly RecordHeader[] | undefined,
    timestamp: number,
  ): void {
    const i = this.count;
    if (i === 0) this.baseTimestamp = this.maxTimestamp = timestamp;
    else if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    const delta = timestamp - this.baseTimestamp;
    let body = 1 + varlongSize(delta) + varintSize(i);
    body += key === null ? 1 : varintSize(key.length) + key.length;
    body += value === null ? 1 : varintSize(value.length) + value.length;
    const nh = headers === undefined ? 0 : headers.length;
    if (nh === 0) {
      body += 1;
    } else {
      body += varintSize(nh);
      for (let j = 0; j < nh; j++) {
        const hd = headers![j];
        const kl = utf8Length(hd.key);
        body += varintSize(kl) + kl + (hd.value === null ? 1 : varintSize(hd.value.length) + hd.value.length);
      }
    }
    const need = varintSize(body) + body;
    let buf = this.#buf;
    let pos = this.#pos;
    if (pos + need > buf.length) {
      if (pos + need > 0x7fffffff) throw new RangeError(`record batch is too large (over 2 GiB)`);
      let size = buf.length * 2;
      while (size < pos + need) size *= 2;
      const next = new Uint8Array(Math.min(size, 0x7fffffff));
      next.set(buf.subarray(0, pos));
      this.#buf = buf = next;
    }
    pos = putVarint(buf, pos, body);
    buf[pos++] = 0; // attributes: unused
    pos = putVarlong(buf, pos, delta);
    pos = putVarint(buf, pos, i);
    pos = putBytes(buf, pos, key);
    pos = putBytes(buf, pos, value);
    if (nh === 0) {
      buf[pos++] = 0;
    } else {
      pos = putVarint(buf, pos, nh);
      for (let j = 0; j < nh; j++) {
        const hd = headers![j];
        const k = hd.key;
        const kl = utf8Length(k);
        pos = putVarint(buf, pos, kl);
        if (kl === k.length) {
          for (let c = 0; c < kl; c++) buf[pos + c] = k.charCodeAt(c); // ASCII
        } else {
          encoder.encodeInto(k, buf.subarray(pos, pos + kl));
        }
        pos = putBytes(buf, pos + kl, hd.value);
      }
    }
    this.#pos = pos;
    this.count = i + 1;
  }

  /**
   * Writes the header and CRC and returns the batch: a view of the builder's buffer when uncompressed, else
   * a new buffer with the records compressed. Appending after `build` is not allowed.
   */
  build(h: BatchHeaderInput): Uint8Array {
    if (this.count === 0) throw new RangeError("records must contain at least one record");
    if (h.compression !== CompressionType.none) {
      return this.seal(h, getCodec(h.compression).compress(this.recordSection()));
    }
    const out = this.#buf.subarray(0, this.#pos);
    writeHeader(out, h, h.compression, this.count, this.baseTimestamp, this.maxTimestamp);
    return out;
  }

  /** The encoded records, uncompressed: what a codec compresses (a view; valid until `takeBuffer`). */
  recordSection(): Uint8Array {
    return this.#buf.subarray(RECORD_BATCH_OVERHEAD, this.#pos);
  }

  /**
   * The batch from the records as `h.compression` compressed them (`recordSection()` through the codec):
   * `build` for a caller that compressed them itself, e.g. asynchronously.
   */
  seal(h: BatchHeaderInput, compressed: Uint8Array): Uint8Array {
    if (this.count === 0) throw new RangeError("records must contain at least one record");
    if (compressed.length > 0x7fffffff - RECORD_BATCH_OVERHEAD) {
      throw new RangeError(`record batch is too large (over 2 GiB)`);
    }
    const out = new Uint8Array(RECORD_BATCH_OVERHEAD + compressed.length);
    out.set(compressed, RECORD_BATCH_OVERHEAD);
    writeHeader(out, h, h.compression, this.count, this.baseTimestamp, this.maxTimestamp);
    return out;
  }

  /** Keeps only the records for which `keep(i)` is true, renumbered in order (rare: a stream was aborted). */
  retain(keep: (index: number) => boolean): void {
    const c = new Cursor(this.#buf, RECORD_BATCH_OVERHEAD, this.#pos);
    const kept: KafkaRecord[] = [];
    for (let i = 0; i < this.count; i++) {
      const r = decodeRecord(c, 0n, this.baseTimestamp, -1);
      if (keep(i)) kept.push(r);
    }
    const old = this.#buf;
    this.#buf = new Uint8Array(old.length);
    this.#pos = RECORD_BATCH_OVERHEAD;
    this.count = 0;
    for (const r of kept) this.append(r.key, r.value, r.headers, r.timestamp);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Decoding
//
// Records are parsed straight from the bytes with a cursor whose every read is checked against the end of
// the current record, so a corrupt length can neither read past the record nor past the buffer.

/**
 * Decodes the record batches of one partition's fetched `records` bytes, back to back. A trailing partial
 * batch (the broker cuts the last one at the fetch size limit) is ignored. A batch with a bad CRC,
 * inconsistent lengths, a magic other than 2, or undecodable compressed data throws `CorruptRecordError`;
 * a compression without a registered codec throws `UnsupportedCompressionError` (`compressionTypesIn` tells
 * which codecs to `loadCodec` first). `checkCrc: false` skips the CRC (the other checks stay).
 */
export function decodeRecordBatches(data: Uint8Array, options: { checkCrc?: boolean } = {}): RecordBatch[] {
  const checkCrc = options.checkCrc ?? true;
  const batches: RecordBatch[] = [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  while (data.length - pos >= LOG_OVERHEAD) {
    const end = checkedBatchEnd(view, data.length, pos);
    if (end < 0) break; // partial batch at the end of a fetch
    batches.push(decodeBatch(data.subarray(pos, end), view, pos, checkCrc));
    pos = end;
  }
  return batches;
}

/**
 * The compression types of the complete batches in `data` (fetched `records` bytes), as a bit set with bit
 * `1 << type` per type; reads only batch headers, so codecs can be loaded before the batches are decoded.
 *
 * @example
 * ```ts
 * import { compressionTypesIn, decodeRecordBatches, loadCodec } from "@kafka-ts/client";
 * const records = new Uint8Array(0); // a partition's `records` from a Fetch answer
 * const types = compressionTypesIn(records);
 * for (let t = 1; t <= 4; t++) if (types & (1 << t)) await loadCodec(t);
 * const batches = decodeRecordBatches(records);
 * ```
 */
export function compressionTypesIn(data: Uint8Array): number {
  let types = 0;
  let pos = 0;
  while (data.length - pos >= RECORD_BATCH_OVERHEAD) {
    const end = pos + LOG_OVERHEAD +
      ((data[pos + 8] << 24) | (data[pos + 9] << 16) | (data[pos + 10] << 8) | data[pos + 11]);
    if (end > data.length || end < pos + RECORD_BATCH_OVERHEAD) break;
    types |= 1 << (data[pos + 22] & ATTR_COMPRESSION_MASK); // low byte of the big-endian attributes
    pos = end;
  }
  return types;
}

/** A position in a byte range; reads past `end` throw. */
class Cursor {
  buf: Uint8Array;
  pos: number;
  end: number;
  constructor(buf: Uint8Array, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
}

/**
 * Decodes the one complete batch that `batch` holds. `inflated`, when given, is its records section already
 * decompressed (e.g. asynchronously, ahead of the reader); the CRC is still checked on `batch` itself.
 */
export function decodeRecordBatch(batch: Uint8Array, checkCrc: boolean, inflated?: Uint8Array): RecordBatch {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  if (batch.length < LOG_OVERHEAD || checkedBatchEnd(view, batch.length, 0) !== batch.length) {
    throw new CorruptRecordError(`record batch of ${batch.length} bytes does not hold exactly one batch`);
  }
  return decodeBatch(batch, view, 0, checkCrc, inflated);
}

/**
 * Where the batch at byte `pos` of `view` (`length` bytes) ends, or -1 when only part of it is there. Throws
 * `CorruptRecordError` for a length below the minimum or a magic other than 2.
 */
function checkedBatchEnd(view: DataView, length: number, pos: number): number {
  const batchLength = view.getInt32(pos + 8);
  if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    throw new CorruptRecordError(
      `record batch at byte ${pos} declares length ${batchLength}, less than the minimum ${
        RECORD_BATCH_OVERHEAD - LOG_OVERHEAD
      }`,
    );
  }
  const end = pos + LOG_OVERHEAD + batchLength;
  if (end > length) return -1;
  const magic = view.getInt8(pos + 16);
  if (magic !== 2) {
    throw new CorruptRecordError(
      `record batch at byte ${pos} has magic ${magic}; only magic 2 (RecordBatch v2) is supported`,
    );
  }
  return end;
}

/**
 * Where the batch at byte `pos` of fetched bytes (`view`, `length` long) ends, from its header alone; -1
 * when no complete batch starts there (the broker cut the last one short).
 */
export function batchEndAt(view: DataView, length: number, pos: number): number {
  if (length - pos < RECORD_BATCH_OVERHEAD) return -1;
  const end = pos + LOG_OVERHEAD + view.getInt32(pos + 8);
  return end > length || end < pos + RECORD_BATCH_OVERHEAD ? -1 : end;
}

/** Decodes one complete batch (length and magic already checked) at byte `at` of `view`. */
function decodeBatch(
  batch: Uint8Array,
  view: DataView,
  at: number,
  checkCrc: boolean,
  inflated?: Uint8Array,
): RecordBatch {
  const baseOffset = view.getBigInt64(at);
  if (checkCrc) {
    const storedCrc = view.getUint32(at + 17);
    const actualCrc = crc32c(batch.subarray(CRC_START));
    if (storedCrc !== actualCrc) {
      throw new CorruptRecordError(
        `record batch at byte ${at} (base offset ${baseOffset}) failed its CRC check: stored ${
          hex32(storedCrc)
        }, computed ${hex32(actualCrc)}`,
      );
    }
  }
  const partitionLeaderEpoch = view.getInt32(at + 12);
  const attributes = view.getInt16(at + 21);
  const lastOffsetDelta = view.getInt32(at + 23);
  const baseTimestamp = Number(view.getBigInt64(at + 27));
  const maxTimestamp = Number(view.getBigInt64(at + 35));
  const producerId = view.getBigInt64(at + 43);
  const producerEpoch = view.getInt16(at + 51);
  const baseSequence = view.getInt32(at + 53);
  const count = view.getInt32(at + 57);
  const compression = attributes & ATTR_COMPRESSION_MASK;
  const timestampType = (attributes & ATTR_TIMESTAMP_TYPE) === 0
    ? TimestampType.createTime
    : TimestampType.logAppendTime;
  if (count < 0) {
    throw new CorruptRecordError(`record batch at byte ${at} has a negative record count ${count}`);
  }

  let body = batch.subarray(RECORD_BATCH_OVERHEAD);
  if (compression !== CompressionType.none && inflated !== undefined) {
    body = inflated;
  } else if (compression !== CompressionType.none) {
    const codec = getCodec(compression);
    try {
      body = codec.decompress(body);
    } catch (err) {
      throw new CorruptRecordError(
        `record batch at byte ${at} (base offset ${baseOffset}) could not be decompressed: ${errorText(err)}`,
        { cause: err },
      );
    }
  }
  if (count > body.length / MIN_RECORD_SIZE) {
    throw new CorruptRecordError(
      `record batch at byte ${at} declares ${count} records, more than its ${body.length} bytes can hold`,
    );
  }

  const records: KafkaRecord[] = [];
  const c = new Cursor(body, 0, body.length);
  const logAppendTime = timestampType === TimestampType.logAppendTime ? maxTimestamp : -1;
  try {
    for (let i = 0; i < count; i++) records.push(decodeRecord(c, baseOffset, baseTimestamp, logAppendTime));
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
    throw new CorruptRecordError(
      `record batch at byte ${at} (base offset ${baseOffset}): ${err.message}`,
      { cause: err },
    );
  }
  if (c.pos !== body.length) {
    throw new CorruptRecordError(
      `record batch at byte ${at} (base offset ${baseOffset}) has ${
        body.length - c.pos
      } bytes after its ${count} records`,
    );
  }

  return {
    baseOffset,
    partitionLeaderEpoch,
    compression,
    timestampType,
    isTransactional: (attributes & ATTR_TRANSACTIONAL) !== 0,
    isControl: (attributes & ATTR_CONTROL) !== 0,
    hasDeleteHorizon: (attributes & ATTR_DELETE_HORIZON) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    baseSequence,
    sizeInBytes: batch.length,
    records,
  };
}

function decodeRecord(
  c: Cursor,
  baseOffset: bigint,
  baseTimestamp: number,
  logAppendTime: number,
): KafkaRecord {
  const recordStart = c.pos;
  const length = readVarint(c);
  if (length < 0 || length > c.end - c.pos) {
    throw new CorruptRecordError(
      `record at byte ${recordStart} has length ${length}, but ${c.end - c.pos} bytes are left`,
    );
  }
  const outerEnd = c.end;
  c.end = c.pos + length; // reads are now bounded by this record
  if (c.pos >= c.end) throw corrupt(c);
  c.pos++; // attributes: unused in v2
  const timestampDelta = readVarlong(c);
  const offsetDelta = readVarint(c);
  const key = readBytes(c);
  const value = readBytes(c);
  const headerCount = readVarint(c);
  let headers: RecordHeader[];
  if (headerCount === 0) {
    headers = [];
  } else {
    // Each header takes at least 2 bytes: a corrupt count cannot drive a long loop.
    if (headerCount < 0 || headerCount > (c.end - c.pos) / 2) {
      throw new CorruptRecordError(`record at byte ${recordStart} declares ${headerCount} headers`);
    }
    headers = [];
    for (let j = 0; j < headerCount; j++) {
      const headerKey = readUtf8(c);
      headers.push({ key: headerKey, value: readBytes(c) });
    }
  }
  if (c.pos !== c.end) {
    throw new CorruptRecordError(
      `record at byte ${recordStart} declares ${length} bytes but its fields take ${
        length - (c.end - c.pos)
      }`,
    );
  }
  c.end = outerEnd;
  return {
    offset: baseOffset + BigInt(offsetDelta),
    timestamp: logAppendTime >= 0 ? logAppendTime : baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}

function corrupt(c: Cursor): CorruptRecordError {
  return new CorruptRecordError(`record field at byte ${c.pos} runs past the end of its record`);
}

/** Zigzag varint of up to 32 bits. */
function readVarint(c: Cursor): number {
  const buf = c.buf;
  const end = c.end;
  let pos = c.pos;
  let u = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw corrupt(c);
    const b = buf[pos++];
    u |= (b & 0x7f) << shift;
    if (b < 0x80) {
      if (shift === 28 && b > 0x0f) break;
      c.pos = pos;
      return (u >>> 1) ^ -(u & 1);
    }
  }
  throw new CorruptRecordError(`varint at byte ${c.pos} is longer than 32 bits`);
}

/** Zigzag varlong as a number (exact within ±2^53). Up to 4 bytes (±2^27) it stays out of bigint. */
function readVarlong(c: Cursor): number {
  const buf = c.buf;
  const end = c.end;
  let pos = c.pos;
  let u = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) throw corrupt(c);
    const b = buf[pos++];
    u |= (b & 0x7f) << shift;
    if (b < 0x80) {
      c.pos = pos;
      return (u >>> 1) ^ -(u & 1);
    }
  }
  let big = BigInt(u);
  for (let shift = 28n; shift < 70n; shift += 7n) {
    if (pos >= end) throw corrupt(c);
    const b = buf[pos++];
    if (shift === 63n && b > 1) break;
    big |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) {
      c.pos = pos;
      return Number(BigInt.asIntN(64, (big >> 1n) ^ -(big & 1n)));
    }
  }
  throw new CorruptRecordError(`varlong at byte ${c.pos} is longer than 64 bits`);
}

/** Varint-length bytes as a view; -1 is null. */
function readBytes(c: Cursor): Uint8Array | null {
  const n = readVarint(c);
  if (n > 0) {
    const at = c.pos;
    if (n > c.end - at) throw corrupt(c);
    c.pos = at + n;
    return c.buf.subarray(at, at + n);
  }
  if (n === 0) return EMPTY;
  if (n === -1) return null;
  throw new CorruptRecordError(`negative length ${n} at byte ${c.pos}`);
}

/** A header key: varint length and UTF-8. Short ASCII keys skip TextDecoder. */
function readUtf8(c: Cursor): string {
  const n = readVarint(c);
  if (n === 0) return "";
  const at = c.pos;
  if (n < 0) throw new CorruptRecordError(`header key length ${n} at byte ${at} is negative`);
  if (n > c.end - at) throw corrupt(c);
  c.pos = at + n;
  const buf = c.buf;
  if (n <= 32) {
    let s = "";
    let i = at;
    const stop = at + n;
    for (; i < stop; i++) {
      const b = buf[i];
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (i === stop) return s;
  }
  try {
    return decoder.decode(buf.subarray(at, at + n));
  } catch {
    throw new CorruptRecordError(`invalid UTF-8 in the header key at byte ${at}`);
  }
}

function hex32(v: number): string {
  return "0x" + v.toString(16).padStart(8, "0");
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
