/**
 * The consumer: one Fetch per broker for all of its assigned, unpaused partitions; answers kept as raw
 * bytes and decoded a batch at a time as records are taken; positions, seeks and offset look-ups;
 * commits (automatic, sync, async); and the three ways to read: `poll`, `for await` and `stream()`.
 */
import { Cluster } from "../client/cluster.ts";
import { isRetriable } from "../client/retry.ts";
import { ERR, KafkaError, needsMetadataRefresh } from "../protocol/errors.ts";
import { Fetch, type FetchRequest, type FetchResponse } from "../protocol/messages/fetch.ts";
import {
  Chunk,
  newPartitionState,
  nextOffsetAfter,
  type PartitionState,
  withCodecsLoaded,
} from "./fetch-buffer.ts";
import { ConsumerClosedError, NoOffsetForPartitionError, OffsetOutOfRangeError } from "./errors.ts";
import { EARLIEST, LATEST, listOffsets } from "./list-offsets.ts";
import { GroupMembership } from "./group/membership.ts";
import { commitOffsetsStandalone, fetchCommittedStandalone } from "./group/offsets.ts";
import {
  type CloseOptions,
  type CommitEntry,
  CommitFailedError,
  type GroupOptions,
  type OffsetAndMetadata,
  type TopicPartition,
  tpKey,
} from "./group/types.ts";
import type {
  CommitCallback,
  CommitOptions,
  ConsumerGroupMetadata,
  ConsumerMetrics,
  ConsumerOptions,
  ConsumerRebalanceListener,
  ConsumerRecord,
  Deserializer,
  StreamOptions,
} from "./types.ts";
import { checkConsumerOptions } from "./options.ts";

interface Resolved {
  autoOffsetReset: "earliest" | "latest" | "none";
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  maxPartitionFetchBytes: number;
  fetchMaxBytes: number;
  fetchBufferBytes: number;
  isolationLevel: number;
  maxPollRecords: number;
  retryBackoffMs: number;
}

function intOption(o: Record<string, unknown>, field: string, dflt: number, min = 0): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

function checkTp(tp: unknown, field: string): TopicPartition {
  if (typeof tp !== "object" || tp === null) throw new TypeError(`${field} must be { topic, partition }`);
  const { topic, partition } = tp as TopicPartition;
  if (typeof topic !== "string" || topic.length === 0) {
    throw new TypeError(`${field}.topic must be a non-empty string`);
  }
  if (typeof partition !== "number" || !Number.isInteger(partition) || partition < 0) {
    throw new RangeError(`${field}.partition must be an integer >= 0, got ${String(partition)}`);
  }
  return { topic, partition };
}

function checkOffset(offset: unknown, field: string): bigint {
  if (typeof offset !== "bigint") throw new TypeError(`${field} must be a bigint, got ${typeof offset}`);
  if (offset < 0n) throw new RangeError(`${field} must be >= 0n, got ${offset}`);
  return offset;
}

/** The unit the stream's highWaterMark counts in bytes mode: key and value bytes, at least 1. */
function recordBytes(r: { key: unknown; value: unknown }): number {
  const k = r.key instanceof Uint8Array ? r.key.length : 0;
  const v = r.value instanceof Uint8Array ? r.value.length : 0;
  return k + v + 1;
}

/** Records handed to the active stream and not yet known to be taken by its reader, oldest first. */
class StreamLedger {
  readonly controller: ReadableStreamDefaultController<unknown>;
  readonly highWaterMark: number;
  readonly bytes: boolean;
  states: PartitionState[] = [];
  epochs: number[] = [];
  next: bigint[] = [];
  sizes: number[] = [];
  head = 0;
  /** Sum of `sizes` from `head` on. */
  queued = 0;
  /** The last record the reader took: counted as accepted once the reader takes another (or at close). */
  pending: { state: PartitionState; epoch: number; next: bigint } | undefined;
  constructor(controller: ReadableStreamDefaultController<unknown>, highWaterMark: number, bytes: boolean) {
    this.controller = controller;
    this.highWaterMark = highWaterMark;
    this.bytes = bytes;
  }
}

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
  readonly #o: Resolved;
  readonly #groupId: string | undefined;
  readonly #groupOptions: GroupOptions | undefined;
  readonly #keyDeserializer: Deserializer<K> | undefined;
  readonly #valueDeserializer: Deserializer<V> | undefined;
  readonly #onCommit: CommitCallback | undefined;
  readonly #listener: ConsumerRebalanceListener | undefined;
  #group: GroupMembership | undefined;
  #mode: "none" | "assign" | "subscribe" = "none";
  readonly #states = new Map<string, PartitionState>();
  /** Fetched chunks in arrival order; `#head` is the next one to take from. */
  #queue: (Chunk | undefined)[] = [];
  #head = 0;
  /** Brokers with a fetch in flight, and the bytes each may bring back. */
  readonly #inFlight = new Map<number, number>();
  #reserved = 0;
  #buffered = 0;
  #bufferedMax = 0;
  #rotate = 0;
  #waiters: (() => void)[] = [];
  #error: Error | undefined;
  #initializing: Promise<void> | undefined;
  readonly #metadataRequests = new Map<string, Promise<unknown>>();
  #ready: Promise<void> | undefined;
  #autoCommitTimer: ReturnType<typeof setInterval> | undefined;
  #autoCommitting: Promise<void> | undefined;
  #ledger: StreamLedger | undefined;
  /** The partition of the record the iterator last returned: accepted when the iterator is asked again. */
  #iterPrev: PartitionState | undefined;
  #closed = false;
  readonly #m = {
    records: 0,
    bytes: 0,
    fetches: 0,
    latencySum: 0,
    latencyMax: 0,
    rebalances: 0,
    commits: 0,
    commitErrors: 0,
  };

  /** Creates a consumer; it connects on first use. Bad options throw here, naming the option. */
  constructor(options: ConsumerOptions<K, V>) {
    checkConsumerOptions(options);
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
    const fetchMaxBytes = intOption(o, "fetchMaxBytes", 50 * 1024 * 1024, 1);
    this.#o = {
      autoOffsetReset: reset,
      enableAutoCommit: options.enableAutoCommit ?? true,
      autoCommitIntervalMs: intOption(o, "autoCommitIntervalMs", 5000, 1),
      fetchMinBytes: intOption(o, "fetchMinBytes", 1, 0),
      fetchMaxWaitMs: intOption(o, "fetchMaxWaitMs", 500, 0),
      maxPartitionFetchBytes: intOption(o, "maxPartitionFetchBytes", 1024 * 1024, 1),
      fetchMaxBytes,
      fetchBufferBytes: intOption(o, "fetchBufferBytes", fetchMaxBytes, 1),
      isolationLevel: iso === "read_committed" ? 1 : 0,
      maxPollRecords: intOption(o, "maxPollRecords", 500, 1),
      retryBackoffMs: intOption(o, "retryBackoffMs", 100, 0),
    };
    for (const f of ["keyDeserializer", "valueDeserializer", "onCommit"] as const) {
      if (options[f] !== undefined && typeof options[f] !== "function") {
        throw new TypeError(`${f} must be a function`);
      }
    }
    this.#keyDeserializer = options.keyDeserializer;
    this.#valueDeserializer = options.valueDeserializer;
    this.#onCommit = options.onCommit;
    this.#listener = options.rebalanceListener;
    this.#groupId = options.groupId;
    if (options.groupId !== undefined) {
      this.#groupOptions = {
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
      };
    }
    this.#cluster = new Cluster({ ...options, clientId: options.clientId ?? "kafka-ts-consumer" });
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
    const wanted = new Map<string, TopicPartition>();
    partitions.forEach((tp, i) => {
      const c = checkTp(tp, `partitions[${i}]`);
      wanted.set(tpKey(c), c);
    });
    for (const [key, s] of this.#states) {
      if (!wanted.has(key)) this.#removeState(s);
    }
    for (const [key, tp] of wanted) {
      if (!this.#states.has(key)) this.#states.set(key, newPartitionState(tp));
    }
    this.#mode = wanted.size > 0 ? "assign" : "none";
    this.#startAutoCommit();
    this.#wake();
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
    if (!this.#groupOptions) throw new TypeError("subscribe needs the groupId option");
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
    this.#group ??= new GroupMembership(this.#cluster, this.#groupOptions, {
      onAssigned: (tps) => this.#onAssigned(tps),
      onRevoked: (tps) => this.#onRevoked(tps, true),
      onLost: (tps) => this.#onRevoked(tps, false),
    });
    this.#mode = "subscribe";
    this.#group.subscribe(topics);
    this.#startAutoCommit();
    this.#wake();
  }

  /** Leaves the subscription (committing processed records first with auto-commit) or drops the assignment. */
  async unsubscribe(): Promise<void> {
    this.#checkOpen();
    if (this.#group) {
      await this.#group.unsubscribe();
    }
    for (const s of [...this.#states.values()]) this.#removeState(s);
    this.#mode = "none";
  }

  /** The partitions this consumer reads now. */
  assignment(): TopicPartition[] {
    return [...this.#states.values()].map((s) => ({ ...s.tp }));
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
    const s = this.#assigned(tp, "tp");
    checkOffset(offset, "offset");
    this.#setPosition(s, offset);
    this.#wake();
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
    const s = this.#assigned(tp, "tp");
    if (typeof delta !== "bigint") throw new TypeError(`delta must be a bigint, got ${typeof delta}`);
    const at = await this.position(tp);
    let to = at + delta;
    if (to < 0n) to = 0n;
    if (this.#states.get(s.key) === s) this.#setPosition(s, to);
    this.#wake();
    return to;
  }

  /**
   * The offset of the next record the consumer will hand over for `tp` (to `poll`, the iterator or the
   * stream), looking it up first when unknown.
   */
  async position(tp: TopicPartition): Promise<bigint> {
    const s = this.#assigned(tp, "tp");
    while (s.position === null) {
      this.#throwIfFailed();
      this.#checkOpen();
      if (this.#states.get(s.key) !== s) throw new RangeError(`tp: ${s.key} is no longer assigned`);
      this.#ensureInit();
      await (this.#initializing ?? this.#waitFor(this.#o.retryBackoffMs));
    }
    return s.position;
  }

  /** Stops fetching the partitions until `resume`; buffered records of them are dropped. */
  pause(partitions: readonly TopicPartition[]): void {
    if (!Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    partitions.forEach((tp, i) => {
      const s = this.#assigned(tp, `partitions[${i}]`);
      if (s.paused) return;
      s.paused = true;
      this.#invalidate(s);
    });
  }

  /** Fetches the partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    if (!Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    partitions.forEach((tp, i) => {
      this.#assigned(tp, `partitions[${i}]`).paused = false;
    });
    this.#wake();
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    return [...this.#states.values()].filter((s) => s.paused).map((s) => ({ ...s.tp }));
  }

  /** The first offset of each partition (log start). Keys are `"topic:partition"`. */
  beginningOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.#offsetsAt(partitions, EARLIEST);
  }

  /**
   * The end offset of each partition: the high watermark, or the last stable offset under
   * read_committed. Keys are `"topic:partition"`.
   */
  endOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
    return this.#offsetsAt(partitions, LATEST);
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
    const res = await listOffsets(this.#cluster, queries, this.#o.isolationLevel);
    const out = new Map<string, { offset: bigint; timestamp: number } | null>();
    for (const q of queries) {
      const a = res.get(tpKey(q.tp));
      out.set(tpKey(q.tp), a && a.offset >= 0n ? { offset: a.offset, timestamp: a.timestamp } : null);
    }
    return out;
  }

  /** The last committed offsets of the group (`groupId` required); null where none. Keys are `"topic:partition"`. */
  committed(partitions: readonly TopicPartition[]): Promise<Map<string, OffsetAndMetadata | null>> {
    this.#checkOpen();
    if (!Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    const tps = partitions.map((tp, i) => checkTp(tp, `partitions[${i}]`));
    return this.#fetchCommitted(tps);
  }

  /** Records between the position of `tp` and its end (last known), or null when either is unknown. */
  lag(tp: TopicPartition): bigint | null {
    const s = this.#assigned(tp, "tp");
    return this.#lagOf(s);
  }

  // ---- Reading ----

  /**
   * Waits up to `timeoutMs` for records and returns what is there (at most `maxRecords`, default
   * `maxPollRecords`); `[]` when none came in time. Calling `poll` again tells auto-commit that the records
   * of the previous call are processed.
   *
   * @example
   * ```ts
   * const batch = await consumer.poll(1000);
   * for (const r of batch) console.log(r.partition, r.offset);
   * ```
   */
  async poll(timeoutMs = 1000, maxRecords: number = this.#o.maxPollRecords): Promise<ConsumerRecord<K, V>[]> {
    if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
      throw new RangeError(`timeoutMs must be a number >= 0, got ${String(timeoutMs)}`);
    }
    if (!Number.isInteger(maxRecords) || maxRecords < 1) {
      throw new RangeError(`maxRecords must be an integer >= 1, got ${String(maxRecords)}`);
    }
    this.#checkOpen();
    this.#acceptPositions();
    this.#tick();
    const deadline = performance.now() + timeoutMs;
    const out: ConsumerRecord<K, V>[] = [];
    for (;;) {
      this.#throwIfFailed();
      this.#take(out, maxRecords);
      if (out.length > 0) return out;
      const left = deadline - performance.now();
      if (left <= 0 || this.#closed) return out;
      await this.#waitFor(left);
    }
  }

  /**
   * Records one at a time, until the consumer is closed. Asking for the next record tells auto-commit that
   * the previous one is processed. Breaking out of the loop does not close the consumer.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
    const one: ConsumerRecord<K, V>[] = [];
    const from: PartitionState[] = [];
    try {
      while (!this.#closed) {
        this.#acceptPrevious();
        this.#tick();
        this.#throwIfFailed();
        one.length = 0;
        from.length = 0;
        this.#take(one, 1, from);
        if (one.length === 0) {
          await this.#waitFor(this.#o.fetchMaxWaitMs + 100);
          continue;
        }
        this.#iterPrev = from[0];
        yield one[0];
      }
    } finally {
      this.#iterPrev = undefined;
    }
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
    if (this.#ledger) throw new Error("stream: this consumer already has an open stream");
    const bytes = options.unit === "bytes";
    if (options.unit !== undefined && options.unit !== "records" && !bytes) {
      throw new RangeError(`unit must be "records" or "bytes", got ${String(options.unit)}`);
    }
    const hwm = options.highWaterMark ?? (bytes ? 1024 * 1024 : 1000);
    if (typeof hwm !== "number" || !Number.isInteger(hwm) || hwm < 0) {
      throw new RangeError(`highWaterMark must be an integer >= 0, got ${String(hwm)}`);
    }
    const batch: ConsumerRecord<K, V>[] = [];
    const from: PartitionState[] = [];
    let ledger: StreamLedger;
    const source: UnderlyingDefaultSource<ConsumerRecord<K, V>> = {
      start: (controller) => {
        ledger = new StreamLedger(controller, hwm, bytes);
        this.#ledger = ledger;
      },
      pull: (controller) => {
        // Refill once the queue is half empty, not after every read: one pull per record would cost
        // more than the records themselves. The queue still never holds more than highWaterMark.
        const room = controller.desiredSize ?? 0;
        if (!this.#closed && hwm - room > 0 && room < hwm / 2) {
          this.#tick(); // the reader is taking records: the member is alive (maxPollIntervalMs)
          return;
        }
        return fill(controller);
      },
      cancel: () => {
        this.#endStream(ledger, true);
      },
    };
    const fill = async (controller: ReadableStreamDefaultController<ConsumerRecord<K, V>>) => {
      for (;;) {
        if (this.#closed) {
          this.#endStream(ledger);
          // close() has closed it already: closing again would throw, and a throwing pull errors a
          // stream that still holds queued records, losing them.
          try {
            controller.close();
          } catch {
            // already closed
          }
          return;
        }
        this.#syncLedger();
        this.#tick();
        this.#throwIfFailed();
        // Fill what the queue asks for (at least one record, so a read waiting on an empty queue with
        // highWaterMark 0 is answered).
        let want = controller.desiredSize ?? 0;
        let delivered = 0;
        while (want > 0 || delivered === 0) {
          batch.length = 0;
          from.length = 0;
          this.#take(batch, bytes ? 1 : Math.max(1, Math.min(want, this.#o.maxPollRecords)), from);
          if (batch.length === 0) break;
          for (let i = 0; i < batch.length; i++) {
            const r = batch[i];
            const s = from[i];
            const size = bytes ? recordBytes(r) : 1;
            ledger.states.push(s);
            ledger.epochs.push(s.epoch);
            ledger.next.push(r.offset + 1n);
            ledger.sizes.push(size);
            ledger.queued += size;
            controller.enqueue(r);
            delivered++;
            want -= size;
          }
        }
        if (delivered > 0) return;
        await this.#waitFor(this.#o.fetchMaxWaitMs + 100);
      }
    };
    return new ReadableStream<ConsumerRecord<K, V>>(
      source,
      bytes ? { highWaterMark: hwm, size: recordBytes } : { highWaterMark: hwm },
    );
  }

  // ---- Commits ----

  /**
   * The member's group, generation and ids, for `producer.sendOffsetsToTransaction` (as Java's
   * `groupMetadata()`). Needs the `groupId` option.
   *
   * @example
   * ```ts
   * await producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
   * ```
   */
  groupMetadata(): ConsumerGroupMetadata {
    if (!this.#groupId) throw new TypeError("groupMetadata needs the groupId option");
    const member = this.#mode === "subscribe" ? this.#group : undefined;
    return {
      groupId: this.#groupId,
      generationId: member?.generationId ?? -1,
      memberId: member?.memberId ?? "",
      groupInstanceId: this.#groupOptions?.groupInstanceId ?? null,
    };
  }

  /** Whether offsets are committed on an interval (`enableAutoCommit` with a `groupId`). */
  get autoCommitEnabled(): boolean {
    return this.#autoCommitOn();
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
    if (!this.#groupId) throw new TypeError("commit needs the groupId option");
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
      void this.#commitEntries(entries, true).catch(() => {});
      return;
    }
    await this.#commitEntries(entries, false);
  }

  /**
   * Commits what was processed (with auto-commit), leaves the group, and disconnects. An open stream ends;
   * a waiting `poll` returns. `groupMembershipOperation: "remain-in-group"` skips the leave (as Java's
   * `CloseOptions`): the group moves the partitions only when the session times out.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    if (this.#autoCommitTimer !== undefined) clearInterval(this.#autoCommitTimer);
    this.#autoCommitTimer = undefined;
    // The application is done with everything it took.
    if (this.#ledger) {
      this.#syncLedger();
      if (this.#ledger.pending) this.#acceptLedgerPending(this.#ledger);
    } else {
      this.#acceptPositions();
    }
    try {
      await this.#autoCommitting;
      if (this.#autoCommitOn()) await this.#autoCommit(false);
      if (this.#group) await this.#group.close(options);
    } finally {
      this.#closed = true;
      for (const s of this.#states.values()) s.epoch++;
      this.#queue = [];
      this.#head = 0;
      this.#buffered = 0;
      if (this.#ledger) {
        try {
          this.#ledger.controller.close();
        } catch {
          // already closed or errored
        }
        this.#ledger = undefined;
      }
      this.#wake();
      await this.#cluster.close();
    }
  }

  /** Counters since the consumer was created, and per-partition lag. */
  metrics(): ConsumerMetrics {
    const m = this.#m;
    const lag = new Map<string, bigint>();
    for (const s of this.#states.values()) {
      const l = this.#lagOf(s);
      if (l !== null) lag.set(s.key, l);
    }
    return {
      recordsConsumed: m.records,
      bytesFetched: m.bytes,
      fetchRequests: m.fetches,
      fetchLatencyAvgMs: m.fetches ? m.latencySum / m.fetches : 0,
      fetchLatencyMaxMs: m.latencyMax,
      bufferedBytes: this.#buffered + this.#reserved,
      bufferedBytesMax: this.#bufferedMax,
      lag,
      rebalances: m.rebalances,
      commits: m.commits,
      commitErrors: m.commitErrors,
    };
  }

  // ---- Internals: state ----

  #checkOpen(): void {
    if (this.#closed) throw new ConsumerClosedError("consumer is closed");
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

  #assigned(tp: TopicPartition, field: string): PartitionState {
    const c = checkTp(tp, field);
    const s = this.#states.get(tpKey(c));
    if (!s) throw new RangeError(`${field}: ${tpKey(c)} is not assigned to this consumer`);
    return s;
  }

  /** Drops buffered and in-flight data of the partition: older chunks and answers no longer apply. */
  #invalidate(s: PartitionState): void {
    s.epoch++;
    s.chunks = 0;
    if (s.position !== null) s.fetchOffset = s.position;
  }

  #setPosition(s: PartitionState, offset: bigint): void {
    this.#invalidate(s);
    s.position = offset;
    s.positionEpoch = -1;
    s.fetchOffset = offset;
    s.reset = null;
  }

  #resetTo(partitions: readonly TopicPartition[] | undefined, to: "earliest" | "latest"): void {
    if (partitions !== undefined && !Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    const list = partitions === undefined
      ? [...this.#states.values()]
      : partitions.map((tp, i) => this.#assigned(tp, `partitions[${i}]`));
    for (const s of list) {
      this.#invalidate(s);
      s.position = null;
      s.reset = to;
    }
    this.#wake();
  }

  #removeState(s: PartitionState): void {
    s.epoch++;
    s.chunks = 0;
    this.#states.delete(s.key);
  }

  #lagOf(s: PartitionState): bigint | null {
    const end = this.#o.isolationLevel === 1 ? s.lastStableOffset : s.highWatermark;
    if (s.position === null || end < 0n) return null;
    const l = end - s.position;
    return l > 0n ? l : 0n;
  }

  #tick(): void {
    this.#group?.pollTick();
  }

  #wake(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Starts what is needed for records to arrive, then waits for news or `ms`. */
  #waitFor(ms: number): Promise<void> {
    this.#maybeFetch();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve();
      }, ms);
      this.#waiters.push(done);
    });
  }

  // ---- Internals: handing records over ----

  /** Moves up to `max` records from the buffer into `out`, advancing positions. The hot path. */
  #take(out: ConsumerRecord<K, V>[], max: number, states?: PartitionState[]): void {
    const kd = this.#keyDeserializer;
    const vd = this.#valueDeserializer;
    let drained = false;
    const before = out.length;
    while (out.length < max) {
      const c = this.#queue[this.#head];
      if (c === undefined) break;
      const s = c.state;
      if (c.epoch !== s.epoch) {
        this.#dropHead(c);
        continue;
      }
      if (c.i >= c.records.length) {
        if (c.batchEnd > s.position!) s.position = c.batchEnd;
        let more: boolean;
        try {
          more = c.load();
        } catch (e) {
          // A corrupt batch: the application sees the error; reading resumes at the same position.
          this.#dropHead(c);
          this.#invalidate(s);
          this.#error = e as Error;
          break;
        }
        if (!more) {
          s.chunks--;
          this.#dropHead(c);
          drained = true;
          continue;
        }
      }
      const r = c.records[c.i];
      const topic = s.tp.topic;
      const key = kd ? kd(r.key, topic, r.headers) : r.key as K;
      const value = vd ? vd(r.value, topic, r.headers) : r.value as V;
      c.i++;
      out.push({
        topic,
        partition: s.tp.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        timestampType: c.timestampType,
        key,
        value,
        headers: r.headers,
        leaderEpoch: c.leaderEpoch,
      });
      s.position = r.offset + 1n;
      s.positionEpoch = c.leaderEpoch;
      states?.push(s);
    }
    this.#m.records += out.length - before;
    if (drained || this.#head >= this.#queue.length) this.#maybeFetch();
  }

  #dropHead(c: Chunk): void {
    this.#queue[this.#head++] = undefined;
    this.#buffered -= c.bytes;
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  // ---- Internals: fetching ----

  /** Sends a fetch to every broker without one in flight that leads a partition needing data. */
  #maybeFetch(): void {
    if (this.#closed || this.#states.size === 0) return;
    const now = performance.now();
    let needInit = false;
    const byLeader = new Map<number, PartitionState[]>();
    for (const s of this.#states.values()) {
      if (s.position === null) {
        needInit = true;
        continue;
      }
      // At most two answers per partition, buffered or in flight: reading one while the next arrives.
      if (s.paused || s.inFlight || s.chunks > 1 || s.backoffUntil > now) continue;
      const p = this.#cluster.cachedTopic(s.tp.topic)?.partitions[s.tp.partition];
      if (!p || p.partition !== s.tp.partition || p.leader < 0) {
        this.#refreshTopic(s.tp.topic);
        continue;
      }
      if (this.#inFlight.has(p.leader)) continue;
      const list = byLeader.get(p.leader);
      if (list) list.push(s);
      else byLeader.set(p.leader, [s]);
    }
    if (needInit) this.#ensureInit();
    for (const [leader, list] of byLeader) this.#sendFetch(leader, list, now);
  }

  #refreshTopic(topic: string): void {
    if (this.#metadataRequests.has(topic)) return;
    const p = this.#cluster.topic(topic).catch((e) => {
      // A topic that does not exist (yet): keep trying, as the Java client does, but slowly.
      if (!isRetriable(e) && !(e instanceof KafkaError && e.code === ERR.UNKNOWN_TOPIC_OR_PARTITION)) {
        this.#fail(e as Error);
      }
    }).then(() => new Promise((r) => setTimeout(r, this.#o.retryBackoffMs))).finally(() => {
      this.#metadataRequests.delete(topic);
      this.#maybeFetch();
      this.#wake();
    });
    this.#metadataRequests.set(topic, p);
  }

  #sendFetch(leader: number, all: PartitionState[], now: number): void {
    const o = this.#o;
    // Fairness: start at a different partition each time, so no partition is always cut by the size limit.
    const start = this.#rotate++ % all.length;
    let list = start === 0 ? all : all.slice(start).concat(all.slice(0, start));
    const held = this.#buffered + this.#reserved;
    if (held > 0) {
      const room = o.fetchBufferBytes - held;
      const fit = Math.min(
        list.length,
        Math.floor(room / Math.min(o.maxPartitionFetchBytes, o.fetchMaxBytes)),
      );
      if (fit < 1) return;
      list = list.slice(0, fit);
    }
    const limit = Math.min(o.fetchMaxBytes, list.length * o.maxPartitionFetchBytes);
    const topics = new Map<string, FetchRequest["topics"][number]>();
    const epochs: number[] = [];
    for (const s of list) {
      const info = this.#cluster.cachedTopic(s.tp.topic)!;
      let t = topics.get(s.tp.topic);
      if (!t) {
        t = { topic: s.tp.topic, topicId: info.topicId, partitions: [] };
        topics.set(s.tp.topic, t);
      }
      t.partitions.push({
        partition: s.tp.partition,
        currentLeaderEpoch: info.partitions[s.tp.partition].leaderEpoch,
        fetchOffset: s.fetchOffset,
        lastFetchedEpoch: -1,
        logStartOffset: -1n,
        partitionMaxBytes: o.maxPartitionFetchBytes,
      });
      s.inFlight = true;
      epochs.push(s.epoch);
    }
    this.#inFlight.set(leader, limit);
    this.#reserved += limit;
    this.#noteHeld();
    const request: FetchRequest = {
      maxWaitMs: o.fetchMaxWaitMs,
      minBytes: o.fetchMinBytes,
      maxBytes: o.fetchMaxBytes,
      isolationLevel: o.isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics.values()],
      forgottenTopicsData: [],
      rackId: this.#groupOptions?.rackId ?? "",
    };
    const ids = new Map<string, string>();
    for (const t of request.topics) ids.set(t.topicId!, t.topic!);
    this.#m.fetches++;
    this.#cluster.send(leader, Fetch, request).then(withCodecsLoaded).then(
      (res) => {
        this.#settleFetch(leader, limit, list);
        const ms = performance.now() - now;
        this.#m.latencySum += ms;
        if (ms > this.#m.latencyMax) this.#m.latencyMax = ms;
        if (!this.#closed) this.#onFetched(res, list, epochs, ids);
      },
      (err) => {
        this.#settleFetch(leader, limit, list);
        if (this.#closed) return;
        if (isRetriable(err)) {
          const until = performance.now() + o.retryBackoffMs;
          for (const s of list) {
            s.backoffUntil = until;
            this.#cluster.invalidate(s.tp.topic);
          }
        } else {
          this.#fail(err as Error);
        }
      },
    ).finally(() => {
      if (this.#waiters.length > 0) this.#maybeFetch();
      this.#wake();
    });
  }

  #settleFetch(leader: number, limit: number, list: PartitionState[]): void {
    this.#inFlight.delete(leader);
    this.#reserved -= limit;
    for (const s of list) s.inFlight = false;
  }

  #onFetched(res: FetchResponse, list: PartitionState[], epochs: number[], ids: Map<string, string>): void {
    const sent = new Map<string, number>();
    list.forEach((s, i) => sent.set(s.key, i));
    const now = performance.now();
    if (res.errorCode !== 0) {
      const err = new KafkaError(res.errorCode, { api: "Fetch" });
      if (!err.retriable) return this.#fail(err);
      for (const s of list) s.backoffUntil = now + this.#o.retryBackoffMs;
      return;
    }
    for (const t of res.responses) {
      const topic = t.topic || ids.get(t.topicId) || "";
      for (const p of t.partitions) {
        const key = `${topic}:${p.partitionIndex}`;
        const i = sent.get(key);
        if (i === undefined) continue;
        const s = list[i];
        if (s.epoch !== epochs[i] || this.#states.get(key) !== s) continue; // seeked, paused or revoked since
        const code = p.errorCode;
        if (code !== 0) {
          if (code === ERR.OFFSET_OUT_OF_RANGE) {
            if (this.#o.autoOffsetReset === "none") {
              this.#fail(new OffsetOutOfRangeError(s.tp, s.fetchOffset));
            } else {
              this.#invalidate(s);
              s.position = null;
              s.reset = this.#o.autoOffsetReset;
            }
          } else if (needsMetadataRefresh(code)) {
            this.#cluster.invalidate(topic);
            s.backoffUntil = now + this.#o.retryBackoffMs;
          } else {
            const err = new KafkaError(code, { api: "Fetch", topic, partition: p.partitionIndex });
            if (err.retriable) s.backoffUntil = now + this.#o.retryBackoffMs;
            else this.#fail(err);
          }
          continue;
        }
        s.highWatermark = p.highWatermark;
        s.lastStableOffset = p.lastStableOffset;
        const data = p.records;
        if (!data || data.length === 0) continue;
        this.#m.bytes += data.length;
        const next = nextOffsetAfter(data);
        if (next < 0n) continue; // only a partial batch: asked again next time, first in line
        this.#queue.push(
          new Chunk(s, s.epoch, data, s.fetchOffset, this.#o.isolationLevel === 1, p.abortedTransactions),
        );
        this.#buffered += data.length;
        s.chunks++;
        if (next > s.fetchOffset) s.fetchOffset = next;
      }
    }
    this.#noteHeld();
  }

  #noteHeld(): void {
    const held = this.#buffered + this.#reserved;
    if (held > this.#bufferedMax) this.#bufferedMax = held;
  }

  #fail(e: Error): void {
    this.#error ??= e;
    this.#wake();
  }

  // ---- Internals: starting positions ----

  #ensureInit(): void {
    if (this.#initializing || this.#closed) return;
    const todo = [...this.#states.values()].filter((s) => s.position === null);
    if (todo.length === 0) return;
    this.#initializing = this.#initPositions(todo).catch((e) => this.#fail(e as Error)).finally(() => {
      this.#initializing = undefined;
      this.#maybeFetch();
      this.#wake();
    });
  }

  /** Committed offset if any (and no explicit reset asked for), else `autoOffsetReset` via ListOffsets. */
  async #initPositions(todo: PartitionState[]): Promise<void> {
    const epochs = todo.map((s) => s.epoch);
    const current = (s: PartitionState, i: number) =>
      s.epoch === epochs[i] && s.position === null && this.#states.get(s.key) === s;
    const useCommitted = todo.filter((s) => s.reset === null);
    if (useCommitted.length > 0 && this.#groupId) {
      const committed = await this.#fetchCommitted(useCommitted.map((s) => s.tp));
      todo.forEach((s, i) => {
        if (s.reset !== null || !current(s, i)) return;
        const c = committed.get(s.key);
        if (c) {
          s.position = c.offset;
          s.positionEpoch = c.leaderEpoch ?? -1;
          s.fetchOffset = c.offset;
        }
      });
    }
    const resets: { s: PartitionState; i: number; to: "earliest" | "latest" | "none" }[] = [];
    todo.forEach((s, i) => {
      if (current(s, i)) resets.push({ s, i, to: s.reset ?? this.#o.autoOffsetReset });
    });
    const none = resets.filter((r) => r.to === "none");
    if (none.length > 0) throw new NoOffsetForPartitionError(none.map((r) => ({ ...r.s.tp })));
    if (resets.length === 0) return;
    const found = await listOffsets(
      this.#cluster,
      resets.map((r) => ({ tp: r.s.tp, timestamp: r.to === "earliest" ? EARLIEST : LATEST })),
      this.#o.isolationLevel,
    );
    for (const { s, i } of resets) {
      const a = found.get(s.key);
      if (!a || !current(s, i)) continue;
      s.position = a.offset;
      s.positionEpoch = -1;
      s.fetchOffset = a.offset;
      s.reset = null;
    }
  }

  #offsetsAt(partitions: readonly TopicPartition[], at: bigint): Promise<Map<string, bigint>> {
    this.#checkOpen();
    if (!Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of { topic, partition }");
    }
    const queries = partitions.map((tp, i) => ({ tp: checkTp(tp, `partitions[${i}]`), timestamp: at }));
    return listOffsets(this.#cluster, queries, this.#o.isolationLevel).then((res) => {
      const out = new Map<string, bigint>();
      for (const [k, v] of res) out.set(k, v.offset);
      return out;
    });
  }

  // ---- Internals: commits ----

  #fetchCommitted(tps: TopicPartition[]): Promise<Map<string, OffsetAndMetadata | null>> {
    if (!this.#groupId) return Promise.reject(new TypeError("committed offsets need the groupId option"));
    if (this.#group && this.#mode === "subscribe") return this.#group.fetchCommitted(tps);
    return fetchCommittedStandalone(this.#cluster, this.#groupId, tps);
  }

  #autoCommitOn(): boolean {
    return this.#o.enableAutoCommit && this.#groupId !== undefined;
  }

  #startAutoCommit(): void {
    if (!this.#autoCommitOn() || this.#autoCommitTimer !== undefined) return;
    this.#autoCommitTimer = setInterval(() => {
      if (this.#autoCommitting) return;
      this.#syncLedger();
      const p = this.#autoCommit(false).finally(() => {
        if (this.#autoCommitting === p) this.#autoCommitting = undefined;
      });
      this.#autoCommitting = p;
    }, this.#o.autoCommitIntervalMs);
    // Node: the timer alone does not keep the process alive.
    (this.#autoCommitTimer as { unref?: () => void }).unref?.();
  }

  /**
   * Commits the accepted positions that moved since the last commit, for `only` or every partition.
   * Failures go to `onCommit`; with `rethrow` they are thrown as well.
   */
  async #autoCommit(rethrow: boolean, only?: readonly PartitionState[]): Promise<void> {
    const entries: CommitEntry[] = [];
    const states: PartitionState[] = [];
    for (const s of only ?? this.#states.values()) {
      const a = s.accepted;
      if (a === null || a === s.committed) continue;
      entries.push({
        tp: s.tp,
        offset: { offset: a, leaderEpoch: s.acceptedEpoch >= 0 ? s.acceptedEpoch : undefined },
      });
      states.push(s);
    }
    if (entries.length === 0) return;
    try {
      await this.#commitEntries(entries, true);
    } catch (e) {
      if (rethrow && !(e instanceof CommitFailedError)) throw e;
    }
  }

  /** Sends a commit; reports to `onCommit` when `report`. Remembers what was committed. */
  async #commitEntries(entries: CommitEntry[], report: boolean): Promise<void> {
    const map = new Map<string, OffsetAndMetadata & TopicPartition>();
    for (const e of entries) map.set(tpKey(e.tp), { ...e.tp, ...e.offset });
    try {
      if (entries.length > 0) {
        if (this.#group && this.#mode === "subscribe") await this.#group.commit(entries);
        else await commitOffsetsStandalone(this.#cluster, this.#groupId!, entries);
      }
      this.#m.commits++;
      for (const e of entries) {
        const s = this.#states.get(tpKey(e.tp));
        if (s) s.committed = e.offset.offset;
      }
      if (report) this.#report(null, map);
    } catch (e) {
      this.#m.commitErrors++;
      if (report) this.#report(e as Error, map);
      throw e;
    }
  }

  #report(err: Error | null, map: Map<string, OffsetAndMetadata & TopicPartition>): void {
    try {
      this.#onCommit?.(err, map);
    } catch {
      // The callback's own failure must not break the consumer.
    }
  }

  /** Positions handed over so far (for a stream: taken by its reader), as commit entries. */
  #consumedEntries(): CommitEntry[] {
    this.#syncLedger();
    const out: CommitEntry[] = [];
    for (const s of this.#states.values()) {
      let at: bigint | null;
      let epoch: number;
      if (this.#ledger) {
        const p = this.#ledger.pending;
        if (p && p.state === s && p.epoch === s.epoch) {
          at = p.next;
          epoch = -1;
        } else {
          at = s.accepted;
          epoch = s.acceptedEpoch;
        }
      } else {
        at = s.position;
        epoch = s.positionEpoch;
      }
      if (at !== null) {
        out.push({ tp: s.tp, offset: { offset: at, leaderEpoch: epoch >= 0 ? epoch : undefined } });
      }
    }
    return out;
  }

  /** poll: everything handed over by earlier calls is processed. */
  #acceptPositions(): void {
    for (const s of this.#states.values()) {
      if (s.position !== null) {
        s.accepted = s.position;
        s.acceptedEpoch = s.positionEpoch;
      }
    }
  }

  /** Iterator: the record returned last is processed. */
  #acceptPrevious(): void {
    const s = this.#iterPrev;
    if (s && s.position !== null && this.#states.get(s.key) === s) {
      s.accepted = s.position;
      s.acceptedEpoch = s.positionEpoch;
    }
    this.#iterPrev = undefined;
  }

  /** Stream: records the reader took (the queue holds fewer than were enqueued) count as accepted. */
  #syncLedger(): void {
    const l = this.#ledger;
    if (!l) return;
    const desired = l.controller.desiredSize;
    const inQueue = desired === null ? 0 : Math.max(0, l.highWaterMark - desired);
    while (l.head < l.sizes.length && l.queued > inQueue) {
      if (l.pending) this.#acceptLedgerPending(l);
      const h = l.head++;
      l.queued -= l.sizes[h];
      l.pending = { state: l.states[h], epoch: l.epochs[h], next: l.next[h] };
    }
    if (l.head > 4096 && l.head * 2 > l.sizes.length) {
      l.states = l.states.slice(l.head);
      l.epochs = l.epochs.slice(l.head);
      l.next = l.next.slice(l.head);
      l.sizes = l.sizes.slice(l.head);
      l.head = 0;
    }
  }

  #acceptLedgerPending(l: StreamLedger): void {
    const p = l.pending!;
    l.pending = undefined;
    // A seek or revocation since: the record no longer says anything about the partition's progress.
    if (p.epoch !== p.state.epoch || this.#states.get(p.state.key) !== p.state) return;
    p.state.accepted = p.next;
    p.state.acceptedEpoch = -1;
  }

  /**
   * A cancelled stream drops its queue, and its reader gave up on the record it took last (a `pipeTo`
   * whose sink failed on it): each partition goes back to its first record not accepted, so that no
   * commit covers those records and they are handed over again.
   */
  #endStream(l: StreamLedger, cancelled = false): void {
    if (this.#ledger !== l) return;
    // After a cancel, desiredSize no longer tells what the reader took: count nothing more as taken.
    if (!cancelled) this.#syncLedger();
    this.#ledger = undefined;
    if (!cancelled) return;
    const back = new Map<PartitionState, bigint>();
    const note = (s: PartitionState, epoch: number, next: bigint) => {
      if (epoch === s.epoch && this.#states.get(s.key) === s && !back.has(s)) back.set(s, next - 1n);
    };
    if (l.pending) note(l.pending.state, l.pending.epoch, l.pending.next);
    for (let i = l.head; i < l.sizes.length; i++) note(l.states[i], l.epochs[i], l.next[i]);
    for (const [s, offset] of back) this.#setPosition(s, offset);
    if (back.size > 0) this.#wake();
  }

  // ---- Internals: group membership ----

  async #onAssigned(tps: TopicPartition[]): Promise<void> {
    for (const tp of tps) {
      const key = tpKey(tp);
      if (!this.#states.has(key)) this.#states.set(key, newPartitionState(tp));
    }
    this.#m.rebalances++;
    try {
      await this.#listener?.onAssigned?.(tps.map((tp) => ({ ...tp })));
    } finally {
      this.#wake();
    }
  }

  /**
   * Revoked (`commit`: what the application accepted is committed first) or lost partitions. Only
   * accepted records are committed: a revocation can come while the last records handed over are
   * still being processed.
   */
  async #onRevoked(tps: TopicPartition[], commit: boolean): Promise<void> {
    const states = tps.map((tp) => this.#states.get(tpKey(tp))).filter((s): s is PartitionState => !!s);
    this.#syncLedger();
    // Stop handing over records of these partitions before anything else.
    for (const s of states) s.epoch++;
    this.#m.rebalances++;
    try {
      if (commit) {
        await this.#autoCommitting?.catch(() => {});
        if (this.#autoCommitOn()) await this.#autoCommit(false, states);
        await this.#listener?.onRevoked?.(tps.map((tp) => ({ ...tp })));
      } else {
        await this.#listener?.onLost?.(tps.map((tp) => ({ ...tp })));
      }
    } finally {
      for (const s of states) if (this.#states.get(s.key) === s) this.#removeState(s);
    }
  }
}

function checkTimestamp(ts: unknown, field: string): bigint {
  if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts < 0) {
    throw new RangeError(`${field} must be a non-negative integer of milliseconds, got ${String(ts)}`);
  }
  return BigInt(ts);
}
