/** Public types of the consumer. */
import type { ClusterOptions } from "../client/cluster.ts";
import type { RecordHeader, TimestampType } from "../protocol/record-batch.ts";
import type { GroupOptions, OffsetAndMetadata, TopicPartition } from "./group/types.ts";

/** A record as the consumer hands it over. Keys, values and header values are views into fetched bytes. */
export interface ConsumerRecord<K = Uint8Array | null, V = Uint8Array | null> {
  /** Topic of the record. */
  topic: string;
  /** Partition of the record. */
  partition: number;
  /** Offset in its partition. */
  offset: bigint;
  /** Milliseconds since the epoch (create time, or log-append time; see `timestampType`). */
  timestamp: number;
  /** 0 = CreateTime, 1 = LogAppendTime. */
  timestampType: TimestampType;
  /** Key bytes (or what the key deserializer made of them). */
  key: K;
  /** Value bytes (or what the value deserializer made of them); null for a tombstone. */
  value: V;
  /** Headers in order; keys may repeat. */
  headers: RecordHeader[];
  /** Leader epoch of the batch the record came in, or -1. */
  leaderEpoch: number;
}

/** Turns key or value bytes into something else; called once per record, on the consuming path. */
export type Deserializer<T> = (data: Uint8Array | null, topic: string, headers: RecordHeader[]) => T;

/** Called after every commit attempt that the consumer makes on its own or was asked to make async. */
export type CommitCallback = (
  error: Error | null,
  offsets: Map<string, OffsetAndMetadata & TopicPartition>,
) => void;

/** A partition read up to its end: every record before `offset` (the end) was handed over and processed. */
export interface PartitionEof {
  /** Topic of the partition. */
  topic: string;
  /** The partition. */
  partition: number;
  /** The end offset reached: the high watermark, or the last stable offset under read_committed. */
  offset: bigint;
}

/** Told that a partition was read up to its end (see `partitionEof`). */
export type PartitionEofCallback = (eof: PartitionEof) => void;

/** Told about partitions moving; each call is awaited before the consumer goes on. */
export interface ConsumerRebalanceListener {
  /** Partitions just assigned; positions are not yet looked up. */
  onAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions about to be taken away; offsets of processed records are committed after this returns. */
  onRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions taken away without the chance to commit (session lost, fenced). */
  onLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** Consumer settings. Defaults follow the Java client. */
export interface ConsumerOptions<K = Uint8Array | null, V = Uint8Array | null>
  extends ClusterOptions, Partial<GroupOptions> {
  /** Where to start when there is no committed offset, or the position is out of range. Default "latest". */
  autoOffsetReset?: "earliest" | "latest" | "none";
  /** Commit consumed offsets on an interval (needs `groupId`). Default true. */
  enableAutoCommit?: boolean;
  /** Default 5000 ms. */
  autoCommitIntervalMs?: number;
  /**
   * How long `commit()`, `committed()`, `position()`, `beginningOffsets()`, `endOffsets()` and
   * `offsetsForTimes()` may take, retries included (the Java client's `default.api.timeout.ms`): they retry
   * retriable errors until then and then fail with an `ApiTimeoutError` (`cause`: the last error). Default
   * 60 s.
   */
  defaultApiTimeoutMs?: number;
  /** The broker answers a fetch once it has this many bytes (or `fetchMaxWaitMs` passed). Default 1. */
  fetchMinBytes?: number;
  /** Longest time the broker holds a fetch waiting for `fetchMinBytes`. Default 500 ms. */
  fetchMaxWaitMs?: number;
  /** Most bytes per partition in one fetch answer. Default 1 MiB. */
  maxPartitionFetchBytes?: number;
  /** Most bytes in one fetch answer. Default 50 MiB. */
  fetchMaxBytes?: number;
  /**
   * Most fetched bytes the consumer holds, buffered and asked for. Default `fetchMaxBytes`. It never asks
   * for more once this much is held or in flight (one oversized batch may exceed it, as Kafka always
   * returns at least one batch). Compressed batches decompressed ahead of the reader (gzip on Bun and
   * Workers, or a codec of your own with `decompressAsync`) add at most as much again, and at most 32 MiB.
   */
  fetchBufferBytes?: number;
  /** "read_committed" hides records of aborted and open transactions. Default "read_uncommitted". */
  isolationLevel?: "read_uncommitted" | "read_committed";
  /**
   * Check each fetched batch's CRC32C, and fail the read with `CorruptRecordError` when it does not match.
   * Default true, as the Java client (`check.crcs`); librdkafka's default is false. Checking is the largest
   * single cost of reading uncompressed records.
   */
  checkCrcs?: boolean;
  /** Most records one `poll` returns. Default 500. */
  maxPollRecords?: number;
  /** Turns key bytes into keys. */
  keyDeserializer?: Deserializer<K>;
  /** Turns value bytes into values. */
  valueDeserializer?: Deserializer<V>;
  /** Called after each automatic or async commit (confluent-kafka's `on_commit`). */
  onCommit?: CommitCallback;
  /** Told about partitions assigned, revoked or lost in a group. */
  rebalanceListener?: ConsumerRebalanceListener;
  /**
   * The iterator and the stream end (done, not an error) after this long without a record, in ms
   * (kafka-python's `consumer_timeout_ms`); a stream once its reader has also taken what it queued. The
   * consumer stays open: read on with a new iterator or stream. Default: they wait until the consumer closes.
   */
  consumerTimeoutMs?: number;
  /**
   * Report each time a partition is read up to its end (librdkafka's `enable.partition.eof`) to
   * `onPartitionEof`. Default: true when `onPartitionEof` is given.
   */
  partitionEof?: boolean;
  /**
   * Called, from within `poll`, the iterator or the stream's pull, once a partition's position reaches its
   * end and the reader is done with every record before it: with `poll` at the next call, with the iterator
   * when the next record is asked for, with a stream once its reader took them. Once per end reached; again
   * after new records arrive and are read to the end. An error it throws reaches the reader.
   */
  onPartitionEof?: PartitionEofCallback;
}

/** Options of `consumer.poll()`. */
export interface PollOptions {
  /** Longest wait for records, in ms. Default 1000. */
  timeoutMs?: number;
  /** Most records returned. Default `maxPollRecords`. */
  maxRecords?: number;
  /**
   * Wait until `maxRecords` records are there (or `timeoutMs` passed, or the consumer closes) instead of
   * returning as soon as any are (kafka-python's `get_messages(count, block, timeout)`). Default false.
   */
  waitForAll?: boolean;
}

/** Options of `consumer.stream()`. */
export interface StreamOptions {
  /** Records (or bytes, with `unit: "bytes"`) the stream's own queue holds ahead of its reader. Default 1000 records. */
  highWaterMark?: number;
  /** What `highWaterMark` counts: records (default) or bytes of keys and values. */
  unit?: "records" | "bytes";
}

/** Options of `consumer.commit()`. */
export interface CommitOptions {
  /** What to commit; default: the position after every record handed over so far. */
  offsets?: readonly { topic: string; partition: number; offset: bigint; metadata?: string | null }[];
  /** Do not wait: the result goes to `onCommit`. */
  async?: boolean;
}

/** Counters and gauges of one consumer. */
export interface ConsumerMetrics {
  /** Records handed to the application. */
  recordsConsumed: number;
  /** Record bytes fetched (as on the wire, before decompression). */
  bytesFetched: number;
  /** Fetch requests sent. */
  fetchRequests: number;
  /** Average time from sending a fetch to its answer, in ms. */
  fetchLatencyAvgMs: number;
  /** Longest fetch, in ms. */
  fetchLatencyMaxMs: number;
  /** Fetched bytes held now: answers not yet handed over plus the size limits of fetches in flight. */
  bufferedBytes: number;
  /** The largest `bufferedBytes` seen. */
  bufferedBytesMax: number;
  /** Per partition (`"topic:partition"`), the high watermark (or last stable offset) minus the position. */
  lag: Map<string, bigint>;
  /** Rebalance listener calls (assigned, revoked and lost). */
  rebalances: number;
  /** Commits that succeeded and failed. */
  commits: number;
  /** Commits that failed. */
  commitErrors: number;
}

/**
 * Who a group member is, for `producer.sendOffsetsToTransaction`: the group coordinator refuses offsets
 * from a member whose generation has passed, which fences a consumer that lost its partitions.
 */
export interface ConsumerGroupMetadata {
  /** The group. */
  groupId: string;
  /** Generation id (classic protocol) or member epoch (KIP-848); -1 for a consumer that assigns itself. */
  generationId: number;
  /** Member id; "" for a consumer that assigns itself. */
  memberId: string;
  /** Static membership id, or null. */
  groupInstanceId: string | null;
}
