/** `producer.transaction(fn)`: begin, run, commit on success, abort on failure. */
import type { ConsumerGroupMetadata } from "../consumer/types.ts";
import type { TransactionState } from "./transaction-state.ts";
import type { Transaction, TransactionOffset } from "./transaction-types.ts";
import type { ProducerRecord, RecordMetadata } from "./types.ts";

/** The producer calls a transaction scope uses. */
export interface TransactionalProducer<K, V> {
  initTransactions(): Promise<void>;
  beginTransaction(): void;
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata>;
  sendBatch(records: readonly ProducerRecord<K, V>[]): Promise<RecordMetadata[]>;
  sendOffsetsToTransaction(
    offsets: readonly TransactionOffset[],
    group: ConsumerGroupMetadata,
  ): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
}

/** Runs `fn` in a new transaction and returns its value once the transaction is committed. */
export async function runTransaction<K, V, T>(
  producer: TransactionalProducer<K, V>,
  state: TransactionState,
  fn: (tx: Transaction<K, V>) => Promise<T> | T,
): Promise<T> {
  if (typeof fn !== "function") throw new TypeError("transaction(fn): fn must be a function");
  if (state.name === "uninitialized") await producer.initTransactions();
  producer.beginTransaction();
  const tx: Transaction<K, V> = {
    send: (record) => producer.send(record),
    sendBatch: (records) => producer.sendBatch(records),
    sendOffsets: (offsets, group) => producer.sendOffsetsToTransaction(offsets, group),
  };
  let value: T;
  try {
    value = await fn(tx);
    await producer.commitTransaction();
  } catch (e) {
    // A fenced producer cannot abort; a commit that timed out may still be resumed by committing again.
    if (state.name === "in-transaction" || state.name === "abortable-error") {
      await producer.abortTransaction().catch(() => {});
    }
    throw e;
  }
  return value;
}
