/**
 * A growable big-endian byte writer for Kafka's wire format.
 *
 * One buffer grows by doubling; `finish()` returns a view of the written bytes without copying. Large record
 * batches are not copied in at all: `records()` keeps a reference, and `chunks()` hands out the frame as
 * pieces for the socket to write in order.
 */

import { concatBytes } from "../codec/bytes.ts";

const encoder = new TextEncoder();

/** From this size on `records()` references a batch instead of copying it. */
const REFERENCE_MIN_BYTES = 16 * 1024;

/** A tagged field to write at the end of a flexible struct: its tag and already-encoded bytes. */
export interface RawTaggedField {
  /** The field's tag. */
  tag: number;
  /** The field's encoded bytes. */
  data: Uint8Array;
}

/**
 * A growable big-endian byte writer for Kafka's wire format; `finish()` returns the bytes without copying.
 *
 * @example
 * ```ts
 * const bytes = new Writer().int32(42).string("hi").finish();
 * ```
 */
export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  /** Bytes written so far into the writer's own buffer (positions for `patchInt32` and `slice`). */
  offset = 0;
  /** Where, in the own buffer, each referenced chunk goes; `null` until `records()` references one. */
  #cuts: number[] | null = null;
  #refs: Uint8Array[] = [];
  #refBytes = 0;

  /** Starts with room for `initialCapacity` bytes; grows by doubling. */
  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.offset + n;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.offset));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** Every byte of the message so far: the own buffer's plus the referenced chunks'. */
  get length(): number {
    return this.offset + this.#refBytes;
  }

  /** The written bytes as one array: a view over the own buffer, or a joined copy if chunks are referenced. */
  finish(): Uint8Array {
    if (this.#cuts === null) return this.#buf.subarray(0, this.offset);
    return concatBytes(this.chunks());
  }

  /** The written bytes as pieces to send in order: own-buffer views between the referenced chunks. */
  chunks(): Uint8Array[] {
    const cuts = this.#cuts;
    if (cuts === null) return [this.#buf.subarray(0, this.offset)];
    const out: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < cuts.length; i++) {
      if (cuts[i] > from) out.push(this.#buf.subarray(from, cuts[i]));
      out.push(this.#refs[i]);
      from = cuts[i];
    }
    if (this.offset > from) out.push(this.#buf.subarray(from, this.offset));
    return out;
  }

  /** Signed 8-bit integer. */
  int8(v: number): this {
    this.ensure(1);
    this.#view.setInt8(this.offset, v);
    this.offset += 1;
    return this;
  }

  /** Unsigned 8-bit integer. */
  uint8(v: number): this {
    this.ensure(1);
    this.#buf[this.offset++] = v;
    return this;
  }

  /** Boolean as one byte. */
  bool(v: boolean): this {
    return this.uint8(v ? 1 : 0);
  }

  /** Signed 16-bit integer. */
  int16(v: number): this {
    this.ensure(2);
    this.#view.setInt16(this.offset, v);
    this.offset += 2;
    return this;
  }

  /** Unsigned 16-bit integer. */
  uint16(v: number): this {
    this.ensure(2);
    this.#view.setUint16(this.offset, v);
    this.offset += 2;
    return this;
  }

  /** Signed 32-bit integer. */
  int32(v: number): this {
    this.ensure(4);
    this.#view.setInt32(this.offset, v);
    this.offset += 4;
    return this;
  }

  /** Unsigned 32-bit integer. */
  uint32(v: number): this {
    this.ensure(4);
    this.#view.setUint32(this.offset, v);
    this.offset += 4;
    return this;
  }

  /** Signed 64-bit integer. */
  int64(v: bigint): this {
    this.ensure(8);
    this.#view.setBigInt64(this.offset, v);
    this.offset += 8;
    return this;
  }

  /** 64-bit IEEE float. */
  float64(v: number): this {
    this.ensure(8);
    this.#view.setFloat64(this.offset, v);
    this.offset += 8;
    return this;
  }

  /** Unsigned varint of up to 32 bits. */
  uvarint(v: number): this {
    this.ensure(5);
    v >>>= 0;
    while (v > 0x7f) {
      this.#buf[this.offset++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[this.offset++] = v;
    return this;
  }

  /** Signed (zigzag) varint of up to 32 bits. */
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }

  /** Unsigned varint of up to 64 bits. */
  uvarlong(v: bigint): this {
    this.ensure(10);
    v = BigInt.asUintN(64, v);
    while (v > 0x7fn) {
      this.#buf[this.offset++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.offset++] = Number(v);
    return this;
  }

  /** Signed (zigzag) varint of up to 64 bits. */
  varlong(v: bigint): this {
    const n = BigInt.asIntN(64, v);
    return this.uvarlong(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
  }

  /** Raw bytes, no length prefix. */
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.#buf.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }

  /** Writes UTF-8 after reserving `lengthBytes` for a prefix written by `prefix`. */
  #utf8(s: string, prefix: (len: number) => void): void {
    // Short ASCII strings dominate (topic names, client ids): encode in place, then write the prefix.
    const max = s.length * 3;
    const start = this.offset;
    // Worst-case prefix size is 5 bytes (uvarint) or 2 (int16); reserve the exact width afterwards.
    this.ensure(max + 5);
    const tmp = this.#buf.subarray(start + 5, start + 5 + max);
    const { written } = encoder.encodeInto(s, tmp);
    prefix(written);
    this.#buf.copyWithin(this.offset, start + 5, start + 5 + written);
    this.offset += written;
  }

  /** int16-length string; `null` writes length -1. */
  string(s: string | null): this {
    if (s === null) return this.int16(-1);
    this.#utf8(s, (len) => {
      if (len > 0x7fff) throw new RangeError(`string of ${len} bytes is longer than int16 allows`);
      this.int16(len);
    });
    return this;
  }

  /** Compact (uvarint length + 1) string; `null` writes 0. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    this.#utf8(s, (len) => this.uvarint(len + 1));
    return this;
  }

  /** int32-length bytes; `null` writes length -1. */
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }

  /** Compact (uvarint length + 1) bytes; `null` writes 0. */
  compactBytes(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0);
    return this.uvarint(b.length + 1).raw(b);
  }

  /**
   * int32-length record batches; `null` writes length -1. A large batch is referenced, not copied: its bytes
   * must not change until the message has been written.
   */
  records(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).#reference(b);
  }

  /** Compact (uvarint length + 1) record batches; `null` writes 0. Referenced like `records()`. */
  compactRecords(b: Uint8Array | null): this {
    if (b === null) return this.uvarint(0);
    return this.uvarint(b.length + 1).#reference(b);
  }

  #reference(b: Uint8Array): this {
    // Copying a small batch costs less than one more piece for the socket to gather.
    if (b.length < REFERENCE_MIN_BYTES) return this.raw(b);
    (this.#cuts ??= []).push(this.offset);
    this.#refs.push(b);
    this.#refBytes += b.length;
    return this;
  }

  /** Varint-length bytes as in record fields; `null` writes -1. */
  varintBytes(b: Uint8Array | null): this {
    if (b === null) return this.varint(-1);
    return this.varint(b.length).raw(b);
  }

  /** Classic array length (int32); `null` writes -1. */
  arrayLength(n: number | null): this {
    return this.int32(n === null ? -1 : n);
  }

  /** Compact array length (uvarint n + 1); `null` writes 0. */
  compactArrayLength(n: number | null): this {
    return this.uvarint(n === null ? 0 : n + 1);
  }

  /** A 16-byte UUID given in Kafka's URL-safe base64 form. */
  uuid(id: string): this {
    return this.raw(uuidToBytes(id));
  }

  /** A tagged-field section: count, then tag, size and data of each field, sorted by tag. */
  taggedFields(fields: readonly RawTaggedField[] = []): this {
    this.uvarint(fields.length);
    const sorted = fields.length > 1 ? [...fields].sort((a, b) => a.tag - b.tag) : fields;
    for (const f of sorted) this.uvarint(f.tag).uvarint(f.data.length).raw(f.data);
    return this;
  }

  /** Reserves an int32 to fill in later with `patchInt32` (sizes, CRCs). Returns its position. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.offset;
    this.offset += 4;
    return at;
  }

  /** Writes a signed 32-bit integer at a position reserved earlier. */
  patchInt32(at: number, v: number): void {
    this.#view.setInt32(at, v);
  }

  /** Writes an unsigned 32-bit integer at a position reserved earlier. */
  patchUint32(at: number, v: number): void {
    this.#view.setUint32(at, v);
  }

  /** A view of bytes already written, e.g. to checksum them. */
  slice(start: number, end = this.offset): Uint8Array {
    return this.#buf.subarray(start, end);
  }
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Kafka's textual UUID: URL-safe base64 of the 16 bytes, without padding (22 characters). */
export function uuidToBytes(id: string): Uint8Array {
  if (typeof id !== "string" || id.length !== 22) {
    throw new TypeError(`uuid must be a 22-character URL-safe base64 string, got ${JSON.stringify(id)}`);
  }
  const out = new Uint8Array(16);
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < 22; i++) {
    const c = id.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new TypeError(`uuid has an invalid character at ${i}: ${JSON.stringify(id)}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (o < 16) out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function uuidFromBytes(b: Uint8Array): string {
  let s = "";
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 16; i++) {
    acc = (acc << 8) | b[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      s += B64[(acc >> bits) & 0x3f];
    }
    acc &= 0xff;
  }
  if (bits > 0) s += B64[(acc << (6 - bits)) & 0x3f];
  return s;
}

/** The all-zero UUID, which Kafka uses for "no topic id". */
export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";
