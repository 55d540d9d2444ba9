/**
 * Record preparation: checks a record handed to `send`, runs the serializers, turns headers into their
 * wire form and sizes the result against the request and buffer limits. Nothing is copied: keys and
 * values that are already bytes go into the batch as they are.
 */
import type { RecordHeader } from "../protocol/record-batch.ts";
import type { ProducerHeaders, ProducerRecord } from "./types.ts";

/** Bytes a record takes in a batch besides its key, value and headers (an upper estimate). */
const RECORD_OVERHEAD = 21;
/** Bytes of a Produce request around its batches: header, topic and partition entries (generous). */
export const REQUEST_OVERHEAD = 128;
/** Bytes of a record batch header. */
export const BATCH_OVERHEAD = 61;

const enc = new TextEncoder();

/** A record ready for a batch: its serialized fields and its estimated size in the batch. */
export interface PreparedRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[] | undefined;
  /** Milliseconds since the epoch: the record's own, or the time of the send. */
  timestamp: number;
  bytes: number;
}

/** Turns the records users hand over into `PreparedRecord`s, or throws an error naming the field. */
export class RecordPreparer<K, V> {
  readonly #keySerializer: ((key: K, topic: string) => Uint8Array | null) | undefined;
  readonly #valueSerializer: ((value: V, topic: string) => Uint8Array | null) | undefined;
  readonly #maxRequestSize: number;
  readonly #bufferMemory: number;

  constructor(o: {
    keySerializer: ((key: K, topic: string) => Uint8Array | null) | undefined;
    valueSerializer: ((value: V, topic: string) => Uint8Array | null) | undefined;
    maxRequestSize: number;
    bufferMemory: number;
  }) {
    this.#keySerializer = o.keySerializer;
    this.#valueSerializer = o.valueSerializer;
    this.#maxRequestSize = o.maxRequestSize;
    this.#bufferMemory = o.bufferMemory;
  }

  /** Validates and serializes a record. Throws a TypeError/RangeError naming the field. */
  prepare(record: ProducerRecord<K, V>, where: string): PreparedRecord {
    if (typeof record !== "object" || record === null) throw new TypeError(`${where} must be an object`);
    const topic = record.topic;
    if (typeof topic !== "string" || topic.length === 0) {
      throw new TypeError(`${where}.topic must be a non-empty string`);
    }
    const p = record.partition;
    if (p !== undefined && (typeof p !== "number" || !Number.isInteger(p) || p < 0)) {
      throw new RangeError(`${where}.partition must be an integer >= 0, got ${String(p)}`);
    }
    const ts = record.timestamp;
    if (ts !== undefined && (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts < 0)) {
      throw new RangeError(
        `${where}.timestamp must be a non-negative integer of milliseconds, got ${String(ts)}`,
      );
    }
    const key = this.#keySerializer
      ? this.#keySerializer(record.key as K, topic)
      : toBytes(record.key ?? null, `${where}.key`);
    const value = this.#valueSerializer
      ? this.#valueSerializer(record.value, topic)
      : toBytes(record.value, `${where}.value`);
    if (this.#keySerializer && key !== null && !(key instanceof Uint8Array)) {
      throw new TypeError(`keySerializer must return a Uint8Array or null (${where}.key)`);
    }
    if (this.#valueSerializer && value !== null && !(value instanceof Uint8Array)) {
      throw new TypeError(`valueSerializer must return a Uint8Array or null (${where}.value)`);
    }
    const headers = record.headers === undefined ? undefined : toHeaders(record.headers, `${where}.headers`);
    let bytes = RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0);
    if (headers) { for (const h of headers) bytes += h.key.length * 3 + (h.value?.length ?? 0) + 10; }
    const limit = this.#maxRequestSize - REQUEST_OVERHEAD - BATCH_OVERHEAD;
    if (bytes > limit) {
      throw new RangeError(
        `${where} is ${bytes} bytes serialized, larger than maxRequestSize allows (${this.#maxRequestSize})`,
      );
    }
    if (bytes > this.#bufferMemory) {
      throw new RangeError(`${where} is ${bytes} bytes, larger than bufferMemory (${this.#bufferMemory})`);
    }
    return { key, value, headers, timestamp: ts ?? Date.now(), bytes };
  }
}

function toBytes(v: unknown, field: string): Uint8Array | null {
  if (v === null) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return enc.encode(v);
  throw new TypeError(
    `${field} must be a Uint8Array, a string or null (or set a serializer), got ${typeName(v)}`,
  );
}

function typeName(v: unknown): string {
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? (v as object).constructor?.name ?? "object" : typeof v;
}

function toHeaders(h: ProducerHeaders, field: string): RecordHeader[] {
  const out: RecordHeader[] = [];
  if (Array.isArray(h)) {
    for (let i = 0; i < h.length; i++) {
      const e = h[i] as { key?: unknown; value?: unknown };
      if (typeof e?.key !== "string") throw new TypeError(`${field}[${i}].key must be a string`);
      out.push({ key: e.key, value: toBytes(e.value ?? null, `${field}[${i}].value`) });
    }
    return out;
  }
  if (typeof h !== "object" || h === null) throw new TypeError(`${field} must be an array or an object`);
  for (const [key, value] of Object.entries(h)) out.push({ key, value: toBytes(value, `${field}.${key}`) });
  return out;
}
