/**
 * The consumer: a facade over its parts. Settings (settings.ts), subscription state
 * (subscription-state.ts), the fetcher and its buffer (fetcher.ts, fetch-buffer.ts), offset
 * initialisation (offset-init.ts), the committer (committer.ts), the three read modes (read-poll.ts,
 * read-iterator.ts, read-stream.ts) each with its delivery tracker (delivery.ts, stream-tracker.ts), and
 * the rebalance glue (rebalance.ts). Parallel consumption (`parallel()`) lives in parallel/.
 */
import { callPolicy, type RetryPolicy } from "../client/retry.ts";
import { ApiTimeoutError } from "../client/errors.ts";
import { Cluster, type ClusterOptions } from "../client/cluster.ts";
import { CLUSTER_OPTIONS } from "../client/options.ts";
import { checkOffset, checkTimestamp, checkTp, checkTps } from "./args.ts";
import { commitEntry, Committer } from "./committer.ts";
import { ConsumerCounters, Waiters } from "./counters.ts";
import { type DeliveryTracker, PollTracker } from "./delivery.ts";
import { ConsumerClosedError } from "./errors.ts";
import { FetchBuffer } from "./fetch-buffer.ts";
import { Fetcher } from "./fetcher.ts";
import { GroupMembership } from "./group/membership.ts";
import {
  type CloseOptions,
  type CommitEntry,
  type OffsetAndMetadata,
  type TopicPartition,
  tpKey,
} from "./group/types.ts";
import { EARLIEST, LATEST, listOffsets } from "./list-offsets.ts";
import { OffsetInitializer } from "./offset-init.ts";
import { checkConsumerOptions } from "./options.ts";
import { iterate } from "./read-iterator.ts";
import { pollArgs, pollRecords } from "./read-poll.ts";
import { openStream } from "./read-stream.ts";
import type { ReaderHost } from "./reader.ts";
import { RebalanceGlue } from "./rebalance.ts";
import { resolveParallelOptions } from "./parallel/options.ts";
import { type ParallelHost, ParallelRunner } from "./parallel/runner.ts";
import type { ParallelOptions, ParallelRun } from "./parallel/types.ts";
import { type ConsumerSettings, resolveConsumerSettings } from "./settings.ts";
import type { StreamTracker } from "./stream-tracker.ts";
import { type PartitionState, SubscriptionState } from "./subscription-state.ts";
import type {
  CommitOptions,
  ConsumerGroupMetadata,
  ConsumerMetrics,
  ConsumerOptions,
  ConsumerRecord,
  PollOptions,
  StreamOptions,
} from "./types.ts";

/**
 * Reads records from Kafka: assign partitions yourself or subscribe as a member of a group.
 *
 * @example Manual assignment, read as a stream
 * ```ts
 * const consumer = new Consumer({ bootstrapServers: "127.0.0.1:9092", autoOffsetReset: "earliest" });
 * consumer.assign([{ topic: "events", partition: 0 }]);
 * for await (const record of consumer) {
 *   console.log(record.offset, new TextDecoder().decode(record.value!));
 * }
 * ```
 *
 * @example A group member with a poll loop
 * ```ts
 * const consumer = new Consumer({ bootstrapServers: "127.0.0.1:9092", groupId: "billing" });
 * consumer.subscribe(["invoices"]);
 * while (running) {
 *   for (const r of await consumer.poll(1000)) handle(r);
 * }
 * await consumer.close(); // commits, leaves the group
 * ```
 */
export class Consumer<K = Uint8Array | null, V = Uint8Array | null>
  implements AsyncIterable<ConsumerRecord<K, V>> {
  readonly #cluster: Cluster;
  readonly #o: ConsumerSettings<K, V>;
  readonly #subs: SubscriptionState;
  readonly #buffer: FetchBuffer;
  readonly #fetcher: Fetcher;
  readonly #init: OffsetInitializer;
  readonly #committer: Committer;
  readonly #rebalance: RebalanceGlue;
  /** What poll calls (and commit/close outside a stream) count as processed. */
  readonly #poll: PollTracker;
  /** The consumer as its read modes see it. */
  readonly #reader: ReaderHost<K, V>;
  readonly #m = new ConsumerCounters();
  readonly #waiters = new Waiters();
  #group: GroupMembership | undefined;
  #mode: "none" | "assign" | "subscribe" = "none";
  /** The open stream's tracker. */
  #stream: StreamTracker | undefined;
  #error: Error | undefined;
  #closed = false;
  /** The connection options, for the producer a parallel run's dead-letter topic needs. */
  readonly #clusterOptions: ClusterOptions;
  /** The parallel run reading now, if any. */
  #parallel: ParallelRunner<K, V> | undefined;
  /** A parallel run committed (with metadata) what it did: close does not commit positions over it. */
  #parallelUsed = false;
  /** Committed offsets and metadata as last looked up or committed by a parallel run, by partition. */
  readonly #committedSeen = new Map<string, OffsetAndMetadata>();
  readonly #onCorrupt = (e: Error): void => {
    // A corrupt batch: the application sees the error; reading resumes at the same position.
    this.#error = e;
  };

  /** Creates a consumer; it connects on first use. Bad options throw here, naming the option. */
  constructor(options: ConsumerOptions<K, V>) {
    checkConsumerOptions(options);
    const o = resolveConsumerSettings(options);
    this.#o = o;
    this.#cluster = new Cluster({ ...options, clientId: options.clientId ?? "kafka-ts-consumer" });
    const cluster: Record<string, unknown> = {};
    for (const k of Object.keys(CLUSTER_OPTIONS)) {
      const v = (options as unknown as Record<string, unknown>)[k];
      if (v !== undefined) cluster[k] = v;
    }
    this.#clusterOptions = cluster as unknown as ClusterOptions;
    const subs = new SubscriptionState(o.isolationLevel === 1);
    this.#subs = subs;
    this.#buffer = new FetchBuffer(subs, () => this.#waiters.wake(), o.fetchBufferBytes);
    this.#poll = new PollTracker(subs);
    // deno-lint-ignore no-this-alias
    const self = this;
    this.#fetcher = new Fetcher(this.#cluster, o, subs, this.#buffer, this.#m, {
      get closed() {
        return self.#closed;
      },
      get waiting() {
        return self.#waiters.any;
      },
      fail: (e) => this.#fail(e),
      wake: () => this.#waiters.wake(),
      needPositions: () => this.#init.ensure(),
    });
    this.#committer = new Committer(this.#cluster, o, subs, this.#m, {
      group: () => (this.#mode === "subscribe" ? this.#group : undefined),
      beforeAutoCommit: () => this.#stream?.sync(),
    });
    this.#init = new OffsetInitializer(this.#cluster, subs, o.autoOffsetReset, o.isolationLevel, {
      get closed() {
        return self.#closed;
      },
      committed: o.groupId === undefined
        ? undefined
        : (tps) =>
          this.#committer.fetchCommitted(tps).then((found) => {
            // A parallel run skips what the metadata of these commits says is done.
            for (const [k, v] of found) {
              if (v) this.#committedSeen.set(k, v);
              else this.#committedSeen.delete(k);
            }
            return found;
          }),
      fail: (e) => this.#fail(e),
      found: () => {
        this.#fetcher.maybeFetch();
        this.#waiters.wake();
      },
    });
    this.#reader = {
      get closed() {
        return self.#closed;
      },
      subs,
      maxPollRecords: o.maxPollRecords,
      fetchMaxWaitMs: o.fetchMaxWaitMs,
      consumerTimeoutMs: o.consumerTimeoutMs,
      reportEof: o.onPartitionEof ? (outstanding) => this.#reportEof(outstanding) : undefined,
      take: (out, max, from) => this.#take(out, max, from),
      tick: () => this.#tick(),
      failed: () => this.#failed(),
      throwIfFailed: () => this.#throwIfFailed(),
      waitFor: (ms) => this.#waitFor(ms),
    };
    this.#rebalance = new RebalanceGlue(
      subs,
      o.rebalanceListener,
      this.#m,
      this.#committer,
      () => this.#stream?.sync(),
      () => this.#waiters.wake(),
    );
  }

  // ---- Assignment ----

  /**
   * Reads exactly these partitions, without a group (replaces any earlier `assign`). Positions start at
   * the committed offset when there is a `groupId` and one is committed, else per `autoOffsetReset`.
   *
   * @example
   * ```ts
   * consumer.assign([{ topic: "events", partition: 0 }, { topic: "events", partition: 1 }]);
   * ```
   */
  assign(partitions: readonly TopicPartition[]): void {
    this.#checkOpen();
    if (!Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    if (this.#mode === "subscribe") {
      throw new Error("assign: the consumer is subscribed; call unsubscribe() first");
    }
    this.#subs.replace(checkTps(partitions));
    this.#mode = this.#subs.size > 0 ? "assign" : "none";
    this.#committer.start();
    this.#waiters.wake();
  }

  /**
   * Joins the group (`groupId` is required) and reads the partitions it assigns, for these topics or every
   * topic matching a pattern. Joining happens in the background; reading waits for it.
   *
   * @example
   * ```ts
   * consumer.subscribe(["orders", "refunds"]);
   * consumer.subscribe(/^metrics-.*$/);
   * ```
   */
  subscribe(topics: readonly string[] | RegExp): void {
    this.#checkOpen();
    const groupOptions = this.#o.groupOptions;
    if (!groupOptions) throw new TypeError("subscribe needs the groupId option");
    if (!(topics instanceof RegExp)) {
      if (!Array.isArray(topics) || topics.length === 0) {
        throw new TypeError("topics must be a non-empty array of topic names or a RegExp");
      }
      topics.forEach((t, i) => {
        if (typeof t !== "string" || t.length === 0) {
          throw new TypeError(`topics[${i}] must be a non-empty string`);
        }
      });
    }
    if (this.#mode === "assign") {
      throw new Error("subscribe: the consumer has an assignment; assign([]) first");
    }
    this.#group ??= new GroupMembership(this.#cluster, groupOptions, {
      onAssigned: (tps) => this.#rebalance.assigned(tps),
      onRevoked: (tps) => this.#rebalance.revoked(tps, true),
      onLost: (tps) => this.#rebalance.revoked(tps, false),
    });
    this.#mode = "subscribe";
    this.#group.subscribe(topics);
    this.#committer.start();
    this.#waiters.wake();
  }

  /** Leaves the subscription (committing processed records first with auto-commit) or drops the assignment. */
  async unsubscribe(): Promise<void> {
    this.#checkOpen();
    if (this.#group) {
      await this.#group.unsubscribe();
    }
    this.#subs.clear();
    this.#mode = "none";
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    this.#checkOpen();
    return this.#subs.assignment();
  }

  /**
   * The group membership that transactional producers send with the offsets they commit
   * (`sendOffsetsToTransaction`): generation -1 and member id "" while not in the group. Throws without
   * a `groupId`.
   *
   * @example
   * ```ts
   * const { groupId, generationId, memberId } = consumer.groupMetadata();
   * ```
   */
  groupMetadata(): ConsumerGroupMetadata {
    this.#checkOpen();
    const o = this.#o.groupOptions;
    if (!o) throw new TypeError("groupMetadata needs the groupId option");
    const g = this.#mode === "subscribe" ? this.#group : undefined;
    return {
      groupId: o.groupId,
      generationId: g ? g.generationId : -1,
      memberId: g ? g.memberId : "",
      groupInstanceId: o.groupInstanceId ?? null,
    };
  }

  // ---- Positions ----

  /**
   * Reads `tp` from `offset` next. Records of the partition already buffered are dropped; records already
   * in a stream's queue are still delivered.
   *
   * @example
   * ```ts
   * consumer.seek({ topic: "events", partition: 0 }, 1000n);
   * ```
   */
  seek(tp: TopicPartition, offset: bigint): void {
    this.#checkOpen();
    const s = this.#subs.assigned(tp, "tp");
    checkOffset(offset, "offset");
    this.#subs.setPosition(s, offset);
    this.#waiters.wake();
  }

  /** Reads the given partitions (default: all assigned) from their first available offset. */
  seekToBeginning(partitions?: readonly TopicPartition[]): void {
    this.#resetTo(partitions, "earliest");
  }

  /** Reads the given partitions (default: all assigned) from their end: only records written from now on. */
  seekToEnd(partitions?: readonly TopicPartition[]): void {
    this.#resetTo(partitions, "latest");
  }

  /**
   * Moves the position of `tp` by `delta` records (negative goes back; the result is clamped at 0).
   * Resolves with the new position.
   *
   * @example Read the last 10 records again
   * ```ts
   * await consumer.seekRelative({ topic: "events", partition: 0 }, -10n);
   * ```
   */
  async seekRelative(tp: TopicPartition, delta: bigint): Promise<bigint> {
    this.#checkOpen();
    const s = this.#subs.assigned(tp, "tp");
    if (typeof delta !== "bigint") throw new TypeError(`delta must be a bigint, got ${typeof delta}`);
    const at = await this.position(tp);
    let to = at + delta;
    if (to < 0n) to = 0n;
    if (this.#subs.isCurrent(s)) this.#subs.setPosition(s, to);
    this.#waiters.wake();
    return to;
  }

  /**
   * The offset of the next record the consumer will hand over for `tp` (to `poll`, the iterator or the
   * stream), looking it up first when unknown: for up to `defaultApiTimeoutMs`, then it fails with an
   * `ApiTimeoutError`, as in the Java client.
   */
  async position(tp: TopicPartition): Promise<bigint> {
    this.#checkOpen();
    const s = this.#subs.assigned(tp, "tp");
    const deadline = performance.now() + this.#o.defaultApiTimeoutMs;
    while (s.position === null) {
      this.#throwIfFailed();
      this.#checkOpen();
      if (!this.#subs.isCurrent(s)) throw new RangeError(`tp: ${s.key} is no longer assigned`);
      const left = deadline - performance.now();
      if (left <= 0) {
        const last = this.#init.lastFailure;
        throw new ApiTimeoutError(
          `the position of ${s.key} was not found within defaultApiTimeoutMs (${this.#o.defaultApiTimeoutMs} ms)` +
            (last ? `: ${last.message}` : ""),
          { cause: last },
        );
      }
      this.#init.ensure();
      const running = this.#init.running;
      await (running
        ? Promise.race([running, this.#waitFor(left)])
        : this.#waitFor(Math.min(this.#o.retryBackoffMs, left)));
    }
    return s.position;
  }

  /** Stops fetching the partitions until `resume`; buffered records of them are dropped. */
  pause(partitions: readonly TopicPartition[]): void {
    this.#checkOpen();
    if (!Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    partitions.forEach((tp, i) => this.#subs.pause(this.#subs.assigned(tp, `partitions[${i}]`)));
  }

  /** Fetches the partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    this.#checkOpen();
    if (!Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    partitions.forEach((tp, i) => this.#subs.resume(this.#subs.assigned(tp, `partitions[${i}]`)));
    this.#waiters.wake();
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    this.#checkOpen();
    return this.#subs.paused();
  }

  /** The first offset of each partition (log start). Keys are `"topic:partition"`. */
  async beginningOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return await this.#offsetsAt(partitions, EARLIEST);
  }

  /**
   * The end offset of each partition: the high watermark, or the last stable offset under
   * read_committed. Keys are `"topic:partition"`.
   */
  async endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return await this.#offsetsAt(partitions, LATEST);
  }

  /**
   * For each partition, the earliest offset whose timestamp is at or after the given one (ms), with that
   * record's timestamp; null when no such record exists. Keys are `"topic:partition"`.
   *
   * @example
   * ```ts
   * const hourAgo = Date.now() - 3_600_000;
   * const found = await consumer.offsetsForTimes(new Map([["events:0", hourAgo]]));
   * const hit = found.get("events:0");
   * if (hit) consumer.seek({ topic: "events", partition: 0 }, hit.offset);
   * ```
   */
  async offsetsForTimes(
    query: ReadonlyMap<string, number> | readonly (TopicPartition & { timestamp: number })[],
  ): Promise<Map<string, { offset: bigint; timestamp: number } | null>> {
    this.#checkOpen();
    const queries: { tp: TopicPartition; timestamp: bigint }[] = [];
    if (query instanceof Map) {
      for (const [key, ts] of query) {
        const at = typeof key === "string" ? key.lastIndexOf(":") : -1;
        if (at <= 0) throw new TypeError(`offsetsForTimes: key ${String(key)} is not "topic:partition"`);
        const tp = checkTp(
          { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) },
          `query[${key}]`,
        );
        queries.push({ tp, timestamp: checkTimestamp(ts, `query[${key}]`) });
      }
    } else if (Array.isArray(query)) {
      query.forEach((q, i) => {
        queries.push({
          tp: checkTp(q, `query[${i}]`),
          timestamp: checkTimestamp(q.timestamp, `query[${i}].timestamp`),
        });
      });
    } else {
      throw new TypeError('offsetsForTimes: expected a Map of "topic:partition" to ms, or an array');
    }
    const res = await listOffsets(this.#cluster, queries, this.#o.isolationLevel, this.#callPolicy());
    const out = new Map<string, { offset: bigint; timestamp: number } | null>();
    for (const q of queries) {
      const a = res.get(tpKey(q.tp));
      out.set(tpKey(q.tp), a && a.offset >= 0n ? { offset: a.offset, timestamp: a.timestamp } : null);
    }
    return out;
  }

  /** The last committed offsets of the group (`groupId` required); null where none. Keys are `"topic:partition"`. */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, OffsetAndMetadata | null>> {
    this.#checkOpen();
    return await this.#committer.fetchCommitted(checkTps(partitions), this.#callPolicy());
  }

  /** Records between the position of `tp` and its end (last known), or null when either is unknown. */
  lag(tp: TopicPartition): bigint | null {
    this.#checkOpen();
    return this.#subs.lagOf(this.#subs.assigned(tp, "tp"));
  }

  // ---- Reading ----

  /**
   * Waits up to `timeoutMs` (default 1000) for records and returns what is there (at most `maxRecords`,
   * default `maxPollRecords`); `[]` when none came in time. With `waitForAll: true` it waits until
   * `maxRecords` are there or the time is up. Calling `poll` again tells auto-commit that the records of
   * the previous call are processed.
   *
   * @example
   * ```ts
   * const batch = await consumer.poll(1000);
   * for (const r of batch) console.log(r.partition, r.offset);
   * const hundred = await consumer.poll({ maxRecords: 100, timeoutMs: 5000, waitForAll: true });
   * ```
   */
  poll(timeoutMs?: number, maxRecords?: number): Promise<ConsumerRecord<K, V>[]>;
  /** `poll` with its options in one object (see the positional form). */
  poll(options: PollOptions): Promise<ConsumerRecord<K, V>[]>;
  async poll(first: number | PollOptions = 1000, maxRecords?: number): Promise<ConsumerRecord<K, V>[]> {
    const args = pollArgs(first, maxRecords, this.#o.maxPollRecords);
    this.#checkOpen();
    this.#checkNotParallel("poll");
    return await pollRecords(this.#reader, this.#poll, args);
  }

  /**
   * Records one at a time, until the consumer is closed or, with `consumerTimeoutMs`, no record came for
   * that long. Asking for the next record tells auto-commit that the previous one is processed. Breaking
   * out of the loop does not close the consumer.
   */
  [Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    this.#checkNotParallel("iterator");
    return iterate(this.#reader);
  }

  /**
   * A `ReadableStream` of records. Its `pull` fetches only when the consumer's buffer runs low, so piping
   * it into a slow sink holds at most about `fetchBufferBytes` of fetched data plus the stream's own
   * `highWaterMark`. One stream at a time; it ends when the consumer closes.
   *
   * Auto-commit commits, per partition, up to the last record that the stream's reader took before its
   * latest read: a record counts as accepted once the reader asked for the next one. With `pipeTo` that
   * means handed to the `WritableStream` (at-least-once for what the sink's `write` finished, as long as
   * the writable's own queue is empty, which its default `highWaterMark` of 1 keeps to one record).
   *
   * @example
   * ```ts
   * await consumer.stream({ highWaterMark: 100 }).pipeTo(new WritableStream({
   *   async write(record) { await save(record); },
   * }));
   * ```
   */
  stream(options: StreamOptions = {}): ReadableStream<ConsumerRecord<K, V>> {
    this.#checkOpen();
    this.#checkNotParallel("stream");
    if (this.#stream) throw new Error("stream: this consumer already has an open stream");
    return openStream<K, V>(this.#reader, {
      opened: (tracker) => {
        this.#stream = tracker;
      },
      ended: (tracker, cancelled) => this.#endStream(tracker, cancelled),
    }, options);
  }

  /**
   * Handles records in parallel: up to `concurrency` at once (more than the partitions with `"key"` or
   * `"unordered"` ordering), with an async `handler` on this thread or `workers` running `handlerModule`.
   * Offsets are committed per partition below the first record still in flight; the records done above
   * it go into the commit metadata, so the next owner of the partition skips them. Failures are retried
   * per `retry`, then written to `deadLetter.topic` or end the run. The consumer reads nothing else while
   * the run lasts. The result is awaitable: it resolves once `stop()` (or `signal`) ended the run and
   * rejects on a fatal error.
   *
   * @example An async handler
   * ```ts
   * consumer.subscribe(["orders"]);
   * const run = consumer.parallel({
   *   concurrency: 64,
   *   ordering: "key",
   *   handler: async (record) => { await fetch(`https://example.com/orders/${record.offset}`); },
   *   retry: { attempts: 5, backoffMs: 200 },
   *   deadLetter: { topic: "orders-dlt" },
   * });
   * setTimeout(() => run.stop(), 60_000);
   * await run;
   * ```
   *
   * @example CPU-bound work in worker threads
   * ```ts
   * const run = consumer.parallel({ workers: 4, handlerModule: new URL("./resize.ts", import.meta.url) });
   * ```
   */
  parallel(options: ParallelOptions<K, V>): ParallelRun {
    this.#checkOpen();
    const settings = resolveParallelOptions(options, this.#o.autoCommitIntervalMs);
    if (this.#parallel) throw new Error("parallel: this consumer already has a parallel run");
    if (this.#stream) throw new Error("parallel: this consumer has an open stream");
    // deno-lint-ignore no-this-alias
    const self = this;
    const host: ParallelHost<K, V> = {
      reader: this.#reader,
      get canCommit() {
        return self.#o.groupId !== undefined;
      },
      commit: (entries) => this.#committer.commit(entries, true),
      committedFor: (key) => this.#committedSeen.get(key),
      hold: (s, held) => {
        s.held = held;
        if (!held) this.#fetcher.maybeFetch();
      },
      deadLetterProducer: async () => {
        const { Producer } = await import("../producer/producer.ts");
        return new Producer({
          ...this.#clusterOptions,
          clientId: `${this.#clusterOptions.clientId ?? "kafka-ts"}-dlt`,
        });
      },
      workerExecutor: async (exec) => {
        const { WorkerPoolExecutor } = await import("./parallel/worker-pool.ts");
        return await WorkerPoolExecutor.start<K, V>(settings.workers, settings.handlerModule!, exec);
      },
      ended: (run, points) => {
        if (this.#parallel !== run) return;
        this.#parallel = undefined;
        this.#rebalance.handoff = undefined;
        // Reading on (another run, poll) starts at what is not done yet.
        for (const [s, at] of points) {
          this.#committedSeen.set(s.key, at);
          if (!this.#closed && this.#subs.isCurrent(s)) this.#subs.setPosition(s, at.offset);
        }
      },
    };
    this.#parallelUsed = true;
    const run = new ParallelRunner(settings, host);
    this.#parallel = run;
    this.#rebalance.handoff = (states, commit) => run.revoked(states, commit);
    return run;
  }

  // ---- Commits ----

  /** Whether offsets are committed on an interval (`enableAutoCommit` with a `groupId`). */
  get autoCommitEnabled(): boolean {
    this.#checkOpen();
    return this.#committer.auto;
  }

  /**
   * Commits offsets for the group (`groupId` required). Without `offsets`, the position after every record
   * handed over so far (for a stream: taken by its reader). With `async: true` it returns at once and the
   * outcome goes to `onCommit`; otherwise it throws on failure (`CommitFailedError` after a rebalance).
   *
   * @example
   * ```ts
   * await consumer.commit();
   * await consumer.commit({ offsets: [{ topic: "events", partition: 0, offset: 42n }] });
   * await consumer.commit({ async: true });
   * ```
   */
  async commit(options: CommitOptions = {}): Promise<void> {
    this.#checkOpen();
    if (!this.#o.groupId) throw new TypeError("commit needs the groupId option");
    let entries: CommitEntry[];
    if (options.offsets !== undefined) {
      if (!Array.isArray(options.offsets)) throw new TypeError("offsets must be an array");
      entries = options.offsets.map((o, i) => ({
        tp: checkTp(o, `offsets[${i}]`),
        offset: { offset: checkOffset(o.offset, `offsets[${i}].offset`), metadata: o.metadata ?? null },
      }));
    } else {
      entries = this.#consumedEntries();
    }
    if (options.async) {
      void this.#committer.commit(entries, true).catch(() => {});
      return;
    }
    await this.#committer.commit(entries, false, this.#callPolicy());
  }

  /**
   * Commits what was processed (with auto-commit), leaves the group, and disconnects. An open stream ends;
   * a waiting `poll` returns. `groupMembershipOperation: "remain-in-group"` skips the leave (as Java's
   * `CloseOptions`): the group moves the partitions only when the session times out.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    // A parallel run finishes its running records and commits them first.
    await this.#parallel?.stop().catch(() => {});
    this.#committer.stop();
    this.#init.stop();
    // The application is done with everything it took (a parallel run committed what it did itself).
    if (!this.#parallelUsed) (this.#stream ?? this.#poll).acceptAll();
    try {
      await this.#committer.running;
      if (this.#committer.auto && !this.#parallelUsed) await this.#committer.commitAccepted(false);
      if (this.#group) await this.#group.close(options);
    } finally {
      this.#closed = true;
      this.#subs.fence(this.#subs.values());
      this.#buffer.clear();
      if (this.#stream) {
        this.#stream.close();
        this.#stream = undefined;
      }
      this.#waiters.wake();
      await this.#cluster.close();
    }
  }

  /** Counters since the consumer was created, and per-partition lag. */
  metrics(): ConsumerMetrics {
    this.#checkOpen();
    const m = this.#m;
    const lag = new Map<string, bigint>();
    for (const s of this.#subs.values()) {
      const l = this.#subs.lagOf(s);
      if (l !== null) lag.set(s.key, l);
    }
    return {
      recordsConsumed: m.records,
      bytesFetched: m.bytes,
      fetchRequests: m.fetches,
      fetchLatencyAvgMs: m.fetches ? m.latencySum / m.fetches : 0,
      fetchLatencyMaxMs: m.latencyMax,
      bufferedBytes: this.#fetcher.held,
      bufferedBytesMax: m.heldMax,
      lag,
      rebalances: m.rebalances,
      commits: m.commits,
      commitErrors: m.commitErrors,
    };
  }

  // ---- Internals ----

  #checkOpen(): void {
    if (this.#closed) throw new ConsumerClosedError("consumer is closed");
  }

  #checkNotParallel(what: string): void {
    if (this.#parallel) throw new Error(`${what}: a parallel run reads from this consumer; stop it first`);
  }

  #throwIfFailed(): void {
    const fatal = this.#group?.failure;
    if (fatal) throw fatal;
    const e = this.#error;
    if (e) {
      this.#error = undefined;
      throw e;
    }
  }

  #failed(): boolean {
    return this.#error !== undefined || this.#group?.failure !== undefined;
  }

  /**
   * Tells `onPartitionEof` of partitions read to their end with nothing `outstanding`. Its error goes to
   * the reader at its next read, after the records it already has.
   */
  #reportEof(outstanding: (s: PartitionState) => boolean): void {
    const cb = this.#o.onPartitionEof;
    if (!cb) return;
    for (const s of this.#subs.reachedEnd(outstanding)) {
      try {
        cb({ topic: s.tp.topic, partition: s.tp.partition, offset: s.position! });
      } catch (e) {
        this.#fail(e as Error);
      }
    }
  }

  #fail(e: Error): void {
    this.#error ??= e;
    this.#waiters.wake();
  }

  #resetTo(partitions: readonly TopicPartition[] | undefined, to: "earliest" | "latest"): void {
    this.#checkOpen();
    if (partitions !== undefined && !Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    const list = partitions === undefined
      ? [...this.#subs.values()]
      : partitions.map((tp, i) => this.#subs.assigned(tp, `partitions[${i}]`));
    for (const s of list) this.#subs.resetPosition(s, to);
    this.#waiters.wake();
  }

  /** The retries of one call a user waits on: until `defaultApiTimeoutMs` from now, as in the Java client. */
  #callPolicy(): RetryPolicy {
    return callPolicy(this.#cluster.retryOptions, this.#o.defaultApiTimeoutMs);
  }

  #offsetsAt(partitions: readonly TopicPartition[], at: bigint): Promise<Map<string, bigint>> {
    this.#checkOpen();
    const queries = checkTps(partitions).map((tp) => ({ tp, timestamp: at }));
    return listOffsets(this.#cluster, queries, this.#o.isolationLevel, this.#callPolicy()).then((res) => {
      const out = new Map<string, bigint>();
      for (const [k, v] of res) out.set(k, v.offset);
      return out;
    });
  }

  /** Positions handed over so far (for a stream: taken by its reader), as commit entries. */
  #consumedEntries(): CommitEntry[] {
    this.#stream?.sync();
    const tracker: DeliveryTracker = this.#stream ?? this.#poll;
    const out: CommitEntry[] = [];
    for (const s of this.#subs.values()) {
      const at = tracker.consumedAt(s);
      if (at) out.push(commitEntry(s.tp, at.offset, at.leaderEpoch));
    }
    return out;
  }

  #endStream(tracker: StreamTracker, cancelled: boolean): void {
    if (this.#stream !== tracker) return;
    // After a cancel, desiredSize no longer tells what the reader took: count nothing more as taken.
    if (!cancelled) tracker.sync();
    this.#stream = undefined;
    if (!cancelled) return;
    const back = tracker.rewind();
    for (const [s, offset] of back) this.#subs.setPosition(s, offset);
    if (back.size > 0) this.#waiters.wake();
  }

  #tick(): void {
    this.#group?.pollTick();
  }

  /** Starts what is needed for records to arrive, then waits for news or `ms`. */
  #waitFor(ms: number): Promise<void> {
    this.#fetcher.maybeFetch();
    return this.#waiters.wait(ms);
  }

  /** Moves up to `max` records from the buffer into `out`, advancing positions. */
  #take(out: ConsumerRecord<K, V>[], max: number, from?: PartitionState[]): void {
    const before = out.length;
    const fetch = this.#buffer.take(
      out,
      max,
      this.#o.keyDeserializer,
      this.#o.valueDeserializer,
      this.#onCorrupt,
      from,
    );
    this.#m.records += out.length - before;
    if (fetch) this.#fetcher.maybeFetch();
  }
}
