/**
 * The producer: a thin facade over its parts. Records are checked and serialized (record.ts), routed to
 * a partition (router.ts), appended to per-partition batches (accumulator.ts) and sent, one Produce per
 * broker, by the sender (sender.ts), which keeps idempotent sequence numbers (idempotence.ts).
 */
import { Cluster, type TopicInfo } from "../client/cluster.ts";
import { Accumulator, type Ack, BufferPool } from "./accumulator.ts";
import { DeliveryTimeoutError, ProducerClosedError } from "./errors.ts";
import { Idempotence } from "./idempotence.ts";
import { checkProducerOptions } from "./options.ts";
import { type PreparedRecord, RecordPreparer } from "./record.ts";
import { PartitionRouter } from "./router.ts";
import { Sender } from "./sender.ts";
import { type ProducerSettings, resolveSettings } from "./settings.ts";
import type { ProducerMetrics, ProducerOptions, ProducerRecord, RecordMetadata } from "./types.ts";
import { producerWritable } from "./writable.ts";

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
  /** Records still waiting for metadata or buffer space before they reach a batch. */
  readonly #arriving = new Set<Promise<void>>();
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
    this.#sender = new Sender({
      cluster: this.#cluster,
      settings: this.#o,
      accumulator: this.#acc,
      pool: this.#pool,
      idempotence: new Idempotence(this.#o.idempotent, this.#cluster, this.#o.maxBlockMs),
      onDelivery: options.onDelivery,
    });
  }

  /** Sends one record; resolves once the broker acknowledged it per `acks`. */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => {
      const ack: Ack = { settle: (e, md) => (e ? reject(e) : resolve(md!)) };
      try {
        const r = this.#enqueue(record, ack, 0, "record");
        if (r) r.catch(reject);
      } catch (e) {
        reject(e);
      }
    });
  }

  /**
   * Sends many records; resolves with their metadata, in order, once all are acknowledged. Records are
   * checked before any is queued, so a bad one fails the call without sending the others.
   */
  async sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]> {
    if (!Array.isArray(records)) throw new TypeError("records must be an array");
    for (let i = 0; i < records.length; i++) this.#records.prepare(records[i], `records[${i}]`);
    const results: RecordMetadata[] = new Array(records.length);
    let left = records.length;
    let failure: Error | undefined;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const ack: Ack = {
      settle: (e, md, slot) => {
        if (e) failure ??= e;
        else results[slot] = md!;
        if (--left === 0) done();
      },
    };
    if (left === 0) return results;
    for (let i = 0; i < records.length; i++) {
      try {
        const r = this.#enqueue(records[i], ack, i, `records[${i}]`);
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
      enqueue: (record, ack, slot, where) => this.#enqueue(record, ack, slot, where),
      flush: () => this.flush(),
      dropUnsent: (ack, reason) => this.#sender.dropUnsent(ack, reason),
    });
  }

  /** Sends everything buffered now and resolves when every record handed over so far is settled. */
  async flush(): Promise<void> {
    // Records sent before the flush but still waiting for metadata count too, as in the Java client.
    if (this.#arriving.size > 0) await Promise.allSettled([...this.#arriving]);
    await this.#sender.flush();
  }

  /** Flushes, then disconnects. Sends after this fail with `ProducerClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    this.#pool.failAll(new ProducerClosedError("producer closed"));
    this.#sender.close();
    await this.#cluster.close();
  }

  /** Counters since the producer was created. */
  metrics(): ProducerMetrics {
    return this.#sender.metrics();
  }

  /** Queues a record; returns a promise only when it had to wait (metadata, buffer space). */
  #enqueue(record: ProducerRecord<K, V>, ack: Ack, slot: number, where: string): Promise<void> | undefined {
    if (this.#closed) throw new ProducerClosedError("producer is closed");
    const prepared = this.#records.prepare(record, where);
    const topic = record.topic;
    const info = this.#cluster.cachedTopic(topic);
    if (info && this.#sender.started && this.#pool.tryReserve(prepared.bytes)) {
      this.#append(info, record.partition, prepared, ack, slot, where);
      return undefined;
    }
    const arriving = (async () => {
      const deadline = performance.now() + this.#o.maxBlockMs;
      await this.#sender.start();
      const t = info ??
        await withDeadline(this.#cluster.topic(topic), deadline, `metadata for topic ${topic}`);
      await this.#pool.reserve(prepared.bytes, Math.max(0, deadline - performance.now()));
      this.#append(t, record.partition, prepared, ack, slot, where);
    })();
    this.#arriving.add(arriving);
    arriving.then(
      () => this.#arriving.delete(arriving),
      () => this.#arriving.delete(arriving),
    );
    return arriving;
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
