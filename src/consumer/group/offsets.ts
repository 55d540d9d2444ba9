/**
 * OffsetCommit and OffsetFetch against a group's coordinator, for members and for consumers that
 * assign partitions themselves (generation -1, no member id).
 */
import type { Cluster } from "../../client/cluster.ts";
import type { Api, Connection } from "../../client/connection.ts";
import type { RetryPolicy } from "../../client/retry.ts";
import { ERR, KafkaError } from "../../protocol/errors.ts";
import { OffsetCommit } from "../../protocol/messages/offset-commit.ts";
import { OffsetFetch } from "../../protocol/messages/offset-fetch.ts";
import { Coordinator } from "./coordinator.ts";
import {
  CommitFailedError,
  type CommitOffsets,
  FencedInstanceIdError,
  type OffsetAndMetadata,
  type TopicPartition,
  tpKey,
} from "./types.ts";

/** Who commits: the generation (classic) or member epoch (KIP-848), member id and instance id. */
export interface CommitIdentity {
  /** Generation id or member epoch; -1 outside a group. */
  generationIdOrMemberEpoch: number;
  /** Member id; "" outside a group. */
  memberId: string;
  /** Static instance id, if any. */
  groupInstanceId: string | null;
}

const STANDALONE: CommitIdentity = { generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null };

// Versions 10 of both APIs name topics by id only; the names-based versions serve every broker we target.
const MAX_NAMED_VERSION = 9;

function version(conn: Connection, api: Api<never, unknown>): number {
  return Math.min(conn.versionFor(api as Api<unknown, unknown>), MAX_NAMED_VERSION);
}

function groupByTopic<T>(items: readonly T[], tp: (t: T) => TopicPartition): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const topic = tp(item).topic;
    const list = out.get(topic);
    if (list) list.push(item);
    else out.set(topic, [item]);
  }
  return out;
}

function checkEntries(entries: CommitOffsets): void {
  if (!Array.isArray(entries)) throw new TypeError("commit: expected an array of { tp, offset }");
  for (const e of entries) {
    if (typeof e?.tp?.topic !== "string" || !Number.isInteger(e.tp.partition) || e.tp.partition < 0) {
      throw new TypeError("commit: each entry needs tp { topic: string, partition: integer >= 0 }");
    }
    if (typeof e.offset?.offset !== "bigint" || e.offset.offset < 0n) {
      throw new RangeError(`commit: offset of ${tpKey(e.tp)} must be a bigint >= 0`);
    }
  }
}

/** Codes that mean the member's generation is gone: the commit cannot succeed as this member. */
const REBALANCED: ReadonlySet<number> = new Set([
  ERR.ILLEGAL_GENERATION,
  ERR.UNKNOWN_MEMBER_ID,
  ERR.REBALANCE_IN_PROGRESS,
  ERR.FENCED_MEMBER_EPOCH,
]);

/**
 * Commits `entries` with the identity `who()` gives at each attempt. Retriable errors are retried;
 * a rebalance that took the member's generation fails with `CommitFailedError`.
 */
export async function commitWith(
  coordinator: Coordinator,
  groupId: string,
  entries: CommitOffsets,
  who: () => CommitIdentity,
  policy?: RetryPolicy,
): Promise<void> {
  checkEntries(entries);
  if (entries.length === 0) return;
  const topics = [...groupByTopic(entries, (e) => e.tp)].map(([name, list]) => ({
    name,
    partitions: list.map((e) => ({
      partitionIndex: e.tp.partition,
      committedOffset: e.offset.offset,
      committedLeaderEpoch: e.offset.leaderEpoch ?? -1,
      committedMetadata: e.offset.metadata ?? "",
    })),
  }));
  let staleRetries = 0;
  await coordinator.retrying(async (conn) => {
    const id = who();
    const res = await conn.send(OffsetCommit, {
      groupId,
      generationIdOrMemberEpoch: id.generationIdOrMemberEpoch,
      memberId: id.memberId,
      groupInstanceId: id.groupInstanceId,
      retentionTimeMs: -1n,
      topics,
    }, { version: version(conn, OffsetCommit) });
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const code = p.errorCode;
        if (code === 0) continue;
        const ctx = { api: "OffsetCommit", groupId, topic: t.name, partition: p.partitionIndex };
        if (code === ERR.STALE_MEMBER_EPOCH && staleRetries++ < 3) {
          // The epoch moved on while this was in flight; the next attempt carries the new one.
          throw Object.assign(new KafkaError(code, ctx), { retriable: true });
        }
        if (REBALANCED.has(code) || code === ERR.STALE_MEMBER_EPOCH) {
          throw new CommitFailedError(
            `commit failed: the group rebalanced and the partitions may belong to another member ` +
              `(${new KafkaError(code, ctx).message})`,
          );
        }
        if (code === ERR.FENCED_INSTANCE_ID) {
          throw new FencedInstanceIdError(new KafkaError(code, ctx).message);
        }
        throw new KafkaError(code, ctx);
      }
    }
  }, policy);
}

/**
 * Reads committed offsets; `null` for partitions without one. Keys are `"topic:partition"`. With
 * `requireStable` (a read_committed consumer, KIP-447) the broker answers UNSTABLE_OFFSET_COMMIT while a
 * transaction holds offsets for a partition not yet committed or aborted; that error is retriable.
 */
export async function fetchWith(
  coordinator: Coordinator,
  groupId: string,
  partitions: readonly TopicPartition[],
  requireStable = false,
  policy?: RetryPolicy,
): Promise<Map<string, OffsetAndMetadata | null>> {
  const out = new Map<string, OffsetAndMetadata | null>();
  if (partitions.length === 0) return out;
  const topics = [...groupByTopic(partitions, (tp) => tp)].map(([name, list]) => ({
    name,
    partitionIndexes: list.map((tp) => tp.partition),
  }));
  await coordinator.retrying(async (conn) => {
    const res = await conn.send(OffsetFetch, {
      groupId,
      topics,
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics }],
      requireStable,
    }, { version: version(conn, OffsetFetch) });
    const group = res.groups.length > 0 ? res.groups[0] : res;
    if (group.errorCode !== 0) throw new KafkaError(group.errorCode, { api: "OffsetFetch", groupId });
    for (const t of group.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) {
          throw new KafkaError(p.errorCode, {
            api: "OffsetFetch",
            groupId,
            topic: t.name,
            partition: p.partitionIndex,
          });
        }
        out.set(
          `${t.name}:${p.partitionIndex}`,
          p.committedOffset < 0n ? null : {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch >= 0 ? p.committedLeaderEpoch : undefined,
            metadata: p.metadata,
          },
        );
      }
    }
  }, policy);
  for (const tp of partitions) if (!out.has(tpKey(tp))) out.set(tpKey(tp), null);
  return out;
}

/**
 * Commits offsets for a group without being a member of it (manual assignment with a `groupId`).
 * The broker accepts this only while the group has no active members.
 *
 * @example
 * ```ts
 * await commitOffsetsStandalone(cluster, "my-group", [{ tp: { topic: "events", partition: 0 }, offset: { offset: 10n } }]);
 * ```
 */
export async function commitOffsetsStandalone(
  cluster: Cluster,
  groupId: string,
  entries: CommitOffsets,
  policy?: RetryPolicy,
): Promise<void> {
  await commitWith(new Coordinator(cluster, groupId, false), groupId, entries, () => STANDALONE, policy);
}

/**
 * Reads a group's committed offsets without being a member of it. Keys are `"topic:partition"`.
 *
 * @example
 * ```ts
 * const committed = await fetchCommittedStandalone(cluster, "my-group", [{ topic: "events", partition: 0 }]);
 * console.log(committed.get("events:0")?.offset);
 * ```
 */
export function fetchCommittedStandalone(
  cluster: Cluster,
  groupId: string,
  partitions: readonly TopicPartition[],
  requireStable = false,
  policy?: RetryPolicy,
): Promise<Map<string, OffsetAndMetadata | null>> {
  return fetchWith(new Coordinator(cluster, groupId, false), groupId, partitions, requireStable, policy);
}
