/** Partition offsets: look them up (ListOffsets) and delete records (DeleteRecords), at partition leaders. */
import { KafkaError } from "../protocol/errors.ts";
import { DeleteRecords } from "../protocol/messages/delete-records.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import { groupBy, type Outcome, perGroup, runBatch, settle } from "./batch.ts";
import type { AdminContext } from "./context.ts";
import { partitionKey } from "./groups.ts";
import type {
  DeletedRecords,
  DeleteRecordsItem,
  ListedOffset,
  ListOffsetsOptions,
  ListOffsetsRequestItem,
  OffsetSpec,
  TopicPartition,
} from "./types.ts";
import * as v from "./validate.ts";

const EARLIEST = -2n;
const LATEST = -1n;
const MAX_TIMESTAMP = -3n;

/** The ListOffsets timestamp that asks for `spec`. */
export function specTimestamp(spec: OffsetSpec, field: string): bigint {
  if (spec === "earliest") return EARLIEST;
  if (spec === "latest") return LATEST;
  if (spec === "maxTimestamp") return MAX_TIMESTAMP;
  if (typeof spec === "object" && spec !== null && "timestamp" in spec) {
    return BigInt(v.int(spec.timestamp, `${field}.timestamp`, 0, Number.MAX_SAFE_INTEGER));
  }
  throw new TypeError(
    `${field} must be "earliest", "latest", "maxTimestamp" or { timestamp }, got ${JSON.stringify(spec)}`,
  );
}

function checkPartition(tp: TopicPartition, field: string): TopicPartition {
  v.object(tp, field);
  return {
    topic: v.topicName(tp.topic, `${field}.topic`),
    partition: v.int(tp.partition, `${field}.partition`, 0),
  };
}

/**
 * Leader lookups the broker answered with an error (unknown topics), already retried inside the cluster:
 * final for the batch retry loop. A lookup that found no broker goes again until the call's deadline.
 */
const lookupFailures = new WeakSet<Error>();
const alreadyRetried = (e: Error): boolean => lookupFailures.has(e) && e instanceof KafkaError;

/**
 * One round of a partition-leader call: finds each partition's leader, sends one request per leader, and
 * drops cached metadata of topics whose partitions failed so that the retry finds the new leader.
 */
async function byLeader<P extends TopicPartition, T>(
  ctx: AdminContext,
  pending: P[],
  send: (leader: number, ps: P[]) => Promise<Map<string, Outcome<T>>>,
): Promise<Map<string, Outcome<T>>> {
  const out = new Map<string, Outcome<T>>();
  const located = new Map<number, P[]>();
  await Promise.all(pending.map(async (p) => {
    try {
      const leader = await ctx.cluster.leader(p.topic, p.partition);
      const list = located.get(leader);
      if (list) list.push(p);
      else located.set(leader, [p]);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      lookupFailures.add(error);
      out.set(partitionKey(p), { ok: false, error });
    }
  }));
  for (const [k, o] of await perGroup(located, partitionKey, send)) out.set(k, o);
  for (const p of pending) if (out.get(partitionKey(p))?.ok === false) ctx.cluster.invalidate(p.topic);
  return out;
}

/** ListOffsets per partition leader; outcomes keyed `topic:partition`. */
export async function listOffsets(
  ctx: AdminContext,
  items: readonly ListOffsetsRequestItem[],
  options: ListOffsetsOptions = {},
): Promise<ListedOffset[]> {
  const checked = v.nonEmptyArray(items, "partitions").map((it, i) => {
    const field = `partitions[${i}]`;
    return { ...checkPartition(it, field), timestamp: specTimestamp(it.spec, `${field}.spec`) };
  });
  v.unique(checked, partitionKey, "partitions");
  const isolation = options.isolationLevel === undefined
    ? "read_uncommitted"
    : v.oneOf(options.isolationLevel, "isolationLevel", ["read_uncommitted", "read_committed"] as const);
  const outcomes = await runBatch(
    checked,
    partitionKey,
    (pending) =>
      byLeader(ctx, pending, async (leader, ps) => {
        const res = await ctx.send(leader, ListOffsets, {
          replicaId: -1,
          isolationLevel: isolation === "read_committed" ? 1 : 0,
          topics: [...groupBy(ps, (p) => p.topic)].map(([name, list]) => ({
            name,
            partitions: list.map((p) => ({
              partitionIndex: p.partition,
              currentLeaderEpoch: -1,
              timestamp: p.timestamp,
            })),
          })),
          timeoutMs: ctx.operationTimeoutMs,
        });
        const out = new Map<string, Outcome<ListedOffset>>();
        for (const t of res.topics) {
          for (const p of t.partitions) {
            const tp = { topic: t.name, partition: p.partitionIndex };
            out.set(
              partitionKey(tp),
              p.errorCode === 0
                ? {
                  ok: true,
                  value: {
                    ...tp,
                    offset: p.offset,
                    timestamp: Number(p.timestamp),
                    leaderEpoch: p.leaderEpoch >= 0 ? p.leaderEpoch : null,
                  },
                }
                : { ok: false, error: new KafkaError(p.errorCode, { api: "ListOffsets", ...tp }) },
            );
          }
        }
        return out;
      }),
    { ...ctx.retry, final: alreadyRetried },
  );
  return settle("listOffsets", checked, partitionKey, outcomes);
}

/** DeleteRecords per partition leader; outcomes keyed `topic:partition`. */
export async function deleteRecords(
  ctx: AdminContext,
  items: readonly DeleteRecordsItem[],
  options: { timeoutMs?: number } = {},
): Promise<DeletedRecords[]> {
  const checked = v.nonEmptyArray(items, "partitions").map((it, i) => {
    const field = `partitions[${i}]`;
    return { ...checkPartition(it, field), offset: v.offset(it.beforeOffset, `${field}.beforeOffset`, -1n) };
  });
  v.unique(checked, partitionKey, "partitions");
  const timeoutMs = options.timeoutMs === undefined
    ? ctx.operationTimeoutMs
    : v.int(options.timeoutMs, "timeoutMs", 0);
  const outcomes = await runBatch(
    checked,
    partitionKey,
    (pending) =>
      byLeader(ctx, pending, async (leader, ps) => {
        const res = await ctx.send(leader, DeleteRecords, {
          topics: [...groupBy(ps, (p) => p.topic)].map(([name, list]) => ({
            name,
            partitions: list.map((p) => ({ partitionIndex: p.partition, offset: p.offset })),
          })),
          timeoutMs,
        });
        const out = new Map<string, Outcome<DeletedRecords>>();
        for (const t of res.topics) {
          for (const p of t.partitions) {
            const tp = { topic: t.name, partition: p.partitionIndex };
            out.set(
              partitionKey(tp),
              p.errorCode === 0
                ? { ok: true, value: { ...tp, lowWatermark: p.lowWatermark } }
                : { ok: false, error: new KafkaError(p.errorCode, { api: "DeleteRecords", ...tp }) },
            );
          }
        }
        return out;
      }),
    { ...ctx.retry, final: alreadyRetried },
  );
  return settle("deleteRecords", checked, partitionKey, outcomes);
}
