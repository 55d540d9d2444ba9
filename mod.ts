/**
 * An Apache Kafka client for Deno, Bun and Node from one TypeScript core: a producer with a
 * `WritableStream`, a consumer that is a `ReadableStream` (alone or in a consumer group), an admin
 * client, TLS and SASL, and the protocol layer underneath (connections, every client-facing Kafka API as
 * typed codecs, RecordBatch v2).
 *
 * @example Produce, then read back as a stream
 * ```ts
 * import { Consumer, Producer } from "./mod.ts";
 *
 * const producer = new Producer({ bootstrapServers: "127.0.0.1:9092" });
 * await producer.send({ topic: "events", key: "user-1", value: "signed up" });
 * await producer.close();
 *
 * const consumer = new Consumer({
 *   bootstrapServers: "127.0.0.1:9092",
 *   groupId: "audit",
 *   autoOffsetReset: "earliest",
 * });
 * consumer.subscribe(["events"]);
 * for await (const record of consumer) {
 *   console.log(record.offset, new TextDecoder().decode(record.value!));
 *   break;
 * }
 * await consumer.close();
 * ```
 *
 * @module
 */

export {
  type BrokerInfo,
  Cluster,
  type ClusterOptions,
  type PartitionInfo,
  type TopicInfo,
} from "./src/client/cluster.ts";
export {
  type Api,
  Connection,
  type ConnectionOptions,
  type RequestOptions,
  type VersionRange,
} from "./src/client/connection.ts";
export { ClientClosedError, RequestTimeoutError, UnsupportedVersionError } from "./src/client/errors.ts";
export type { RetryOptions } from "./src/client/retry.ts";
export {
  ERR,
  errorByCode,
  KafkaError,
  type KafkaErrorContext,
  type KafkaErrorInfo,
  type KafkaErrorName,
  needsMetadataRefresh,
} from "./src/protocol/errors.ts";
export { KafkaClientError } from "./src/errors.ts";
export { MalformedResponseError, Reader } from "./src/protocol/reader.ts";
export { type RawTaggedField, Writer } from "./src/protocol/writer.ts";
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
} from "./src/protocol/record-batch.ts";
export { initCrc32c } from "./src/codec/crc32c.ts";
export {
  type CompressionCodec,
  type CompressionName,
  CompressionType,
  loadCodec,
  registerCodec,
  UnsupportedCompressionError,
} from "./src/codec/compression.ts";
export { type ApiDescriptor } from "./src/protocol/messages/api.ts";
export * from "./src/protocol/messages/index.ts";
export {
  ConnectionError,
  type ConnectOptions,
  type Socket,
  type SocketAdapter,
  type TlsOptions,
} from "./src/transport/socket.ts";
export { defaultAdapter, detectRuntime, type RuntimeName } from "./src/transport/runtime.ts";
export { TlsError } from "./src/transport/socket.ts";
export {
  type OAuthBearerProvider,
  type OAuthBearerToken,
  SaslError,
  type SaslMechanismName,
  type SaslOAuthBearerOptions,
  type SaslOptions,
  type SaslPasswordOptions,
} from "./src/client/sasl/mechanism.ts";
export { registerDefaultCodecs } from "./src/codec/defaults.ts";
export { UnknownOptionError } from "./src/client/options.ts";
export type { Properties } from "./src/client/properties.ts";

export { Producer } from "./src/producer/producer.ts";
export { BufferExhaustedError, DeliveryTimeoutError, ProducerClosedError } from "./src/producer/errors.ts";
export type {
  DeliveryCallback,
  HeaderValue,
  ProducerHeaders,
  ProducerMetrics,
  ProducerOptions,
  ProducerRecord,
  RecordMetadata,
} from "./src/producer/types.ts";
export {
  DefaultPartitioner,
  murmur2,
  type Partitioner,
  type PartitionerFn,
  RoundRobinPartitioner,
} from "./src/producer/partitioner.ts";
export { producerOptionsFromProperties } from "./src/producer/options.ts";

export { Consumer } from "./src/consumer/consumer.ts";
export { consumerOptionsFromProperties } from "./src/consumer/options.ts";
export type {
  CommitCallback,
  CommitOptions,
  ConsumerMetrics,
  ConsumerOptions,
  ConsumerRebalanceListener,
  ConsumerRecord,
  Deserializer,
  PartitionEof,
  PartitionEofCallback,
  PollOptions,
  StreamOptions,
} from "./src/consumer/types.ts";
export {
  ConsumerClosedError,
  NoOffsetForPartitionError,
  OffsetOutOfRangeError,
} from "./src/consumer/errors.ts";
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
} from "./src/consumer/group/index.ts";

export { Admin } from "./src/admin/admin.ts";
export { adminOptionsFromProperties } from "./src/admin/options.ts";
export { AdminBatchError, type Outcome } from "./src/admin/batch.ts";
export { inferBrokerVersion, VERSION_RULES, type VersionRule } from "./src/admin/versions.ts";
export {
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  ConfigResourceType,
} from "./src/admin/types.ts";
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
} from "./src/admin/types.ts";
