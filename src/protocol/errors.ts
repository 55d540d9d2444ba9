/**
 * Kafka's protocol error codes and the error class that carries them.
 *
 * Codes, names and retriability follow the "Error Codes" table of Kafka's protocol guide (Kafka 4.x).
 * The descriptions are our own short summaries.
 */

import { KafkaClientError } from "../errors.ts";

/** One entry of Kafka's error-code table. */
export interface KafkaErrorInfo {
  /** The numeric error code. */
  readonly code: number;
  /** Kafka's name for the code, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  readonly name: string;
  /** Whether the same request may succeed if retried (after a metadata refresh or a backoff). */
  readonly retriable: boolean;
  /** A short description. */
  readonly message: string;
}

/** Kafka's name of an error code, e.g. `NOT_LEADER_OR_FOLLOWER`. */
export type KafkaErrorName =
  | "UNKNOWN_SERVER_ERROR"
  | "NONE"
  | "OFFSET_OUT_OF_RANGE"
  | "CORRUPT_MESSAGE"
  | "UNKNOWN_TOPIC_OR_PARTITION"
  | "INVALID_FETCH_SIZE"
  | "LEADER_NOT_AVAILABLE"
  | "NOT_LEADER_OR_FOLLOWER"
  | "REQUEST_TIMED_OUT"
  | "BROKER_NOT_AVAILABLE"
  | "REPLICA_NOT_AVAILABLE"
  | "MESSAGE_TOO_LARGE"
  | "STALE_CONTROLLER_EPOCH"
  | "OFFSET_METADATA_TOO_LARGE"
  | "NETWORK_EXCEPTION"
  | "COORDINATOR_LOAD_IN_PROGRESS"
  | "COORDINATOR_NOT_AVAILABLE"
  | "NOT_COORDINATOR"
  | "INVALID_TOPIC_EXCEPTION"
  | "RECORD_LIST_TOO_LARGE"
  | "NOT_ENOUGH_REPLICAS"
  | "NOT_ENOUGH_REPLICAS_AFTER_APPEND"
  | "INVALID_REQUIRED_ACKS"
  | "ILLEGAL_GENERATION"
  | "INCONSISTENT_GROUP_PROTOCOL"
  | "INVALID_GROUP_ID"
  | "UNKNOWN_MEMBER_ID"
  | "INVALID_SESSION_TIMEOUT"
  | "REBALANCE_IN_PROGRESS"
  | "INVALID_COMMIT_OFFSET_SIZE"
  | "TOPIC_AUTHORIZATION_FAILED"
  | "GROUP_AUTHORIZATION_FAILED"
  | "CLUSTER_AUTHORIZATION_FAILED"
  | "INVALID_TIMESTAMP"
  | "UNSUPPORTED_SASL_MECHANISM"
  | "ILLEGAL_SASL_STATE"
  | "UNSUPPORTED_VERSION"
  | "TOPIC_ALREADY_EXISTS"
  | "INVALID_PARTITIONS"
  | "INVALID_REPLICATION_FACTOR"
  | "INVALID_REPLICA_ASSIGNMENT"
  | "INVALID_CONFIG"
  | "NOT_CONTROLLER"
  | "INVALID_REQUEST"
  | "UNSUPPORTED_FOR_MESSAGE_FORMAT"
  | "POLICY_VIOLATION"
  | "OUT_OF_ORDER_SEQUENCE_NUMBER"
  | "DUPLICATE_SEQUENCE_NUMBER"
  | "INVALID_PRODUCER_EPOCH"
  | "INVALID_TXN_STATE"
  | "INVALID_PRODUCER_ID_MAPPING"
  | "INVALID_TRANSACTION_TIMEOUT"
  | "CONCURRENT_TRANSACTIONS"
  | "TRANSACTION_COORDINATOR_FENCED"
  | "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"
  | "SECURITY_DISABLED"
  | "OPERATION_NOT_ATTEMPTED"
  | "KAFKA_STORAGE_ERROR"
  | "LOG_DIR_NOT_FOUND"
  | "SASL_AUTHENTICATION_FAILED"
  | "UNKNOWN_PRODUCER_ID"
  | "REASSIGNMENT_IN_PROGRESS"
  | "DELEGATION_TOKEN_AUTH_DISABLED"
  | "DELEGATION_TOKEN_NOT_FOUND"
  | "DELEGATION_TOKEN_OWNER_MISMATCH"
  | "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED"
  | "DELEGATION_TOKEN_AUTHORIZATION_FAILED"
  | "DELEGATION_TOKEN_EXPIRED"
  | "INVALID_PRINCIPAL_TYPE"
  | "NON_EMPTY_GROUP"
  | "GROUP_ID_NOT_FOUND"
  | "FETCH_SESSION_ID_NOT_FOUND"
  | "INVALID_FETCH_SESSION_EPOCH"
  | "LISTENER_NOT_FOUND"
  | "TOPIC_DELETION_DISABLED"
  | "FENCED_LEADER_EPOCH"
  | "UNKNOWN_LEADER_EPOCH"
  | "UNSUPPORTED_COMPRESSION_TYPE"
  | "STALE_BROKER_EPOCH"
  | "OFFSET_NOT_AVAILABLE"
  | "MEMBER_ID_REQUIRED"
  | "PREFERRED_LEADER_NOT_AVAILABLE"
  | "GROUP_MAX_SIZE_REACHED"
  | "FENCED_INSTANCE_ID"
  | "ELIGIBLE_LEADERS_NOT_AVAILABLE"
  | "ELECTION_NOT_NEEDED"
  | "NO_REASSIGNMENT_IN_PROGRESS"
  | "GROUP_SUBSCRIBED_TO_TOPIC"
  | "INVALID_RECORD"
  | "UNSTABLE_OFFSET_COMMIT"
  | "THROTTLING_QUOTA_EXCEEDED"
  | "PRODUCER_FENCED"
  | "RESOURCE_NOT_FOUND"
  | "DUPLICATE_RESOURCE"
  | "UNACCEPTABLE_CREDENTIAL"
  | "INCONSISTENT_VOTER_SET"
  | "INVALID_UPDATE_VERSION"
  | "FEATURE_UPDATE_FAILED"
  | "PRINCIPAL_DESERIALIZATION_FAILURE"
  | "SNAPSHOT_NOT_FOUND"
  | "POSITION_OUT_OF_RANGE"
  | "UNKNOWN_TOPIC_ID"
  | "DUPLICATE_BROKER_REGISTRATION"
  | "BROKER_ID_NOT_REGISTERED"
  | "INCONSISTENT_TOPIC_ID"
  | "INCONSISTENT_CLUSTER_ID"
  | "TRANSACTIONAL_ID_NOT_FOUND"
  | "FETCH_SESSION_TOPIC_ID_ERROR"
  | "INELIGIBLE_REPLICA"
  | "NEW_LEADER_ELECTED"
  | "OFFSET_MOVED_TO_TIERED_STORAGE"
  | "FENCED_MEMBER_EPOCH"
  | "UNRELEASED_INSTANCE_ID"
  | "UNSUPPORTED_ASSIGNOR"
  | "STALE_MEMBER_EPOCH"
  | "MISMATCHED_ENDPOINT_TYPE"
  | "UNSUPPORTED_ENDPOINT_TYPE"
  | "UNKNOWN_CONTROLLER_ID"
  | "UNKNOWN_SUBSCRIPTION_ID"
  | "TELEMETRY_TOO_LARGE"
  | "INVALID_REGISTRATION"
  | "TRANSACTION_ABORTABLE"
  | "INVALID_RECORD_STATE"
  | "SHARE_SESSION_NOT_FOUND"
  | "INVALID_SHARE_SESSION_EPOCH"
  | "FENCED_STATE_EPOCH"
  | "INVALID_VOTER_KEY"
  | "DUPLICATE_VOTER"
  | "VOTER_NOT_FOUND"
  | "INVALID_REGULAR_EXPRESSION"
  | "REBOOTSTRAP_REQUIRED"
  | "STREAMS_INVALID_TOPOLOGY"
  | "STREAMS_INVALID_TOPOLOGY_EPOCH"
  | "STREAMS_TOPOLOGY_FENCED"
  | "SHARE_SESSION_LIMIT_REACHED";

// [code, name, retriable, description]
type Row = readonly [number, KafkaErrorName, boolean, string];

const T = true;
const F = false;

const ROWS = [
  [-1, "UNKNOWN_SERVER_ERROR", F, "The broker hit an unexpected error while handling the request."],
  [0, "NONE", F, "No error."],
  [
    1,
    "OFFSET_OUT_OF_RANGE",
    F,
    "The requested offset is outside the range the broker holds for the partition.",
  ],
  [2, "CORRUPT_MESSAGE", T, "A record failed its CRC check, is too large, or is otherwise corrupt."],
  [3, "UNKNOWN_TOPIC_OR_PARTITION", T, "The broker does not host this topic or partition."],
  [4, "INVALID_FETCH_SIZE", F, "The requested fetch size is not valid."],
  [5, "LEADER_NOT_AVAILABLE", T, "The partition has no leader right now, e.g. during a leader election."],
  [6, "NOT_LEADER_OR_FOLLOWER", T, "The broker is not the leader (or not a replica) of this partition."],
  [7, "REQUEST_TIMED_OUT", T, "The request timed out on the broker."],
  [8, "BROKER_NOT_AVAILABLE", F, "The broker is not available."],
  [9, "REPLICA_NOT_AVAILABLE", T, "The replica is not available for this partition."],
  [10, "MESSAGE_TOO_LARGE", F, "A record is larger than the broker accepts."],
  [11, "STALE_CONTROLLER_EPOCH", F, "The controller has moved to another broker."],
  [12, "OFFSET_METADATA_TOO_LARGE", F, "The metadata string of the offset commit is too large."],
  [13, "NETWORK_EXCEPTION", T, "The connection closed before a response arrived."],
  [14, "COORDINATOR_LOAD_IN_PROGRESS", T, "The coordinator is still loading its state."],
  [15, "COORDINATOR_NOT_AVAILABLE", T, "The coordinator is not available."],
  [16, "NOT_COORDINATOR", T, "The broker is not the coordinator for this group or transaction."],
  [17, "INVALID_TOPIC_EXCEPTION", F, "The topic name is not valid, or the operation is not allowed on it."],
  [18, "RECORD_LIST_TOO_LARGE", F, "A record batch is larger than the broker's segment size."],
  [19, "NOT_ENOUGH_REPLICAS", T, "Fewer in-sync replicas than required: the records were rejected."],
  [
    20,
    "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    T,
    "The records were written, but to fewer in-sync replicas than required.",
  ],
  [21, "INVALID_REQUIRED_ACKS", F, "The produce request's acks value is not valid."],
  [22, "ILLEGAL_GENERATION", F, "The group generation id is not current."],
  [23, "INCONSISTENT_GROUP_PROTOCOL", F, "The member's protocols do not match those of the group."],
  [24, "INVALID_GROUP_ID", F, "The group id is not valid."],
  [25, "UNKNOWN_MEMBER_ID", F, "The coordinator does not know this member id."],
  [26, "INVALID_SESSION_TIMEOUT", F, "The session timeout is outside the range the broker allows."],
  [27, "REBALANCE_IN_PROGRESS", F, "The group is rebalancing; the member must rejoin."],
  [28, "INVALID_COMMIT_OFFSET_SIZE", F, "The offset commit is too large."],
  [29, "TOPIC_AUTHORIZATION_FAILED", F, "Not authorized to access the topic."],
  [30, "GROUP_AUTHORIZATION_FAILED", F, "Not authorized to access the group."],
  [31, "CLUSTER_AUTHORIZATION_FAILED", F, "Not authorized for this cluster operation."],
  [32, "INVALID_TIMESTAMP", F, "A record timestamp is outside the accepted range."],
  [33, "UNSUPPORTED_SASL_MECHANISM", F, "The broker does not support this SASL mechanism."],
  [34, "ILLEGAL_SASL_STATE", F, "The request is not valid in the current SASL state."],
  [35, "UNSUPPORTED_VERSION", F, "The broker does not support this API version."],
  [36, "TOPIC_ALREADY_EXISTS", F, "A topic with this name already exists."],
  [37, "INVALID_PARTITIONS", F, "The number of partitions is not valid."],
  [38, "INVALID_REPLICATION_FACTOR", F, "The replication factor is not valid for this cluster."],
  [39, "INVALID_REPLICA_ASSIGNMENT", F, "The replica assignment is not valid."],
  [40, "INVALID_CONFIG", F, "The configuration is not valid."],
  [41, "NOT_CONTROLLER", T, "The broker is not the active controller."],
  [42, "INVALID_REQUEST", F, "The broker could not process the request; it may be malformed."],
  [43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", F, "The broker's message format does not support this request."],
  [44, "POLICY_VIOLATION", F, "The request violates a policy configured on the broker."],
  [45, "OUT_OF_ORDER_SEQUENCE_NUMBER", F, "The broker received a producer sequence number out of order."],
  [46, "DUPLICATE_SEQUENCE_NUMBER", F, "The broker received a duplicate producer sequence number."],
  [47, "INVALID_PRODUCER_EPOCH", F, "The producer epoch is older than the current one."],
  [48, "INVALID_TXN_STATE", F, "The transactional operation is not valid in the current state."],
  [49, "INVALID_PRODUCER_ID_MAPPING", F, "The producer id is not assigned to this transactional id."],
  [50, "INVALID_TRANSACTION_TIMEOUT", F, "The transaction timeout exceeds the broker's maximum."],
  [51, "CONCURRENT_TRANSACTIONS", T, "Another transaction operation for this producer is still in progress."],
  [52, "TRANSACTION_COORDINATOR_FENCED", F, "The transaction coordinator has been fenced by a newer one."],
  [53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", F, "Not authorized to use this transactional id."],
  [54, "SECURITY_DISABLED", F, "Security features are disabled on the broker."],
  [55, "OPERATION_NOT_ATTEMPTED", F, "The broker did not attempt the operation because another part failed."],
  [56, "KAFKA_STORAGE_ERROR", T, "The broker hit a disk error accessing the log."],
  [57, "LOG_DIR_NOT_FOUND", F, "The log directory is not in the broker's configuration."],
  [58, "SASL_AUTHENTICATION_FAILED", F, "SASL authentication failed."],
  [59, "UNKNOWN_PRODUCER_ID", F, "The broker has no state for this producer id."],
  [60, "REASSIGNMENT_IN_PROGRESS", F, "A partition reassignment is in progress."],
  [61, "DELEGATION_TOKEN_AUTH_DISABLED", F, "Delegation tokens are not enabled."],
  [62, "DELEGATION_TOKEN_NOT_FOUND", F, "The delegation token does not exist."],
  [63, "DELEGATION_TOKEN_OWNER_MISMATCH", F, "The principal is not the token's owner or renewer."],
  [
    64,
    "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
    F,
    "Delegation token requests are not allowed on this kind of connection.",
  ],
  [65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", F, "Not authorized for this delegation token operation."],
  [66, "DELEGATION_TOKEN_EXPIRED", F, "The delegation token has expired."],
  [67, "INVALID_PRINCIPAL_TYPE", F, "The principal type is not supported."],
  [68, "NON_EMPTY_GROUP", F, "The group still has members."],
  [69, "GROUP_ID_NOT_FOUND", F, "The group does not exist."],
  [70, "FETCH_SESSION_ID_NOT_FOUND", T, "The fetch session does not exist on the broker."],
  [71, "INVALID_FETCH_SESSION_EPOCH", T, "The fetch session epoch is not valid."],
  [72, "LISTENER_NOT_FOUND", T, "The leader has no listener matching the one this request came in on."],
  [73, "TOPIC_DELETION_DISABLED", F, "Topic deletion is disabled on the broker."],
  [74, "FENCED_LEADER_EPOCH", T, "The request's leader epoch is older than the broker's."],
  [75, "UNKNOWN_LEADER_EPOCH", T, "The request's leader epoch is newer than the broker's."],
  [76, "UNSUPPORTED_COMPRESSION_TYPE", F, "The client does not support the partition's compression type."],
  [77, "STALE_BROKER_EPOCH", F, "The broker epoch has changed."],
  [78, "OFFSET_NOT_AVAILABLE", T, "The new leader's high watermark has not caught up yet."],
  [79, "MEMBER_ID_REQUIRED", F, "The member must obtain a member id before joining the group."],
  [80, "PREFERRED_LEADER_NOT_AVAILABLE", T, "The preferred leader is not available."],
  [81, "GROUP_MAX_SIZE_REACHED", F, "The group has reached its maximum size."],
  [82, "FENCED_INSTANCE_ID", F, "Another member with the same group instance id has replaced this one."],
  [83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", T, "No eligible leader is available for the partition."],
  [84, "ELECTION_NOT_NEEDED", T, "No leader election is needed for the partition."],
  [85, "NO_REASSIGNMENT_IN_PROGRESS", F, "No partition reassignment is in progress."],
  [
    86,
    "GROUP_SUBSCRIBED_TO_TOPIC",
    F,
    "The group is subscribed to the topic, so its offsets cannot be deleted.",
  ],
  [87, "INVALID_RECORD", F, "The broker rejected a record that failed its validation."],
  [88, "UNSTABLE_OFFSET_COMMIT", T, "There are pending transactional offsets for the partition."],
  [89, "THROTTLING_QUOTA_EXCEEDED", T, "The request exceeded a throttling quota."],
  [90, "PRODUCER_FENCED", F, "A newer producer with the same transactional id has fenced this one."],
  [91, "RESOURCE_NOT_FOUND", F, "The request refers to a resource that does not exist."],
  [92, "DUPLICATE_RESOURCE", F, "The request names the same resource more than once."],
  [93, "UNACCEPTABLE_CREDENTIAL", F, "The credential does not meet the acceptance criteria."],
  [94, "INCONSISTENT_VOTER_SET", F, "The sender or receiver is not in the current voter set."],
  [95, "INVALID_UPDATE_VERSION", F, "The update version is not valid."],
  [96, "FEATURE_UPDATE_FAILED", F, "The finalized features could not be updated."],
  [
    97,
    "PRINCIPAL_DESERIALIZATION_FAILURE",
    F,
    "The forwarded request's principal could not be deserialized.",
  ],
  [98, "SNAPSHOT_NOT_FOUND", F, "The requested snapshot does not exist."],
  [99, "POSITION_OUT_OF_RANGE", F, "The requested position is outside the snapshot."],
  [100, "UNKNOWN_TOPIC_ID", T, "The broker does not host a topic with this id."],
  [101, "DUPLICATE_BROKER_REGISTRATION", F, "The broker id is already in use."],
  [102, "BROKER_ID_NOT_REGISTERED", F, "The broker id is not registered."],
  [103, "INCONSISTENT_TOPIC_ID", T, "The topic id in the request does not match the log's."],
  [104, "INCONSISTENT_CLUSTER_ID", F, "The cluster id in the request does not match the broker's."],
  [105, "TRANSACTIONAL_ID_NOT_FOUND", F, "The transactional id does not exist."],
  [106, "FETCH_SESSION_TOPIC_ID_ERROR", T, "The fetch session used topic ids inconsistently."],
  [107, "INELIGIBLE_REPLICA", F, "The new ISR contains an ineligible replica."],
  [108, "NEW_LEADER_ELECTED", F, "The partition state was updated, but the leader has changed."],
  [109, "OFFSET_MOVED_TO_TIERED_STORAGE", F, "The requested offset has moved to tiered storage."],
  [110, "FENCED_MEMBER_EPOCH", F, "The member epoch was fenced; the member must rejoin."],
  [111, "UNRELEASED_INSTANCE_ID", F, "Another member still uses this group instance id."],
  [112, "UNSUPPORTED_ASSIGNOR", F, "The group does not support this assignor or assignor version."],
  [113, "STALE_MEMBER_EPOCH", F, "The member epoch is stale."],
  [114, "MISMATCHED_ENDPOINT_TYPE", F, "The request went to an endpoint of the wrong type."],
  [115, "UNSUPPORTED_ENDPOINT_TYPE", F, "This endpoint type is not supported."],
  [116, "UNKNOWN_CONTROLLER_ID", F, "The controller id is not known."],
  [117, "UNKNOWN_SUBSCRIPTION_ID", F, "The telemetry subscription id is unknown or outdated."],
  [118, "TELEMETRY_TOO_LARGE", F, "The telemetry push is larger than the broker accepts."],
  [119, "INVALID_REGISTRATION", F, "The controller considers the broker registration invalid."],
  [120, "TRANSACTION_ABORTABLE", F, "The transaction hit an error; abort it to continue."],
  [121, "INVALID_RECORD_STATE", F, "The record's state does not allow the acknowledgement."],
  [122, "SHARE_SESSION_NOT_FOUND", T, "The share session does not exist."],
  [123, "INVALID_SHARE_SESSION_EPOCH", T, "The share session epoch is not valid."],
  [124, "FENCED_STATE_EPOCH", F, "The share group state epoch does not match."],
  [125, "INVALID_VOTER_KEY", F, "The voter key does not match the receiving replica's."],
  [126, "DUPLICATE_VOTER", F, "The voter is already in the voter set."],
  [127, "VOTER_NOT_FOUND", F, "The voter is not in the voter set."],
  [128, "INVALID_REGULAR_EXPRESSION", F, "The regular expression is not valid."],
  [129, "REBOOTSTRAP_REQUIRED", F, "The client's metadata is stale; it should bootstrap again."],
  [130, "STREAMS_INVALID_TOPOLOGY", F, "The streams topology is not valid."],
  [131, "STREAMS_INVALID_TOPOLOGY_EPOCH", F, "The streams topology epoch is not valid."],
  [132, "STREAMS_TOPOLOGY_FENCED", F, "The streams topology epoch is outdated."],
  [133, "SHARE_SESSION_LIMIT_REACHED", T, "The broker's limit of share sessions has been reached."],
] as const satisfies readonly Row[];

// Every name of the union above has its row: this fails to type-check when one is missing.
const EVERY_NAME_HAS_A_ROW: [Exclude<KafkaErrorName, typeof ROWS[number][1]>] extends [never] ? true : false =
  true;
void EVERY_NAME_HAS_A_ROW;

const BY_CODE = new Map<number, KafkaErrorInfo>();
const BY_NAME = new Map<string, KafkaErrorInfo>();
for (const [code, name, retriable, message] of ROWS) {
  const info: KafkaErrorInfo = Object.freeze({ code, name, retriable, message });
  BY_CODE.set(code, info);
  BY_NAME.set(name, info);
}

/**
 * Kafka's error codes by name, so that code reads `ERR.NOT_LEADER_OR_FOLLOWER` rather than `6`.
 *
 * @example
 * ```ts
 * if (e instanceof KafkaError && e.code === ERR.UNKNOWN_TOPIC_OR_PARTITION) await admin.createTopics(topics);
 * ```
 */
export const ERR: { readonly [N in KafkaErrorName]: number } = Object.freeze(
  Object.fromEntries(ROWS.map(([code, name]) => [name, code])) as { [N in KafkaErrorName]: number },
);

/**
 * Errors after which the client's metadata may be stale (the leader moved, a topic was re-created, the
 * connection broke): refresh metadata for the topic, then retry. The same set everywhere, as Java's
 * `InvalidMetadataException` family.
 */
const REFRESH_METADATA: ReadonlySet<number> = new Set([
  ERR.UNKNOWN_TOPIC_OR_PARTITION,
  ERR.LEADER_NOT_AVAILABLE,
  ERR.NOT_LEADER_OR_FOLLOWER,
  ERR.NETWORK_EXCEPTION,
  ERR.KAFKA_STORAGE_ERROR,
  ERR.FENCED_LEADER_EPOCH,
  ERR.UNKNOWN_LEADER_EPOCH,
  ERR.UNKNOWN_TOPIC_ID,
  ERR.INCONSISTENT_TOPIC_ID,
]);

/** Whether an error code means "refresh metadata, then retry" (see `REFRESH_METADATA`). */
export function needsMetadataRefresh(code: number): boolean {
  return REFRESH_METADATA.has(code);
}

/** Every known error, in code order. */
export const KAFKA_ERRORS: readonly KafkaErrorInfo[] = Object.freeze([...BY_CODE.values()]);

/**
 * The table entry for an error code. Codes this table does not know (a newer broker) get the name
 * `UNKNOWN_CODE_<n>` and are not retriable.
 */
export function errorByCode(code: number): KafkaErrorInfo {
  return BY_CODE.get(code) ??
    { code, name: `UNKNOWN_CODE_${code}`, retriable: false, message: `Unknown Kafka error code ${code}.` };
}

/** The table entry for a Kafka error name such as `NOT_LEADER_OR_FOLLOWER`, or `undefined`. */
export function errorByName(name: string): KafkaErrorInfo | undefined {
  return BY_NAME.get(name);
}

/** Where an error came from, added to the message when present. */
export interface KafkaErrorContext {
  /** The API that returned the error. */
  api?: string;
  /** The topic it concerns. */
  topic?: string;
  /** The partition it concerns. */
  partition?: number;
  /** The consumer group it concerns. */
  groupId?: string;
  /** The transactional id it concerns. */
  transactionalId?: string;
  /** The broker's own error message, when the response carries one. */
  brokerMessage?: string | null;
}

/** An error code returned by a broker. `name` is Kafka's name for the code (e.g. `NOT_LEADER_OR_FOLLOWER`). */
export class KafkaError extends KafkaClientError {
  /** Kafka's name for the code, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  declare readonly name: string;
  /** The broker's error code. */
  readonly code: number;
  /** Whether the request may succeed if retried. */
  override readonly retriable: boolean;
  /** Where the error was seen (API, topic, partition, ...). */
  readonly context: KafkaErrorContext | undefined;

  /** Builds the error for `code`, with where it was seen. */
  constructor(code: number, context?: KafkaErrorContext, options?: ErrorOptions) {
    const info = errorByCode(code);
    super(formatMessage(info, context), options);
    Object.defineProperty(this, "name", {
      value: info.name,
      enumerable: false,
      configurable: true,
      writable: false,
    });
    this.code = code;
    this.retriable = info.retriable;
    this.context = context;
  }

  /** The `KafkaError` for a code (which should not be 0). */
  static fromCode(code: number, context?: KafkaErrorContext): KafkaError {
    return new KafkaError(code, context);
  }
}

function formatMessage(info: KafkaErrorInfo, context: KafkaErrorContext | undefined): string {
  let msg = `${info.name} (${info.code}): ${info.message}`;
  if (context === undefined) return msg;
  const where: string[] = [];
  if (context.api !== undefined) where.push(context.api);
  if (context.topic !== undefined) {
    where.push(context.partition === undefined ? context.topic : `${context.topic}-${context.partition}`);
  } else if (context.partition !== undefined) where.push(`partition ${context.partition}`);
  if (context.groupId !== undefined) where.push(`group ${context.groupId}`);
  if (context.transactionalId !== undefined) where.push(`transactional id ${context.transactionalId}`);
  if (where.length > 0) msg += ` [${where.join(", ")}]`;
  if (context.brokerMessage) msg += ` Broker says: ${context.brokerMessage}`;
  return msg;
}

/** Throws a `KafkaError` when `code` is not 0 (NONE). */
export function throwIfError(code: number, context?: KafkaErrorContext): void {
  if (code !== 0) throw new KafkaError(code, context);
}
