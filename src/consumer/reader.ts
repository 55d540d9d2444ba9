/** What the three read modes (poll, the iterator, the stream) need from the consumer. */
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";
import type { ConsumerRecord } from "./types.ts";

/** The consumer as a read mode sees it. */
export interface ReaderHost<K, V> {
  readonly closed: boolean;
  readonly subs: SubscriptionState;
  readonly maxPollRecords: number;
  readonly fetchMaxWaitMs: number;
  /** The iterator and the stream end after this long without a record; undefined: never. */
  readonly consumerTimeoutMs: number | undefined;
  /** Reports partitions read to their end (`outstanding`: still in the reader's hands); undefined: off. */
  readonly reportEof: ((outstanding: (s: PartitionState) => boolean) => void) | undefined;
  /** Moves up to `max` records into `out`, their partitions into `from`. */
  take(out: ConsumerRecord<K, V>[], max: number, from?: PartitionState[]): void;
  /** The application is reading: keeps the group member alive. */
  tick(): void;
  /** Whether a failure waits for the reader. */
  failed(): boolean;
  /** Throws the failure a reader is to see, if any. */
  throwIfFailed(): void;
  /** Starts fetching what is needed, then waits for news or `ms`. */
  waitFor(ms: number): Promise<void>;
}

/** No partition has records in the reader's hands. */
export const NOTHING_OUTSTANDING = (_s: PartitionState): boolean => false;
