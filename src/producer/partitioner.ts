/**
 * Partition choice for records sent without an explicit partition, compatible with the Java client:
 * keyed records go to `toPositive(murmur2(key)) % numPartitions`, so a key lands on the same partition
 * whichever Kafka client wrote it; records without a key stick to one partition per topic until its batch
 * is done, then move to another (KIP-480).
 *
 * @example
 * ```ts
 * const p = new DefaultPartitioner();
 * p.partition("events", new TextEncoder().encode("user-42"), 12); // always the same partition for this key
 * ```
 *
 * @module
 */

/**
 * Chooses the partition of a record. The producer calls `partition` for every record without an explicit
 * partition, and `onNewBatch` when a record without a key would open a new batch on the partition that
 * `partition` returned; a sticky partitioner moves on then, and the producer asks `partition` again.
 */
export interface Partitioner {
  /**
   * The partition for a record, in `[0, numPartitions)`. `availablePartitions` (optional) lists the
   * partitions whose leader is known to be available.
   */
  partition(
    topic: string,
    key: Uint8Array | null,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): number;
  /** A batch of `prevPartition` is done (full or sent) and a new one would open: move on from it. */
  onNewBatch?(
    topic: string,
    prevPartition: number,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): void;
}

/**
 * A partitioner as a plain function, for the producer's `partitioner` option. It gets the serialized key
 * and value and must return an integer in `[0, numPartitions)`.
 *
 * @example
 * ```ts
 * const byRegion: PartitionerFn = ({ value, numPartitions }) => (value?.[0] ?? 0) % numPartitions;
 * ```
 */
export type PartitionerFn = (args: {
  topic: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  numPartitions: number;
}) => number;

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 hash of `bytes` (seed `0x9747b28c`), as a signed 32-bit integer like Java's
 * `Utils.murmur2`.
 *
 * @example
 * ```ts
 * murmur2(new TextEncoder().encode("foobar")); // -790332482
 * ```
 */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const body = length & ~3;
  for (let i = 0; i < body; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= bytes[body + 2] << 16;
    if (rest >= 2) h ^= bytes[body + 1] << 8;
    h ^= bytes[body];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Clears the sign bit, as Kafka's `Utils.toPositive` does: `-1` → `2147483647`. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition Java's default partitioner gives a key: `toPositive(murmur2(key)) % numPartitions`.
 *
 * @example
 * ```ts
 * keyPartition(new TextEncoder().encode("foobar"), 3);
 * ```
 */
export function keyPartition(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

function checkCount(numPartitions: number): void {
  if (!(numPartitions >= 1) || !Number.isInteger(numPartitions)) {
    throw new RangeError(`numPartitions must be an integer >= 1, got ${String(numPartitions)}`);
  }
}

/** A uniform random integer in `[0, n)`. */
function randomBelow(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * A random partition other than `prev` where there is one: among `available` when it lists any partition
 * of the topic, else among all `numPartitions`.
 */
function pickOther(prev: number, numPartitions: number, available: readonly number[] | undefined): number {
  if (available !== undefined && available.length > 0) {
    const n = available.length;
    if (n === 1) return available[0];
    const at = available.indexOf(prev);
    if (at < 0) return available[randomBelow(n)];
    // Choose among the n - 1 others: an index in [0, n - 1), skipping prev's own.
    const i = randomBelow(n - 1);
    return available[i < at ? i : i + 1];
  }
  if (numPartitions === 1) return 0;
  if (prev < 0 || prev >= numPartitions) return randomBelow(numPartitions);
  const i = randomBelow(numPartitions - 1);
  return i < prev ? i : i + 1;
}

/**
 * The Java client's default: murmur2 of the key for keyed records; for records without a key, one sticky
 * partition per topic, chosen at random (among available partitions when given) and changed when the
 * producer reports a new batch for it.
 *
 * @example
 * ```ts
 * const p = new DefaultPartitioner();
 * const first = p.partition("logs", null, 6);   // random, then sticky
 * p.partition("logs", null, 6) === first;        // true
 * p.onNewBatch("logs", first, 6);                 // the batch is done
 * p.partition("logs", null, 6) !== first;        // true: moved to another partition
 * ```
 */
export class DefaultPartitioner implements Partitioner {
  readonly #sticky = new Map<string, number>();

  /** Keyed: murmur2 of the key; unkeyed: the topic's sticky partition. */
  partition(
    topic: string,
    key: Uint8Array | null,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): number {
    checkCount(numPartitions);
    if (key !== null) return toPositive(murmur2(key)) % numPartitions;
    const current = this.#sticky.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    const next = pickOther(-1, numPartitions, availablePartitions);
    this.#sticky.set(topic, next);
    return next;
  }

  /**
   * Moves the topic's sticky partition on, unless it already moved away from `prevPartition` (a late or
   * repeated report for the same batch changes nothing).
   */
  onNewBatch(
    topic: string,
    prevPartition: number,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): void {
    const current = this.#sticky.get(topic);
    if (current !== undefined && current !== prevPartition && current < numPartitions) return;
    checkCount(numPartitions);
    this.#sticky.set(topic, pickOther(prevPartition, numPartitions, availablePartitions));
  }
}

/**
 * Spreads records evenly: each topic's records go to its partitions in turn (only the available ones when
 * they are given), keys or not, like the Java client's `RoundRobinPartitioner`.
 *
 * @example
 * ```ts
 * const p = new RoundRobinPartitioner();
 * [0, 1, 2, 3].map(() => p.partition("t", null, 3)); // [0, 1, 2, 0]
 * ```
 */
export class RoundRobinPartitioner implements Partitioner {
  readonly #next = new Map<string, number>();

  /** The topic's next partition in turn, whatever the key. */
  partition(
    topic: string,
    _key: Uint8Array | null,
    numPartitions: number,
    availablePartitions?: readonly number[],
  ): number {
    const i = this.#next.get(topic) ?? 0;
    this.#next.set(topic, i === 0x7fffffff ? 0 : i + 1);
    if (availablePartitions !== undefined && availablePartitions.length > 0) {
      return availablePartitions[i % availablePartitions.length];
    }
    checkCount(numPartitions);
    return i % numPartitions;
  }
}
