/**
 * The dispatcher: hands records to the handler, at most `concurrency` at a time, keeping the order the
 * ordering mode asks for. Each item has a lane (its partition, or its key, or none when unordered); one
 * item per lane is in hand at a time (running, or waiting to be retried), and a lane's items go in the
 * order they came. Ready items are started round robin across partitions: a take from the consumer holds
 * long runs of one partition, and first come first served would keep the rest waiting behind it. Ready
 * items go out in batches, so the executor is called once per batch, not per record.
 */

/** What the dispatcher needs of an item: its lane (null for no ordering) and its partition. */
export interface Dispatchable {
  readonly lane: string | null;
  /** Items of different partitions take turns. */
  readonly part: unknown;
}

interface Lane<T> {
  /** Items waiting behind the one in hand or ready. */
  queue: T[];
  head: number;
  /** An item of the lane is ready, running or waiting for a retry. */
  busy: boolean;
  /** An item of the lane is running or waiting for a retry. */
  inHand: boolean;
}

/** A first-in first-out list without `shift`'s cost. */
class Fifo<T> {
  #a: T[] = [];
  #h = 0;
  get length(): number {
    return this.#a.length - this.#h;
  }
  push(x: T): void {
    this.#a.push(x);
  }
  shift(): T | undefined {
    if (this.#h >= this.#a.length) return undefined;
    const x = this.#a[this.#h];
    this.#a[this.#h++] = undefined as unknown as T;
    if (this.#h > 1024 && this.#h * 2 > this.#a.length) {
      this.#a = this.#a.slice(this.#h);
      this.#h = 0;
    }
    return x;
  }
  /** Empties the list, returning what it held in order. */
  drain(): T[] {
    const out = this.#a.slice(this.#h);
    this.#a = [];
    this.#h = 0;
    return out;
  }
}

/** Runs items, `concurrency` at once at most, one per lane at a time, in order within a lane. */
export class Dispatcher<T extends Dispatchable> {
  readonly #concurrency: number;
  readonly #run: (batch: T[]) => void;
  readonly #lanes = new Map<string, Lane<T>>();
  /** Ready items by partition, and the partitions that have some, in turn. */
  readonly #ready = new Map<unknown, Fifo<T>>();
  readonly #turns = new Fifo<unknown>();
  /** Items back from a retry wait go before new ones. */
  readonly #retries = new Fifo<T>();
  #running = 0;
  #queued = 0;

  /** `run` is given each batch of items to start now; report each one back with `done` or `hold`. */
  constructor(concurrency: number, run: (batch: T[]) => void) {
    this.#concurrency = concurrency;
    this.#run = run;
  }

  /** Items running now. */
  get running(): number {
    return this.#running;
  }

  /** Items waiting for their turn. */
  get queued(): number {
    return this.#queued;
  }

  /** Adds items (in their order) and starts what may start. */
  push(items: readonly T[]): void {
    for (let i = 0; i < items.length; i++) this.#add(items[i]);
    this.pump();
  }

  /** A running item finished (or was given up): its lane's next item may start. */
  done(item: T): void {
    this.#running--;
    this.#release(item);
    this.pump();
  }

  /** A running item waits before being tried again: it leaves its slot but keeps its lane. */
  hold(_item: T): void {
    this.#running--;
    this.pump();
  }

  /** A held item is to run again, before anything new. */
  resubmit(item: T): void {
    this.#queued++;
    this.#retries.push(item);
    this.pump();
  }

  /** A held item will not run again (its partition went): its lane moves on. */
  forget(item: T): void {
    this.#release(item);
    this.pump();
  }

  /** Removes the waiting items that `drop` picks (revoked partitions), keeping the order of the rest. */
  remove(drop: (item: T) => boolean): T[] {
    const dropped: T[] = [];
    const kept: T[] = [];
    const sort = (x: T) => (drop(x) ? dropped : kept).push(x);
    this.#retries.drain().forEach(sort);
    // Ready items are their lanes' heads: they go before their lanes' queues.
    for (const f of this.#ready.values()) f.drain().forEach(sort);
    this.#ready.clear();
    this.#turns.drain();
    for (const lane of this.#lanes.values()) {
      for (let i = lane.head; i < lane.queue.length; i++) sort(lane.queue[i]);
      lane.queue = [];
      lane.head = 0;
      lane.busy = lane.inHand;
    }
    for (const [k, lane] of this.#lanes) if (!lane.busy) this.#lanes.delete(k);
    this.#queued = 0;
    for (const x of kept) this.#add(x);
    return dropped;
  }

  /** Starts ready items while there is room. */
  pump(): void {
    let batch: T[] | undefined;
    while (this.#running < this.#concurrency) {
      const item = this.#retries.shift() ?? this.#nextReady();
      if (item === undefined) break;
      this.#queued--;
      this.#running++;
      if (item.lane !== null) this.#lanes.get(item.lane)!.inHand = true;
      (batch ??= []).push(item);
    }
    if (batch) this.#run(batch);
  }

  #add(item: T): void {
    this.#queued++;
    const key = item.lane;
    if (key === null) {
      this.#readyPush(item);
      return;
    }
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { queue: [], head: 0, busy: false, inHand: false };
      this.#lanes.set(key, lane);
    }
    if (lane.busy) {
      lane.queue.push(item);
      return;
    }
    lane.busy = true;
    this.#readyPush(item);
  }

  #readyPush(item: T): void {
    let f = this.#ready.get(item.part);
    if (!f) {
      f = new Fifo<T>();
      this.#ready.set(item.part, f);
      this.#turns.push(item.part);
    }
    f.push(item);
  }

  /** One ready item of the partition whose turn it is. */
  #nextReady(): T | undefined {
    const part = this.#turns.shift();
    if (part === undefined) return undefined;
    const f = this.#ready.get(part)!;
    const item = f.shift()!;
    if (f.length > 0) this.#turns.push(part);
    else this.#ready.delete(part);
    return item;
  }

  #release(item: T): void {
    const key = item.lane;
    if (key === null) return;
    const lane = this.#lanes.get(key);
    if (!lane) return;
    lane.inHand = false;
    if (lane.head < lane.queue.length) {
      const next = lane.queue[lane.head];
      lane.queue[lane.head++] = undefined as unknown as T;
      if (lane.head === lane.queue.length) {
        lane.queue = [];
        lane.head = 0;
      }
      this.#readyPush(next);
      return;
    }
    lane.busy = false;
    this.#lanes.delete(key);
  }
}
