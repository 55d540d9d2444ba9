/**
 * Transactions, as the Java client's TransactionManager: the state machine, partitions added before their
 * first batch (AddPartitionsToTxn, one request per drain) or implicitly by Produce under KIP-890, offsets
 * committed with the transaction, EndTxn, fencing, and the epoch bump after errors that leave a gap in the
 * sequence numbers (KIP-360). The requests themselves are in transaction-requests.ts.
 */
import type { Cluster } from "../client/cluster.ts";
import type { ConsumerGroupMetadata } from "../consumer/types.ts";
import { ERR, KafkaError } from "../protocol/errors.ts";
import type { Accumulator, PartitionState } from "./accumulator.ts";
import { TransactionAbortedError, TransactionTimeoutError } from "./errors.ts";
import type { Idempotence } from "./idempotence.ts";
import { CLASSIC_PRODUCE_MAX, type IdAndEpoch, TransactionRequests } from "./transaction-requests.ts";
import { fenced, TransactionState } from "./transaction-state.ts";
import { checkOffsets, type TransactionOffset } from "./transaction-types.ts";

/**
 * Test hook: a producer created with this symbol set to true in its options speaks the classic
 * transaction protocol even where the broker offers KIP-890's.
 */
export const FORCE_CLASSIC_TRANSACTIONS: unique symbol = Symbol("kafka-ts.forceClassicTransactions");

/** What the transaction manager needs from the sender. */
export interface TransactionSender {
  /** Fails every record not yet sent (the transaction is being aborted, or failed). */
  failUnsent(err: Error): void;
  /** Resolves when every record handed over so far is settled. */
  flush(): Promise<void>;
  /** Schedules a drain (partitions were just added). */
  wake(): void;
}

/**
 * Codes that end the producer: it may not use its transactional id, the broker cannot serve it, or the
 * coordinator's state of the transaction no longer matches the producer's (INVALID_TXN_STATE: fatal in the
 * Java client too, since neither commit nor abort can be trusted to mean what they say).
 */
const FATAL: ReadonlySet<number> = new Set([
  ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
  ERR.CLUSTER_AUTHORIZATION_FAILED,
  ERR.UNSUPPORTED_VERSION,
  ERR.UNSUPPORTED_FOR_MESSAGE_FORMAT,
  ERR.INVALID_TXN_STATE,
]);

/** Settings of the transaction manager. */
export interface TransactionSettings {
  transactionalId: string;
  transactionTimeoutMs: number;
  maxBlockMs: number;
  /** Speak the classic protocol even where KIP-890's is offered (tests). */
  forceClassic: boolean;
}

/** The transactional state of one producer. */
export class TransactionManager {
  readonly transactionalId: string;
  readonly state: TransactionState = new TransactionState();
  readonly #o: TransactionSettings;
  readonly #idem: Idempotence;
  readonly #acc: Accumulator;
  readonly #requests: TransactionRequests;
  #sender!: TransactionSender;
  /** Something may have been written to the transaction: it must end with EndTxn. */
  #started = false;
  /** A sent batch failed, or the coordinator lost the producer id: bump the epoch when aborting. */
  #epochBumpRequired = false;
  /** The coordinator does not know the producer id (INVALID_PRODUCER_ID_MAPPING): it refuses EndTxn. */
  #skipEndTxn = false;
  /** Partitions waiting for AddPartitionsToTxn (classic protocol). */
  readonly #toAdd = new Set<PartitionState>();
  #adding: Promise<void> | undefined;
  /** sendOffsetsToTransaction calls under way: the commit waits for them. */
  readonly #offsetCalls = new Set<Promise<void>>();
  /** The init, commit or abort under way, which a second call of the same method joins. */
  #running: { what: string; done: Promise<void> } | undefined;
  #generation = 0;

  constructor(cluster: Cluster, idem: Idempotence, acc: Accumulator, o: TransactionSettings) {
    this.transactionalId = o.transactionalId;
    this.#o = o;
    this.#idem = idem;
    this.#acc = acc;
    this.#requests = new TransactionRequests(cluster, idem, o, () => this.state.throwIfFatal());
  }

  /** KIP-890 (transaction.version 2): Produce adds partitions, and every EndTxn bumps the epoch. */
  get v2(): boolean {
    return this.#requests.v2;
  }

  /** Connects the sender (made after the manager, which it calls back). */
  attach(sender: TransactionSender): void {
    this.#sender = sender;
  }

  /** The highest Produce version this transaction protocol allows, if capped. */
  get produceMaxVersion(): number | undefined {
    return this.v2 ? undefined : CLASSIC_PRODUCE_MAX;
  }

  /** True when the partition must be added with AddPartitionsToTxn before its first batch. */
  needsAdd(s: PartitionState): boolean {
    return !this.v2 && !s.inTxn;
  }

  /** Counts transactions begun, so that a record that waited for metadata knows whether its own is still open. */
  get generation(): number {
    return this.#generation;
  }

  /** A Produce of this transaction is going out: under KIP-890 that starts the transaction on the broker. */
  noteProduce(): void {
    this.#started = true;
  }

  // ---- Calls of the facade ----

  /** InitProducerId: fences older producers with the same id and aborts (or completes) their transaction. */
  initTransactions(): Promise<void> {
    return this.#once("initTransactions", async () => {
      this.state.to("initializing", "initialize transactions");
      const deadline = performance.now() + this.#o.maxBlockMs;
      try {
        const code = await this.#requests.discover(deadline, this.#o.forceClassic);
        if (code !== 0) throw this.#fatal(KafkaError.fromCode(code, { api: "FindCoordinator" }));
        await this.#initProducerId(false, deadline);
      } catch (e) {
        if (this.state.name === "initializing") this.state.to("uninitialized", "retry initTransactions");
        throw e;
      }
      this.state.to("ready", "initialize transactions");
    });
  }

  /** Opens a transaction (nothing is sent until the first record or offsets). */
  beginTransaction(): void {
    this.state.to("in-transaction", "begin a transaction");
    this.#generation++;
  }

  /** Adds the consumer's offsets to the transaction: they are committed if and only if it commits. */
  sendOffsets(offsets: readonly TransactionOffset[], group: ConsumerGroupMetadata): Promise<void> {
    const byTopic = checkOffsets(offsets, group);
    if (this.state.name !== "in-transaction") throw this.state.refusal("send offsets outside a transaction");
    const call = this.#sendOffsets(byTopic, group);
    this.#offsetCalls.add(call);
    const forget = () => this.#offsetCalls.delete(call);
    call.then(forget, forget);
    return call;
  }

  /** Flushes, then commits (EndTxn). Fails, leaving the transaction to abort, if a record failed. */
  commitTransaction(): Promise<void> {
    return this.#once("commitTransaction", async () => {
      if (this.state.name !== "committing") this.state.to("committing", "commit the transaction");
      const deadline = performance.now() + this.#o.maxBlockMs;
      await this.#sender.flush();
      if (this.#adding) await this.#adding;
      if (this.#offsetCalls.size > 0) await Promise.allSettled([...this.#offsetCalls]);
      if (this.state.name !== "committing") throw this.state.refusal("commit the transaction");
      if (this.#started) await this.#endTxn(true, deadline);
      this.#complete();
      this.state.to("ready", "commit the transaction");
    });
  }

  /** Drops the records not sent yet, waits for those in flight, then aborts (EndTxn). */
  abortTransaction(): Promise<void> {
    return this.#once("abortTransaction", async () => {
      if (this.state.name !== "aborting") this.state.to("aborting", "abort the transaction");
      const deadline = performance.now() + this.#o.maxBlockMs;
      this.#sender.failUnsent(new TransactionAbortedError("not sent: the transaction was aborted"));
      await this.#sender.flush();
      // An AddPartitionsToTxn still out must land in this transaction, not mark partitions of the next one.
      if (this.#adding) await this.#adding;
      if (this.#offsetCalls.size > 0) await Promise.allSettled([...this.#offsetCalls]);
      this.state.throwIfFatal();
      if (this.#started && !this.#skipEndTxn) await this.#endTxn(false, deadline);
      if (this.#epochBumpRequired && (!this.v2 || this.#skipEndTxn)) {
        this.state.to("initializing", "bump the producer epoch");
        await this.#initProducerId(true, deadline);
      }
      this.#complete();
      this.state.to("ready", "abort the transaction");
    });
  }

  // ---- Hooks of the sender ----

  /** Adds these partitions to the transaction with one AddPartitionsToTxn (plus any that come meanwhile). */
  addPartitions(states: readonly PartitionState[]): void {
    for (const s of states) this.#toAdd.add(s);
    if (this.#adding) return;
    this.#adding = this.#addLoop().finally(() => (this.#adding = undefined));
  }

  /**
   * A batch of the transaction failed for good. Fencing ends the producer; anything else fails the
   * transaction, which must be aborted. Returns the error to report for the batch's records.
   */
  batchFailed(err: Error, sent: boolean): Error {
    if (sent) this.#epochBumpRequired = true;
    if (err instanceof KafkaError) {
      // INVALID_PRODUCER_EPOCH on Produce means the coordinator aborted the transaction (it timed out):
      // abortable, as KIP-588 has it. PRODUCER_FENCED is a newer producer.
      if (err.code === ERR.PRODUCER_FENCED) return this.#fatal(fenced(this.transactionalId, err));
      if (FATAL.has(err.code)) return this.#fatal(err);
    }
    this.#abortable(err);
    return err;
  }

  // ---- Requests ----

  async #addLoop(): Promise<void> {
    const deadline = performance.now() + this.#o.maxBlockMs;
    while (this.#toAdd.size > 0) {
      const states = [...this.#toAdd];
      this.#toAdd.clear();
      if (this.state.name !== "in-transaction" && this.state.name !== "committing") return;
      const topics = new Map<string, number[]>();
      for (const s of states) {
        const list = topics.get(s.topic);
        if (list) list.push(s.partition);
        else topics.set(s.topic, [s.partition]);
      }
      try {
        const code = await this.#requests.addPartitions(topics, deadline);
        if (code !== 0) {
          this.#failWith(code, "AddPartitionsToTxn");
          return;
        }
      } catch (e) {
        this.#abortable(e as Error);
        return;
      }
      this.#started = true;
      for (const s of states) s.inTxn = true;
      this.#sender.wake();
    }
  }

  async #sendOffsets(byTopic: Map<string, TransactionOffset[]>, group: ConsumerGroupMetadata): Promise<void> {
    const deadline = performance.now() + this.#o.maxBlockMs;
    try {
      if (!this.v2) {
        const code = await this.#requests.addOffsets(group.groupId, deadline);
        if (code !== 0) throw this.#failWith(code, "AddOffsetsToTxn");
      }
      // Under KIP-890 TxnOffsetCommit itself adds the group's offsets to the transaction.
      this.#started = true;
      const code = await this.#requests.txnOffsetCommit(byTopic, group, deadline);
      if (code !== 0) throw this.#failWith(code, "TxnOffsetCommit");
    } catch (e) {
      if (e instanceof TransactionTimeoutError) this.#abortable(e);
      throw e;
    }
  }

  async #endTxn(commit: boolean, deadline: number): Promise<void> {
    const res = await this.#requests.endTxn(commit, deadline);
    if (res.code !== 0) throw this.#failWith(res.code, "EndTxn");
    // KIP-890: the coordinator bumped the epoch (or, when it ran out, gave a new producer id).
    if (this.v2 && res.epoch >= 0) {
      this.#adopt(res.producerId >= 0n ? res : { ...res, producerId: this.#idem.producerId });
    }
  }

  /** InitProducerId at the coordinator; `bump` sends the current id and epoch to get the next epoch. */
  async #initProducerId(bump: boolean, deadline: number): Promise<void> {
    const res = await this.#requests.initProducerId(bump, deadline);
    if (res.code === ERR.PRODUCER_FENCED || res.code === ERR.INVALID_PRODUCER_EPOCH) {
      throw this.#fatal(
        fenced(this.transactionalId, KafkaError.fromCode(res.code, { api: "InitProducerId" })),
      );
    }
    if (res.code !== 0) {
      throw this.#fatal(
        KafkaError.fromCode(res.code, { api: "InitProducerId", transactionalId: this.transactionalId }),
      );
    }
    this.#adopt(res);
  }

  // ---- State ----

  /** Sorts an error code of a transactional request: fatal (fenced) or abortable. Returns the error. */
  #failWith(code: number, api: string): Error {
    if (code === ERR.PRODUCER_FENCED || code === ERR.INVALID_PRODUCER_EPOCH) {
      return this.#fatal(fenced(this.transactionalId, KafkaError.fromCode(code, { api })));
    }
    const err = KafkaError.fromCode(code, { api, transactionalId: this.transactionalId });
    if (FATAL.has(code)) return this.#fatal(err);
    if (code === ERR.UNKNOWN_PRODUCER_ID || code === ERR.INVALID_PRODUCER_ID_MAPPING) {
      this.#epochBumpRequired = true;
      if (code === ERR.INVALID_PRODUCER_ID_MAPPING) this.#skipEndTxn = true;
    }
    this.#abortable(err);
    return err;
  }

  #abortable(e: Error): void {
    if (this.state.abortable(e)) {
      this.#sender.failUnsent(
        new TransactionAbortedError(`not sent: the transaction failed (${e.message})`, { cause: e }),
      );
    }
  }

  #fatal(e: Error): Error {
    this.state.fatalError(e);
    this.#sender.failUnsent(e);
    return e;
  }

  /** A new producer id or epoch: every partition's sequence starts again at 0. */
  #adopt(res: IdAndEpoch): void {
    this.#idem.producerId = res.producerId;
    this.#idem.epoch = res.epoch;
    for (const s of this.#acc.states()) {
      s.nextSequence = 0;
      s.acked = false;
    }
  }

  /** The transaction is over: its partitions must be added again to the next one. */
  #complete(): void {
    for (const s of this.#acc.states()) s.inTxn = false;
    this.#toAdd.clear();
    this.#started = false;
    this.#epochBumpRequired = false;
    this.#skipEndTxn = false;
  }

  /** Runs `fn` unless the same call is under way, which the caller then joins. */
  #once(what: string, fn: () => Promise<void>): Promise<void> {
    if (this.#running) {
      if (this.#running.what === what) return this.#running.done;
      return Promise.reject(this.state.refusal(`${what}() while ${this.#running.what}() runs`));
    }
    const done = fn().finally(() => (this.#running = undefined));
    this.#running = { what, done };
    return done;
  }
}
