/** Topic administration: create, delete, list, describe, add partitions; and the cluster's brokers. */
import type { BrokerInfo } from "../client/cluster.ts";
import { UnsupportedVersionError } from "../client/errors.ts";
import { ERR, KafkaError } from "../protocol/errors.ts";
import { ZERO_UUID } from "../protocol/writer.ts";
import { CreatePartitions } from "../protocol/messages/create-partitions.ts";
import { CreateTopics } from "../protocol/messages/create-topics.ts";
import { DeleteTopics } from "../protocol/messages/delete-topics.ts";
import { DescribeCluster } from "../protocol/messages/describe-cluster.ts";
import { Metadata, type MetadataResponseTopic } from "../protocol/messages/metadata.ts";
import { type Outcome, runBatch, settle } from "./batch.ts";
import type { AdminContext } from "./context.ts";
import type {
  ClusterDescription,
  CreatedTopic,
  CreatePartitionsOptions,
  CreateTopicsOptions,
  ListTopicsOptions,
  NewPartitions,
  NewTopic,
  TopicDescription,
  TopicListing,
} from "./types.ts";
import * as v from "./validate.ts";

/** An unknown topic is a final answer for calls that ask about existing topics, as in the Java client. */
const unknownTopicIsFinal = (e: Error): boolean =>
  e instanceof KafkaError && e.code === ERR.UNKNOWN_TOPIC_OR_PARTITION;

interface CheckedTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string }[];
}

function configList(c: unknown, field: string): { name: string; value: string }[] {
  if (c === undefined) return [];
  return Object.entries(v.object(c, field)).map(([name, value]) => {
    v.nonEmptyString(name, `${field} key`);
    return { name, value: v.string(value, `${field}[${JSON.stringify(name)}]`) };
  });
}

function checkNewTopic(t: NewTopic, i: number): CheckedTopic {
  const field = `topics[${i}]`;
  v.object(t, field);
  const name = v.topicName(t.name, `${field}.name`);
  let assignments: CheckedTopic["assignments"] = [];
  if (t.replicaAssignment !== undefined) {
    if (t.numPartitions !== undefined || t.replicationFactor !== undefined) {
      throw new TypeError(`${field}: give replicaAssignment or numPartitions/replicationFactor, not both`);
    }
    assignments = v.nonEmptyArray(t.replicaAssignment, `${field}.replicaAssignment`).map((ids, p) => ({
      partitionIndex: p,
      brokerIds: v.replicaList(ids, `${field}.replicaAssignment[${p}]`),
    }));
  }
  return {
    name,
    numPartitions: t.numPartitions === undefined ? -1 : v.int(t.numPartitions, `${field}.numPartitions`, 1),
    replicationFactor: t.replicationFactor === undefined
      ? -1
      : v.int(t.replicationFactor, `${field}.replicationFactor`, 1, 32767),
    assignments,
    configs: configList(t.configs, `${field}.configs`),
  };
}

function timeout(ctx: AdminContext, given: number | undefined, field: string): number {
  return given === undefined ? ctx.operationTimeoutMs : v.int(given, field, 0);
}

/** CreateTopics to the controller; per-topic outcomes keyed by name. */
export async function createTopics(
  ctx: AdminContext,
  topics: readonly NewTopic[],
  options: CreateTopicsOptions = {},
): Promise<CreatedTopic[]> {
  const checked = v.nonEmptyArray(topics, "topics").map(checkNewTopic);
  v.unique(checked, (t) => t.name, "topics");
  const validateOnly = v.optionalBool(options.validateOnly, "validateOnly", false);
  const timeoutMs = timeout(ctx, options.timeoutMs, "timeoutMs");
  const outcomes = await runBatch(checked, (t) => t.name, async (pending) => {
    const res = await ctx.send(await ctx.controller(), CreateTopics, {
      topics: pending,
      timeoutMs,
      validateOnly,
    });
    const out = new Map<string, Outcome<CreatedTopic>>();
    for (const t of res.topics) {
      if (t.errorCode !== 0) {
        const error = new KafkaError(t.errorCode, {
          api: "CreateTopics",
          topic: t.name,
          brokerMessage: t.errorMessage,
        });
        out.set(t.name, { ok: false, error });
        continue;
      }
      const configs: Record<string, string | null> = {};
      for (const c of t.configs ?? []) configs[c.name] = c.value;
      out.set(t.name, {
        ok: true,
        value: {
          name: t.name,
          topicId: t.topicId,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor,
          configs,
        },
      });
    }
    return out;
  }, { ...ctx.retry, beforeRetry: () => ctx.refreshController() });
  return settle("createTopics", checked, (t) => t.name, outcomes);
}

/** DeleteTopics to the controller; per-topic outcomes keyed by name. */
export async function deleteTopics(
  ctx: AdminContext,
  names: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const checked = v.nonEmptyArray(names, "topics").map((n, i) => v.topicName(n, `topics[${i}]`));
  v.unique(checked, (n) => n, "topics");
  const timeoutMs = timeout(ctx, options.timeoutMs, "timeoutMs");
  const outcomes = await runBatch(checked, (n) => n, async (pending) => {
    const res = await ctx.send(await ctx.controller(), DeleteTopics, {
      topics: pending.map((name) => ({ name, topicId: ZERO_UUID })),
      topicNames: pending,
      timeoutMs,
    });
    const out = new Map<string, Outcome<void>>();
    for (const r of res.responses) {
      const name = r.name ?? "";
      out.set(
        name,
        r.errorCode === 0 ? { ok: true, value: undefined } : {
          ok: false,
          error: new KafkaError(r.errorCode, {
            api: "DeleteTopics",
            topic: name,
            brokerMessage: r.errorMessage,
          }),
        },
      );
    }
    for (const name of pending) ctx.cluster.invalidate(name);
    return out;
  }, { ...ctx.retry, final: unknownTopicIsFinal, beforeRetry: () => ctx.refreshController() });
  settle("deleteTopics", checked, (n) => n, outcomes);
}

/** Metadata for every topic, from any broker. */
export async function listTopics(
  ctx: AdminContext,
  options: ListTopicsOptions = {},
): Promise<TopicListing[]> {
  const listInternal = v.optionalBool(options.listInternal, "listInternal", false);
  const res = await ctx.retried(() =>
    ctx.send("any", Metadata, {
      topics: null,
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    })
  );
  return res.topics
    .filter((t) => t.errorCode === 0 && t.name !== null && (listInternal || !t.isInternal))
    .map((t) => ({ name: t.name as string, topicId: t.topicId, isInternal: t.isInternal }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function describe(t: MetadataResponseTopic): TopicDescription {
  return {
    name: t.name ?? "",
    topicId: t.topicId,
    isInternal: t.isInternal,
    partitions: t.partitions.map((p) => ({
      partition: p.partitionIndex,
      leader: p.leaderId >= 0 ? p.leaderId : null,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicaNodes,
      isr: p.isrNodes,
      offlineReplicas: p.offlineReplicas,
    })).sort((a, b) => a.partition - b.partition),
  };
}

/** Metadata for the named topics; unknown topics fail (per topic) with ERR.UNKNOWN_TOPIC_OR_PARTITION. */
export async function describeTopics(
  ctx: AdminContext,
  names: readonly string[],
): Promise<TopicDescription[]> {
  const checked = v.nonEmptyArray(names, "topics").map((n, i) => v.topicName(n, `topics[${i}]`));
  v.unique(checked, (n) => n, "topics");
  const outcomes = await runBatch(checked, (n) => n, async (pending) => {
    const res = await ctx.send("any", Metadata, {
      topics: pending.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const out = new Map<string, Outcome<TopicDescription>>();
    for (const t of res.topics) {
      const name = t.name ?? "";
      out.set(
        name,
        t.errorCode === 0
          ? { ok: true, value: describe(t) }
          : { ok: false, error: new KafkaError(t.errorCode, { api: "Metadata", topic: name }) },
      );
    }
    return out;
  }, { ...ctx.retry, final: unknownTopicIsFinal });
  return settle("describeTopics", checked, (n) => n, outcomes);
}

/** DescribeCluster (Kafka 2.8+), or Metadata from older brokers. */
export function describeCluster(ctx: AdminContext): Promise<ClusterDescription> {
  return ctx.retried(() => describeClusterOnce(ctx));
}

async function describeClusterOnce(ctx: AdminContext): Promise<ClusterDescription> {
  try {
    const res = await ctx.send("any", DescribeCluster, {
      includeClusterAuthorizedOperations: false,
      endpointType: 1,
      includeFencedBrokers: false,
    });
    if (res.errorCode !== 0) {
      throw new KafkaError(res.errorCode, { api: "DescribeCluster", brokerMessage: res.errorMessage });
    }
    const brokers: BrokerInfo[] = res.brokers.map((b) => ({
      nodeId: b.brokerId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    }));
    return {
      clusterId: res.clusterId,
      controllerId: res.controllerId >= 0 ? res.controllerId : null,
      brokers: brokers.sort((a, b) => a.nodeId - b.nodeId),
    };
  } catch (e) {
    if (!(e instanceof UnsupportedVersionError)) throw e;
  }
  await ctx.cluster.refreshMetadata([]);
  return {
    clusterId: ctx.cluster.clusterId,
    controllerId: ctx.cluster.controllerId >= 0 ? ctx.cluster.controllerId : null,
    brokers: [...ctx.cluster.brokers.values()].sort((a, b) => a.nodeId - b.nodeId),
  };
}

/** CreatePartitions to the controller; per-topic outcomes keyed by name. */
export async function createPartitions(
  ctx: AdminContext,
  items: readonly NewPartitions[],
  options: CreatePartitionsOptions = {},
): Promise<void> {
  const checked = v.nonEmptyArray(items, "partitions").map((p, i) => {
    const field = `partitions[${i}]`;
    v.object(p, field);
    const name = v.topicName(p.topic, `${field}.topic`);
    const count = v.int(p.count, `${field}.count`, 1);
    const assignments = p.assignments === undefined
      ? null
      : v.nonEmptyArray(p.assignments, `${field}.assignments`)
        .map((ids, j) => ({ brokerIds: v.replicaList(ids, `${field}.assignments[${j}]`) }));
    return { name, count, assignments };
  });
  v.unique(checked, (p) => p.name, "partitions");
  const validateOnly = v.optionalBool(options.validateOnly, "validateOnly", false);
  const timeoutMs = timeout(ctx, options.timeoutMs, "timeoutMs");
  const outcomes = await runBatch(checked, (p) => p.name, async (pending) => {
    const res = await ctx.send(await ctx.controller(), CreatePartitions, {
      topics: pending,
      timeoutMs,
      validateOnly,
    });
    const out = new Map<string, Outcome<void>>();
    for (const r of res.results) {
      out.set(
        r.name,
        r.errorCode === 0 ? { ok: true, value: undefined } : {
          ok: false,
          error: new KafkaError(r.errorCode, {
            api: "CreatePartitions",
            topic: r.name,
            brokerMessage: r.errorMessage,
          }),
        },
      );
    }
    for (const p of pending) ctx.cluster.invalidate(p.name);
    return out;
  }, { ...ctx.retry, beforeRetry: () => ctx.refreshController() });
  settle("createPartitions", checked, (p) => p.name, outcomes);
}
