/** Public types of the producer. */
import type { ClusterOptions } from "../client/cluster.ts";
import type { CompressionName } from "../codec/compression.ts";
import type { Partitioner, PartitionerFn } from "./partitioner.ts";

/** A header value as a user may give it: bytes, a string (sent as UTF-8) or null. */
export type HeaderValue = Uint8Array | string | null;

/** Headers as a list (keys may repeat, as Kafka allows) or as an object of key to value. */
export type ProducerHeaders =
  | readonly { key: string; value: HeaderValue }[]
  | { readonly [key: string]: HeaderValue };

/** A record to send. `key` and `value` go through the serializers when the producer has them. */
export interface ProducerRecord<K = Uint8Array | string | null, V = Uint8Array | string | null> {
  /** The topic to write to. */
  topic: string;
  /** Pick the partition yourself; otherwise the partitioner does. */
  partition?: number;
  /** Decides the partition (murmur2, as Java) unless `partition` is set; `null` or absent for none. */
  key?: K;
  /** `null` is a tombstone. */
  value: V;
  /** Headers, as a list (keys may repeat) or an object. */
  headers?: ProducerHeaders;
  /** Milliseconds since the epoch; defaults to the time of `send`. */
  timestamp?: number;
}

/** Where a record was written. */
export interface RecordMetadata {
  /** The topic written to. */
  topic: string;
  /** The partition written to. */
  partition: number;
  /** The record's offset; -1n for acks=0, which gets no answer. */
  offset: bigint;
  /** The record's timestamp: the broker's append time for LogAppendTime topics, else the record's own. */
  timestamp: number;
}

/**
 * Whether a record is in the log, as librdkafka's message status: `"persisted"` (acknowledged),
 * `"possibly_persisted"` (a request carrying it went out and no answer came back, or acks=0), or
 * `"not_persisted"` (never sent, or refused by the broker with an error that means it was not written).
 */
export type PersistenceStatus = "persisted" | "possibly_persisted" | "not_persisted";

/**
 * Called once per record when it is written or has failed for good; `record.persisted` says whether a
 * failed record may be in the log all the same.
 *
 * @example
 * ```ts
 * const producer = new Producer({
 *   bootstrapServers,
 *   onDelivery: (error, _metadata, record) => {
 *     if (error && record.persisted === "not_persisted") retryLater(record);
 *   },
 * });
 * ```
 */
export type DeliveryCallback = (
  error: Error | null,
  metadata: RecordMetadata | null,
  record: { topic: string; partition: number; persisted: PersistenceStatus },
) => void;

/**
 * Called once when a record handed to `produce()` is written (`metadata` set) or has failed for good
 * (`error` set).
 */
export type ProduceCallback = (error: Error | null, metadata: RecordMetadata | null) => void;

/** Producer settings. Defaults follow the Java client. */
export interface ProducerOptions<K = Uint8Array | string | null, V = Uint8Array | string | null>
  extends ClusterOptions {
  /** Acknowledgements: 0 (none), 1 (leader), `-1`/`"all"` (all in-sync replicas, default). */
  acks?: 0 | 1 | -1 | "all";
  /** Time to wait for more records before sending a batch that is not full. Default 5 ms. */
  lingerMs?: number;
  /** Largest batch per partition, in bytes. Default 16384. */
  batchSize?: number;
  /** Bytes of records the producer may hold before `send` waits. Default 32 MiB. */
  bufferMemory?: number;
  /** How long `send` may wait for buffer space (or metadata) before failing. Default 60 s. */
  maxBlockMs?: number;
  /** Produce requests in flight per broker connection. Default 5. */
  maxInFlightRequestsPerConnection?: number;
  /** Upper bound on the time from `send` to success or failure, retries included. Default 120 s. */
  deliveryTimeoutMs?: number;
  /** Largest Produce request, and so largest record. Default 1 MiB. */
  maxRequestSize?: number;
  /** Compression of record batches. Default `"none"`. */
  compression?: CompressionName;
  /** Exactly-once per partition on retries (producer ids and sequence numbers). Default true. */
  idempotent?: boolean;
  /** Chooses partitions for records without one. Default: murmur2 for keys, sticky for the rest. */
  partitioner?: Partitioner | PartitionerFn;
  /** Turns a key into bytes. Without one, keys must be `Uint8Array`, string or null. */
  keySerializer?: (key: K, topic: string) => Uint8Array | null;
  /** Turns a value into bytes. Without one, values must be `Uint8Array`, string or null. */
  valueSerializer?: (value: V, topic: string) => Uint8Array | null;
  /** Called for every record once it is written or has failed (confluent-kafka's delivery report). */
  onDelivery?: DeliveryCallback;
  /**
   * Makes the producer transactional: records are sent inside `beginTransaction()` /
   * `commitTransaction()`, and a newer producer with the same id fences this one. Implies idempotence.
   */
  transactionalId?: string;
  /** How long the coordinator lets a transaction stay open before it aborts it. Default 60 s. */
  transactionTimeoutMs?: number;
  /**
   * Ask brokers that have `auto.create.topics.enable` to create a topic the producer writes to that does
   * not exist. Default true, as in the Java client.
   */
  allowAutoTopicCreation?: boolean;
}

/** Counters and gauges of one producer. */
export interface ProducerMetrics {
  /** Records acknowledged by the broker. */
  recordsSent: number;
  /** Batch bytes sent (as encoded, after compression). */
  bytesSent: number;
  /** Batches sent. */
  batchesSent: number;
  /** Average records per batch sent. */
  averageBatchRecords: number;
  /** Average bytes per batch sent (as encoded, after compression). */
  averageBatchBytes: number;
  /** Produce requests sent. */
  requestsSent: number;
  /** Batches sent again after a retriable error. */
  retries: number;
  /** Batches that failed for good. */
  errors: number;
  /**
   * Records settled so far, by persistence status: acknowledged (`persisted`; acks=0 counts as
   * `possibly_persisted`) and failed (`possibly_persisted` or `not_persisted`).
   */
  deliveries: Record<PersistenceStatus, number>;
  /** Average time from sending a Produce to its answer, in ms. */
  requestLatencyAvgMs: number;
  /** Longest Produce round trip, in ms. */
  requestLatencyMaxMs: number;
  /** Bytes of `bufferMemory` held by records not yet acknowledged. */
  bufferBytesInUse: number;
  /** The buffer's size (`bufferMemory`). */
  bufferBytesTotal: number;
}
