/** One record on its way through a parallel run, and what runs handlers for a batch of them. */
import type { PartitionState } from "../subscription-state.ts";
import type { ConsumerRecord } from "../types.ts";
import type { OffsetTracker } from "./offset-tracker.ts";

/** A partition as a parallel run sees it. */
export interface Part {
  readonly s: PartitionState;
  readonly tracker: OffsetTracker;
  /** Items of the partition running, waiting for a retry or being dead-lettered. */
  inHand: number;
  /** Items waiting for a retry (their timers), so that a revocation can drop them. */
  readonly waiting: Set<Work<unknown, unknown>>;
  /** Revoked, lost or stopped: completions no longer count. */
  closed: boolean;
  /** What was committed last (offset and metadata), to skip commits that change nothing. */
  committedOffset: bigint;
  committedMeta: string;
}

/** A record to handle. */
export interface Work<K, V> {
  /** The dispatcher's lane: partition, key, or null. */
  readonly lane: string | null;
  readonly record: ConsumerRecord<K, V>;
  readonly part: Part;
  /** Key and value bytes, for the in-flight byte limit. */
  readonly bytes: number;
  /** Attempts made so far. */
  attempts: number;
  /** The retry timer while waiting. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** What an executor reports back for each item it was given. */
export interface ExecutorHost<K, V> {
  ok(w: Work<K, V>): void;
  failed(w: Work<K, V>, error: unknown): void;
}

/** Runs handlers: on this thread, or in workers. */
export interface Executor<K, V> {
  /** Starts every item of the batch; each one is reported back once through the host. */
  run(batch: Work<K, V>[]): void;
  /** Releases what it holds (workers); items still running are not reported. */
  close(): Promise<void>;
}

/** Runs an async handler on this thread. */
export class InlineExecutor<K, V> implements Executor<K, V> {
  readonly #handler: (r: ConsumerRecord<K, V>) => void | Promise<void>;
  readonly #host: ExecutorHost<K, V>;

  constructor(handler: (r: ConsumerRecord<K, V>) => void | Promise<void>, host: ExecutorHost<K, V>) {
    this.#handler = handler;
    this.#host = host;
  }

  run(batch: Work<K, V>[]): void {
    for (let i = 0; i < batch.length; i++) void this.#one(batch[i]);
  }

  async #one(w: Work<K, V>): Promise<void> {
    try {
      await this.#handler(w.record);
    } catch (e) {
      this.#host.failed(w, e);
      return;
    }
    this.#host.ok(w);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
