/**
 * The producer: per-partition batching, one Produce request per broker carrying every ready partition,
 * pipelined requests, retries with backoff, and idempotence (producer id plus sequence numbers).
 */
import { Cluster, type TopicInfo } from "../client/cluster.ts";
import { backoffMs, isRetriable, withRetry } from "../client/retry.ts";
import { compressionTypeFromName, loadCodec } from "../codec/compression.ts";
import { KafkaError } from "../protocol/errors.ts";
import { encodeRecordBatch, type RecordHeader, type RecordInput } from "../protocol/record-batch.ts";
import { InitProducerId } from "../protocol/messages/init-producer-id.ts";
import { Produce, type ProduceResponse } from "../protocol/messages/produce.ts";
import { Accumulator, type Ack, BufferPool, type PartitionState, type ProducerBatch } from "./accumulator.ts";
import { DefaultPartitioner, type Partitioner, type PartitionerFn } from "./partitioner.ts";
import type {
  DeliveryCallback,
  ProducerHeaders,
  ProducerMetrics,
  ProducerOptions,
  ProducerRecord,
  RecordMetadata,
} from "./types.ts";
import { checkProducerOptions } from "./options.ts";

/** A record gave up: its delivery timeout passed before the broker acknowledged it. */
export class DeliveryTimeoutError extends Error {
  /** The error's name. */
  override name = "DeliveryTimeoutError";
  /** Sending it again may work. */
  readonly retriable = true;
}

/** The producer was closed (or its stream aborted) before the record was sent. */
export class ProducerClosedError extends Error {
  /** The error's name. */
  override name = "ProducerClosedError";
  /** Not retriable on this producer. */
  readonly retriable = false;
}

const enc = new TextEncoder();
/** Bytes a record takes in a batch besides its key, value and headers (an upper estimate). */
const RECORD_OVERHEAD = 21;
/** Bytes of a Produce request around its batches: header, topic and partition entries (generous). */
const REQUEST_OVERHEAD = 128;
const BATCH_OVERHEAD = 61;
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
const DUPLICATE_SEQUENCE_NUMBER = 46;
/** Errors after which the partition's leader may have moved: refresh metadata before retrying. */
const STALE_METADATA = new Set([3, 5, 6, 13, 19, 20, 74, 75]);

interface Resolved {
  acks: 0 | 1 | -1;
  lingerMs: number;
  batchSize: number;
  maxBlockMs: number;
  maxInFlight: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  maxRequestSize: number;
  compression: number;
  idempotent: boolean;
}

function positiveInt(o: Record<string, unknown>, field: string, dflt: number, min = 0): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

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
  readonly #o: Resolved;
  readonly #keySerializer: ((key: K, topic: string) => Uint8Array | null) | undefined;
  readonly #valueSerializer: ((value: V, topic: string) => Uint8Array | null) | undefined;
  readonly #onDelivery: DeliveryCallback | undefined;
  readonly #partitioner: Partitioner | undefined;
  readonly #partitionerFn: PartitionerFn | undefined;
  readonly #acc = new Accumulator();
  readonly #pool: BufferPool;
  /** CRC32C loaded and (idempotent) producer id known. */
  #started = false;
  #starting: Promise<void> | undefined;
  #producerId = -1n;
  #producerEpoch = -1;
  #pidRequest: Promise<void> | undefined;
  readonly #inFlightByNode = new Map<number, number>();
  readonly #metadataRequests = new Map<string, Promise<unknown>>();
  #drainQueued = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  /** Records handed over and not yet settled. */
  #outstanding = 0;
  #idleWaiters: (() => void)[] = [];
  /** Records still waiting for metadata or buffer space before they reach a batch. */
  readonly #arriving = new Set<Promise<void>>();
  #flushing = 0;
  #closed = false;
  readonly #m = {
    records: 0,
    bytes: 0,
    batches: 0,
    batchRecords: 0,
    requests: 0,
    retries: 0,
    errors: 0,
    latencySum: 0,
    latencyMax: 0,
    latencyCount: 0,
  };

  /** Creates a producer; it connects on first use. Bad options throw here, naming the option. */
  constructor(options: ProducerOptions<K, V>) {
    checkProducerOptions(options);
    const o = options as unknown as Record<string, unknown>;
    const acks = options.acks ?? "all";
    if (acks !== 0 && acks !== 1 && acks !== -1 && acks !== "all") {
      throw new RangeError(`acks must be 0, 1, -1 or "all", got ${String(acks)}`);
    }
    const maxInFlight = positiveInt(o, "maxInFlightRequestsPerConnection", 5, 1);
    // As in the Java client: on by default, quietly off when other settings conflict, an error when
    // asked for explicitly with them.
    const idempotent = options.idempotent ?? (acks !== 0 && acks !== 1 && maxInFlight <= 5);
    if (idempotent && (acks === 0 || acks === 1)) {
      throw new RangeError(`idempotent producers need acks "all"; set idempotent: false to use acks ${acks}`);
    }
    if (idempotent && maxInFlight > 5) {
      throw new RangeError("maxInFlightRequestsPerConnection must be at most 5 for an idempotent producer");
    }
    this.#o = {
      acks: acks === "all" ? -1 : acks,
      lingerMs: positiveInt(o, "lingerMs", 5),
      batchSize: positiveInt(o, "batchSize", 16384, 1),
      maxBlockMs: positiveInt(o, "maxBlockMs", 60_000),
      maxInFlight,
      deliveryTimeoutMs: positiveInt(o, "deliveryTimeoutMs", 120_000, 1),
      requestTimeoutMs: positiveInt(o, "requestTimeoutMs", 30_000, 1),
      maxRequestSize: positiveInt(o, "maxRequestSize", 1024 * 1024, 1),
      compression: compressionTypeFromName(options.compression ?? "none"),
      idempotent,
    };
    this.#pool = new BufferPool(positiveInt(o, "bufferMemory", 32 * 1024 * 1024, 1));
    this.#keySerializer = options.keySerializer;
    this.#valueSerializer = options.valueSerializer;
    this.#onDelivery = options.onDelivery;
    const p = options.partitioner;
    if (typeof p === "function") this.#partitionerFn = p;
    else this.#partitioner = p ?? new DefaultPartitioner();
    this.#cluster = new Cluster({
      ...options,
      clientId: options.clientId ?? "kafka-ts-producer",
      // The producer retries by its own rules (delivery timeout); the cluster retries connects only.
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
    for (let i = 0; i < records.length; i++) this.#prepare(records[i], `records[${i}]`);
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
    let failure: Error | undefined;
    let controller!: WritableStreamDefaultController;
    const ack: Ack = {
      settle: (e) => {
        if (e && !failure) {
          failure = e;
          controller.error(e);
        }
      },
    };
    return new WritableStream<ProducerRecord<K, V>>({
      start: (c) => {
        controller = c;
      },
      write: (record) => {
        if (failure) throw failure;
        return this.#enqueue(record, ack, 0, "record");
      },
      close: async () => {
        await this.flush();
        if (failure) throw failure;
      },
      abort: (reason) => {
        this.#dropUnsent(
          ack,
          reason instanceof Error ? reason : new ProducerClosedError(`stream aborted: ${reason}`),
        );
      },
    });
  }

  /** Sends everything buffered now and resolves when every record handed over so far is settled. */
  async flush(): Promise<void> {
    // Records sent before the flush but still waiting for metadata count too, as in the Java client.
    if (this.#arriving.size > 0) await Promise.allSettled([...this.#arriving]);
    if (this.#outstanding === 0) return;
    this.#flushing++;
    this.#queueDrain();
    try {
      await new Promise<void>((r) => this.#idleWaiters.push(r));
    } finally {
      this.#flushing--;
    }
  }

  /** Flushes, then disconnects. Sends after this fail with `ProducerClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    this.#pool.failAll(new ProducerClosedError("producer closed"));
    if (this.#timer) clearTimeout(this.#timer);
    await this.#cluster.close();
  }

  /** Counters since the producer was created. */
  metrics(): ProducerMetrics {
    const m = this.#m;
    return {
      recordsSent: m.records,
      bytesSent: m.bytes,
      batchesSent: m.batches,
      averageBatchRecords: m.batches ? m.batchRecords / m.batches : 0,
      averageBatchBytes: m.batches ? m.bytes / m.batches : 0,
      requestsSent: m.requests,
      retries: m.retries,
      errors: m.errors,
      requestLatencyAvgMs: m.latencyCount ? m.latencySum / m.latencyCount : 0,
      requestLatencyMaxMs: m.latencyMax,
      bufferBytesInUse: this.#pool.used,
      bufferBytesTotal: this.#pool.total,
    };
  }

  // ---- Accepting records ----

  /** Validates and serializes a record. Throws a TypeError/RangeError naming the field. */
  #prepare(
    record: ProducerRecord<K, V>,
    where: string,
  ): { input: RecordInput; bytes: number; key: Uint8Array | null } {
    if (typeof record !== "object" || record === null) throw new TypeError(`${where} must be an object`);
    const topic = record.topic;
    if (typeof topic !== "string" || topic.length === 0) {
      throw new TypeError(`${where}.topic must be a non-empty string`);
    }
    const p = record.partition;
    if (p !== undefined && (typeof p !== "number" || !Number.isInteger(p) || p < 0)) {
      throw new RangeError(`${where}.partition must be an integer >= 0, got ${String(p)}`);
    }
    const ts = record.timestamp;
    if (ts !== undefined && (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts < 0)) {
      throw new RangeError(
        `${where}.timestamp must be a non-negative integer of milliseconds, got ${String(ts)}`,
      );
    }
    const key = this.#keySerializer
      ? this.#keySerializer(record.key as K, topic)
      : toBytes(record.key ?? null, `${where}.key`);
    const value = this.#valueSerializer
      ? this.#valueSerializer(record.value, topic)
      : toBytes(record.value, `${where}.value`);
    if (this.#keySerializer && key !== null && !(key instanceof Uint8Array)) {
      throw new TypeError(`keySerializer must return a Uint8Array or null (${where}.key)`);
    }
    if (this.#valueSerializer && value !== null && !(value instanceof Uint8Array)) {
      throw new TypeError(`valueSerializer must return a Uint8Array or null (${where}.value)`);
    }
    const headers = record.headers === undefined ? undefined : toHeaders(record.headers, `${where}.headers`);
    let bytes = RECORD_OVERHEAD + (key?.length ?? 0) + (value?.length ?? 0);
    if (headers) { for (const h of headers) bytes += h.key.length * 3 + (h.value?.length ?? 0) + 10; }
    const limit = this.#o.maxRequestSize - REQUEST_OVERHEAD - BATCH_OVERHEAD;
    if (bytes > limit) {
      throw new RangeError(
        `${where} is ${bytes} bytes serialized, larger than maxRequestSize allows (${this.#o.maxRequestSize})`,
      );
    }
    if (bytes > this.#pool.total) {
      throw new RangeError(`${where} is ${bytes} bytes, larger than bufferMemory (${this.#pool.total})`);
    }
    return { input: { key, value, headers, timestamp: ts ?? Date.now() }, bytes, key };
  }

  /** Queues a record; returns a promise only when it had to wait (metadata, buffer space). */
  #enqueue(record: ProducerRecord<K, V>, ack: Ack, slot: number, where: string): Promise<void> | undefined {
    if (this.#closed) throw new ProducerClosedError("producer is closed");
    const prepared = this.#prepare(record, where);
    const topic = record.topic;
    const info = this.#cluster.cachedTopic(topic);
    if (info && this.#started && this.#pool.tryReserve(prepared.bytes)) {
      this.#append(info, record.partition, prepared, ack, slot, where);
      return undefined;
    }
    const arriving = (async () => {
      const deadline = performance.now() + this.#o.maxBlockMs;
      await this.#start();
      const t = info ??
        await withDeadline(this.#cluster.topic(topic), deadline, `metadata for topic ${topic}`);
      await this.#pool.reserve(prepared.bytes, Math.max(0, deadline - performance.now()));
      try {
        this.#append(t, record.partition, prepared, ack, slot, where);
      } catch (e) {
        this.#pool.release(prepared.bytes);
        throw e;
      }
    })();
    this.#arriving.add(arriving);
    arriving.then(
      () => this.#arriving.delete(arriving),
      () => this.#arriving.delete(arriving),
    );
    return arriving;
  }

  #append(
    info: TopicInfo,
    explicit: number | undefined,
    prepared: { input: RecordInput; bytes: number; key: Uint8Array | null },
    ack: Ack,
    slot: number,
    where: string,
  ): void {
    const n = info.partitions.length;
    let partition: number;
    if (explicit !== undefined) {
      if (explicit >= n) {
        this.#pool.release(prepared.bytes);
        throw new RangeError(`${where}.partition ${explicit} does not exist: topic ${info.name} has ${n}`);
      }
      partition = explicit;
    } else if (this.#partitionerFn) {
      partition = this.#partitionerFn({
        topic: info.name,
        key: prepared.key,
        value: prepared.input.value,
        numPartitions: n,
      });
      if (!Number.isInteger(partition) || partition < 0 || partition >= n) {
        this.#pool.release(prepared.bytes);
        throw new RangeError(`partitioner returned ${partition} for topic ${info.name} with ${n} partitions`);
      }
    } else {
      const pt = this.#partitioner!;
      partition = pt.partition(info.name, prepared.key, n);
      // Sticky partitioning (KIP-480): when an unkeyed record would open a new batch, move on first.
      if (
        prepared.key === null && pt.onNewBatch &&
        this.#acc.wouldOpen(this.#acc.state(info.name, partition), prepared.bytes, this.#o.batchSize)
      ) {
        pt.onNewBatch(info.name, partition, n);
        partition = pt.partition(info.name, null, n);
      }
    }
    const s = this.#acc.state(info.name, partition);
    const now = performance.now();
    const { batch } = this.#acc.append(
      s,
      prepared.input,
      prepared.bytes,
      ack,
      slot,
      this.#o.batchSize,
      now,
      this.#o.deliveryTimeoutMs,
    );
    this.#outstanding++;
    if (batch.bytes >= this.#o.batchSize || this.#o.lingerMs === 0 || s.queue.length > 1) this.#queueDrain();
    else this.#wakeAt(batch.createdAt + this.#o.lingerMs);
  }

  /** The compression codec (loaded on first use) and the producer id, once. */
  #start(): Promise<void> {
    if (this.#started) return Promise.resolve();
    this.#starting ??= (async () => {
      try {
        await loadCodec(this.#o.compression);
        if (this.#o.idempotent) await this.#initProducerId();
        this.#started = true;
      } finally {
        this.#starting = undefined;
      }
    })();
    return this.#starting;
  }

  #initProducerId(): Promise<void> {
    this.#pidRequest ??= (async () => {
      try {
        // A fresh cluster answers COORDINATOR_LOAD_IN_PROGRESS for a while: retry retriable errors
        // until maxBlockMs.
        const deadline = performance.now() + this.#o.maxBlockMs;
        const res = await withRetry(
          async () => {
            const res = await this.#cluster.send("any", InitProducerId, {
              transactionalId: null,
              transactionTimeoutMs: 60_000,
              producerId: -1n,
              producerEpoch: -1,
            });
            if (res.errorCode !== 0) throw KafkaError.fromCode(res.errorCode, { api: "InitProducerId" });
            return res;
          },
          { ...this.#cluster.retryOptions, retries: Number.MAX_SAFE_INTEGER },
          () => {
            if (performance.now() > deadline) {
              throw new DeliveryTimeoutError("no producer id within maxBlockMs");
            }
          },
        );
        this.#producerId = res.producerId;
        this.#producerEpoch = res.producerEpoch;
        for (const s of this.#acc.states()) s.nextSequence = 0;
      } finally {
        this.#pidRequest = undefined;
      }
    })();
    return this.#pidRequest;
  }

  /** Drops records of one stream that were not sent yet (the stream was aborted). */
  #dropUnsent(ack: Ack, reason: Error): void {
    for (const s of this.#acc.states()) {
      for (let b = s.queue.length - 1; b >= 0; b--) {
        const batch = s.queue[b];
        if (batch.encoded !== undefined) continue;
        for (let i = batch.records.length - 1; i >= 0; i--) {
          if (batch.acks[i] !== ack) continue;
          batch.records.splice(i, 1);
          batch.acks.splice(i, 1);
          batch.slots.splice(i, 1);
          this.#settleOne(s.topic, s.partition, ack, 0, reason, null);
        }
        if (batch.records.length === 0) {
          this.#pool.release(batch.bytes);
          s.queue.splice(b, 1);
        }
      }
    }
  }

  // ---- Sending ----

  #queueDrain(): void {
    if (this.#drainQueued) return;
    this.#drainQueued = true;
    queueMicrotask(() => {
      this.#drainQueued = false;
      this.#drain();
    });
  }

  #wakeAt(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#drain();
    }, Math.max(0, at - performance.now()));
  }

  /** Collects ready batches, one per partition per request, and sends one Produce per broker. */
  #drain(): void {
    if (this.#closed && this.#outstanding === 0) return;
    if (!this.#started) {
      // Still starting (or the producer id must be fetched again).
      void this.#start().then(() => this.#drain(), (e) => this.#failAllQueued(e));
      return;
    }
    const now = performance.now();
    const o = this.#o;
    const force = this.#flushing > 0 || this.#pool.waiting;
    const byNode = new Map<number, { batches: PartitionState[]; bytes: number }>();
    let nextWake = Infinity;
    for (const s of this.#acc.states()) {
      const head = s.queue[0];
      if (!head) continue;
      if (now >= head.deadline) {
        s.queue.shift();
        this.#failBatch(
          s,
          head,
          new DeliveryTimeoutError(
            `${head.records.length} records for ${s.topic}-${s.partition} not acknowledged within ` +
              `deliveryTimeoutMs (${o.deliveryTimeoutMs})`,
          ),
        );
        this.#queueDrain();
        continue;
      }
      if (s.retrying && s.inFlight > 0) continue;
      if (s.inFlight >= o.maxInFlight) continue;
      if (o.idempotent && !s.acked && s.inFlight > 0) continue;
      let readyAt: number;
      if (head.encoded !== undefined) readyAt = head.retryAt;
      else if (force || s.queue.length > 1 || head.bytes >= o.batchSize) readyAt = 0;
      else readyAt = head.createdAt + o.lingerMs;
      if (readyAt > now) {
        nextWake = Math.min(nextWake, readyAt);
        continue;
      }
      const leader = this.#leaderOf(s);
      if (leader === undefined) continue;
      let group = byNode.get(leader);
      if (!group) byNode.set(leader, group = { batches: [], bytes: REQUEST_OVERHEAD });
      const size = head.encoded?.length ?? head.bytes + BATCH_OVERHEAD;
      if (group.batches.length > 0 && group.bytes + size > o.maxRequestSize) {
        nextWake = now; // the rest go in the next request
        continue;
      }
      group.batches.push(s);
      group.bytes += size;
    }
    for (const [node, group] of byNode) {
      const inFlight = this.#inFlightByNode.get(node) ?? 0;
      if (inFlight >= o.maxInFlight) continue; // a response will drain again
      const batches: ProducerBatch[] = [];
      for (const s of group.batches) {
        const batch = s.queue.shift()!;
        this.#prepareBatch(s, batch);
        s.inFlight++;
        if (s.retrying) s.retrying = false;
        batches.push(batch);
      }
      this.#inFlightByNode.set(node, inFlight + 1);
      void this.#sendRequest(node, batches);
    }
    if (nextWake !== Infinity) this.#wakeAt(nextWake);
  }

  #leaderOf(s: PartitionState): number | undefined {
    const info = this.#cluster.cachedTopic(s.topic);
    const leader = info?.partitions[s.partition]?.leader;
    if (leader !== undefined && leader >= 0) return leader;
    if (!this.#metadataRequests.has(s.topic)) {
      const p = this.#cluster.topic(s.topic).catch(() => undefined).finally(() => {
        this.#metadataRequests.delete(s.topic);
        this.#wakeAt(performance.now() + backoffMs(0, this.#cluster.retryOptions));
      });
      this.#metadataRequests.set(s.topic, p);
    }
    return undefined;
  }

  /** Encodes a batch the first time it is sent, fixing its sequence numbers for every retry. */
  #prepareBatch(s: PartitionState, batch: ProducerBatch): void {
    if (batch.encoded !== undefined) {
      this.#m.retries++;
      return;
    }
    if (this.#o.idempotent) {
      batch.baseSequence = s.nextSequence;
      s.nextSequence = (s.nextSequence + batch.records.length) | 0;
      if (s.nextSequence < 0) s.nextSequence &= 0x7fffffff;
    }
    batch.encoded = encodeRecordBatch({
      records: batch.records,
      compression: this.#o.compression,
      producerId: this.#o.idempotent ? this.#producerId : -1n,
      producerEpoch: this.#o.idempotent ? this.#producerEpoch : -1,
      baseSequence: batch.baseSequence,
    });
  }

  async #sendRequest(node: number, batches: ProducerBatch[]): Promise<void> {
    const byTopic = new Map<string, { index: number; records: Uint8Array }[]>();
    for (const b of batches) {
      let list = byTopic.get(b.topic);
      if (!list) byTopic.set(b.topic, list = []);
      list.push({ index: b.partition, records: b.encoded! });
    }
    const topicData = [...byTopic].map(([name, partitionData]) => ({
      name,
      topicId: this.#cluster.cachedTopic(name)?.topicId,
      partitionData,
    }));
    const started = performance.now();
    this.#m.requests++;
    let res: ProduceResponse | undefined;
    let failure: unknown;
    try {
      const conn = await this.#cluster.broker(node);
      res = await conn.send(Produce, {
        transactionalId: null,
        acks: this.#o.acks,
        timeoutMs: this.#o.requestTimeoutMs,
        topicData,
      }, { expectResponse: this.#o.acks !== 0, timeoutMs: this.#o.requestTimeoutMs + 5_000 });
      const ms = performance.now() - started;
      this.#m.latencySum += ms;
      this.#m.latencyCount++;
      if (ms > this.#m.latencyMax) this.#m.latencyMax = ms;
    } catch (e) {
      failure = e;
    }
    this.#inFlightByNode.set(node, (this.#inFlightByNode.get(node) ?? 1) - 1);
    for (const b of batches) {
      const s = this.#acc.state(b.topic, b.partition);
      s.inFlight--;
      if (failure !== undefined) {
        this.#retryOrFail(s, b, failure instanceof Error ? failure : new Error(String(failure)));
        continue;
      }
      if (this.#o.acks === 0 || !res) {
        this.#completeBatch(s, b, -1n, -1n);
        continue;
      }
      const p = findPartition(res, b.topic, b.partition);
      if (!p) {
        this.#retryOrFail(
          s,
          b,
          new KafkaError(-1, { api: "Produce", topic: b.topic, partition: b.partition }),
        );
        continue;
      }
      if (p.errorCode === 0) this.#completeBatch(s, b, p.baseOffset, p.logAppendTimeMs);
      else if (p.errorCode === DUPLICATE_SEQUENCE_NUMBER) this.#completeBatch(s, b, -1n, -1n);
      else {
        const err = new KafkaError(p.errorCode, {
          api: "Produce",
          topic: b.topic,
          partition: b.partition,
          brokerMessage: p.errorMessage,
        });
        if (STALE_METADATA.has(p.errorCode)) this.#cluster.invalidate(b.topic);
        this.#retryOrFail(s, b, err);
      }
    }
    this.#queueDrain();
  }

  #retryOrFail(s: PartitionState, b: ProducerBatch, err: Error): void {
    const now = performance.now();
    // An out-of-order answer behind a batch that is being retried is that batch's echo: retry it too.
    const echo = err instanceof KafkaError && err.code === OUT_OF_ORDER_SEQUENCE_NUMBER && s.retrying;
    if ((isRetriable(err) || echo) && now < b.deadline) {
      b.attempts++;
      b.retryAt = now + backoffMs(b.attempts - 1, this.#cluster.retryOptions);
      s.retrying = true;
      // Back into the queue in sequence order, ahead of batches never sent.
      let i = 0;
      while (
        i < s.queue.length && s.queue[i].encoded !== undefined && s.queue[i].baseSequence < b.baseSequence
      ) i++;
      s.queue.splice(i, 0, b);
      if (err instanceof KafkaError === false) this.#cluster.invalidate(b.topic);
      return;
    }
    this.#failBatch(s, b, err);
    if (this.#o.idempotent && b.baseSequence >= 0) this.#resetSequences(err);
  }

  /**
   * After a batch failed for good its sequence numbers are a gap the broker will not accept past: start
   * over with a new producer id, and re-encode batches not yet acknowledged.
   */
  #resetSequences(cause: Error): void {
    this.#started = false;
    this.#producerId = -1n;
    for (const st of this.#acc.states()) {
      st.nextSequence = 0;
      st.retrying = false;
      st.acked = false;
      for (let i = st.queue.length - 1; i >= 0; i--) {
        const q = st.queue[i];
        if (q.encoded === undefined) continue;
        // Sent before under the old producer id: it may be written already, and a new id would not be
        // deduplicated against it. Fail it rather than risk writing it twice.
        st.queue.splice(i, 1);
        this.#failBatch(st, q, cause);
      }
    }
    this.#queueDrain();
  }

  #completeBatch(s: PartitionState, b: ProducerBatch, baseOffset: bigint, logAppendTime: bigint): void {
    const n = b.records.length;
    s.acked = true;
    this.#m.records += n;
    this.#m.batches++;
    this.#m.batchRecords += n;
    this.#m.bytes += b.encoded?.length ?? 0;
    this.#pool.release(b.bytes);
    const appendTime = logAppendTime >= 0n ? Number(logAppendTime) : -1;
    for (let i = 0; i < n; i++) {
      const md: RecordMetadata = {
        topic: s.topic,
        partition: s.partition,
        offset: baseOffset >= 0n ? baseOffset + BigInt(i) : -1n,
        timestamp: appendTime >= 0 ? appendTime : b.records[i].timestamp!,
      };
      this.#settleOne(s.topic, s.partition, b.acks[i], b.slots[i], null, md);
    }
  }

  #failBatch(s: PartitionState, b: ProducerBatch, err: Error): void {
    this.#m.errors++;
    this.#pool.release(b.bytes);
    for (let i = 0; i < b.records.length; i++) {
      this.#settleOne(s.topic, s.partition, b.acks[i], b.slots[i], err, null);
    }
  }

  #failAllQueued(err: Error): void {
    for (const s of this.#acc.states()) {
      for (const b of s.queue.splice(0)) this.#failBatch(s, b, err);
    }
  }

  #settleOne(
    topic: string,
    partition: number,
    ack: Ack | null,
    slot: number,
    err: Error | null,
    md: RecordMetadata | null,
  ): void {
    try {
      ack?.settle(err, md, slot);
      this.#onDelivery?.(err, md, { topic, partition });
    } finally {
      if (--this.#outstanding === 0) {
        for (const w of this.#idleWaiters.splice(0)) w();
      }
    }
  }
}

function findPartition(res: ProduceResponse, topic: string, partition: number) {
  for (const t of res.responses) {
    if (t.name !== topic && t.name !== "") continue;
    for (const p of t.partitionResponses) if (p.index === partition) return p;
  }
  return undefined;
}

function toBytes(v: unknown, field: string): Uint8Array | null {
  if (v === null) return null;
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return enc.encode(v);
  throw new TypeError(
    `${field} must be a Uint8Array, a string or null (or set a serializer), got ${typeName(v)}`,
  );
}

function typeName(v: unknown): string {
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? (v as object).constructor?.name ?? "object" : typeof v;
}

function toHeaders(h: ProducerHeaders, field: string): RecordHeader[] {
  const out: RecordHeader[] = [];
  if (Array.isArray(h)) {
    for (let i = 0; i < h.length; i++) {
      const e = h[i] as { key?: unknown; value?: unknown };
      if (typeof e?.key !== "string") throw new TypeError(`${field}[${i}].key must be a string`);
      out.push({ key: e.key, value: toBytes(e.value ?? null, `${field}[${i}].value`) });
    }
    return out;
  }
  if (typeof h !== "object" || h === null) throw new TypeError(`${field} must be an array or an object`);
  for (const [key, value] of Object.entries(h)) out.push({ key, value: toBytes(value, `${field}.${key}`) });
  return out;
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
