/**
 * The backlog: records handed over that cannot go into a batch yet, because their topic's metadata (or the
 * producer id) is not there or the buffer is full. They wait in arrival order with no promise, closure or
 * timer of their own: one metadata look-up per topic, one timer for the oldest record's `maxBlockMs`, and
 * the buffer's releases move them on.
 */
import type { TopicInfo } from "../client/cluster.ts";
import type { Ack, BufferPool } from "./accumulator.ts";
import type { PreparedRecord } from "./record.ts";
import { BufferExhaustedError } from "./errors.ts";

/**
 * One record waiting: its prepared fields copied in, so that a waiting record is one object (a flood of
 * unawaited sends can leave a million of them here).
 */
export interface Waiting extends PreparedRecord {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly ack: Ack;
  readonly slot: number;
  readonly where: string;
  /** Fails with a timeout after this time (performance.now() ms). */
  readonly deadline: number;
  /** The transaction generation it was sent in, if transactional. */
  readonly generation: number | undefined;
  /** Metadata, once known. */
  info: TopicInfo | undefined;
  /** Set when the caller waits for the record to reach a batch (backpressure). */
  resolve: (() => void) | undefined;
  reject: ((e: Error) => void) | undefined;
}

/**
 * A waiting record. An object literal rather than a class instance: V8 allocates literals of a site whose
 * objects live long (as these do, in a flood) straight in the old generation, sparing the young one
 * copying each of them twice.
 */
export function waiting(
  p: PreparedRecord,
  topic: string,
  partition: number | undefined,
  ack: Ack,
  slot: number,
  where: string,
  deadline: number,
  generation: number | undefined,
  info: TopicInfo | undefined,
): Waiting {
  return {
    key: p.key,
    value: p.value,
    headers: p.headers,
    timestamp: p.timestamp,
    bytes: p.bytes,
    topic,
    partition,
    ack,
    slot,
    where,
    deadline,
    generation,
    info,
    resolve: undefined,
    reject: undefined,
  };
}

/** What the backlog needs from the producer. */
export interface BacklogTarget {
  /** Waits for the producer id (if any) and the topic's metadata; rejects once `deadline` passes. */
  ready(topic: string, deadline: number): Promise<TopicInfo>;
  /** Checks a record may still go (its transaction is open); throws the error to fail it with. */
  check(w: Waiting): void;
  /** Routes and appends a record whose bytes are reserved; gives them back and throws when routing fails. */
  append(w: Waiting): void;
  /** Reports a record that never reached a batch. */
  failed(w: Waiting, e: Error): void;
}

/** Records waiting for metadata or buffer space, in order. */
export class Backlog {
  readonly #pool: BufferPool;
  readonly #target: BacklogTarget;
  /** Records waiting for their topic's metadata, per topic. */
  readonly #byTopic = new Map<string, Waiting[]>();
  /** Records with metadata waiting for buffer space, oldest from `#head` on. */
  #queue: Waiting[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #idle: (() => void)[] = [];
  /** Set inside `#pump`: a release or a new record during a callback asks for another round. */
  #pumping = false;
  #again = false;
  /** Records waiting. */
  size = 0;

  constructor(pool: BufferPool, target: BacklogTarget) {
    this.#pool = pool;
    this.#target = target;
    pool.onRelease = () => this.#pump();
  }

  /** Whether a record for `topic` must queue behind others. */
  busy(topic: string): boolean {
    return this.#pool.waiting || (this.#byTopic.size > 0 && this.#byTopic.has(topic));
  }

  /** Queues a record; with `wait`, returns a promise that settles when it reaches a batch or fails. */
  add(w: Waiting, wait: boolean): Promise<void> | undefined {
    let p: Promise<void> | undefined;
    if (wait) {
      p = new Promise<void>((resolve, reject) => {
        w.resolve = resolve;
        w.reject = reject;
      });
    }
    this.size++;
    if (w.info !== undefined) {
      this.#enter(w);
      // Behind another waiting record it cannot go first: only a new head may move at once.
      if (this.#queue.length - this.#head === 1) this.#pump();
      return p;
    }
    const list = this.#byTopic.get(w.topic);
    if (list) {
      list.push(w);
      return p;
    }
    this.#byTopic.set(w.topic, [w]);
    void this.#lookUp(w.topic, w.deadline);
    return p;
  }

  /** Resolves once no record waits. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** Fails every record waiting for buffer space (the producer is closing). */
  failAll(e: Error): void {
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i++) this.#fail(q[i], e);
    this.#queue = [];
    this.#head = 0;
    this.#pool.waiting = false;
    this.#settleIdle();
  }

  /** One metadata look-up per topic; then its records move on to the buffer queue. */
  async #lookUp(topic: string, deadline: number): Promise<void> {
    let info: TopicInfo | undefined;
    let error: Error | undefined;
    try {
      info = await this.#target.ready(topic, deadline);
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
    const list = this.#byTopic.get(topic)!;
    if (info !== undefined) {
      this.#byTopic.delete(topic);
      for (const w of list) {
        w.info = info;
        this.#enter(w);
      }
      this.#pump();
      return;
    }
    // Records whose own maxBlockMs has not passed yet try again.
    const now = performance.now();
    let i = 0;
    while (i < list.length && list[i].deadline <= now + 1) i++;
    if (i === 0) i = list.length; // not a timeout: every record fails
    for (const w of list.splice(0, i)) this.#fail(w, error!);
    if (list.length === 0) this.#byTopic.delete(topic);
    else void this.#lookUp(topic, list[0].deadline);
    this.#settleIdle();
  }

  #enter(w: Waiting): void {
    this.#queue.push(w);
    this.#pool.waiting = true;
  }

  /** Moves records into batches while the buffer has room for them. */
  #pump(): void {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        this.#pumpOnce();
      } while (this.#again);
    } finally {
      this.#pumping = false;
    }
  }

  #pumpOnce(): void {
    const q = this.#queue;
    const pool = this.#pool;
    while (this.#head < q.length) {
      const w = q[this.#head];
      try {
        this.#target.check(w);
      } catch (e) {
        this.#shift();
        this.#fail(w, e as Error);
        continue;
      }
      if (!pool.take(w.bytes)) break;
      this.#shift();
      try {
        this.#target.append(w);
      } catch (e) {
        this.#fail(w, e as Error);
        continue;
      }
      this.size--;
      w.resolve?.();
    }
    if (this.#head === q.length) {
      this.#queue = [];
      this.#head = 0;
      pool.waiting = false;
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#timerAt = Infinity;
      }
    } else {
      this.#armTimer(q[this.#head].deadline);
    }
    this.#settleIdle();
  }

  #shift(): void {
    this.#queue[this.#head++] = undefined as unknown as Waiting;
  }

  /** One timer, for the oldest record waiting for space. */
  #armTimer(at: number): void {
    if (at === this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.#expire();
    }, Math.max(0, at - performance.now()));
  }

  #expire(): void {
    const q = this.#queue;
    const now = performance.now();
    const pool = this.#pool;
    while (this.#head < q.length && q[this.#head].deadline <= now + 1) {
      const w = q[this.#head];
      this.#shift();
      this.#fail(
        w,
        new BufferExhaustedError(
          `could not get ${w.bytes} bytes of buffer memory within maxBlockMs ` +
            `(bufferMemory ${pool.total}, in use ${pool.used})`,
        ),
      );
    }
    this.#pump();
  }

  #fail(w: Waiting, e: Error): void {
    this.size--;
    this.#target.failed(w, e);
  }

  #settleIdle(): void {
    if (this.size === 0 && this.#idle.length > 0) { for (const r of this.#idle.splice(0)) r(); }
  }
}
