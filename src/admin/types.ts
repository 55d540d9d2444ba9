/** Public types of the admin client. */
import type { BrokerInfo, ClusterOptions } from "../client/cluster.ts";
import type { TopicPartition } from "../consumer/group/types.ts";

/** Admin client settings. */
export interface AdminOptions extends ClusterOptions {
  /**
   * How long the broker may take to finish topic and partition operations (CreateTopics, DeleteTopics,
   * CreatePartitions, DeleteRecords) before it answers with REQUEST_TIMED_OUT. Default 30 s.
   */
  operationTimeoutMs?: number;
  /**
   * How long one call may take, retries included (as the Java client's `default.api.timeout.ms`): a call
   * retries retriable errors (a broker away, a leader or coordinator moving) until then, and then fails with
   * an `ApiTimeoutError` (`cause`: the last error). An attempt already under way may end up to a reconnect
   * backoff later. Default 60 s.
   */
  defaultApiTimeoutMs?: number;
}

// One shape for a partition across the consumer and the admin client.
export type { TopicPartition };

// ---------------------------------------------------------------------------------------------- topics

/** A topic to create. Leave out `numPartitions`/`replicationFactor` to use the broker's defaults. */
export interface NewTopic {
  /** Topic name: 1-249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`. */
  name: string;
  /** Number of partitions; the broker's `num.partitions` when absent. Not with `replicaAssignment`. */
  numPartitions?: number;
  /** Replicas per partition; the broker's `default.replication.factor` when absent. */
  replicationFactor?: number;
  /** Broker ids of each partition's replicas, partition 0 first (the first id is the preferred leader). */
  replicaAssignment?: readonly (readonly number[])[];
  /** Topic configuration, e.g. `{ "cleanup.policy": "compact" }`. */
  configs?: Readonly<Record<string, string>>;
}

/** Options of {@link Admin.createTopics}. */
export interface CreateTopicsOptions {
  /** Only check that the topics could be created; create nothing. */
  validateOnly?: boolean;
  /** Overrides `operationTimeoutMs`. */
  timeoutMs?: number;
}

/** A topic as the broker created it (or would create it, with `validateOnly`). */
export interface CreatedTopic {
  /** Topic name. */
  name: string;
  /** Topic id; all zeros (`"AAAAAAAAAAAAAAAAAAAAAA"`) with `validateOnly` or brokers before 2.8. */
  topicId: string;
  /** Partitions the topic has, -1 if the broker did not say. */
  numPartitions: number;
  /** Replication factor, -1 if the broker did not say. */
  replicationFactor: number;
  /** The topic's effective configuration, when the broker sends it; `null` values are sensitive. */
  configs: Record<string, string | null>;
}

/** One partition of a described topic. */
export interface PartitionDescription {
  /** Partition number. */
  partition: number;
  /** Node id of the leader, `null` while there is none. */
  leader: number | null;
  /** Leader epoch, -1 if unknown. */
  leaderEpoch: number;
  /** Node ids of all replicas. */
  replicas: number[];
  /** Node ids of the in-sync replicas. */
  isr: number[];
  /** Node ids of replicas that are offline. */
  offlineReplicas: number[];
}

/** A topic with its partitions, from {@link Admin.describeTopics}. */
export interface TopicDescription {
  /** Topic name. */
  name: string;
  /** Topic id (Kafka's base64 form). */
  topicId: string;
  /** True for Kafka's own topics such as `__consumer_offsets`. */
  isInternal: boolean;
  /** Partitions ordered by number. */
  partitions: PartitionDescription[];
}

/** A topic in {@link Admin.listTopics}. */
export interface TopicListing {
  /** Topic name. */
  name: string;
  /** Topic id. */
  topicId: string;
  /** True for Kafka's own topics. */
  isInternal: boolean;
}

/** Options of {@link Admin.listTopics}. */
export interface ListTopicsOptions {
  /** Include internal topics such as `__consumer_offsets`. Default false. */
  listInternal?: boolean;
}

/** The cluster from {@link Admin.describeCluster}. */
export interface ClusterDescription {
  /** Cluster id. */
  clusterId: string | null;
  /**
   * The controller's node id as brokers report it, `null` if unknown. In KRaft mode brokers report a
   * live broker here, which forwards controller requests.
   */
  controllerId: number | null;
  /** Live brokers. */
  brokers: BrokerInfo[];
}

/** A new partition count for a topic (partitions can only be added). */
export interface NewPartitions {
  /** Topic name. */
  topic: string;
  /** The total number of partitions the topic should have. */
  count: number;
  /** Broker ids of the replicas of each new partition, in order; the broker places them when absent. */
  assignments?: readonly (readonly number[])[];
}

/** Options of {@link Admin.createPartitions}. */
export interface CreatePartitionsOptions {
  /** Only check the request. */
  validateOnly?: boolean;
  /** Overrides `operationTimeoutMs`. */
  timeoutMs?: number;
}

// --------------------------------------------------------------------------------------------- configs

/** Kinds of resources with configuration. */
export const ConfigResourceType = {
  TOPIC: "TOPIC",
  BROKER: "BROKER",
  BROKER_LOGGER: "BROKER_LOGGER",
  CLIENT_METRICS: "CLIENT_METRICS",
  GROUP: "GROUP",
} as const;
/** Kinds of resources with configuration. */
export type ConfigResourceType = typeof ConfigResourceType[keyof typeof ConfigResourceType];

/** A resource whose configuration is read or changed. A broker's name is its node id as a string. */
export interface ConfigResource {
  /** Kind of resource. */
  type: ConfigResourceType;
  /** Topic name, broker id (`"1"`; `""` for the cluster-wide broker default), group id, ... */
  name: string;
}

/** Where a configuration value comes from. */
export type ConfigSource =
  | "UNKNOWN"
  | "DYNAMIC_TOPIC_CONFIG"
  | "DYNAMIC_BROKER_CONFIG"
  | "DYNAMIC_DEFAULT_BROKER_CONFIG"
  | "STATIC_BROKER_CONFIG"
  | "DEFAULT_CONFIG"
  | "DYNAMIC_BROKER_LOGGER_CONFIG"
  | "CLIENT_METRICS_CONFIG"
  | "GROUP_CONFIG";

/** Data type of a configuration value. */
export type ConfigType =
  | "UNKNOWN"
  | "BOOLEAN"
  | "STRING"
  | "INT"
  | "SHORT"
  | "LONG"
  | "DOUBLE"
  | "LIST"
  | "CLASS"
  | "PASSWORD";

/** One configuration entry of a resource. */
export interface ConfigEntry {
  /** Configuration name, e.g. `retention.ms`. */
  name: string;
  /** Value; `null` for sensitive entries. */
  value: string | null;
  /** Where the value comes from. */
  source: ConfigSource;
  /** True when the value is Kafka's default (source `DEFAULT_CONFIG`). */
  isDefault: boolean;
  /** True if it cannot be changed. */
  readOnly: boolean;
  /** True if the value is hidden (passwords). */
  sensitive: boolean;
  /** Data type (`"UNKNOWN"` unless the broker sends it). */
  type: ConfigType;
  /** Documentation, when asked for. */
  documentation: string | null;
  /** Values from other sources, in order of precedence, when asked for. */
  synonyms: { name: string; value: string | null; source: ConfigSource }[];
}

/** A resource's configuration from {@link Admin.describeConfigs}. */
export interface ConfigDescription {
  /** The resource. */
  resource: ConfigResource;
  /** Its entries, in the broker's order. */
  entries: ConfigEntry[];
}

/** Options of {@link Admin.describeConfigs}. */
export interface DescribeConfigsOptions {
  /** Only these names (default: all). Applies to every resource. */
  names?: readonly string[];
  /** Include synonyms. Default false. */
  includeSynonyms?: boolean;
  /** Include documentation. Default false. */
  includeDocumentation?: boolean;
}

/** How {@link Admin.incrementalAlterConfigs} changes one entry. */
export type AlterConfigOpType = "SET" | "DELETE" | "APPEND" | "SUBTRACT";

/** One change to one configuration entry. `APPEND`/`SUBTRACT` apply to list values. */
export interface AlterConfigOp {
  /** Configuration name. */
  name: string;
  /** What to do. */
  op: AlterConfigOpType;
  /** The value to set, append or subtract; not with `DELETE`. */
  value?: string;
}

/** The changes to one resource's configuration. */
export interface ConfigChanges {
  /** The resource. */
  resource: ConfigResource;
  /** Its changes. */
  ops: readonly AlterConfigOp[];
}

/** Options of {@link Admin.incrementalAlterConfigs}. */
export interface AlterConfigsOptions {
  /** Only check the request. */
  validateOnly?: boolean;
}

// ---------------------------------------------------------------------------------------------- groups

/** A group in {@link Admin.listGroups}. */
export interface GroupListing {
  /** Group id. */
  groupId: string;
  /** `"consumer"` for consumer groups, `""` for groups that only commit offsets, or another protocol. */
  protocolType: string;
  /** State (`"Stable"`, `"Empty"`, ...), `null` when the broker does not say. */
  state: string | null;
  /** Type (`"classic"`, `"consumer"`, `"share"`, `"streams"`), `null` when the broker does not say. */
  type: string | null;
}

/** Options of {@link Admin.listGroups}. */
export interface ListGroupsOptions {
  /** Only groups in these states, e.g. `["Stable", "Empty"]`. */
  states?: readonly string[];
  /** Only groups of these types, e.g. `["classic", "consumer"]`. */
  types?: readonly string[];
}

/** A member's subscription, decoded from the consumer protocol. */
export interface ConsumerSubscription {
  /** Topics the member subscribes to. */
  topics: string[];
  /** Partitions it owned before the rebalance (protocol v1+). */
  ownedPartitions: TopicPartition[];
  /** Its rack (protocol v3+). */
  rackId: string | null;
  /** Assignor-specific data. */
  userData: Uint8Array | null;
}

/** One member of a described group. */
export interface MemberDescription {
  /** Member id. */
  memberId: string;
  /** Static membership id, if any. */
  groupInstanceId: string | null;
  /** The member's client id. */
  clientId: string;
  /** The member's host as the broker saw it. */
  clientHost: string;
  /** The member's subscription, decoded when the group's protocol type is `"consumer"`. */
  subscription: ConsumerSubscription | null;
  /** The member's assigned partitions, decoded when the group's protocol type is `"consumer"`. */
  assignment: TopicPartition[] | null;
  /** Raw member metadata. */
  rawMetadata: Uint8Array;
  /** Raw member assignment. */
  rawAssignment: Uint8Array;
}

/** A group from {@link Admin.describeGroups}. */
export interface GroupDescription {
  /** Group id. */
  groupId: string;
  /** State: `"Stable"`, `"Empty"`, `"PreparingRebalance"`, `"CompletingRebalance"`, `"Dead"`, ... */
  state: string;
  /** Protocol type, `"consumer"` for consumer groups. */
  protocolType: string;
  /** The chosen protocol (the assignor for consumer groups). */
  protocol: string;
  /** Members. */
  members: MemberDescription[];
}

/** A group's committed offset for one partition. */
export interface CommittedOffset extends TopicPartition {
  /** The committed offset (the next record to read). */
  offset: bigint;
  /** Leader epoch stored with the commit, `null` if none. */
  leaderEpoch: number | null;
  /** Metadata stored with the commit. */
  metadata: string | null;
}

/** An offset to commit for a group. */
export interface OffsetToCommit extends TopicPartition {
  /** The offset of the next record the group should read. */
  offset: bigint;
  /** Metadata to store with it. */
  metadata?: string | null;
  /** Leader epoch of the record before `offset`, if known. */
  leaderEpoch?: number;
}

// ---------------------------------------------------------------------------------------------- offsets

/** Which offset {@link Admin.listOffsets} looks up for a partition. */
export type OffsetSpec =
  /** The log start offset. */
  | "earliest"
  /** The log end offset (high watermark, or last stable offset with read_committed). */
  | "latest"
  /** The offset of the record with the largest timestamp. */
  | "maxTimestamp"
  /** The first offset whose timestamp is at or after `timestamp` (ms since the epoch). */
  | { timestamp: number };

/** A partition and which offset to look up. */
export interface ListOffsetsRequestItem extends TopicPartition {
  /** Which offset. */
  spec: OffsetSpec;
}

/** Options of {@link Admin.listOffsets}. */
export interface ListOffsetsOptions {
  /** `"read_committed"` stops `latest` at the last stable offset. Default `"read_uncommitted"`. */
  isolationLevel?: "read_uncommitted" | "read_committed";
}

/** An offset found by {@link Admin.listOffsets}. */
export interface ListedOffset extends TopicPartition {
  /** The offset; -1n when no record matches a timestamp. */
  offset: bigint;
  /** The record's timestamp for timestamp lookups, else -1. */
  timestamp: number;
  /** Leader epoch of the offset, `null` if unknown. */
  leaderEpoch: number | null;
}

/** Records of a partition to delete: everything before `beforeOffset` (-1n: up to the high watermark). */
export interface DeleteRecordsItem extends TopicPartition {
  /** The new log start offset. */
  beforeOffset: bigint;
}

/** A partition's new log start offset after {@link Admin.deleteRecords}. */
export interface DeletedRecords extends TopicPartition {
  /** The partition's low watermark (log start offset) now. */
  lowWatermark: bigint;
}

// ------------------------------------------------------------------------------------------------ acls

/** Kinds of resources ACLs protect. `ANY` only in filters; `UNKNOWN` for codes this client does not know. */
export const AclResourceType = {
  UNKNOWN: "UNKNOWN",
  ANY: "ANY",
  TOPIC: "TOPIC",
  GROUP: "GROUP",
  CLUSTER: "CLUSTER",
  TRANSACTIONAL_ID: "TRANSACTIONAL_ID",
  DELEGATION_TOKEN: "DELEGATION_TOKEN",
  USER: "USER",
} as const;
/** Kinds of resources ACLs protect. */
export type AclResourceType = typeof AclResourceType[keyof typeof AclResourceType];

/** How an ACL's resource name matches. `ANY` and `MATCH` only in filters. */
export const AclPatternType = {
  UNKNOWN: "UNKNOWN",
  ANY: "ANY",
  MATCH: "MATCH",
  LITERAL: "LITERAL",
  PREFIXED: "PREFIXED",
} as const;
/** How an ACL's resource name matches. */
export type AclPatternType = typeof AclPatternType[keyof typeof AclPatternType];

/** Operations an ACL allows or denies. `ANY` only in filters. */
export const AclOperation = {
  UNKNOWN: "UNKNOWN",
  ANY: "ANY",
  ALL: "ALL",
  READ: "READ",
  WRITE: "WRITE",
  CREATE: "CREATE",
  DELETE: "DELETE",
  ALTER: "ALTER",
  DESCRIBE: "DESCRIBE",
  CLUSTER_ACTION: "CLUSTER_ACTION",
  DESCRIBE_CONFIGS: "DESCRIBE_CONFIGS",
  ALTER_CONFIGS: "ALTER_CONFIGS",
  IDEMPOTENT_WRITE: "IDEMPOTENT_WRITE",
  CREATE_TOKENS: "CREATE_TOKENS",
  DESCRIBE_TOKENS: "DESCRIBE_TOKENS",
  TWO_PHASE_COMMIT: "TWO_PHASE_COMMIT",
} as const;
/** Operations an ACL allows or denies. */
export type AclOperation = typeof AclOperation[keyof typeof AclOperation];

/** Whether an ACL allows or denies. `ANY` only in filters. */
export const AclPermissionType = {
  UNKNOWN: "UNKNOWN",
  ANY: "ANY",
  DENY: "DENY",
  ALLOW: "ALLOW",
} as const;
/** Whether an ACL allows or denies. */
export type AclPermissionType = typeof AclPermissionType[keyof typeof AclPermissionType];

/**
 * One ACL: who (`principal` from `host`) may or may not do `operation` on a resource. `UNKNOWN` only
 * shows in ACLs read from a broker newer than this client; creating one with it is a RangeError.
 */
export interface AclBinding {
  /** Kind of resource. */
  resourceType: Exclude<AclResourceType, "ANY">;
  /** Resource name (`"kafka-cluster"` for the cluster; `"*"` for all). */
  resourceName: string;
  /** How the name matches. */
  patternType: Exclude<AclPatternType, "ANY" | "MATCH">;
  /** Principal, e.g. `"User:alice"`. */
  principal: string;
  /** Host, `"*"` for any. */
  host: string;
  /** The operation. */
  operation: Exclude<AclOperation, "ANY">;
  /** Allow or deny. */
  permissionType: Exclude<AclPermissionType, "ANY">;
}

/** Selects ACLs. A field left out (or `null`) matches anything. */
export interface AclBindingFilter {
  /** Default `ANY`. */
  resourceType?: AclResourceType;
  /** Default any name. */
  resourceName?: string | null;
  /** Default `ANY`; `MATCH` also finds wildcard and prefixed ACLs that apply to `resourceName`. */
  patternType?: AclPatternType;
  /** Default any principal. */
  principal?: string | null;
  /** Default any host. */
  host?: string | null;
  /** Default `ANY`. */
  operation?: AclOperation;
  /** Default `ANY`. */
  permissionType?: AclPermissionType;
}

/** What one filter of {@link Admin.deleteAcls} deleted. */
export interface DeletedAcls {
  /** The filter, as given. */
  filter: AclBindingFilter;
  /** The ACLs it matched and deleted. */
  deleted: AclBinding[];
}

// -------------------------------------------------------------------------------------------- versions

/** One API as the broker and this client speak it. */
export interface ApiVersionInfo {
  /** API key. */
  apiKey: number;
  /** Kafka's name for it (`UNKNOWN_<key>` for an API this client does not know). */
  name: string;
  /** Lowest version the broker speaks. */
  brokerMin: number;
  /** Highest version the broker speaks. */
  brokerMax: number;
  /** Lowest version this client speaks, `null` if it does not know the API. */
  clientMin: number | null;
  /** Highest version this client speaks, `null` if it does not know the API. */
  clientMax: number | null;
  /** The version requests use: the highest both speak, `null` when there is none. */
  negotiated: number | null;
}

/** The broker version inferred from its ApiVersions answer by {@link Admin.checkVersion}. */
export interface BrokerVersion {
  /** `[major, minor]` (or `[0, 10, n]` for the 0.10 releases): the oldest release that matches. */
  version: readonly number[];
  /** The same as text, e.g. `"4.1"`. */
  text: string;
  /** Which API version gave it away, e.g. `"Produce v13"`. */
  evidence: string;
}
