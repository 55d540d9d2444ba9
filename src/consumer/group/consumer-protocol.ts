/**
 * The consumer protocol's bytes inside JoinGroup and SyncGroup: a member's subscription (versions 0-3)
 * and its assignment (versions 0-3). Both start with an int16 version and only grow at the end, so
 * newer versions read as the fields known here.
 */
import { Reader } from "../../protocol/reader.ts";
import { Writer } from "../../protocol/writer.ts";
import type { TopicPartition } from "./types.ts";

/** A member's subscription as carried in JoinGroup. */
export interface Subscription {
  /** Subscribed topics. */
  topics: string[];
  /** Assignor-specific bytes. */
  userData: Uint8Array | null;
  /** Partitions owned before this rebalance (v1+). */
  ownedPartitions: TopicPartition[];
  /** Generation of those partitions (v2+), -1 when unknown. */
  generationId: number;
  /** The member's rack (v3+). */
  rackId: string | null;
}

/** A member's assignment as carried in SyncGroup. */
export interface Assignment {
  /** Assigned partitions. */
  partitions: TopicPartition[];
  /** Assignor-specific bytes. */
  userData: Uint8Array | null;
}

/** Highest subscription version written; the Java client writes 3 as well. */
export const SUBSCRIPTION_VERSION = 3;
/** Highest assignment version written. */
export const ASSIGNMENT_VERSION = 3;

function writePartitions(w: Writer, partitions: readonly TopicPartition[]): void {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    const list = byTopic.get(tp.topic);
    if (list) list.push(tp.partition);
    else byTopic.set(tp.topic, [tp.partition]);
  }
  w.arrayLength(byTopic.size);
  for (const [topic, list] of byTopic) {
    w.string(topic);
    w.arrayLength(list.length);
    for (const p of list) w.int32(p);
  }
}

function readPartitions(r: Reader): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (let i = r.arrayLength(); i > 0; i--) {
    const topic = r.string() ?? "";
    for (let j = r.arrayLength(); j > 0; j--) out.push({ topic, partition: r.int32() });
  }
  return out;
}

/** Encodes a subscription at `version` (default 3); fields the version lacks are left out. */
export function encodeSubscription(s: Subscription, version = SUBSCRIPTION_VERSION): Uint8Array {
  const w = new Writer(64);
  w.int16(version);
  w.arrayLength(s.topics.length);
  for (const t of s.topics) w.string(t);
  w.bytes(s.userData);
  if (version >= 1) writePartitions(w, s.ownedPartitions);
  if (version >= 2) w.int32(s.generationId);
  if (version >= 3) w.string(s.rackId);
  return w.finish();
}

/** Decodes a subscription of any version; throws `RangeError` on malformed bytes. */
export function decodeSubscription(bytes: Uint8Array): Subscription {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0) throw new RangeError(`subscription version ${version}`);
  const topics: string[] = [];
  for (let i = r.arrayLength(); i > 0; i--) topics.push(r.string() ?? "");
  const userData = r.bytes();
  const ownedPartitions = version >= 1 && r.remaining > 0 ? readPartitions(r) : [];
  const generationId = version >= 2 && r.remaining >= 4 ? r.int32() : -1;
  const rackId = version >= 3 && r.remaining >= 2 ? r.string() : null;
  return { topics, userData: userData && userData.slice(), ownedPartitions, generationId, rackId };
}

/** Encodes an assignment at `version` (default 3). */
export function encodeAssignment(a: Assignment, version = ASSIGNMENT_VERSION): Uint8Array {
  const w = new Writer(64);
  w.int16(version);
  writePartitions(w, a.partitions);
  w.bytes(a.userData);
  return w.finish();
}

/** Decodes an assignment; empty bytes (a member given nothing by a terse leader) read as no partitions. */
export function decodeAssignment(bytes: Uint8Array): Assignment {
  if (bytes.length === 0) return { partitions: [], userData: null };
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0) throw new RangeError(`assignment version ${version}`);
  const partitions = readPartitions(r);
  const userData = r.remaining >= 4 ? r.bytes() : null;
  return { partitions, userData: userData && userData.slice() };
}
