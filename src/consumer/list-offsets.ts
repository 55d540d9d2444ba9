/** ListOffsets for the consumer: earliest, latest and by-timestamp offsets, one request per leader. */
import type { Cluster } from "../client/cluster.ts";
import { type RetryPolicy, withRetry } from "../client/retry.ts";
import { KafkaError, needsMetadataRefresh } from "../protocol/errors.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import { type TopicPartition, tpKey } from "./group/types.ts";

/** Kafka's special ListOffsets timestamps. */
export const EARLIEST = -2n;
/** The high watermark (or last stable offset under read_committed). */
export const LATEST = -1n;

/** One answer: the offset and, for lookups by time, the timestamp of the record found. */
export interface OffsetAnswer {
  /** The offset, or -1n when no record has a timestamp at or after the one asked for. */
  offset: bigint;
  /** The found record's timestamp, or -1. */
  timestamp: number;
  /** The leader epoch of that offset, or -1. */
  leaderEpoch: number;
}

/**
 * Looks up offsets for partitions, each with its own timestamp (-2n earliest, -1n latest, or ms).
 * Groups by leader, retries retriable errors after a metadata refresh (as often as `policy` allows).
 * Keys are `"topic:partition"`.
 */
export async function listOffsets(
  cluster: Cluster,
  queries: readonly { tp: TopicPartition; timestamp: bigint }[],
  isolationLevel: number,
  policy: RetryPolicy = cluster.retryOptions,
): Promise<Map<string, OffsetAnswer>> {
  const out = new Map<string, OffsetAnswer>();
  let pending = queries.filter((q) => !out.has(tpKey(q.tp)));
  await withRetry(async () => {
    const byLeader = new Map<number, { tp: TopicPartition; timestamp: bigint; epoch: number }[]>();
    for (const q of pending) {
      const info = await cluster.topic(q.tp.topic, policy.deadline);
      const p = info.partitions[q.tp.partition];
      if (!p || p.partition !== q.tp.partition) {
        throw KafkaError.fromCode(3, { api: "ListOffsets", topic: q.tp.topic, partition: q.tp.partition });
      }
      if (p.leader < 0) {
        cluster.invalidate(q.tp.topic);
        throw KafkaError.fromCode(5, { api: "ListOffsets", topic: q.tp.topic, partition: q.tp.partition });
      }
      const list = byLeader.get(p.leader) ?? [];
      list.push({ ...q, epoch: p.leaderEpoch });
      byLeader.set(p.leader, list);
    }
    let retry: KafkaError | undefined;
    await Promise.all([...byLeader].map(async ([leader, list]) => {
      const topics = new Map<
        string,
        { partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint }[]
      >();
      for (const q of list) {
        const parts = topics.get(q.tp.topic) ?? [];
        parts.push({ partitionIndex: q.tp.partition, currentLeaderEpoch: q.epoch, timestamp: q.timestamp });
        topics.set(q.tp.topic, parts);
      }
      const res = await cluster.send(
        leader,
        ListOffsets,
        {
          replicaId: -1,
          isolationLevel,
          topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        },
        undefined,
        policy.deadline,
      );
      for (const t of res.topics) {
        for (const p of t.partitions) {
          const ctx = { api: "ListOffsets", topic: t.name, partition: p.partitionIndex };
          if (p.errorCode !== 0) {
            const err = new KafkaError(p.errorCode, ctx);
            if (needsMetadataRefresh(p.errorCode)) cluster.invalidate(t.name);
            if (!err.retriable) throw err;
            retry = err;
            continue;
          }
          out.set(`${t.name}:${p.partitionIndex}`, {
            offset: p.offset,
            timestamp: Number(p.timestamp),
            leaderEpoch: p.leaderEpoch,
          });
        }
      }
    }));
    pending = pending.filter((q) => !out.has(tpKey(q.tp)));
    if (retry && pending.length > 0) throw retry;
  }, policy);
  return out;
}
