/**
 * A bounds-checked big-endian reader over a `Uint8Array`.
 *
 * Byte fields come back as `subarray` views (no copies). Every read checks bounds first and throws
 * `MalformedResponseError`, so a truncated or corrupt frame ends in an error, never an out-of-range read.
 */
import { KafkaClientError } from "../errors.ts";
import { uuidFromBytes } from "./writer.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A frame that does not parse: truncated, a length out of range, or a value that cannot be. */
export class MalformedResponseError extends KafkaClientError {
  /** Always `"MalformedResponseError"`. */
  override name = "MalformedResponseError";
}

/**
 * A bounds-checked big-endian reader over a `Uint8Array`; byte fields come back as views, not copies.
 *
 * @example
 * ```ts
 * const r = new Reader(Uint8Array.of(0, 0, 0, 42, 0, 2, 104, 105));
 * r.int32(); // 42
 * r.string(); // "hi"
 * ```
 */
export class Reader {
  /** The bytes being read. */
  readonly buf: Uint8Array;
  readonly #view: DataView;
  /** Position of the next read. */
  offset: number;

  /** Reads `buf` from `offset`. */
  constructor(buf: Uint8Array, offset = 0) {
    this.buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.offset = offset;
  }

  /** Bytes left after the current position. */
  get remaining(): number {
    return this.buf.length - this.offset;
  }

  #need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.buf.length) {
      throw new MalformedResponseError(
        `truncated data: need ${n} bytes at offset ${at}, only ${this.buf.length - at} left`,
      );
    }
    this.offset = at + n;
    return at;
  }

  /** Signed 8-bit integer. */
  int8(): number {
    return this.#view.getInt8(this.#need(1));
  }

  /** Unsigned 8-bit integer. */
  uint8(): number {
    return this.buf[this.#need(1)];
  }

  /** Boolean (one byte, non-zero is true). */
  bool(): boolean {
    return this.buf[this.#need(1)] !== 0;
  }

  /** Signed 16-bit integer. */
  int16(): number {
    return this.#view.getInt16(this.#need(2));
  }

  /** Unsigned 16-bit integer. */
  uint16(): number {
    return this.#view.getUint16(this.#need(2));
  }

  /** Signed 32-bit integer. */
  int32(): number {
    return this.#view.getInt32(this.#need(4));
  }

  /** Unsigned 32-bit integer. */
  uint32(): number {
    return this.#view.getUint32(this.#need(4));
  }

  /** Signed 64-bit integer. */
  int64(): bigint {
    return this.#view.getBigInt64(this.#need(8));
  }

  /** 64-bit IEEE float. */
  float64(): number {
    return this.#view.getFloat64(this.#need(8));
  }

  /** Unsigned varint of up to 32 bits. */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.buf[this.#need(1)];
      if (shift === 28 && b > 0x0f) throw new MalformedResponseError("varint is longer than 32 bits");
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  /** Signed (zigzag) varint of up to 32 bits. */
  varint(): number {
    const v = this.uvarint();
    return (v >>> 1) ^ -(v & 1);
  }

  /** Unsigned varint of up to 64 bits. */
  uvarlong(): bigint {
    let lo = 0;
    let shift = 0;
    // Most varlongs fit 28 bits: stay in numbers for those.
    for (; shift < 28; shift += 7) {
      const b = this.buf[this.#need(1)];
      lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt(lo >>> 0);
    }
    let result = BigInt(lo >>> 0);
    for (let big = 28n;; big += 7n) {
      const b = this.buf[this.#need(1)];
      if (big === 63n && b > 1) throw new MalformedResponseError("varlong is longer than 64 bits");
      result |= BigInt(b & 0x7f) << big;
      if ((b & 0x80) === 0) return result;
    }
  }

  /** Signed (zigzag) varint of up to 64 bits. */
  varlong(): bigint {
    const v = this.uvarlong();
    return BigInt.asIntN(64, (v >> 1n) ^ -(v & 1n));
  }

  /** `n` raw bytes as a view. */
  raw(n: number): Uint8Array {
    const at = this.#need(n);
    return this.buf.subarray(at, at + n);
  }

  #utf8(n: number): string {
    const at = this.#need(n);
    try {
      return decoder.decode(this.buf.subarray(at, at + n));
    } catch {
      throw new MalformedResponseError(`invalid UTF-8 in string at offset ${at}`);
    }
  }

  /** int16-length string; -1 is `null`. */
  string(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < -1) throw new MalformedResponseError(`negative string length ${n}`);
    return this.#utf8(n);
  }

  /** Compact string (uvarint length + 1); 0 is `null`. */
  compactString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.#utf8(n - 1);
  }

  /** int32-length bytes; -1 is `null`. */
  bytes(): Uint8Array | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < -1) throw new MalformedResponseError(`negative bytes length ${n}`);
    return this.raw(n);
  }

  /** Compact bytes (uvarint length + 1); 0 is `null`. */
  compactBytes(): Uint8Array | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }

  /** Varint-length bytes as in record fields; -1 is `null`. */
  varintBytes(): Uint8Array | null {
    const n = this.varint();
    if (n === -1) return null;
    if (n < -1) throw new MalformedResponseError(`negative varint length ${n}`);
    return this.raw(n);
  }

  /** Varint-length UTF-8 string as in record header keys. */
  varintString(): string | null {
    const n = this.varint();
    if (n === -1) return null;
    if (n < -1) throw new MalformedResponseError(`negative varint length ${n}`);
    return this.#utf8(n);
  }

  /**
   * Classic array length (int32); -1 is `null`. A length that cannot fit in the bytes left is an error,
   * so a corrupt count never drives a huge loop or allocation.
   */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1) throw new MalformedResponseError(`negative array length ${n}`);
    if (n > this.remaining) throw new MalformedResponseError(`array of ${n} entries exceeds the frame`);
    return n;
  }

  /** Compact array length (uvarint n + 1); returns -1 for `null`. */
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.remaining) throw new MalformedResponseError(`array of ${n} entries exceeds the frame`);
    return n;
  }

  /** A 16-byte UUID, in Kafka's URL-safe base64 form. */
  uuid(): string {
    return uuidFromBytes(this.raw(16));
  }

  /**
   * Reads a tagged-field section. `onField` receives each tag with a reader over its data; tags it does not
   * know it may ignore, as the protocol requires.
   */
  taggedFields(onField?: (tag: number, r: Reader) => void): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      const size = this.uvarint();
      const data = this.raw(size);
      if (onField) onField(tag, new Reader(data));
    }
  }
}
