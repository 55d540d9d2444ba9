/**
 * Exactly-once consume-transform-produce with Web Streams: a sink of `{ input, outputs }` chunks that
 * writes the outputs and commits the inputs' offsets in the same transaction, every N records or T ms.
 * A crash at any point leaves either both (committed) or neither (aborted by the next instance's
 * `initTransactions()`), so the restarted pipeline goes on from the last committed input.
 */
import type { ConsumerGroupMetadata } from "../consumer/types.ts";
import type { Ack } from "./accumulator.ts";
import { TransactionAbortedError } from "./errors.ts";
import type { TransactionalProducer } from "./transaction-scope.ts";
import type { TransactionState } from "./transaction-state.ts";
import type { TransactionOffset } from "./transaction-types.ts";
import type { ProducerRecord } from "./types.ts";

/** One consumed record and what was made of it. */
export interface TransformedRecord<K = Uint8Array | string | null, V = Uint8Array | string | null> {
  /** The consumed record (a `ConsumerRecord` will do): only its topic, partition and offset are read. */
  input: { topic: string; partition: number; offset: bigint; leaderEpoch?: number };
  /** The records made from it, written in order; an empty list still marks the input as processed. */
  outputs: readonly ProducerRecord<K, V>[];
}

/** The consumer whose offsets the sink commits. */
export interface TransactionalSource {
  /** The group, generation and member to commit as. */
  groupMetadata(): ConsumerGroupMetadata;
  /** Must be false: the transaction commits the offsets. */
  readonly autoCommitEnabled: boolean;
}

/** Options of `producer.transactionalWritable()`. */
export interface TransactionalWritableOptions {
  /** The consumer the inputs come from: in a group (`groupId`), with `enableAutoCommit: false`. */
  consumer: TransactionalSource;
  /** Commit after this many inputs or this many ms since the transaction began. Default 1000 and 1000. */
  commitEvery?: { records?: number; ms?: number };
}

/** What the sink needs of the producer besides its transactional calls. */
export interface TransactionalTarget<K, V> {
  enqueue(record: ProducerRecord<K, V>, ack: Ack, slot: number, where: string): Promise<void> | undefined;
}

function positive(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${name} must be an integer >= 1, got ${String(v)}`);
  }
  return v;
}

/** Builds the sink; checks the options and the consumer first, naming what is wrong. */
export function transactionalWritable<K, V>(
  producer: TransactionalProducer<K, V>,
  state: TransactionState,
  target: TransactionalTarget<K, V>,
  options: TransactionalWritableOptions,
): WritableStream<TransformedRecord<K, V>> {
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  const consumer = options.consumer;
  if (typeof consumer?.groupMetadata !== "function") {
    throw new TypeError("consumer must be the Consumer whose records are transformed");
  }
  consumer.groupMetadata(); // throws when the consumer has no groupId
  if (consumer.autoCommitEnabled) {
    throw new TypeError(
      "consumer must have enableAutoCommit: false: the transaction commits its offsets, and automatic " +
        "commits would skip inputs whose outputs were never committed",
    );
  }
  const every = options.commitEvery ?? {};
  const maxRecords = positive(every.records, "commitEvery.records", 1000);
  const maxMs = positive(every.ms, "commitEvery.ms", 1000);

  let controller!: WritableStreamDefaultController;
  let failure: Error | undefined;
  // One ack for every output: a failed one fails the transaction (the producer marks it abortable).
  const ack: Ack = {
    settle: (e) => {
      if (e && !failure) failure = e;
    },
  };
  /** Next offset to commit per topic and partition, reused across transactions. */
  const offsets = new Map<string, Map<number, TransactionOffset>>();
  let pendingOffsets = 0;
  let open = false;
  let inputs = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** A write is running; a commit the timer asks for meanwhile waits for its end. */
  let writing = false;
  let due = false;
  let committing: Promise<void> | undefined;
  /**
   * The member as it was when the transaction began: if a rebalance moves the group on meanwhile, the
   * coordinator refuses the offsets (ILLEGAL_GENERATION) and the transaction aborts, so that inputs a new
   * owner may already be reading again are never committed twice.
   */
  let member = consumer.groupMetadata();

  const begin = () => {
    producer.beginTransaction();
    member = consumer.groupMetadata();
    open = true;
    inputs = 0;
    timer = setTimeout(onTimer, maxMs);
  };

  const commit = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    due = false;
    if (!open) return;
    try {
      if (failure) throw failure;
      if (pendingOffsets > 0) {
        const list: TransactionOffset[] = [];
        for (const byPartition of offsets.values()) for (const o of byPartition.values()) list.push({ ...o });
        await producer.sendOffsetsToTransaction(list, member);
      }
      await producer.commitTransaction();
      open = false;
      offsets.clear();
      pendingOffsets = 0;
    } catch (e) {
      await abort();
      throw e;
    }
  };

  const abort = async (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (open && (state.name === "in-transaction" || state.name === "abortable-error")) {
      await producer.abortTransaction().catch(() => {});
    }
    open = false;
    offsets.clear();
    pendingOffsets = 0;
  };

  const fail = (e: unknown): never => {
    failure ??= e instanceof Error ? e : new Error(String(e));
    throw failure;
  };

  function onTimer(): void {
    timer = undefined;
    if (writing) {
      due = true;
      return;
    }
    committing = commit().catch((e) => {
      failure ??= e as Error;
      controller.error(e);
    }).finally(() => (committing = undefined));
  }

  const record = (chunk: TransformedRecord<K, V>): void => {
    const input = chunk.input;
    let byPartition = offsets.get(input.topic);
    if (!byPartition) offsets.set(input.topic, byPartition = new Map());
    const o = byPartition.get(input.partition);
    if (o) {
      o.offset = input.offset + 1n;
      o.leaderEpoch = input.leaderEpoch ?? -1;
    } else {
      byPartition.set(input.partition, {
        topic: input.topic,
        partition: input.partition,
        offset: input.offset + 1n,
        leaderEpoch: input.leaderEpoch ?? -1,
      });
    }
    pendingOffsets++;
  };

  const finish = (): Promise<void> | undefined => {
    writing = false;
    if (failure) return abort().then(() => fail(failure));
    if (++inputs >= maxRecords || due) return commit().catch(fail);
    return undefined;
  };

  const writeSlow = async (chunk: TransformedRecord<K, V>, from: number, waiting: Promise<void>) => {
    try {
      await waiting;
      const outs = chunk.outputs;
      for (let i = from; i < outs.length; i++) {
        const w = target.enqueue(outs[i], ack, 0, `outputs[${i}]`);
        if (w) await w;
      }
      record(chunk);
    } catch (e) {
      writing = false;
      await abort();
      fail(e);
    }
    await finish();
  };

  return new WritableStream<TransformedRecord<K, V>>({
    start: (c) => {
      controller = c;
    },
    write: (chunk) => {
      if (failure) throw failure;
      if (committing) return committing.then(() => sinkWrite(chunk));
      return sinkWrite(chunk);
    },
    close: async () => {
      if (committing) await committing;
      if (failure) throw failure;
      await commit();
    },
    abort: async () => {
      await abort();
      failure ??= new TransactionAbortedError("the transactional stream was aborted");
    },
  });

  function sinkWrite(chunk: TransformedRecord<K, V>): Promise<void> | undefined {
    if (failure) throw failure;
    const bad = badChunk(chunk);
    if (bad) return abort().then(() => fail(new TypeError(bad)));
    if (!open) begin();
    writing = true;
    const outs = chunk.outputs;
    try {
      for (let i = 0; i < outs.length; i++) {
        const w = target.enqueue(outs[i], ack, 0, `outputs[${i}]`);
        if (w) return writeSlow(chunk, i + 1, w);
      }
    } catch (e) {
      writing = false;
      return abort().then(() => fail(e));
    }
    record(chunk);
    return finish();
  }
}

function badChunk(chunk: unknown): string | undefined {
  const c = chunk as Partial<TransformedRecord<unknown, unknown>> | null;
  if (typeof c !== "object" || c === null || typeof c.input !== "object" || c.input === null) {
    return "each chunk must be { input, outputs }: the consumed record and the records made of it";
  }
  const i = c.input;
  if (typeof i.topic !== "string" || !Number.isInteger(i.partition) || typeof i.offset !== "bigint") {
    return "chunk.input must have the consumed record's topic, partition and offset (a bigint)";
  }
  if (!Array.isArray(c.outputs)) return "chunk.outputs must be an array of records";
  return undefined;
}
