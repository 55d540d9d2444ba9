/** Checks of the consumer's call arguments: each bad value fails at the call, naming the field. */
import type { TopicPartition } from "./group/types.ts";

/** A `{ topic, partition }` with a non-empty topic and a partition >= 0. */
export function checkTp(tp: unknown, field: string): TopicPartition {
  if (typeof tp !== "object" || tp === null) throw new TypeError(`${field} must be { topic, partition }`);
  const { topic, partition } = tp as TopicPartition;
  if (typeof topic !== "string" || topic.length === 0) {
    throw new TypeError(`${field}.topic must be a non-empty string`);
  }
  if (typeof partition !== "number" || !Number.isInteger(partition) || partition < 0) {
    throw new RangeError(`${field}.partition must be an integer >= 0, got ${String(partition)}`);
  }
  return { topic, partition };
}

/** An array of partitions, each checked. */
export function checkTps(partitions: unknown, field = "partitions"): TopicPartition[] {
  if (!Array.isArray(partitions)) throw new TypeError(`${field} must be an array of { topic, partition }`);
  return partitions.map((tp, i) => checkTp(tp, `${field}[${i}]`));
}

/** An offset: a bigint >= 0n. */
export function checkOffset(offset: unknown, field: string): bigint {
  if (typeof offset !== "bigint") throw new TypeError(`${field} must be a bigint, got ${typeof offset}`);
  if (offset < 0n) throw new RangeError(`${field} must be >= 0n, got ${offset}`);
  return offset;
}

/** A timestamp in ms as ListOffsets takes it. */
export function checkTimestamp(ts: unknown, field: string): bigint {
  if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts < 0) {
    throw new RangeError(`${field} must be a non-negative integer of milliseconds, got ${String(ts)}`);
  }
  return BigInt(ts);
}
