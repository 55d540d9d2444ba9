/**
 * The producer: a thin facade over its parts. Records are checked and serialized (record.ts), routed to
 * a partition (router.ts), encoded into per-partition batches as they are appended (accumulator.ts), or
 * wait in the backlog (backlog.ts) while metadata or buffer space is missing, and are sent, one Produce per
 * broker, by the sender (sender.ts), which keeps idempotent sequence numbers (idempotence.ts). A
 * transactional producer adds the transaction manager (transactions.ts, transaction-requests.ts), the
 * `transaction(fn)` scope and the exactly-once stream sink (transactional-writable.ts).
 */
import { Cluster, type TopicInfo } from "../client/cluster.ts";
import { backoffMs, isRetriable, sleep } from "../client/retry.ts";
import { Accumulator, type Ack, BufferPool } from "./accumulator.ts";
import { Backlog, waiting } from "./backlog.ts";
import {
  DeliveryTimeoutError,
  ProducerClosedError,
  TransactionAbortedError,
  TransactionStateError,
} from "./errors.ts";
import { Idempotence } from "./idempotence.ts";
import { checkProducerOptions } from "./options.ts";
import { type PreparedRecord, RecordPreparer } from "./record.ts";
import { PartitionRouter } from "./router.ts";
import { Sender } from "./sender.ts";
import { type ProducerSettings, resolveSettings } from "./settings.ts";
import type { ConsumerGroupMetadata } from "../consumer/types.ts";
import type {
  DeliveryCallback,
  ProduceCallback,
  ProducerMetrics,
  ProducerOptions,
  ProducerRecord,
  RecordMetadata,
} from "./types.ts";
import { producerWritable } from "./writable.ts";
import { FORCE_CLASSIC_TRANSACTIONS, TransactionManager } from "./transactions.ts";
import type { Transaction, TransactionOffset } from "./transaction-types.ts";
import { runTransaction } from "./transaction-scope.ts";
import { runNow } from "./run-clock.ts";
import {
  transactionalWritable,
  type TransactionalWritableOptions,
  type TransformedRecord,
} from "./transactional-writable.ts";

/**
 * Sends records to Kafka.
 *
 * @example
 * ```ts
 * const producer = new Producer({ bootstrapServers: "127.0.0.1:9092" });
 * const meta = await producer.send({ topic: "events", key: "user-1", value: "clicked" });
 * console.log(meta.partition, meta.offset);
 * await producer.close();
 * ```
 */
export class Producer<K = Uint8Array | string | null, V = Uint8Array | string | null> {
  readonly #cluster: Cluster;
  readonly #o: ProducerSettings;
  readonly #acc = new Accumulator();
  readonly #pool: BufferPool;
  readonly #records: RecordPreparer<K, V>;
  readonly #router: PartitionRouter;
  readonly #sender: Sender;
  readonly #txn: TransactionManager | undefined;
  readonly #onDelivery: DeliveryCallback | undefined;
  /** Records waiting for metadata or buffer space before they reach a batch. */
  readonly #backlog: Backlog;
  #closed = false;

  /** Creates a producer; it connects on first use. Bad options throw here, naming the option. */
  constructor(options: ProducerOptions<K, V>) {
    checkProducerOptions(options);
    this.#o = resolveSettings(options);
    this.#pool = new BufferPool(this.#o.bufferMemory);
    this.#records = new RecordPreparer({
      keySerializer: options.keySerializer,
      valueSerializer: options.valueSerializer,
      maxRequestSize: this.#o.maxRequestSize,
      bufferMemory: this.#o.bufferMemory,
    });
    this.#router = new PartitionRouter(options.partitioner, this.#acc, this.#o.batchSize);
    this.#cluster = new Cluster({
      ...options,
      clientId: options.clientId ?? "kafka-ts-producer",
      // The producer retries by its own rules (delivery timeout); the cluster retries connects only.
    });
    this.#cluster.allowAutoTopicCreation = this.#o.allowAutoTopicCreation;
    const idempotence = new Idempotence(this.#o.idempotent, this.#cluster, this.#o.maxBlockMs);
    if (this.#o.transactionalId !== undefined) {
      this.#txn = new TransactionManager(this.#cluster, idempotence, this.#acc, {
        transactionalId: this.#o.transactionalId,
        transactionTimeoutMs: this.#o.transactionTimeoutMs,
        maxBlockMs: this.#o.maxBlockMs,
        forceClassic:
          (options as { [FORCE_CLASSIC_TRANSACTIONS]?: boolean })[FORCE_CLASSIC_TRANSACTIONS] === true,
      });
    }
    this.#onDelivery = options.onDelivery;
    this.#sender = new Sender({
      cluster: this.#cluster,
      settings: this.#o,
      accumulator: this.#acc,
      pool: this.#pool,
      idempotence,
      onDelivery: options.onDelivery,
      transactions: this.#txn,
    });
    this.#backlog = new Backlog(this.#pool, {
      ready: async (topic, deadline) => {
        await withDeadline(this.#sender.start(), deadline, "a producer id");
        return this.#cluster.cachedTopic(topic) ??
          await withDeadline(this.#topic(topic, deadline), deadline, `metadata for topic ${topic}`);
      },
      check: (w) => {
        const txn = this.#txn;
        // A commit waits for records sent before it (as the Java client's send() would have blocked for
        // them); an abort, a failure or a newer transaction drops them.
        const state = txn?.state.name;
        if (
          txn !== undefined &&
          (txn.generation !== w.generation || (state !== "in-transaction" && state !== "committing"))
        ) {
          throw new TransactionAbortedError("not sent: its transaction ended while it waited for metadata");
        }
      },
      append: (w) => this.#append(w.info!, w.partition, w, w.ack, w.slot, w.where),
      failed: (w, e) => {
        // A record of an open transaction that cannot be sent (refused topic, no metadata or buffer space in
        // time) fails the transaction, as in the Java client: committing without it would lose it. Bad input
        // (a partition the topic lacks) stays that call's error, as when it is found at the call.
        const txn = this.#txn;
        if (
          txn !== undefined && w.generation === txn.generation && !(e instanceof TransactionAbortedError) &&
          !(e instanceof RangeError) && !(e instanceof TypeError)
        ) {
          txn.batchFailed(e, false);
        }
        // Accepted records get one delivery report each, failures included (as Java's callback); a record
        // that never reached a batch was never sent.
        const err = this.#sender.failedUnsent(e);
        this.#onDelivery?.(err, null, {
          topic: w.topic,
          partition: w.partition ?? -1,
          persisted: err.persisted,
        });
        if (w.reject !== undefined) w.reject(err);
        else w.ack.settle(err, null, w.slot);
      },
    });
    this.#txn?.attach({
      failUnsent: (e) => this.#sender.failUnsent(e),
      flush: () => this.#flushAll(),
      wake: () => this.#sender.wake(),
    });
  }

  /**
   * Sends one record; resolves once the broker acknowledged it per `acks`. Bad input rejects with an
   * error naming the field. Call it once per record without awaiting each: records are batched.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    const promise = new Promise<RecordMetadata>(capture);
    const ack = promiseAck(captured.resolve, captured.reject);
    try {
      this.#enqueue(record, ack, 0, "record", false);
    } catch (e) {
      ack.reject(e);
    }
    return promise;
  }

  /**
   * Sends one record and returns at once, without a promise (as confluent-kafka's `produce`): `callback`,
   * when given, and the `onDelivery` option hear how it went. Bad input throws here, naming the field;
   * `flush()` waits for everything produced.
   *
   * @example
   * ```ts
   * for (const line of lines) {
   *   producer.produce({ topic: "logs", value: line }, (err, md) => {
   *     if (err) console.error("not written", err);
   *   });
   * }
   * await producer.flush();
   * ```
   */
  produce(record: ProducerRecord<K, V>, callback?: ProduceCallback): void {
    if (callback !== undefined && typeof callback !== "function") {
      throw new TypeError("callback must be a function");
    }
    this.#enqueue(record, callback === undefined ? NO_ACK : new CallbackAck(callback), 0, "record", false);
  }

  /**
   * Sends many records; resolves with their metadata, in order, once all are acknowledged. Records are
   * checked before any is queued, so a bad one fails the call without sending the others. They go out
   * without waiting for `lingerMs` (as KafkaJS's `send` of many messages): the call is the batch, and the
   * caller waits for all of it.
   */
  async sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]> {
    if (!Array.isArray(records)) throw new TypeError("records must be an array");
    // Prepared once: the checks run before anything is queued, and the results are what is queued.
    const prepared: PreparedRecord[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) prepared[i] = this.#records.prepare(records[i], `records[${i}]`);
    const results: RecordMetadata[] = new Array(records.length);
    let left = records.length;
    let failure: Error | undefined;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const ack: Ack = {
      sendNow: true,
      settle: (e, md, slot) => {
        if (e) failure ??= e;
        else results[slot] = md!;
        if (--left === 0) done();
      },
    };
    if (left === 0) return results;
    for (let i = 0; i < records.length; i++) {
      try {
        const r = this.#enqueue(records[i], ack, i, `records[${i}]`, true, prepared[i]);
        if (r) await r;
      } catch (e) {
        failure ??= e as Error;
        left -= records.length - i;
        if (left === 0) done();
        break;
      }
    }
    await finished;
    if (failure) throw failure;
    return results;
  }

  /**
   * A `WritableStream` of records. `write` waits while the producer's buffer is full (backpressure);
   * closing the stream flushes; a failed record errors the stream; aborting it drops what was not sent.
   *
   * @example
   * ```ts
   * await source.pipeTo(producer.writable());
   * ```
   */
  writable(): WritableStream<ProducerRecord<K, V>> {
    return producerWritable({
      enqueue: (record, ack, slot, where) => this.#enqueue(record, ack, slot, where, true),
      flush: () => this.flush(),
      dropUnsent: (ack, reason) => this.#sender.dropUnsent(ack, reason),
    });
  }

  /**
   * Sends everything buffered now and resolves, once every record handed over so far is settled, with 0.
   * With `timeoutMs` it resolves after at most that long with the number of records still pending (as
   * confluent-kafka's `flush(timeout)`).
   *
   * @example
   * ```ts
   * const left = await producer.flush(5_000);
   * if (left > 0) console.warn(`${left} records still in flight`);
   * ```
   */
  async flush(timeoutMs?: number): Promise<number> {
    if (timeoutMs === undefined) {
      await this.#flushAll();
      return this.#pending();
    }
    if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`timeoutMs must be a number >= 0, got ${String(timeoutMs)}`);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    try {
      await Promise.race([this.#flushAll(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.#pending();
  }

  async #flushAll(): Promise<void> {
    // Records sent before the flush but still waiting for metadata count too, as in the Java client.
    if (this.#backlog.size > 0) await this.#backlog.idle();
    await this.#sender.flush();
  }

  /** Records handed over and not settled: waiting for metadata or buffer space, or in the sender. */
  #pending(): number {
    return this.#backlog.size + this.#sender.outstanding;
  }

  // ---- Transactions ----

  /**
   * Registers the `transactionalId` with its coordinator: fences any older producer with the same id
   * and completes (or aborts) its open transaction. Call once, before the first transaction.
   *
   * @example
   * ```ts
   * const producer = new Producer({ bootstrapServers, transactionalId: "orders-1" });
   * await producer.initTransactions();
   * producer.beginTransaction();
   * await producer.send({ topic: "orders", value: "paid" });
   * await producer.commitTransaction();
   * ```
   */
  initTransactions(): Promise<void> {
    return this.#transactions("initTransactions").initTransactions();
  }

  /** Opens a transaction; records sent until `commitTransaction()` are written all or none. */
  beginTransaction(): void {
    this.#transactions("beginTransaction").beginTransaction();
  }

  /**
   * Commits consumed offsets with the open transaction (read-process-write exactly once): `offsets` are
   * the next offsets to read, `group` is `consumer.groupMetadata()`.
   *
   * @example
   * ```ts
   * await producer.sendOffsetsToTransaction(
   *   [{ topic: "in", partition: 0, offset: last.offset + 1n }],
   *   consumer.groupMetadata(),
   * );
   * ```
   */
  sendOffsetsToTransaction(
    offsets: readonly TransactionOffset[],
    group: ConsumerGroupMetadata,
  ): Promise<void> {
    try {
      return this.#transactions("sendOffsetsToTransaction").sendOffsets(offsets, group);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Sends what is buffered, then commits the transaction. If a record of it failed, this throws a
   * `TransactionStateError` with `abortable` set: call `abortTransaction()`.
   */
  commitTransaction(): Promise<void> {
    return this.#transactions("commitTransaction").commitTransaction();
  }

  /** Drops the transaction's records not yet sent, waits for those in flight, and aborts it. */
  abortTransaction(): Promise<void> {
    return this.#transactions("abortTransaction").abortTransaction();
  }

  /**
   * Runs `fn` in a transaction: begins one (initializing transactions on first use), commits when `fn`
   * resolves and aborts when it throws, rethrowing its error. Resolves with what `fn` returned.
   *
   * @example
   * ```ts
   * const total = await producer.transaction(async (tx) => {
   *   await tx.send({ topic: "ledger", key: "alice", value: "-10" });
   *   await tx.send({ topic: "ledger", key: "bob", value: "+10" });
   *   return 2;
   * });
   * ```
   */
  transaction<T>(fn: (tx: Transaction<K, V>) => Promise<T> | T): Promise<T> {
    try {
      return runTransaction(this, this.#transactions("transaction").state, fn);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * A `WritableStream` that writes the outputs of consumed records exactly once: each chunk is one input
   * record's position and the records made from it; every `commitEvery` records or milliseconds the
   * outputs and the inputs' offsets are committed in one transaction. The consumer must be in a group with
   * `enableAutoCommit: false`. Call `initTransactions()` before the consumer starts reading, so that an
   * older instance's open transaction is settled before the committed offsets are read.
   *
   * @example
   * ```ts
   * await producer.initTransactions();
   * await consumer.stream()
   *   .pipeThrough(new TransformStream({
   *     transform(input, out) {
   *       out.enqueue({ input, outputs: [{ topic: "upper", key: input.key, value: upper(input.value) }] });
   *     },
   *   }))
   *   .pipeTo(producer.transactionalWritable({ consumer, commitEvery: { records: 1000, ms: 1000 } }));
   * ```
   */
  transactionalWritable(options: TransactionalWritableOptions): WritableStream<TransformedRecord<K, V>> {
    const txn = this.#transactions("transactionalWritable");
    return transactionalWritable(this, txn.state, {
      enqueue: (record, ack, slot, where) => this.#enqueue(record, ack, slot, where, true),
    }, options);
  }

  #transactions(method: string): TransactionManager {
    if (this.#txn === undefined) {
      throw new TransactionStateError(
        `${method}() needs a transactional producer: set the transactionalId option`,
      );
    }
    return this.#txn;
  }

  /**
   * Flushes (aborting an open transaction first), then disconnects. Sends after this fail with
   * `ProducerClosedError`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    // As the Java client: an open transaction is aborted, so that read_committed consumers need not wait
    // for the coordinator to time it out.
    const txn = this.#txn?.state.name;
    if (txn === "in-transaction" || txn === "abortable-error") await this.abortTransaction().catch(() => {});
    await this.#flushAll();
    this.#closed = true;
    this.#backlog.failAll(new ProducerClosedError("producer closed"));
    this.#sender.close();
    await this.#cluster.close();
  }

  /** Counters since the producer was created. */
  metrics(): ProducerMetrics {
    return this.#sender.metrics();
  }

  /**
   * Queues a record. When it cannot go into a batch at once (metadata, producer id or buffer space
   * missing) it waits in the backlog; with `wait` the returned promise settles when it leaves the backlog.
   */
  #enqueue(
    record: ProducerRecord<K, V>,
    ack: Ack,
    slot: number,
    where: string,
    wait: boolean,
    ready?: PreparedRecord,
  ): Promise<void> | undefined {
    if (this.#closed) throw new ProducerClosedError("producer is closed");
    const txn = this.#txn;
    if (txn !== undefined) txn.state.checkSend();
    const prepared = ready ?? this.#records.prepare(record, where);
    const topic = record.topic;
    const info = this.#cluster.cachedTopic(topic);
    if (info && this.#sender.started && !this.#backlog.busy(topic) && this.#pool.tryReserve(prepared.bytes)) {
      this.#append(info, record.partition, prepared, ack, slot, where);
      return undefined;
    }
    const w = waiting(
      prepared,
      topic,
      record.partition,
      ack,
      slot,
      where,
      runNow() + this.#o.maxBlockMs,
      txn?.generation,
      this.#sender.started ? info : undefined,
    );
    return this.#backlog.add(w, wait);
  }

  /** A topic's metadata; as in the Java client, retriable failures are retried until `maxBlockMs`. */
  async #topic(topic: string, deadline: number): Promise<TopicInfo> {
    for (let attempt = 0;; attempt++) {
      try {
        return await this.#cluster.topic(topic);
      } catch (e) {
        if (!isRetriable(e) || this.#closed) throw e;
        const wait = backoffMs(attempt, this.#cluster.retryOptions);
        if (performance.now() + wait >= deadline) {
          throw new DeliveryTimeoutError(`metadata for topic ${topic} not available within maxBlockMs`, {
            cause: e,
          });
        }
        await sleep(wait);
      }
    }
  }

  /** Routes a record whose bytes are reserved and hands it to the sender; gives the bytes back if it fails. */
  #append(
    info: TopicInfo,
    explicit: number | undefined,
    prepared: PreparedRecord,
    ack: Ack,
    slot: number,
    where: string,
  ): void {
    let partition: number;
    try {
      partition = this.#router.route(info, explicit, prepared, where);
    } catch (e) {
      this.#pool.release(prepared.bytes);
      throw e;
    }
    this.#sender.append(this.#acc.state(info.name, partition), prepared, ack, slot);
  }
}

/** Settles a `send()` promise; one small object per record, no closure. */
interface PromiseAck extends Ack {
  readonly resolve: (md: RecordMetadata) => void;
  readonly reject: (e: unknown) => void;
}

function settlePromise(this: PromiseAck, e: Error | null, md: RecordMetadata | null): void {
  if (e) this.reject(e);
  else this.resolve(md!);
}

/**
 * An object literal rather than a class instance: V8 allocates literals of a site whose objects live long
 * (as these do, while a flood of sends waits) straight in the old generation.
 */
function promiseAck(resolve: (md: RecordMetadata) => void, reject: (e: unknown) => void): PromiseAck {
  return { resolve, reject, settle: settlePromise };
}

// The resolve and reject of the promise `send()` is making: taken by one shared executor, not a closure
// per call.
const captured = {
  resolve: undefined as unknown as (md: RecordMetadata) => void,
  reject: undefined as unknown as (e: unknown) => void,
};
function capture(resolve: (md: RecordMetadata) => void, reject: (e: unknown) => void): void {
  captured.resolve = resolve;
  captured.reject = reject;
}

/** Calls a `produce()` callback; a callback that throws is reported asynchronously, not to the sender. */
class CallbackAck implements Ack {
  readonly #callback: ProduceCallback;
  constructor(callback: ProduceCallback) {
    this.#callback = callback;
  }
  settle(e: Error | null, md: RecordMetadata | null): void {
    try {
      this.#callback(e, md);
    } catch (thrown) {
      queueMicrotask(() => {
        throw thrown;
      });
    }
  }
}

/** `produce()` without a callback: only `onDelivery` hears of the record. */
const NO_ACK: Ack = { settle() {} };

function withDeadline<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
  const ms = deadline - performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DeliveryTimeoutError(`${what} not available within maxBlockMs`)),
      Math.max(0, ms),
    );
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
