/**
 * The Cloudflare Workers entry of the client: the same API as `mod.ts`, with the `cloudflare:sockets`
 * adapter as the default. Nothing reachable from here imports `node:*` or the Deno, Bun or Node adapters,
 * so a Worker bundle holds only what runs on workerd. The npm package serves it under the `workerd`
 * export condition and as `@kafka-ts/client/workers`.
 *
 * A socket belongs to the request that opened it: create clients inside the request (or a Durable
 * Object) and close them before it ends.
 *
 * @example Produce the request body, answer with its offset
 * ```ts
 * import { Producer } from "./workers.ts";
 *
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     const producer = new Producer({ bootstrapServers: "broker.example.com:9094", tls: {} });
 *     try {
 *       const { offset } = await producer.send({ topic: "events", value: await request.text() });
 *       return new Response(String(offset));
 *     } finally {
 *       await producer.close();
 *     }
 *   },
 * };
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
  errorByCode,
  KafkaError,
  type KafkaErrorContext,
  type KafkaErrorInfo,
} from "./src/protocol/errors.ts";
export { MalformedResponseError, Reader } from "./src/protocol/reader.ts";
export { type RawTaggedField, Writer } from "./src/protocol/writer.ts";
export {
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
export {
  defaultAdapter,
  detectRuntime,
  type RuntimeName,
  workersAdapter,
} from "./src/transport/workers-runtime.ts";
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

export { DeliveryTimeoutError, Producer, ProducerClosedError } from "./src/producer/producer.ts";
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
export { BufferExhaustedError } from "./src/producer/accumulator.ts";

export { Consumer } from "./src/consumer/consumer.ts";
export type {
  CommitCallback,
  CommitOptions,
  ConsumerMetrics,
  ConsumerOptions,
  ConsumerRebalanceListener,
  ConsumerRecord,
  Deserializer,
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
