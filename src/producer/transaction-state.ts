/**
 * The transactional producer's state machine, as the Java client's: which call is allowed in which state,
 * and the error that every later call gets once the producer is fenced or its transaction failed.
 */
import { ProducerFencedError, TransactionStateError } from "./errors.ts";

/** Where a transactional producer is. */
export type TransactionStateName =
  | "uninitialized"
  | "initializing"
  | "ready"
  | "in-transaction"
  | "committing"
  | "aborting"
  | "abortable-error"
  | "fatal-error";

/** States each state may move to; the error states are entered through `abortable` and `fatal`. */
const NEXT: Readonly<Record<TransactionStateName, readonly TransactionStateName[]>> = {
  "uninitialized": ["initializing"],
  // Back to uninitialized when InitProducerId timed out: initTransactions() may be called again.
  "initializing": ["ready", "uninitialized"],
  "ready": ["in-transaction"],
  "in-transaction": ["committing", "aborting"],
  "committing": ["ready"],
  // Initializing: the epoch bump after an abort that needs one (KIP-360).
  "aborting": ["ready", "initializing"],
  "abortable-error": ["aborting"],
  "fatal-error": [],
};

const DESCRIBE: Readonly<Record<TransactionStateName, string>> = {
  "uninitialized": "not initialized: call initTransactions() first",
  "initializing": "initializing (initTransactions() has not completed)",
  "ready": "ready, with no transaction open: call beginTransaction() first",
  "in-transaction": "in a transaction",
  "committing": "committing a transaction",
  "aborting": "aborting a transaction",
  "abortable-error": "in a failed transaction: call abortTransaction()",
  "fatal-error": "failed for good",
};

/** The current state, the error that put the producer in an error state, and the checks of each call. */
export class TransactionState {
  #name: TransactionStateName = "uninitialized";
  #error: Error | undefined;

  /** The current state. */
  get name(): TransactionStateName {
    return this.#name;
  }

  /** The error behind `abortable-error` or `fatal-error`. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** True once fenced (or another fatal error): only `close()` is left. */
  get fatal(): boolean {
    return this.#name === "fatal-error";
  }

  /** Moves to `to`, or throws an error naming the state and what `action` needs. */
  to(to: TransactionStateName, action: string): void {
    this.throwIfFatal();
    if (!NEXT[this.#name].includes(to)) throw this.refusal(action);
    this.#name = to;
    this.#error = undefined;
  }

  /** The error for `action` in the current state. */
  refusal(action: string): Error {
    if (this.#name === "fatal-error") return this.#error!;
    const e = this.#name === "abortable-error"
      ? new TransactionStateError(
        `cannot ${action}: the transaction failed (${this.#error?.message}); call abortTransaction()`,
        true,
        { cause: this.#error },
      )
      : new TransactionStateError(`cannot ${action}: the transactional producer is ${DESCRIBE[this.#name]}`);
    return e;
  }

  /** Throws unless records may be sent now (inside a transaction that has not failed). */
  checkSend(): void {
    if (this.#name !== "in-transaction") throw this.refusal("send outside a transaction");
  }

  /** Throws the fatal error, if there is one. */
  throwIfFatal(): void {
    if (this.#name === "fatal-error") throw this.#error!;
  }

  /**
   * The transaction failed but can be aborted. Ignored while aborting (the abort goes on) and once fatal.
   * Returns whether the state changed.
   */
  abortable(e: Error): boolean {
    if (this.#name !== "in-transaction" && this.#name !== "committing") return false;
    this.#name = "abortable-error";
    this.#error = e;
    return true;
  }

  /** The producer can do nothing more: every later call fails with `e` (a `ProducerFencedError` when fenced). */
  fatalError(e: Error): void {
    if (this.#name === "fatal-error") return;
    this.#name = "fatal-error";
    this.#error = e;
  }
}

/** The error for a fenced producer, naming the transactional id. */
export function fenced(transactionalId: string, cause?: unknown): ProducerFencedError {
  return new ProducerFencedError(
    `producer fenced: another producer with transactionalId ${JSON.stringify(transactionalId)} has started ` +
      `(or this one's epoch is stale); close this producer`,
    { cause },
  );
}
