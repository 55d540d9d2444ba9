/**
 * The admin client: topics, partitions, configuration, groups and their offsets, records, ACLs, and what
 * the brokers speak.
 */
import { Cluster } from "../client/cluster.ts";
import { AdminContext } from "./context.ts";
import * as acls from "./acls.ts";
import * as configs from "./configs.ts";
import * as groups from "./groups.ts";
import * as offsets from "./offsets.ts";
import * as topics from "./topics.ts";
import { compareVersions, describeApiVersions, inferBrokerVersion } from "./versions.ts";
import * as v from "./validate.ts";
import type {
  AclBinding,
  AclBindingFilter,
  AdminOptions,
  AlterConfigsOptions,
  ApiVersionInfo,
  BrokerVersion,
  ClusterDescription,
  CommittedOffset,
  ConfigChanges,
  ConfigDescription,
  ConfigResource,
  CreatedTopic,
  CreatePartitionsOptions,
  CreateTopicsOptions,
  DeletedAcls,
  DeletedRecords,
  DeleteRecordsItem,
  DescribeConfigsOptions,
  GroupDescription,
  GroupListing,
  ListedOffset,
  ListGroupsOptions,
  ListOffsetsOptions,
  ListOffsetsRequestItem,
  ListTopicsOptions,
  NewPartitions,
  NewTopic,
  OffsetToCommit,
  TopicDescription,
  TopicListing,
  TopicPartition,
} from "./types.ts";
import { checkAdminOptions } from "./options.ts";

/**
 * Administers a Kafka cluster.
 *
 * Calls on many items (topics, groups, resources, partitions, ACLs) resolve with one result per item, in
 * the order given, when all succeed. When any item fails for good they reject with an
 * {@link AdminBatchError} whose `outcomes` hold every item's result or `KafkaError` — one bad topic never
 * hides the others' results. Retriable errors (NOT_CONTROLLER, NOT_COORDINATOR,
 * COORDINATOR_LOAD_IN_PROGRESS, leader changes, ...) are retried for just the items they hit, with
 * backoff, after finding the controller, coordinator or leader again. Bad arguments throw a `TypeError`
 * or `RangeError` naming the field before anything is sent.
 *
 * @example
 * ```ts
 * const admin = new Admin({ bootstrapServers: "127.0.0.1:9092" });
 * await admin.createTopics([{ name: "events", numPartitions: 3, replicationFactor: 1 }]);
 * const [events] = await admin.describeTopics(["events"]);
 * console.log(events.partitions.map((p) => p.leader));
 * await admin.close();
 * ```
 */
export class Admin {
  readonly #cluster: Cluster;
  /** Opens the context of one call: its deadline runs from there. */
  readonly #calls: { start(): AdminContext };

  /** Creates the client; it connects on first use. Bad options throw here, naming the option. */
  constructor(options: AdminOptions) {
    checkAdminOptions(options);
    const operationTimeoutMs = options.operationTimeoutMs === undefined
      ? 30_000
      : v.int(options.operationTimeoutMs, "operationTimeoutMs", 0);
    this.#cluster = new Cluster(options);
    const apiTimeoutMs = options.defaultApiTimeoutMs === undefined
      ? 60_000
      : v.int(options.defaultApiTimeoutMs, "defaultApiTimeoutMs", 1);
    this.#calls = AdminContext.factory(this.#cluster, options, operationTimeoutMs, apiTimeoutMs);
  }

  // ------------------------------------------------------------------------------------------- topics

  /**
   * Creates topics (CreateTopics, sent to the controller). Resolves with each topic as created;
   * outcomes of an {@link AdminBatchError} are keyed by topic name.
   *
   * @example
   * ```ts
   * await admin.createTopics([
   *   { name: "orders", numPartitions: 6, replicationFactor: 3, configs: { "retention.ms": "86400000" } },
   *   { name: "audit", replicaAssignment: [[1, 2], [2, 3]] },
   * ]);
   * ```
   */
  createTopics(newTopics: readonly NewTopic[], options?: CreateTopicsOptions): Promise<CreatedTopic[]> {
    return topics.createTopics(this.#calls.start(), newTopics, options);
  }

  /**
   * Deletes topics (DeleteTopics, sent to the controller); outcomes keyed by topic name.
   *
   * @example
   * ```ts
   * await admin.deleteTopics(["orders", "audit"]);
   * ```
   */
  deleteTopics(names: readonly string[], options?: { timeoutMs?: number }): Promise<void> {
    return topics.deleteTopics(this.#calls.start(), names, options);
  }

  /**
   * Lists topics, sorted by name; internal topics only with `listInternal`.
   *
   * @example
   * ```ts
   * const names = (await admin.listTopics()).map((t) => t.name);
   * ```
   */
  listTopics(options?: ListTopicsOptions): Promise<TopicListing[]> {
    return topics.listTopics(this.#calls.start(), options);
  }

  /**
   * Describes topics: id, partitions, leaders, replicas, ISR. An unknown topic fails with
   * UNKNOWN_TOPIC_OR_PARTITION in the outcomes (keyed by topic name).
   *
   * @example
   * ```ts
   * const [t] = await admin.describeTopics(["orders"]);
   * console.log(t.topicId, t.partitions.length);
   * ```
   */
  describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    return topics.describeTopics(this.#calls.start(), names);
  }

  /**
   * Describes the cluster: id, controller, brokers.
   *
   * @example
   * ```ts
   * const { clusterId, brokers } = await admin.describeCluster();
   * ```
   */
  describeCluster(): Promise<ClusterDescription> {
    return topics.describeCluster(this.#calls.start());
  }

  /**
   * Raises topics' partition counts (CreatePartitions, sent to the controller); outcomes keyed by topic.
   *
   * @example
   * ```ts
   * await admin.createPartitions([{ topic: "orders", count: 12 }]);
   * ```
   */
  createPartitions(items: readonly NewPartitions[], options?: CreatePartitionsOptions): Promise<void> {
    return topics.createPartitions(this.#calls.start(), items, options);
  }

  // ------------------------------------------------------------------------------------------ configs

  /**
   * Reads the configuration of topics and brokers (a broker's own settings are asked of that broker);
   * outcomes keyed `TYPE:name`, e.g. `TOPIC:orders`, `BROKER:1`.
   *
   * @example
   * ```ts
   * const [cfg] = await admin.describeConfigs([{ type: "TOPIC", name: "orders" }]);
   * console.log(cfg.entries.find((e) => e.name === "retention.ms")?.value);
   * ```
   */
  describeConfigs(
    resources: readonly ConfigResource[],
    options?: DescribeConfigsOptions,
  ): Promise<ConfigDescription[]> {
    return configs.describeConfigs(this.#calls.start(), resources, options);
  }

  /**
   * Changes configuration entry by entry (SET, DELETE back to the default, APPEND to or SUBTRACT from a
   * list); outcomes keyed `TYPE:name`.
   *
   * @example
   * ```ts
   * await admin.incrementalAlterConfigs([{
   *   resource: { type: "TOPIC", name: "orders" },
   *   ops: [{ name: "retention.ms", op: "SET", value: "3600000" }, { name: "cleanup.policy", op: "DELETE" }],
   * }]);
   * ```
   */
  incrementalAlterConfigs(
    changes: readonly ConfigChanges[],
    options?: AlterConfigsOptions,
  ): Promise<void> {
    return configs.incrementalAlterConfigs(this.#calls.start(), changes, options);
  }

  // ------------------------------------------------------------------------------------------- groups

  /**
   * Lists groups on every broker, sorted by id; filter by state or type on brokers that support it.
   *
   * @example
   * ```ts
   * const stable = await admin.listGroups({ states: ["Stable"] });
   * ```
   */
  listGroups(options?: ListGroupsOptions): Promise<GroupListing[]> {
    return groups.listGroups(this.#calls.start(), options);
  }

  /**
   * Describes groups at their coordinators: state, members, and for consumer groups each member's
   * subscription and assigned partitions; outcomes keyed by group id.
   *
   * @example
   * ```ts
   * const [g] = await admin.describeGroups(["billing"]);
   * for (const m of g.members) console.log(m.clientId, m.assignment);
   * ```
   */
  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return groups.describeGroups(this.#calls.start(), groupIds);
  }

  /**
   * Deletes groups (they must have no members); outcomes keyed by group id.
   *
   * @example
   * ```ts
   * await admin.deleteGroups(["old-group"]);
   * ```
   */
  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return groups.deleteGroups(this.#calls.start(), groupIds);
  }

  /**
   * A group's committed offsets, for `partitions` or every partition it committed; a partition without a
   * commit has offset -1n. Group errors reject with the KafkaError; partition errors are keyed
   * `topic:partition`.
   *
   * @example
   * ```ts
   * for (const o of await admin.listConsumerGroupOffsets("billing")) console.log(o.topic, o.partition, o.offset);
   * ```
   */
  listConsumerGroupOffsets(
    groupId: string,
    partitions?: readonly TopicPartition[],
  ): Promise<CommittedOffset[]> {
    return groups.listConsumerGroupOffsets(this.#calls.start(), groupId, partitions);
  }

  /**
   * Commits offsets for a group as an admin (OffsetCommit with generation -1): the group must have no
   * active members; a group that does not exist is created. Outcomes keyed `topic:partition`.
   *
   * @example
   * ```ts
   * await admin.alterConsumerGroupOffsets("billing", [{ topic: "orders", partition: 0, offset: 42n }]);
   * ```
   */
  alterConsumerGroupOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    return groups.alterConsumerGroupOffsets(this.#calls.start(), groupId, offsets);
  }

  /**
   * Deletes a group's committed offsets of partitions whose topics it no longer subscribes to
   * (OffsetDelete). Group errors reject with the KafkaError; partition errors are keyed `topic:partition`.
   *
   * @example
   * ```ts
   * await admin.deleteConsumerGroupOffsets("billing", [{ topic: "orders", partition: 0 }]);
   * ```
   */
  deleteConsumerGroupOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    return groups.deleteConsumerGroupOffsets(this.#calls.start(), groupId, partitions);
  }

  // ------------------------------------------------------------------------------------------ records

  /**
   * Deletes records before an offset (-1n: before the high watermark), at each partition's leader;
   * resolves with the new low watermarks. Outcomes keyed `topic:partition`.
   *
   * @example
   * ```ts
   * await admin.deleteRecords([{ topic: "orders", partition: 0, beforeOffset: 1000n }]);
   * ```
   */
  deleteRecords(
    items: readonly DeleteRecordsItem[],
    options?: { timeoutMs?: number },
  ): Promise<DeletedRecords[]> {
    return offsets.deleteRecords(this.#calls.start(), items, options);
  }

  /**
   * Looks up offsets at each partition's leader, one request per broker: earliest, latest, the largest
   * timestamp, or the first at or after a timestamp. Outcomes keyed `topic:partition`.
   *
   * @example
   * ```ts
   * const [end] = await admin.listOffsets([{ topic: "orders", partition: 0, spec: "latest" }]);
   * const [hourAgo] = await admin.listOffsets([
   *   { topic: "orders", partition: 0, spec: { timestamp: Date.now() - 3_600_000 } },
   * ]);
   * ```
   */
  listOffsets(
    items: readonly ListOffsetsRequestItem[],
    options?: ListOffsetsOptions,
  ): Promise<ListedOffset[]> {
    return offsets.listOffsets(this.#calls.start(), items, options);
  }

  // --------------------------------------------------------------------------------------------- acls

  /**
   * The ACLs that match a filter (fields left out match anything). Without an authorizer the broker
   * answers SECURITY_DISABLED, which rejects as that KafkaError.
   *
   * @example
   * ```ts
   * const forAlice = await admin.describeAcls({ principal: "User:alice" });
   * ```
   */
  describeAcls(filter?: AclBindingFilter): Promise<AclBinding[]> {
    return acls.describeAcls(this.#calls.start(), filter);
  }

  /**
   * Creates ACLs; outcomes keyed by index in `bindings`.
   *
   * @example
   * ```ts
   * await admin.createAcls([{
   *   resourceType: "TOPIC", resourceName: "orders", patternType: "LITERAL",
   *   principal: "User:alice", host: "*", operation: "READ", permissionType: "ALLOW",
   * }]);
   * ```
   */
  createAcls(bindings: readonly AclBinding[]): Promise<void> {
    return acls.createAcls(this.#calls.start(), bindings);
  }

  /**
   * Deletes the ACLs that match each filter; resolves with what each filter deleted. Outcomes keyed by
   * index in `filters`.
   *
   * @example
   * ```ts
   * const [{ deleted }] = await admin.deleteAcls([{ principal: "User:alice" }]);
   * ```
   */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<DeletedAcls[]> {
    return acls.deleteAcls(this.#calls.start(), filters);
  }

  // ----------------------------------------------------------------------------------------- versions

  /**
   * Each API a broker (`nodeId`, or any) lists in its ApiVersions answer, with this client's range and
   * the version requests use.
   *
   * @example
   * ```ts
   * for (const a of await admin.apiVersions()) console.log(a.name, a.brokerMin, a.brokerMax, a.negotiated);
   * ```
   */
  async apiVersions(nodeId?: number): Promise<ApiVersionInfo[]> {
    const id = nodeId === undefined ? undefined : v.int(nodeId, "nodeId", 0);
    const conn = await this.#calls.start().retried(() =>
      id === undefined ? this.#cluster.any() : this.#cluster.broker(id)
    );
    return describeApiVersions(conn.apiVersions);
  }

  /**
   * Infers the brokers' Kafka release from their ApiVersions answers, as kafka-python's `check_version`
   * does: the oldest release whose new API versions a broker lists (see `VERSION_RULES`). Asks every
   * broker, or only `nodeId`, and reports the oldest.
   *
   * @example
   * ```ts
   * const { version, text } = await admin.checkVersion(); // e.g. [4, 1], "4.1"
   * if (version[0] >= 4) console.log("Kafka", text);
   * ```
   */
  async checkVersion(nodeId?: number): Promise<BrokerVersion> {
    const id = nodeId === undefined ? undefined : v.int(nodeId, "nodeId", 0);
    return await this.#calls.start().retried(() => this.#checkVersion(id));
  }

  async #checkVersion(nodeId: number | undefined): Promise<BrokerVersion> {
    let ids: number[];
    if (nodeId === undefined) {
      await this.#cluster.refreshMetadata([]);
      ids = [...this.#cluster.brokers.keys()];
    } else ids = [nodeId];
    let oldest: BrokerVersion | undefined;
    for (const id of ids) {
      const found = inferBrokerVersion((await this.#cluster.broker(id)).apiVersions);
      if (!oldest || compareVersions(found.version, oldest.version) < 0) oldest = found;
    }
    return oldest ?? inferBrokerVersion((await this.#cluster.any()).apiVersions);
  }

  /** Closes every connection. */
  close(): Promise<void> {
    return this.#cluster.close();
  }
}
