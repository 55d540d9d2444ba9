/** Errors of parallel consumption. */
import { KafkaClientError } from "../../errors.ts";

/** A record's handler failed every attempt and there is no dead-letter topic: the run stops with this. */
export class HandlerFailedError extends KafkaClientError {
  /** Always `"HandlerFailedError"`. */
  override name = "HandlerFailedError";
  /** Topic of the record. */
  readonly topic: string;
  /** Partition of the record. */
  readonly partition: number;
  /** Offset of the record. */
  readonly offset: bigint;
  /** Attempts made. */
  readonly attempts: number;

  /** The record at `topic`/`partition`/`offset` failed `attempts` times, last with `cause`. */
  constructor(topic: string, partition: number, offset: bigint, attempts: number, cause: unknown) {
    super(`handler failed ${attempts} times on ${topic}:${partition} at offset ${offset}: ${String(cause)}`, {
      cause,
    });
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.attempts = attempts;
  }
}
