/**
 * What the consumer knows of each assigned partition: position, pause, reset strategy, the offsets the
 * application accepted and the consumer committed, and the end offsets for lag. Each partition has an
 * epoch; bumping it (here, and only here) makes every buffered answer, fetch in flight and record still
 * in a reader's hands stale for that partition.
 */
import { type TopicPartition, tpKey } from "./group/types.ts";
import { checkTp } from "./args.ts";

/** The consumer's state of one assigned partition. */
export interface PartitionState {
  readonly tp: TopicPartition;
  /** `"topic:partition"`. */
  readonly key: string;
  /** Next offset to hand over, or null until it is looked up (committed offset or reset). */
  position: bigint | null;
  /** Leader epoch of the last record handed over, or -1. */
  positionEpoch: number;
  /** Next offset to fetch: the position, or past answers still buffered. */
  fetchOffset: bigint;
  /** Bumped by seek, pause and revocation: buffered bytes and answers in flight of older epochs are dropped. */
  epoch: number;
  paused: boolean;
  /** Not fetched for now (a parallel run is full), unlike `paused` keeping what is buffered. */
  held: boolean;
  /** A fetch that includes this partition is in flight. */
  inFlight: boolean;
  /** Buffered answers not yet drained. */
  chunks: number;
  /** How to find the position when it is null or out of range; null means "use the committed offset". */
  reset: "earliest" | "latest" | "none" | null;
  highWatermark: bigint;
  lastStableOffset: bigint;
  /** Not before this time (ms, performance.now()) after an error on this partition. */
  backoffUntil: number;
  /** Position after the records the application is known to have processed: what auto-commit commits. */
  accepted: bigint | null;
  /** Leader epoch that goes with `accepted`, or -1. */
  acceptedEpoch: number;
  /** The offset last committed by this consumer, or null. */
  committed: bigint | null;
  /** The position at which the end of the partition was last reported (partition EOF), or -1n. */
  eofAt: bigint;
}

/** Creates the state of a newly assigned partition; its position is unknown until looked up. */
export function newPartitionState(tp: TopicPartition): PartitionState {
  return {
    tp: { topic: tp.topic, partition: tp.partition },
    key: `${tp.topic}:${tp.partition}`,
    position: null,
    positionEpoch: -1,
    fetchOffset: -1n,
    epoch: 0,
    paused: false,
    held: false,
    inFlight: false,
    chunks: 0,
    reset: null,
    highWatermark: -1n,
    lastStableOffset: -1n,
    backoffUntil: 0,
    accepted: null,
    acceptedEpoch: -1,
    committed: null,
    eofAt: -1n,
  };
}

/** The assigned partitions and their states. */
export class SubscriptionState {
  readonly #states = new Map<string, PartitionState>();
  readonly #readCommitted: boolean;

  /** Under read_committed, the end of a partition is its last stable offset, else its high watermark. */
  constructor(readCommitted: boolean) {
    this.#readCommitted = readCommitted;
  }

  /** How many partitions are assigned. */
  get size(): number {
    return this.#states.size;
  }

  /** The states, in assignment order. */
  values(): IterableIterator<PartitionState> {
    return this.#states.values();
  }

  /** The state of `"topic:partition"`, if assigned. */
  get(key: string): PartitionState | undefined {
    return this.#states.get(key);
  }

  /** Whether `s` is still the state of its partition (not revoked or re-assigned since). */
  isCurrent(s: PartitionState): boolean {
    return this.#states.get(s.key) === s;
  }

  /** Whether `s` is current and nothing made its data stale since `epoch` was read. */
  isCurrentAt(s: PartitionState, epoch: number): boolean {
    return s.epoch === epoch && this.#states.get(s.key) === s;
  }

  /** The state of `tp`; a `RangeError` naming `field` when it is not assigned. */
  assigned(tp: unknown, field: string): PartitionState {
    const c = checkTp(tp, field);
    const s = this.#states.get(tpKey(c));
    if (!s) throw new RangeError(`${field}: ${tpKey(c)} is not assigned to this consumer`);
    return s;
  }

  /** The assigned partitions. */
  assignment(): TopicPartition[] {
    return [...this.#states.values()].map((s) => ({ ...s.tp }));
  }

  /** Adds the partitions not assigned yet; returns the states added. */
  add(tps: Iterable<TopicPartition>): PartitionState[] {
    const added: PartitionState[] = [];
    for (const tp of tps) {
      const key = tpKey(tp);
      if (this.#states.has(key)) continue;
      const s = newPartitionState(tp);
      this.#states.set(key, s);
      added.push(s);
    }
    return added;
  }

  /** Makes the assignment exactly `tps`: others are removed, new ones added, kept ones keep their state. */
  replace(tps: readonly TopicPartition[]): void {
    const wanted = new Set(tps.map(tpKey));
    for (const [key, s] of this.#states) if (!wanted.has(key)) this.remove(s);
    this.add(tps);
  }

  /** Removes the partition; whatever of it is buffered or in a reader's hands goes stale. */
  remove(s: PartitionState): void {
    if (this.#states.get(s.key) !== s) return;
    this.#bump(s);
    s.chunks = 0;
    this.#states.delete(s.key);
  }

  /** Removes every partition. */
  clear(): void {
    for (const s of [...this.#states.values()]) this.remove(s);
  }

  /** Stops handing over records of these partitions (revocation, close) without touching positions. */
  fence(states: Iterable<PartitionState>): void {
    for (const s of states) this.#bump(s);
  }

  /** Drops buffered and in-flight data of the partition: older chunks and answers no longer apply. */
  invalidate(s: PartitionState): void {
    this.#bump(s);
    s.chunks = 0;
    if (s.position !== null) s.fetchOffset = s.position;
  }

  /** The next record handed over is at `offset` (seek). */
  setPosition(s: PartitionState, offset: bigint): void {
    this.invalidate(s);
    s.position = offset;
    s.positionEpoch = -1;
    s.fetchOffset = offset;
    s.reset = null;
    s.eofAt = -1n;
  }

  /** The position is to be looked up again with `to` (seekToBeginning/End, or out of range). */
  resetPosition(s: PartitionState, to: "earliest" | "latest" | "none"): void {
    this.invalidate(s);
    s.position = null;
    s.reset = to;
    s.eofAt = -1n;
  }

  /** The looked-up starting position (committed offset or reset); no data of the partition exists yet. */
  initPosition(s: PartitionState, offset: bigint, leaderEpoch: number): void {
    s.position = offset;
    s.positionEpoch = leaderEpoch;
    s.fetchOffset = offset;
    s.reset = null;
  }

  /** Partitions whose position is still to be looked up. */
  withoutPosition(): PartitionState[] {
    return [...this.#states.values()].filter((s) => s.position === null);
  }

  /** Stops fetching the partition; what is buffered of it is dropped. */
  pause(s: PartitionState): void {
    if (s.paused) return;
    s.paused = true;
    this.invalidate(s);
  }

  /** Fetches the partition again. */
  resume(s: PartitionState): void {
    s.paused = false;
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    return [...this.#states.values()].filter((s) => s.paused).map((s) => ({ ...s.tp }));
  }

  /** The application processed `s` up to `offset` (a current state only). */
  accept(s: PartitionState, offset: bigint, leaderEpoch: number): void {
    if (this.#states.get(s.key) !== s) return;
    s.accepted = offset;
    s.acceptedEpoch = leaderEpoch;
  }

  /** Everything handed over so far of `s` is processed. */
  acceptPosition(s: PartitionState): void {
    if (s.position !== null) this.accept(s, s.position, s.positionEpoch);
  }

  /** Everything handed over so far is processed. */
  acceptPositions(): void {
    for (const s of this.#states.values()) {
      if (s.position !== null) {
        s.accepted = s.position;
        s.acceptedEpoch = s.positionEpoch;
      }
    }
  }

  /** `offset` was committed for the partition of `key`. */
  noteCommitted(key: string, offset: bigint): void {
    const s = this.#states.get(key);
    if (s) s.committed = offset;
  }

  /** The end offset of `s` as last reported by a fetch, or -1n while unknown. */
  endOf(s: PartitionState): bigint {
    return this.#readCommitted ? s.lastStableOffset : s.highWatermark;
  }

  /** Records between the position and the end, or null when either is unknown. */
  lagOf(s: PartitionState): bigint | null {
    const end = this.endOf(s);
    if (s.position === null || end < 0n) return null;
    const l = end - s.position;
    return l > 0n ? l : 0n;
  }

  /**
   * Partitions whose every handed-over record is processed (`outstanding` says which still have records
   * in the reader's hands) and whose position reached the end last reported, once per position: each is
   * marked and returned.
   */
  reachedEnd(outstanding: (s: PartitionState) => boolean): PartitionState[] {
    let out: PartitionState[] | undefined;
    for (const s of this.#states.values()) {
      const at = s.position;
      if (at === null || at === s.eofAt || s.paused) continue;
      const end = this.endOf(s);
      if (end < 0n || at < end || outstanding(s)) continue;
      s.eofAt = at;
      (out ??= []).push(s);
    }
    return out ?? [];
  }

  #bump(s: PartitionState): void {
    s.epoch++;
  }
}
