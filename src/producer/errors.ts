/** The producer's own errors. Each says through `retriable` whether sending again may work. */

import { KafkaClientError } from "../errors.ts";

/** A record gave up: its delivery timeout passed before the broker acknowledged it. */
export class DeliveryTimeoutError extends KafkaClientError {
  /** The error's name. */
  override name = "DeliveryTimeoutError";
  /** Sending it again may work. */
  override readonly retriable = true;
}

/** The producer was closed (or its stream aborted) before the record was sent. */
export class ProducerClosedError extends KafkaClientError {
  /** The error's name. */
  override name = "ProducerClosedError";
  /** Not retriable on this producer. */
  override readonly retriable = false;
}

/** Thrown by `send` when the buffer stays full for longer than `maxBlockMs`. */
export class BufferExhaustedError extends KafkaClientError {
  /** The error's name. */
  override name = "BufferExhaustedError";
  /** Waiting longer, or sending less, may help. */
  override readonly retriable = true;
}

/**
 * Another producer with the same `transactionalId` has started (or this one's transactional id is not
 * authorized): this producer can do nothing more but `close()`. Every later call fails with this error.
 *
 * @example
 * ```ts
 * try {
 *   await producer.commitTransaction();
 * } catch (e) {
 *   if (e instanceof ProducerFencedError) await producer.close(); // a newer instance took over
 * }
 * ```
 */
export class ProducerFencedError extends KafkaClientError {
  /** The error's name. */
  override name = "ProducerFencedError";
  /** Never: a newer producer owns the transactional id. */
  override readonly retriable = false;
}

/**
 * A transactional call made in a state that does not allow it (a `send` outside a transaction, `commit`
 * before `beginTransaction`, ...), or a transaction that hit an error and must be aborted. The message names
 * the state; `abortTransaction()` makes the producer usable again after an abortable error.
 *
 * @example
 * ```ts
 * try {
 *   await producer.commitTransaction();
 * } catch (e) {
 *   if (e instanceof TransactionStateError && e.abortable) await producer.abortTransaction();
 * }
 * ```
 */
export class TransactionStateError extends KafkaClientError {
  /** The error's name. */
  override name = "TransactionStateError";
  /** The same call in the same state fails again. */
  override readonly retriable = false;
  /** True when the transaction hit an error: abort it, then begin a new one. */
  readonly abortable: boolean;

  /** `abortable` says whether `abortTransaction()` recovers. */
  constructor(message: string, abortable = false, options?: ErrorOptions) {
    super(message, options);
    this.abortable = abortable;
  }
}

/** A record that was still waiting to be sent when its transaction was aborted: it is not written. */
export class TransactionAbortedError extends KafkaClientError {
  /** The error's name. */
  override name = "TransactionAbortedError";
  /** Not this record in this transaction; send it again in a new one. */
  override readonly retriable = false;
}

/** A transactional request did not complete within `maxBlockMs`; calling the same method again resumes it. */
export class TransactionTimeoutError extends KafkaClientError {
  /** The error's name. */
  override name = "TransactionTimeoutError";
  /** Calling the method again may succeed. */
  override readonly retriable = true;
}
