/**
 * Decoding of the consumer protocol's member metadata (subscription) and assignment, the bytes that
 * groups of protocol type "consumer" keep per member. Both are versioned with an int16 in front and
 * only ever grow at the end, so a newer version reads as the fields we know.
 */
import { Reader } from "../protocol/reader.ts";
import type { ConsumerSubscription, TopicPartition } from "./types.ts";

function str(r: Reader): string {
  const s = r.string();
  if (s === null) throw new RangeError("null topic name");
  return s;
}

function count(r: Reader): number {
  const n = r.int32();
  return n < 0 ? 0 : n;
}

function topicPartitions(r: Reader): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (let i = count(r); i > 0; i--) {
    const topic = str(r);
    for (let j = count(r); j > 0; j--) out.push({ topic, partition: r.int32() });
  }
  return out;
}

/** Decodes a consumer subscription; `null` when the bytes are empty or not a subscription. */
export function decodeSubscription(bytes: Uint8Array): ConsumerSubscription | null {
  if (bytes.length < 2) return null;
  try {
    const r = new Reader(bytes);
    const version = r.int16();
    if (version < 0) return null;
    const topics: string[] = [];
    for (let i = count(r); i > 0; i--) topics.push(str(r));
    const userData = r.bytes();
    const ownedPartitions = version >= 1 && r.remaining > 0 ? topicPartitions(r) : [];
    if (version >= 2 && r.remaining >= 4) r.int32(); // generation id: not part of the public description
    const rackId = version >= 3 && r.remaining > 0 ? r.string() : null;
    return { topics, ownedPartitions, rackId, userData: userData ? new Uint8Array(userData) : null };
  } catch {
    return null;
  }
}

/** Decodes a consumer assignment into its partitions; `null` when the bytes are not an assignment. */
export function decodeAssignment(bytes: Uint8Array): TopicPartition[] | null {
  if (bytes.length === 0) return []; // a member between rebalances has nothing assigned yet
  if (bytes.length < 2) return null;
  try {
    const r = new Reader(bytes);
    if (r.int16() < 0) return null;
    return topicPartitions(r);
  } catch {
    return null;
  }
}
