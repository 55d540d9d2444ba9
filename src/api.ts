/**
 * The public API every package entry shares: everything but the default socket adapter, which each entry
 * installs for its runtime (`mod.ts`: run-time detection for Deno, Bun and Node; `workers.ts`:
 * `cloudflare:sockets`). Nothing reachable from here loads a runtime's adapter.
 *
 * @module
 */

export {
  type BrokerInfo,
  Cluster,
  type ClusterOptions,
  type PartitionInfo,
  type TopicInfo,
} from "./client/cluster.ts";
export {
  type Api,
  Connection,
  type ConnectionOptions,
  type RequestOptions,
  type VersionRange,
} from "./client/connection.ts";
export {
  ApiTimeoutError,
  ClientClosedError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from "./client/errors.ts";
export type { RetryOptions } from "./client/retry.ts";
export {
  ERR,
  errorByCode,
  KafkaError,
  type KafkaErrorContext,
  type KafkaErrorInfo,
  type KafkaErrorName,
  needsMetadataRefresh,
} from "./protocol/errors.ts";
export { KafkaClientError } from "./errors.ts";
export { MalformedResponseError, Reader } from "./protocol/reader.ts";
export { type RawTaggedField, Writer } from "./protocol/writer.ts";
export {
  compressionTypesIn,
  CorruptRecordError,
  decodeRecordBatches,
  encodeRecordBatch,
  type EncodeRecordBatchInput,
  type KafkaRecord,
  type RecordBatch,
  type RecordHeader,
  type RecordInput,
  TimestampType,
} from "./protocol/record-batch.ts";
export { initCrc32c } from "./codec/crc32c.ts";
export {
  type CompressionCodec,
  type CompressionName,
  CompressionType,
  loadCodec,
  registerCodec,
  UnsupportedCompressionError,
} from "./codec/compression.ts";
export { type ApiDescriptor } from "./protocol/messages/api.ts";
export * from "./protocol/messages/index.ts";
export {
  ConnectionError,
  type ConnectOptions,
  type Socket,
  type SocketAdapter,
  type TlsOptions,
} from "./transport/socket.ts";
export { TlsError } from "./transport/socket.ts";
export {
  type OAuthBearerProvider,
  type OAuthBearerToken,
  SaslError,
  type SaslMechanismName,
  type SaslOAuthBearerOptions,
  type SaslOptions,
  type SaslPasswordOptions,
} from "./client/sasl/mechanism.ts";
export { registerDefaultCodecs } from "./codec/defaults.ts";
export { UnknownOptionError } from "./client/options.ts";
export type { Properties } from "./client/properties.ts";

export { Producer } from "./producer/producer.ts";
export {
  BufferExhaustedError,
  DeliveryTimeoutError,
  ProducerClosedError,
  ProducerFencedError,
  TransactionAbortedError,
  TransactionStateError,
  TransactionTimeoutError,
} from "./producer/errors.ts";
export type { Transaction, TransactionOffset } from "./producer/transaction-types.ts";
export type { DeliveryError } from "./producer/persistence.ts";
export type {
  TransactionalSource,
  TransactionalWritableOptions,
  TransformedRecord,
} from "./producer/transactional-writable.ts";
export type {
  DeliveryCallback,
  HeaderValue,
  PersistenceStatus,
  ProduceCallback,
  ProducerHeaders,
  ProducerMetrics,
  ProducerOptions,
  ProducerRecord,
  RecordMetadata,
} from "./producer/types.ts";
export {
  DefaultPartitioner,
  murmur2,
  type Partitioner,
  type PartitionerFn,
  RoundRobinPartitioner,
} from "./producer/partitioner.ts";
export { producerOptionsFromProperties } from "./producer/options.ts";

export { Consumer } from "./consumer/consumer.ts";
export { consumerOptionsFromProperties } from "./consumer/options.ts";
export type {
  CommitCallback,
  CommitOptions,
  ConsumerGroupMetadata,
  ConsumerMetrics,
  ConsumerOptions,
  ConsumerRebalanceListener,
  ConsumerRecord,
  Deserializer,
  PartitionEof,
  PartitionEofCallback,
  PollOptions,
  StreamOptions,
} from "./consumer/types.ts";
export { ConsumerClosedError, NoOffsetForPartitionError, OffsetOutOfRangeError } from "./consumer/errors.ts";
export type {
  DeadLetterOptions,
  DeadLetterSender,
  ParallelHandler,
  ParallelOptions,
  ParallelOrdering,
  ParallelRetryOptions,
  ParallelRun,
  ParallelStats,
} from "./consumer/parallel/types.ts";
export { HandlerFailedError } from "./consumer/parallel/errors.ts";
export {
  type AssignmentInput,
  type Assignor,
  type CloseOptions,
  CommitFailedError,
  cooperativeStickyAssignor,
  FencedInstanceIdError,
  type GroupOptions,
  type MemberSubscription,
  type OffsetAndMetadata,
  rangeAssignor,
  roundRobinAssignor,
  type TopicPartition,
} from "./consumer/group/index.ts";

export { Admin } from "./admin/admin.ts";
export { adminOptionsFromProperties } from "./admin/options.ts";
export { AdminBatchError, type Outcome } from "./admin/batch.ts";
export { inferBrokerVersion, VERSION_RULES, type VersionRule } from "./admin/versions.ts";
export {
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  ConfigResourceType,
} from "./admin/types.ts";
export type {
  AclBinding,
  AclBindingFilter,
  AdminOptions,
  AlterConfigOp,
  AlterConfigOpType,
  AlterConfigsOptions,
  ApiVersionInfo,
  BrokerVersion,
  ClusterDescription,
  CommittedOffset,
  ConfigChanges,
  ConfigDescription,
  ConfigEntry,
  ConfigResource,
  ConfigSource,
  ConfigType,
  ConsumerSubscription,
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
  MemberDescription,
  NewPartitions,
  NewTopic,
  OffsetSpec,
  OffsetToCommit,
  PartitionDescription,
  TopicDescription,
  TopicListing,
} from "./admin/types.ts";
