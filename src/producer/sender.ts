/**
 * The sender: collects ready batches from the accumulator, sends one Produce request per broker with
 * every ready partition it leads, handles the answers (acknowledge, retry in sequence order, or fail),
 * and reports each record's outcome exactly once.
 */
import type { Cluster } from "../client/cluster.ts";
import { backoffMs, isRetriable } from "../client/retry.ts";
import { loadCodec } from "../codec/compression.ts";
import { ERR, KafkaError, needsMetadataRefresh } from "../protocol/errors.ts";
import { Produce, type ProduceResponse } from "../protocol/messages/produce.ts";
import type { Accumulator, Ack, BufferPool, PartitionState, ProducerBatch } from "./accumulator.ts";
import { DeliveryTimeoutError } from "./errors.ts";
import type { Idempotence } from "./idempotence.ts";
import type { TransactionManager } from "./transactions.ts";
import { BATCH_OVERHEAD, type PreparedRecord, REQUEST_OVERHEAD } from "./record.ts";
import type { ProducerSettings } from "./settings.ts";
import type { DeliveryCallback, PersistenceStatus, ProducerMetrics, RecordMetadata } from "./types.ts";
import { type DeliveryError, mayFollowAppend, withPersistence } from "./persistence.ts";
import { ConnectionError } from "../transport/socket.ts";
import { BatchSealer } from "./seal.ts";

/** Sends the accumulator's batches and settles their records. */
export class Sender {
  readonly #cluster: Cluster;
  readonly #o: ProducerSettings;
  readonly #acc: Accumulator;
  readonly #pool: BufferPool;
  readonly #idem: Idempotence;
  readonly #onDelivery: DeliveryCallback | undefined;
  readonly #txn: TransactionManager | undefined;
  /** CRC32C loaded and (idempotent) producer id known. */
  #started = false;
  #starting: Promise<void> | undefined;
  readonly #inFlightByNode = new Map<number, number>();
  readonly #sealer = new BatchSealer();
  readonly #metadataRequests = new Map<string, Promise<unknown>>();
  #drainQueued = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  /** Records handed over and not yet settled. */
  #outstanding = 0;
  #idleWaiters: (() => void)[] = [];
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
  readonly #deliveries: Record<PersistenceStatus, number> = {
    persisted: 0,
    possibly_persisted: 0,
    not_persisted: 0,
  };

  constructor(o: {
    cluster: Cluster;
    settings: ProducerSettings;
    accumulator: Accumulator;
    pool: BufferPool;
    idempotence: Idempotence;
    onDelivery: DeliveryCallback | undefined;
    transactions?: TransactionManager;
  }) {
    this.#cluster = o.cluster;
    this.#o = o.settings;
    this.#acc = o.accumulator;
    this.#pool = o.pool;
    this.#idem = o.idempotence;
    this.#onDelivery = o.onDelivery;
    this.#txn = o.transactions;
  }

  /** Whether records can go straight into a batch (codec loaded and, if needed, a producer id). */
  get started(): boolean {
    return this.#started;
  }

  /** The compression codec (loaded on first use) and the producer id, once. */
  start(): Promise<void> {
    if (this.#started) return Promise.resolve();
    this.#starting ??= (async () => {
      try {
        await loadCodec(this.#o.compression);
        // A transactional producer has its id from initTransactions(), before any record is accepted.
        if (this.#idem.enabled && !this.#txn) await this.#idem.init(() => this.#acc.states());
        this.#started = true;
      } finally {
        this.#starting = undefined;
      }
    })();
    return this.#starting;
  }

  /** Adds a prepared record to its partition's batch and schedules the send. */
  append(s: PartitionState, prepared: PreparedRecord, ack: Ack, slot: number): void {
    const o = this.#o;
    const batch = this.#acc.append(
      s,
      prepared,
      prepared.bytes,
      ack,
      slot,
      o.batchSize,
      o.deliveryTimeoutMs,
    );
    this.#outstanding++;
    if (ack.sendNow === true) batch.sendNow = true;
    if (batch.sendNow || batch.bytes >= o.batchSize || o.lingerMs === 0 || s.queue.length > 1) {
      this.#queueDrain();
    } else this.#wakeAt(batch.createdAt + o.lingerMs);
  }

  /** Sends everything buffered now and resolves when every record appended so far is settled. */
  async flush(): Promise<void> {
    if (this.#outstanding === 0) return;
    this.#flushing++;
    this.#queueDrain();
    try {
      await new Promise<void>((r) => this.#idleWaiters.push(r));
    } finally {
      this.#flushing--;
    }
  }

  /** Records handed over and not yet settled. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /**
   * Marks and counts a record that failed before it reached a batch (metadata, buffer space, a closed
   * producer): it was never sent, so it is not persisted.
   */
  failedUnsent(err: Error): DeliveryError {
    this.#deliveries.not_persisted++;
    return withPersistence(err, "not_persisted");
  }

  /** Schedules a drain. */
  wake(): void {
    this.#queueDrain();
  }

  /** Fails every record not sent yet (a transaction is aborted or failed). */
  failUnsent(err: Error): void {
    for (const s of this.#acc.states()) {
      for (let b = s.queue.length - 1; b >= 0; b--) {
        const batch = s.queue[b];
        if (batch.encoded !== undefined) continue;
        s.queue.splice(b, 1);
        this.#failBatch(s, batch, err);
      }
    }
  }

  /** Stops the linger timer; call after a flush. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Drops records of one stream that were not sent yet (the stream was aborted). */
  dropUnsent(ack: Ack, reason: Error): void {
    for (const s of this.#acc.states()) {
      for (let b = s.queue.length - 1; b >= 0; b--) {
        const batch = s.queue[b];
        if (batch.encoded !== undefined) continue;
        for (let n = batch.remove(ack); n > 0; n--) {
          this.#deliveries.not_persisted++;
          this.#settleOne(s.topic, s.partition, ack, 0, withPersistence(reason, "not_persisted"), null);
        }
        if (batch.count === 0) {
          this.#pool.release(batch.bytes);
          s.queue.splice(b, 1);
        }
      }
    }
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
      deliveries: { ...this.#deliveries },
      bufferBytesInUse: this.#pool.used,
      bufferBytesTotal: this.#pool.total,
    };
  }

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
      void this.start().then(() => this.#drain(), (e) => this.#failAllQueued(e));
      return;
    }
    const now = performance.now();
    const o = this.#o;
    const force = this.#flushing > 0 || this.#pool.waiting;
    const byNode = new Map<number, { batches: PartitionState[]; bytes: number }>();
    const txn = this.#txn;
    let toAdd: PartitionState[] | undefined;
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
            `${head.count} records for ${s.topic}-${s.partition} not acknowledged within ` +
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
      else if (force || s.queue.length > 1 || head.bytes >= o.batchSize || head.sendNow) readyAt = 0;
      else readyAt = head.createdAt + o.lingerMs;
      if (readyAt > now) {
        nextWake = Math.min(nextWake, readyAt);
        continue;
      }
      if (txn !== undefined && head.encoded === undefined && txn.needsAdd(s)) {
        // Classic transactions: the partition joins the transaction before its first batch goes out.
        (toAdd ??= []).push(s);
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
      let sealing: Promise<void>[] | undefined;
      for (const s of group.batches) {
        const batch = s.queue.shift()!;
        const sequence = s.nextSequence;
        try {
          const sealed = this.#prepareBatch(s, batch);
          if (sealed !== undefined) (sealing ??= []).push(sealed);
        } catch (e) {
          // A codec that throws fails this batch's records; its sequence numbers were never used.
          s.nextSequence = sequence;
          this.#failBatch(s, batch, e instanceof Error ? e : new Error(String(e)));
          this.#queueDrain();
          continue;
        }
        s.inFlight++;
        if (s.retrying) s.retrying = false;
        batches.push(batch);
      }
      if (batches.length === 0) continue;
      this.#inFlightByNode.set(node, inFlight + 1);
      void this.#sendRequest(node, batches, this.#sealer.after(node, sealing));
    }
    if (toAdd !== undefined) txn!.addPartitions(toAdd);
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

  /**
   * Encodes a batch the first time it is sent, fixing its sequence numbers for every retry; returns a
   * promise while a large batch is being compressed.
   */
  #prepareBatch(s: PartitionState, batch: ProducerBatch): Promise<void> | undefined {
    if (batch.encoded !== undefined) {
      this.#m.retries++;
      return undefined;
    }
    this.#idem.assignSequence(s, batch);
    return this.#sealer.seal(batch, {
      compression: this.#o.compression,
      producerId: this.#idem.producerId,
      producerEpoch: this.#idem.epoch,
      baseSequence: batch.baseSequence,
      isTransactional: this.#txn !== undefined,
    });
  }

  /** Sends one Produce; `ready`, when given, settles once its batches are sealed and its turn has come. */
  async #sendRequest(node: number, batches: ProducerBatch[], ready?: Promise<unknown>): Promise<void> {
    if (ready !== undefined) await ready;
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
    const txn = this.#txn;
    let sent = false;
    try {
      // A batch whose compression failed (natively and in JavaScript) fails the whole request before
      // anything is written: not retriable, and failing its batches resets the sequence numbers.
      for (const b of batches) if (b.sealError !== undefined) throw b.sealError;
      const conn = await this.#cluster.broker(node);
      // A connection already known dead writes nothing: that failure leaves the records unwritten.
      if (conn.isClosed) throw new ConnectionError(`connection to broker ${node} is closed`);
      const cap = txn?.produceMaxVersion;
      txn?.noteProduce();
      sent = true;
      res = await conn.send(Produce, {
        transactionalId: txn ? txn.transactionalId : null,
        acks: this.#o.acks,
        timeoutMs: this.#o.requestTimeoutMs,
        topicData,
      }, {
        expectResponse: this.#o.acks !== 0,
        timeoutMs: this.#o.requestTimeoutMs + 5_000,
        version: cap === undefined ? undefined : Math.min(conn.versionFor(Produce), cap),
      });
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
        // The request went out and no answer came (a timeout, a connection cut): the broker may have
        // written the batch.
        if (sent) b.possiblyWritten = true;
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
      else if (p.errorCode === ERR.DUPLICATE_SEQUENCE_NUMBER) this.#completeBatch(s, b, -1n, -1n);
      else {
        const err = new KafkaError(p.errorCode, {
          api: "Produce",
          topic: b.topic,
          partition: b.partition,
          brokerMessage: p.errorMessage,
        });
        if (needsMetadataRefresh(p.errorCode)) this.#cluster.invalidate(b.topic);
        if (mayFollowAppend(p.errorCode)) b.possiblyWritten = true;
        this.#retryOrFail(s, b, err);
      }
    }
    this.#queueDrain();
  }

  #retryOrFail(s: PartitionState, b: ProducerBatch, err: Error): void {
    const now = performance.now();
    // An out-of-order answer behind a batch that is being retried is that batch's echo: retry it too.
    const echo = err instanceof KafkaError && err.code === ERR.OUT_OF_ORDER_SEQUENCE_NUMBER && s.retrying;
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
    if (this.#txn) {
      // The transaction fails (or the producer is fenced); aborting it bumps the epoch where needed.
      this.#failBatch(s, b, this.#txn.batchFailed(err, b.baseSequence >= 0));
      return;
    }
    this.#failBatch(s, b, err);
    if (this.#idem.enabled && b.baseSequence >= 0) {
      if (this.#idem.bumpEpoch(this.#acc.states(), (st, q) => this.#failBatch(st, q, err))) {
        this.#started = false;
      }
      this.#queueDrain();
    }
  }

  #completeBatch(s: PartitionState, b: ProducerBatch, baseOffset: bigint, logAppendTime: bigint): void {
    const n = b.count;
    s.acked = true;
    const status: PersistenceStatus = this.#o.acks === 0 ? "possibly_persisted" : "persisted";
    this.#deliveries[status] += n;
    this.#m.records += n;
    this.#m.batches++;
    this.#m.batchRecords += n;
    this.#m.bytes += b.encoded?.length ?? 0;
    this.#pool.release(b.bytes);
    const appendTime = logAppendTime >= 0n ? Number(logAppendTime) : -1;
    // One bigint per record (the next offset), not a BigInt(i) and a sum.
    let offset = baseOffset;
    for (let i = 0; i < n; i++) {
      const md: RecordMetadata = {
        topic: s.topic,
        partition: s.partition,
        offset,
        timestamp: appendTime >= 0 ? appendTime : b.timestamps[i],
      };
      if (offset >= 0n) offset += 1n;
      this.#settleOne(s.topic, s.partition, b.acks[i], b.slots[i], null, md, status);
    }
    // With acks=0 "done" means handed to the socket, which may still hold the batch's bytes (requests
    // reference large batches rather than copy them): such a buffer is left to the collector.
    if (this.#o.acks !== 0) this.#acc.recycle(b);
  }

  #failBatch(s: PartitionState, b: ProducerBatch, err: Error): void {
    this.#m.errors++;
    this.#pool.release(b.bytes);
    const marked = withPersistence(err, b.possiblyWritten ? "possibly_persisted" : "not_persisted");
    this.#deliveries[marked.persisted] += b.count;
    for (let i = 0; i < b.count; i++) {
      this.#settleOne(s.topic, s.partition, b.acks[i], b.slots[i], marked, null, marked.persisted);
    }
    // A batch that went out may still be in a closing socket's queue: only a never-sent one is reused.
    if (b.encoded === undefined) this.#acc.recycle(b);
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
    persisted: PersistenceStatus = "not_persisted",
  ): void {
    try {
      ack?.settle(err, md, slot);
      this.#onDelivery?.(err, md, { topic, partition, persisted });
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
