/**
 * The consumer's options with their defaults filled in (those of the Java client). The checks of each
 * option's type and range are the tables in options.ts; this adds what depends on several options.
 */
import type { GroupOptions } from "./group/types.ts";
import type {
  CommitCallback,
  ConsumerOptions,
  ConsumerRebalanceListener,
  Deserializer,
  PartitionEofCallback,
} from "./types.ts";

/** Every setting the consumer's parts read, resolved once at construction. */
export interface ConsumerSettings<K = Uint8Array | null, V = Uint8Array | null> {
  autoOffsetReset: "earliest" | "latest" | "none";
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  maxPartitionFetchBytes: number;
  fetchMaxBytes: number;
  fetchBufferBytes: number;
  /** 0 read_uncommitted, 1 read_committed (the protocol's values). */
  isolationLevel: 0 | 1;
  checkCrcs: boolean;
  maxPollRecords: number;
  retryBackoffMs: number;
  /** How long a call the user waits on (commit, committed, position, offset look-ups) may retry. */
  defaultApiTimeoutMs: number;
  groupId: string | undefined;
  /** What group membership needs; undefined without a groupId. */
  groupOptions: GroupOptions | undefined;
  keyDeserializer: Deserializer<K> | undefined;
  valueDeserializer: Deserializer<V> | undefined;
  onCommit: CommitCallback | undefined;
  rebalanceListener: ConsumerRebalanceListener | undefined;
  /** The iterator and the stream end after this long without a record; undefined: never. */
  consumerTimeoutMs: number | undefined;
  /** Told of partitions read to their end; undefined when `partitionEof` is off. */
  onPartitionEof: PartitionEofCallback | undefined;
}

function intOption(o: Record<string, unknown>, field: string, dflt: number, min = 0): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Fills in defaults; throws a `TypeError`/`RangeError` naming a bad option. */
export function resolveConsumerSettings<K, V>(options: ConsumerOptions<K, V>): ConsumerSettings<K, V> {
  const o = options as unknown as Record<string, unknown>;
  const reset = options.autoOffsetReset ?? "latest";
  if (reset !== "earliest" && reset !== "latest" && reset !== "none") {
    throw new RangeError(`autoOffsetReset must be "earliest", "latest" or "none", got ${String(reset)}`);
  }
  const iso = options.isolationLevel ?? "read_uncommitted";
  if (iso !== "read_uncommitted" && iso !== "read_committed") {
    throw new RangeError(
      `isolationLevel must be "read_uncommitted" or "read_committed", got ${String(iso)}`,
    );
  }
  if (options.groupId !== undefined && (typeof options.groupId !== "string" || options.groupId === "")) {
    throw new TypeError("groupId must be a non-empty string");
  }
  for (const f of ["keyDeserializer", "valueDeserializer", "onCommit"] as const) {
    if (options[f] !== undefined && typeof options[f] !== "function") {
      throw new TypeError(`${f} must be a function`);
    }
  }
  if (options.partitionEof === true && typeof options.onPartitionEof !== "function") {
    throw new TypeError("partitionEof: true needs onPartitionEof, the function told of each partition's end");
  }
  const fetchMaxBytes = intOption(o, "fetchMaxBytes", 50 * 1024 * 1024, 1);
  return {
    autoOffsetReset: reset,
    enableAutoCommit: options.enableAutoCommit ?? true,
    autoCommitIntervalMs: intOption(o, "autoCommitIntervalMs", 5000, 1),
    fetchMinBytes: intOption(o, "fetchMinBytes", 1, 0),
    fetchMaxWaitMs: intOption(o, "fetchMaxWaitMs", 500, 0),
    maxPartitionFetchBytes: intOption(o, "maxPartitionFetchBytes", 1024 * 1024, 1),
    fetchMaxBytes,
    fetchBufferBytes: intOption(o, "fetchBufferBytes", fetchMaxBytes, 1),
    isolationLevel: iso === "read_committed" ? 1 : 0,
    checkCrcs: options.checkCrcs ?? true,
    maxPollRecords: intOption(o, "maxPollRecords", 500, 1),
    retryBackoffMs: intOption(o, "retryBackoffMs", 100, 0),
    defaultApiTimeoutMs: intOption(o, "defaultApiTimeoutMs", 60_000, 1),
    groupId: options.groupId,
    groupOptions: options.groupId === undefined ? undefined : {
      groupId: options.groupId,
      groupInstanceId: options.groupInstanceId,
      groupProtocol: options.groupProtocol,
      sessionTimeoutMs: options.sessionTimeoutMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      maxPollIntervalMs: options.maxPollIntervalMs,
      partitionAssignmentStrategy: options.partitionAssignmentStrategy,
      groupRemoteAssignor: options.groupRemoteAssignor,
      rackId: options.rackId,
    },
    keyDeserializer: options.keyDeserializer,
    valueDeserializer: options.valueDeserializer,
    onCommit: options.onCommit,
    rebalanceListener: options.rebalanceListener,
    consumerTimeoutMs: options.consumerTimeoutMs === undefined
      ? undefined
      : intOption(o, "consumerTimeoutMs", 0, 0),
    onPartitionEof: options.partitionEof === false ? undefined : options.onPartitionEof,
  };
}
