/** Public types of parallel consumption (`consumer.parallel()`). */
import type { ConsumerRecord } from "../types.ts";

/**
 * Which records may run at the same time: `"key"` one record per key at a time, in offset order (records
 * without a key: per partition); `"partition"` one per partition; `"unordered"` any, up to `concurrency`.
 */
export type ParallelOrdering = "key" | "partition" | "unordered";

/** Handles one record; a throw or rejection is a failure, retried per `retry`. */
export type ParallelHandler<K = Uint8Array | null, V = Uint8Array | null> = (
  record: ConsumerRecord<K, V>,
) => void | Promise<void>;

/** How failing records are tried again. */
export interface ParallelRetryOptions {
  /** Attempts in all, the first included. Default Infinity (Parallel Consumer retries for ever). */
  attempts?: number;
  /** Wait before the second attempt, ms. Default 100. */
  backoffMs?: number;
  /** Longest wait, ms. Default 10000. */
  maxBackoffMs?: number;
  /** Growth of the wait per attempt. Default 2. */
  multiplier?: number;
  /** Random share of each wait, 0..1. Default 0.2. */
  jitter?: number;
}

/** What a dead-letter topic is written with: anything with the producer's `send`. */
export interface DeadLetterSender {
  /** Writes one record; rejects when it could not be written. */
  send(record: {
    topic: string;
    key?: Uint8Array | null;
    value: Uint8Array | null;
    headers?: { key: string; value: Uint8Array | null }[];
  }): Promise<unknown>;
  /** Not called by the run: a producer you give stays yours to close. */
  close?(): Promise<void>;
}

/** Where records go whose handler keeps failing. */
export interface DeadLetterOptions {
  /** The topic; each record keeps its key, value and headers and gains `kafka-ts.dlt.*` headers. */
  topic: string;
  /** The producer to write with; default: one made from the consumer's connection options, closed at stop. */
  producer?: DeadLetterSender;
}

/** Options of `consumer.parallel()`. Give either `handler`, or `workers` with `handlerModule`. */
export interface ParallelOptions<K = Uint8Array | null, V = Uint8Array | null> {
  /** The async handler, run on this thread. */
  handler?: ParallelHandler<K, V>;
  /** Worker threads to run `handlerModule` in (for CPU-bound handlers). */
  workers?: number;
  /**
   * URL of a module exporting `handler` (or a default export) taking a record with `Uint8Array` key and
   * value; loaded in each worker. Needs `workers`; records must not use deserializers.
   */
  handlerModule?: string | URL;
  /** Records handled at once (Parallel Consumer's `maxConcurrency`). Default 16. */
  concurrency?: number;
  /** Default `"key"` (as Parallel Consumer's `ordering`). */
  ordering?: ParallelOrdering;
  /** Most records taken and not yet done; fetching pauses at this. Default max(1000, 4 × concurrency). */
  maxInFlightRecords?: number;
  /**
   * Most key and value bytes taken and not yet done. Default 64 MiB. Checked before each take from the
   * fetched records, so one take (at most `maxPollRecords` records) may go past it.
   */
  maxInFlightBytes?: number;
  /** How often offsets are committed, ms (Parallel Consumer's `commitInterval`). Default the consumer's autoCommitIntervalMs. */
  commitIntervalMs?: number;
  /** Retry policy for failing records. */
  retry?: ParallelRetryOptions;
  /** Records that fail every attempt go here and count as done; without it such a record stops the run. */
  deadLetter?: DeadLetterOptions;
  /** On revocation, `"finish"` (default) waits for running records of the partitions, `"abandon"` does not. */
  onRevoke?: "finish" | "abandon";
  /** Most characters of commit metadata per partition (brokers default to 4096 bytes). Default 4000. */
  maxMetadataChars?: number;
  /** Aborting it stops the run as `stop()` does. */
  signal?: AbortSignal;
}

/** Counters of a parallel run. */
export interface ParallelStats {
  /** Records whose handler succeeded. */
  handled: number;
  /** Handler failures (each attempt). */
  failures: number;
  /** Records written to the dead-letter topic. */
  deadLettered: number;
  /** Records skipped because an earlier owner had done them (commit metadata). */
  skipped: number;
  /** Records taken and not yet done. */
  inFlight: number;
  /** Records that were running when their partition was revoked (finished or abandoned per `onRevoke`). */
  runningAtRevoke: number;
}

/** A running parallel consumption: await it (resolves once stopped, rejects on a fatal error). */
export interface ParallelRun extends PromiseLike<void> {
  /** Stops taking records, lets running ones finish, commits, and resolves when done. */
  stop(): Promise<void>;
  /** Counters so far. */
  stats(): ParallelStats;
}
