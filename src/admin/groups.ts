/**
 * Group administration: list, describe and delete groups, and read, change and delete a consumer group's
 * committed offsets. Every call but listGroups goes to the group's coordinator.
 */
import { withRetry } from "../client/retry.ts";
import type { Api } from "../client/connection.ts";
import { KafkaError } from "../protocol/errors.ts";
import { DeleteGroups } from "../protocol/messages/delete-groups.ts";
import { DescribeGroups } from "../protocol/messages/describe-groups.ts";
import { ListGroups } from "../protocol/messages/list-groups.ts";
import {
  OffsetCommit,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
} from "../protocol/messages/offset-commit.ts";
import { OffsetDelete } from "../protocol/messages/offset-delete.ts";
import {
  OffsetFetch,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
} from "../protocol/messages/offset-fetch.ts";
import { groupBy, type Outcome, perGroup, runBatch, settle } from "./batch.ts";
import type { AdminContext } from "./context.ts";
import { decodeAssignment, decodeSubscription } from "./consumer-protocol.ts";
import type {
  CommittedOffset,
  GroupDescription,
  GroupListing,
  ListGroupsOptions,
  OffsetToCommit,
  TopicPartition,
} from "./types.ts";
import * as v from "./validate.ts";

// Version 10 of OffsetCommit and OffsetFetch names topics by id only; the admin calls take and return
// names, so they stay at version 9 (as the Java admin client does for name-based calls).
const OffsetCommitByName: Api<OffsetCommitRequest, OffsetCommitResponse> = { ...OffsetCommit, maxVersion: 9 };
const OffsetFetchByName: Api<OffsetFetchRequest, OffsetFetchResponse> = { ...OffsetFetch, maxVersion: 9 };

/** The key of a partition in outcomes: `topic:partition` (topic names cannot hold ":"). */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

function groupId(g: unknown, field: string): string {
  return v.nonEmptyString(g, field);
}

function groupIds(ids: readonly string[], field: string): string[] {
  const checked = v.nonEmptyArray(ids, field).map((g, i) => groupId(g, `${field}[${i}]`));
  v.unique(checked, (g) => g, field);
  return checked;
}

function checkPartition(tp: TopicPartition, field: string): TopicPartition {
  v.object(tp, field);
  return {
    topic: v.topicName(tp.topic, `${field}.topic`),
    partition: v.int(tp.partition, `${field}.partition`, 0),
  };
}

/** Nests partitions by topic, as the group APIs want them. */
function byTopic<P extends TopicPartition>(ps: readonly P[]): Map<string, P[]> {
  return groupBy(ps, (p) => p.topic);
}

/**
 * One round of a call on several groups: locates each group's coordinator, sends one request per
 * coordinator, and forgets coordinators that turned out wrong so the retry looks them up again.
 */
async function byCoordinator<T>(
  ctx: AdminContext,
  groups: string[],
  send: (node: number, groups: string[]) => Promise<Map<string, Outcome<T>>>,
): Promise<Map<string, Outcome<T>>> {
  const out = new Map<string, Outcome<T>>();
  const located = new Map<number, string[]>();
  await Promise.all(groups.map(async (g) => {
    try {
      const node = await ctx.coordinator(g);
      const list = located.get(node);
      if (list) list.push(g);
      else located.set(node, [g]);
    } catch (e) {
      out.set(g, { ok: false, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }));
  for (const [g, o] of await perGroup(located, (g) => g, send)) out.set(g, o);
  for (const [g, o] of out) if (!o.ok) ctx.onGroupError(g, o.error);
  return out;
}

/** ListGroups from every broker, merged; a broker that fails makes an AdminBatchError keyed `broker:<id>`. */
export async function listGroups(
  ctx: AdminContext,
  options: ListGroupsOptions = {},
): Promise<GroupListing[]> {
  const statesFilter = options.states === undefined
    ? []
    : v.array(options.states, "states").map((s, i) => v.nonEmptyString(s, `states[${i}]`));
  const typesFilter = options.types === undefined
    ? []
    : v.array(options.types, "types").map((s, i) => v.nonEmptyString(s, `types[${i}]`));
  await ctx.retried(() => ctx.cluster.refreshMetadata([]));
  const nodes = [...ctx.cluster.brokers.keys()];
  const key = (n: number) => `broker:${n}`;
  const outcomes = await runBatch(
    nodes,
    key,
    (pending) =>
      perGroup(groupBy(pending, (n) => n), key, async (node) => {
        const res = await ctx.send(node, ListGroups, { statesFilter, typesFilter });
        const o: Outcome<GroupListing[]> = res.errorCode === 0
          ? {
            ok: true,
            value: res.groups.map((g) => ({
              groupId: g.groupId,
              protocolType: g.protocolType,
              state: g.groupState === "" ? null : g.groupState,
              type: g.groupType === "" ? null : g.groupType,
            })),
          }
          : { ok: false, error: new KafkaError(res.errorCode, { api: "ListGroups" }) };
        return new Map([[key(node), o]]);
      }),
    ctx.retry,
  );
  const all = new Map<string, GroupListing>();
  for (const list of settle("listGroups", nodes, key, outcomes)) for (const g of list) all.set(g.groupId, g);
  return [...all.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

/** DescribeGroups at each group's coordinator; outcomes keyed by group id. */
export async function describeGroups(ctx: AdminContext, ids: readonly string[]): Promise<GroupDescription[]> {
  const checked = groupIds(ids, "groupIds");
  const outcomes = await runBatch(
    checked,
    (g) => g,
    (pending) =>
      byCoordinator(ctx, pending, async (node, gs) => {
        const res = await ctx.send(node, DescribeGroups, {
          groups: gs,
          includeAuthorizedOperations: false,
        });
        const out = new Map<string, Outcome<GroupDescription>>();
        for (const g of res.groups) {
          if (g.errorCode !== 0) {
            const error = new KafkaError(g.errorCode, {
              api: "DescribeGroups",
              groupId: g.groupId,
              brokerMessage: g.errorMessage,
            });
            out.set(g.groupId, { ok: false, error });
            continue;
          }
          const consumer = g.protocolType === "consumer";
          out.set(g.groupId, {
            ok: true,
            value: {
              groupId: g.groupId,
              state: g.groupState,
              protocolType: g.protocolType,
              protocol: g.protocolData,
              members: g.members.map((m) => ({
                memberId: m.memberId,
                groupInstanceId: m.groupInstanceId,
                clientId: m.clientId,
                clientHost: m.clientHost,
                subscription: consumer ? decodeSubscription(m.memberMetadata) : null,
                assignment: consumer ? decodeAssignment(m.memberAssignment) : null,
                rawMetadata: new Uint8Array(m.memberMetadata), // copies the caller owns, not views of the response
                rawAssignment: new Uint8Array(m.memberAssignment),
              })),
            },
          });
        }
        return out;
      }),
    ctx.retry,
  );
  return settle("describeGroups", checked, (g) => g, outcomes);
}

/** DeleteGroups at each group's coordinator; outcomes keyed by group id. */
export async function deleteGroups(ctx: AdminContext, ids: readonly string[]): Promise<void> {
  const checked = groupIds(ids, "groupIds");
  const outcomes = await runBatch(
    checked,
    (g) => g,
    (pending) =>
      byCoordinator(ctx, pending, async (node, gs) => {
        const res = await ctx.send(node, DeleteGroups, { groupsNames: gs });
        const out = new Map<string, Outcome<void>>();
        for (const r of res.results) {
          out.set(
            r.groupId,
            r.errorCode === 0 ? { ok: true, value: undefined } : {
              ok: false,
              error: new KafkaError(r.errorCode, { api: "DeleteGroups", groupId: r.groupId }),
            },
          );
        }
        return out;
      }),
    ctx.retry,
  );
  settle("deleteGroups", checked, (g) => g, outcomes);
}

/**
 * OffsetFetch at the coordinator: the group's committed offsets, for `partitions` or (when absent) every
 * partition it has committed. A group-level error rejects with that KafkaError; partition errors make an
 * AdminBatchError keyed `topic:partition`.
 */
export async function listConsumerGroupOffsets(
  ctx: AdminContext,
  group: string,
  partitions?: readonly TopicPartition[],
): Promise<CommittedOffset[]> {
  const gid = groupId(group, "groupId");
  const wanted = partitions === undefined
    ? null
    : v.nonEmptyArray(partitions, "partitions").map((p, i) => checkPartition(p, `partitions[${i}]`));
  if (wanted) v.unique(wanted, partitionKey, "partitions");
  const topics = wanted === null
    ? null
    : [...byTopic(wanted)].map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.partition) }));
  const res = await withRetry(async () => {
    const node = await ctx.coordinator(gid);
    try {
      const r = await ctx.send(node, OffsetFetchByName, {
        groupId: gid,
        topics,
        groups: [{ groupId: gid, topics }],
        requireStable: false,
      });
      const g = r.groups.length > 0 ? r.groups[0] : { errorCode: r.errorCode, topics: r.topics };
      if (g.errorCode !== 0) throw new KafkaError(g.errorCode, { api: "OffsetFetch", groupId: gid });
      return g.topics;
    } catch (e) {
      ctx.onGroupError(gid, e instanceof Error ? e : new Error(String(e)));
      throw e;
    }
  }, ctx.retry);
  const outcomes = new Map<string, Outcome<CommittedOffset>>();
  for (const t of res) {
    for (const p of t.partitions) {
      const tp = { topic: t.name, partition: p.partitionIndex };
      outcomes.set(
        partitionKey(tp),
        p.errorCode === 0
          ? {
            ok: true,
            value: {
              ...tp,
              offset: p.committedOffset,
              leaderEpoch: p.committedLeaderEpoch >= 0 ? p.committedLeaderEpoch : null,
              metadata: p.metadata,
            },
          }
          : {
            ok: false,
            error: new KafkaError(p.errorCode, { api: "OffsetFetch", groupId: gid, ...tp }),
          },
      );
    }
  }
  if (wanted) return settle("listConsumerGroupOffsets", wanted, partitionKey, outcomes);
  const all = [...outcomes.keys()];
  return settle("listConsumerGroupOffsets", all, (k) => k, outcomes)
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/**
 * OffsetCommit at the coordinator as an admin (generation -1, no member id): works only while the group
 * has no active members, and creates the group when it does not exist. Outcomes keyed `topic:partition`.
 */
export async function alterConsumerGroupOffsets(
  ctx: AdminContext,
  group: string,
  offsets: readonly OffsetToCommit[],
): Promise<void> {
  const gid = groupId(group, "groupId");
  const checked = v.nonEmptyArray(offsets, "offsets").map((o, i) => {
    const field = `offsets[${i}]`;
    const tp = checkPartition(o, field);
    return {
      ...tp,
      offset: v.offset(o.offset, `${field}.offset`, 0n),
      metadata: o.metadata === undefined || o.metadata === null
        ? null
        : v.string(o.metadata, `${field}.metadata`),
      leaderEpoch: o.leaderEpoch === undefined ? -1 : v.int(o.leaderEpoch, `${field}.leaderEpoch`, 0),
    };
  });
  v.unique(checked, partitionKey, "offsets");
  const outcomes = await runBatch(checked, partitionKey, async (pending) => {
    let node: number;
    try {
      node = await ctx.coordinator(gid);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      return new Map(pending.map((p) => [partitionKey(p), { ok: false, error }]));
    }
    const res = await ctx.send(node, OffsetCommitByName, {
      groupId: gid,
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      topics: [...byTopic(pending)].map(([name, ps]) => ({
        name,
        partitions: ps.map((p) => ({
          partitionIndex: p.partition,
          committedOffset: p.offset,
          committedLeaderEpoch: p.leaderEpoch,
          committedMetadata: p.metadata,
        })),
      })),
    });
    const out = new Map<string, Outcome<void>>();
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const tp = { topic: t.name, partition: p.partitionIndex };
        if (p.errorCode === 0) {
          out.set(partitionKey(tp), { ok: true, value: undefined });
          continue;
        }
        const error = new KafkaError(p.errorCode, { api: "OffsetCommit", groupId: gid, ...tp });
        ctx.onGroupError(gid, error);
        out.set(partitionKey(tp), { ok: false, error });
      }
    }
    return out;
  }, ctx.retry);
  settle("alterConsumerGroupOffsets", checked, partitionKey, outcomes);
}

/**
 * OffsetDelete at the coordinator: removes the group's committed offsets of `partitions` (the group must
 * not be subscribed to their topics). A group-level error rejects with that KafkaError; partition errors
 * make an AdminBatchError keyed `topic:partition`.
 */
export async function deleteConsumerGroupOffsets(
  ctx: AdminContext,
  group: string,
  partitions: readonly TopicPartition[],
): Promise<void> {
  const gid = groupId(group, "groupId");
  const checked = v.nonEmptyArray(partitions, "partitions").map((p, i) =>
    checkPartition(p, `partitions[${i}]`)
  );
  v.unique(checked, partitionKey, "partitions");
  const outcomes = await runBatch(checked, partitionKey, async (pending) => {
    const node = await ctx.coordinator(gid);
    const res = await ctx.send(node, OffsetDelete, {
      groupId: gid,
      topics: [...byTopic(pending)].map(([name, ps]) => ({
        name,
        partitions: ps.map((p) => ({ partitionIndex: p.partition })),
      })),
    });
    if (res.errorCode !== 0) {
      const error = new KafkaError(res.errorCode, { api: "OffsetDelete", groupId: gid });
      ctx.onGroupError(gid, error);
      throw error; // retried when retriable, else the call's error
    }
    const out = new Map<string, Outcome<void>>();
    for (const t of res.topics) {
      for (const p of t.partitions) {
        const tp = { topic: t.name, partition: p.partitionIndex };
        out.set(
          partitionKey(tp),
          p.errorCode === 0
            ? { ok: true, value: undefined }
            : { ok: false, error: new KafkaError(p.errorCode, { api: "OffsetDelete", groupId: gid, ...tp }) },
        );
      }
    }
    return out;
  }, ctx.retry);
  settle("deleteConsumerGroupOffsets", checked, partitionKey, outcomes);
}
