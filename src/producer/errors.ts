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
