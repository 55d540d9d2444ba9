/** Errors the consumer raises from `poll`, its stream and its iterator. */
import { KafkaClientError } from "../errors.ts";
import type { TopicPartition } from "./group/types.ts";

/** With `autoOffsetReset: "none"`, a partition has no committed offset to start from. */
export class NoOffsetForPartitionError extends KafkaClientError {
  /** Always `"NoOffsetForPartitionError"`. */
  override name = "NoOffsetForPartitionError";
  /** The partitions without a starting offset. */
  readonly partitions: TopicPartition[];
  /** Fixed until the application seeks. */
  override readonly retriable = false;

  /** `partitions` are those without a committed offset. */
  constructor(partitions: TopicPartition[]) {
    super(
      `no committed offset for ${partitions.map((p) => `${p.topic}-${p.partition}`).join(", ")} ` +
        `and autoOffsetReset is "none": seek to a position first`,
    );
    this.partitions = partitions;
  }
}

/** With `autoOffsetReset: "none"`, the position of a partition is outside the log the broker holds. */
export class OffsetOutOfRangeError extends KafkaClientError {
  /** Always `"OffsetOutOfRangeError"`. */
  override name = "OffsetOutOfRangeError";
  /** The partition. */
  readonly partition: TopicPartition;
  /** The position that was out of range. */
  readonly offset: bigint;
  /** Fixed until the application seeks. */
  override readonly retriable = false;

  /** `offset` is the fetch position that the broker refused for `tp`. */
  constructor(tp: TopicPartition, offset: bigint) {
    super(
      `offset ${offset} is out of range for ${tp.topic}-${tp.partition} and autoOffsetReset is "none": ` +
        `seek to a valid position`,
    );
    this.partition = { topic: tp.topic, partition: tp.partition };
    this.offset = offset;
  }
}

/** The consumer was closed; nothing more can be read or committed through it. */
export class ConsumerClosedError extends KafkaClientError {
  /** Always `"ConsumerClosedError"`. */
  override name = "ConsumerClosedError";
  /** Not retriable on this consumer. */
  override readonly retriable = false;
}
