// What the workerd test and its Worker exchange as JSON: bytes as base64, offsets as decimal strings.
import type { CompressionName } from "../../src/codec/compression.ts";

/** A record as it crosses HTTP. `null` key, value or header value stays `null`. */
export interface WireRecord {
  partition: number;
  /** Set on records read back; ignored on records to send. */
  offset?: string;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

/** Asks the Worker to create `topic`, produce `records` with `codec` and read them back in `groupId`. */
export interface RoundTripRequest {
  topic: string;
  partitions: number;
  codec: CompressionName;
  groupId: string;
  records: WireRecord[];
}

/** Where each record went (in request order) and what the consumer group read back. */
export interface RoundTripResult {
  runtime: string;
  /** Whether the bundled gzip codec compresses and decompresses through the runtime's zlib there. */
  nativeGzip: { compress: boolean; decompress: boolean };
  sent: { partition: number; offset: string }[];
  read: WireRecord[];
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}
