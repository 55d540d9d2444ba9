/**
 * An Apache Kafka client for Deno, Bun and Node from one TypeScript core.
 *
 * This release covers the foundation: connections with version negotiation, cluster metadata and
 * routing, every client-facing Kafka API as typed request/response codecs, and RecordBatch v2.
 *
 * @example Write a batch to a partition and read it back
 * ```ts
 * import { Cluster, decodeRecordBatches, encodeRecordBatch, Fetch, initCrc32c, Produce } from "./mod.ts";
 *
 * await initCrc32c();
 * const cluster = new Cluster({ bootstrapServers: "127.0.0.1:9092" });
 * const { topicId, partitions } = await cluster.topic("events");
 * const leader = partitions[0].leader;
 * const records = encodeRecordBatch({ records: [{ key: null, value: new TextEncoder().encode("hi") }] });
 * await cluster.send(leader, Produce, {
 *   transactionalId: null,
 *   acks: -1,
 *   timeoutMs: 30_000,
 *   topicData: [{ name: "events", topicId, partitionData: [{ index: 0, records }] }],
 * });
 * const res = await cluster.send(leader, Fetch, {
 *   maxWaitMs: 500,
 *   minBytes: 1,
 *   maxBytes: 1 << 20,
 *   isolationLevel: 0,
 *   topics: [{ topic: "events", topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] }],
 * });
 * for (const batch of decodeRecordBatches(res.responses[0].partitions[0].records ?? new Uint8Array())) {
 *   console.log(batch.records.length);
 * }
 * await cluster.close();
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
export { RequestTimeoutError, UnsupportedVersionError } from "./src/client/errors.ts";
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
export { defaultAdapter, detectRuntime, type RuntimeName } from "./src/transport/runtime.ts";
