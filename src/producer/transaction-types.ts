/** Public types of transactions, and the checks of what users hand to them. */
import type { ConsumerGroupMetadata } from "../consumer/types.ts";
import type { ProducerRecord, RecordMetadata } from "./types.ts";

/**
 * A consumed partition's offset to commit with a transaction: the offset of the next record to read
 * (the last processed one + 1), as in `consumer.commit`.
 */
export interface TransactionOffset {
  /** Topic consumed. */
  topic: string;
  /** Partition consumed. */
  partition: number;
  /** Next offset to read. */
  offset: bigint;
  /** Stored with the offset. */
  metadata?: string | null;
  /** Leader epoch of the last record read, if known. */
  leaderEpoch?: number;
}

/** What `producer.transaction(fn)` hands to `fn`. */
export interface Transaction<K, V> {
  /** Sends a record in this transaction. */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  /** Sends records in this transaction. */
  sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]>;
  /** Commits these consumer offsets with this transaction. */
  sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void>;
}

/** Checks offsets and group metadata, naming the bad field; returns the offsets by topic. */
export function checkOffsets(
  offsets: readonly TransactionOffset[],
  group: ConsumerGroupMetadata,
): Map<string, TransactionOffset[]> {
  if (!Array.isArray(offsets)) throw new TypeError("offsets must be an array");
  if (typeof group !== "object" || group === null) {
    throw new TypeError("groupMetadata must be an object: pass consumer.groupMetadata()");
  }
  if (typeof group.groupId !== "string" || group.groupId === "") {
    throw new TypeError("groupMetadata.groupId must be a non-empty string");
  }
  if (!Number.isInteger(group.generationId)) {
    throw new TypeError("groupMetadata.generationId must be an integer");
  }
  if (typeof group.memberId !== "string") throw new TypeError("groupMetadata.memberId must be a string");
  if (group.groupInstanceId !== null && typeof group.groupInstanceId !== "string") {
    throw new TypeError("groupMetadata.groupInstanceId must be a string or null");
  }
  const byTopic = new Map<string, TransactionOffset[]>();
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i];
    if (typeof o !== "object" || o === null) throw new TypeError(`offsets[${i}] must be an object`);
    if (typeof o.topic !== "string" || o.topic === "") {
      throw new TypeError(`offsets[${i}].topic must be a non-empty string`);
    }
    if (!Number.isInteger(o.partition) || o.partition < 0) {
      throw new RangeError(`offsets[${i}].partition must be an integer >= 0, got ${String(o.partition)}`);
    }
    if (typeof o.offset !== "bigint" || o.offset < 0n) {
      throw new RangeError(`offsets[${i}].offset must be a bigint >= 0, got ${String(o.offset)}`);
    }
    const list = byTopic.get(o.topic);
    if (list) list.push(o);
    else byTopic.set(o.topic, [o]);
  }
  return byTopic;
}
