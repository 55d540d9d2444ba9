/**
 * Partition routing: an explicit partition, the user's partitioner function, or the partitioner object
 * (by default the Java client's: murmur2 on keys, sticky partitions for unkeyed records, KIP-480).
 */
import type { TopicInfo } from "../client/cluster.ts";
import type { Accumulator } from "./accumulator.ts";
import { DefaultPartitioner, type Partitioner, type PartitionerFn } from "./partitioner.ts";
import type { PreparedRecord } from "./record.ts";

/** Picks the partition of each record. */
export class PartitionRouter {
  readonly #partitioner: Partitioner | undefined;
  readonly #partitionerFn: PartitionerFn | undefined;
  readonly #acc: Accumulator;
  readonly #batchSize: number;

  /** `acc` and `batchSize` tell sticky partitioning when a record would open a new batch. */
  constructor(partitioner: Partitioner | PartitionerFn | undefined, acc: Accumulator, batchSize: number) {
    if (typeof partitioner === "function") this.#partitionerFn = partitioner;
    else this.#partitioner = partitioner ?? new DefaultPartitioner();
    this.#acc = acc;
    this.#batchSize = batchSize;
  }

  /** The record's partition in `info`; throws a RangeError for a partition the topic does not have. */
  route(info: TopicInfo, explicit: number | undefined, prepared: PreparedRecord, where: string): number {
    const n = info.partitions.length;
    if (explicit !== undefined) {
      if (explicit >= n) {
        throw new RangeError(`${where}.partition ${explicit} does not exist: topic ${info.name} has ${n}`);
      }
      return explicit;
    }
    if (this.#partitionerFn) {
      const partition = this.#partitionerFn({
        topic: info.name,
        key: prepared.key,
        value: prepared.value,
        numPartitions: n,
      });
      if (!Number.isInteger(partition) || partition < 0 || partition >= n) {
        throw new RangeError(`partitioner returned ${partition} for topic ${info.name} with ${n} partitions`);
      }
      return partition;
    }
    const pt = this.#partitioner!;
    const partition = pt.partition(info.name, prepared.key, n);
    // Sticky partitioning (KIP-480): when an unkeyed record would open a new batch, move on first.
    if (
      prepared.key === null && pt.onNewBatch &&
      this.#acc.wouldOpen(this.#acc.state(info.name, partition), prepared.bytes, this.#batchSize)
    ) {
      pt.onNewBatch(info.name, partition, n);
      return pt.partition(info.name, null, n);
    }
    return partition;
  }
}
