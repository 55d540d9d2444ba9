/**
 * A parallel run: takes records from the consumer's buffer, skips those an earlier owner did (commit
 * metadata), hands the rest to the dispatcher, counts what is in flight (pausing fetches when full),
 * retries and dead-letters failures, commits each partition below its first record in flight with the
 * done offsets above it as metadata, and gives partitions back on revocation.
 */
import { type CommitEntry, CommitFailedError, type OffsetAndMetadata } from "../group/types.ts";
import type { ReaderHost } from "../reader.ts";
import type { PartitionState } from "../subscription-state.ts";
import type { ConsumerRecord } from "../types.ts";
import { Dispatcher } from "./dispatcher.ts";
import { HandlerFailedError } from "./errors.ts";
import { OffsetTracker } from "./offset-tracker.ts";
import type { ParallelSettings } from "./options.ts";
import { nextRetryDelay } from "./retry.ts";
import type { DeadLetterSender, ParallelRun, ParallelStats } from "./types.ts";
import { type Executor, type ExecutorHost, InlineExecutor, type Part, type Work } from "./work.ts";

/** What a run needs from the consumer. */
export interface ParallelHost<K, V> {
  readonly reader: ReaderHost<K, V>;
  /** Whether there is a group to commit to. */
  readonly canCommit: boolean;
  /** Commits for the group (the member's identity when subscribed). */
  commit(entries: CommitEntry[]): Promise<void>;
  /** The committed offset and metadata last looked up (or committed) for `"topic:partition"`. */
  committedFor(key: string): OffsetAndMetadata | undefined;
  /** Stops (true) or resumes fetching `s` without dropping what is buffered. */
  hold(s: PartitionState, held: boolean): void;
  /** A producer for the dead-letter topic, made from the consumer's connection options. */
  deadLetterProducer(): Promise<DeadLetterSender & { close(): Promise<void> }>;
  /** Runs handlers in workers (loaded on first use). */
  workerExecutor(host: ExecutorHost<K, V>): Promise<Executor<K, V>>;
  /**
   * The run is over: the consumer may read otherwise again, from `points` (each partition's commit point
   * and the metadata of what is done above it).
   */
  ended(run: ParallelRunner<K, V>, points: Map<PartitionState, OffsetAndMetadata>): void;
}

const encoder = new TextEncoder();
/** Longest stretch the take loop runs without letting timers and I/O in. */
const YIELD_EVERY_MS = 20;

function bytesOf(x: unknown): Uint8Array | null {
  if (x === null || x === undefined) return null;
  if (x instanceof Uint8Array) return x;
  return encoder.encode(typeof x === "string" ? x : JSON.stringify(x));
}

/** A key's lane name: records with equal keys of one topic share it. */
function keyLane(topic: string, key: unknown, partitionLane: string): string {
  if (key === null || key === undefined) return partitionLane;
  if (key instanceof Uint8Array) {
    let s = "";
    for (let i = 0; i < key.length; i += 4096) {
      s += String.fromCharCode.apply(null, key.subarray(i, i + 4096) as unknown as number[]);
    }
    return `${topic}\u0000${s}`;
  }
  return `${topic}\u0001${typeof key === "string" ? key : String(key)}`;
}

/** Drives one `consumer.parallel()` call. */
export class ParallelRunner<K, V> implements ParallelRun {
  readonly #o: ParallelSettings<K, V>;
  readonly #host: ParallelHost<K, V>;
  readonly #parts = new Map<PartitionState, Part>();
  readonly #dispatcher: Dispatcher<Work<K, V>>;
  #executor: Executor<K, V> | undefined;
  #inFlight = 0;
  #bytes = 0;
  #held = false;
  #stopping = false;
  #fatal: Error | undefined;
  #wakeLoop: (() => void) | undefined;
  #stopWait: Promise<void>;
  #stopNow!: () => void;
  #drainWaiters: (() => void)[] = [];
  #commitTimer: ReturnType<typeof setInterval> | undefined;
  #committing: Promise<void> | undefined;
  #deadLetter: Promise<DeadLetterSender & { close?(): Promise<void> }> | undefined;
  readonly #done: Promise<void>;
  readonly #stats: ParallelStats = {
    handled: 0,
    failures: 0,
    deadLettered: 0,
    skipped: 0,
    inFlight: 0,
    runningAtRevoke: 0,
  };
  readonly #exec: ExecutorHost<K, V> = { ok: (w) => this.#ok(w), failed: (w, e) => this.#failed(w, e) };

  constructor(o: ParallelSettings<K, V>, host: ParallelHost<K, V>) {
    this.#o = o;
    this.#host = host;
    this.#dispatcher = new Dispatcher(o.concurrency, (batch) => this.#start(batch));
    this.#stopWait = new Promise((r) => (this.#stopNow = r));
    if (o.handler) this.#executor = new InlineExecutor(o.handler, this.#exec);
    const signal = o.signal;
    if (signal) {
      if (signal.aborted) this.#stopping = true;
      else signal.addEventListener("abort", () => void this.stop(), { once: true });
    }
    this.#done = this.#run();
    this.#done.catch(() => {}); // the caller sees it through then/stop
  }

  then<A = void, B = never>(
    onfulfilled?: ((value: void) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#done.then(onfulfilled, onrejected);
  }

  stop(): Promise<void> {
    this.#stopping = true;
    this.#stopNow();
    this.#wake();
    return this.#done;
  }

  stats(): ParallelStats {
    return { ...this.#stats, inFlight: this.#inFlight };
  }

  /**
   * Partitions going away. Waiting records of them are dropped; running ones are waited for (unless
   * abandoning, or `commit` is false: lost); then what is done is committed.
   */
  async revoked(states: PartitionState[], commit: boolean): Promise<void> {
    const parts = states.map((s) => this.#parts.get(s)).filter((p): p is Part => p !== undefined);
    if (parts.length === 0) return;
    const set = new Set(parts);
    for (const w of this.#dispatcher.remove((w) => set.has(w.part))) this.#release(w);
    for (const p of parts) this.#dropWaiting(p);
    for (const p of parts) this.#stats.runningAtRevoke += p.inHand;
    if (commit && !this.#o.abandonOnRevoke) {
      await this.#drained(() => parts.every((p) => p.inHand === 0));
    }
    if (commit) await this.#commit(parts).catch(() => {});
    for (const p of parts) {
      p.closed = true;
      this.#parts.delete(p.s);
    }
  }

  // ---- The loop ----

  async #run(): Promise<void> {
    const o = this.#o;
    try {
      if (!this.#executor) this.#executor = await this.#host.workerExecutor(this.#exec);
      if (this.#host.canCommit) {
        this.#commitTimer = setInterval(() => void this.#commitQuietly(), o.commitIntervalMs);
        (this.#commitTimer as { unref?: () => void }).unref?.();
      }
      await this.#loop();
    } catch (e) {
      this.#fatal ??= e as Error;
    }
    await this.#finish();
    if (this.#fatal) throw this.#fatal;
  }

  async #loop(): Promise<void> {
    const r = this.#host.reader;
    const o = this.#o;
    const batch: ConsumerRecord<K, V>[] = [];
    const from: PartitionState[] = [];
    const work: Work<K, V>[] = [];
    let yielded = performance.now();
    while (!this.#stopping && !this.#fatal && !r.closed) {
      // Handlers that finish at once (or block: CPU-bound on this thread) would keep this loop in
      // microtasks while the buffer lasts: let timers (heartbeats, commits) and I/O run now and then.
      if (performance.now() - yielded > YIELD_EVERY_MS) {
        await new Promise((res) => setTimeout(res, 0));
        yielded = performance.now();
      }
      r.throwIfFailed();
      r.tick();
      if (this.#inFlight >= o.maxInFlightRecords || this.#bytes >= o.maxInFlightBytes) {
        this.#hold(true);
        // Wake at least once a second so the member stays alive while handlers are slow.
        await new Promise<void>((res) => {
          const t = setTimeout(res, 1000);
          this.#wakeLoop = () => {
            clearTimeout(t);
            res();
          };
        });
        this.#wakeLoop = undefined;
        continue;
      }
      if (this.#held && this.#inFlight <= o.maxInFlightRecords / 2 && this.#bytes <= o.maxInFlightBytes / 2) {
        this.#hold(false);
      }
      batch.length = 0;
      from.length = 0;
      r.take(batch, Math.min(r.maxPollRecords, o.maxInFlightRecords - this.#inFlight), from);
      if (batch.length === 0) {
        await Promise.race([r.waitFor(r.fetchMaxWaitMs + 100), this.#stopWait]);
        continue;
      }
      work.length = 0;
      for (let i = 0; i < batch.length; i++) {
        const rec = batch[i];
        const s = from[i];
        const part = this.#parts.get(s) ?? this.#open(s, rec.offset);
        if (!part.tracker.take(rec.offset)) {
          this.#stats.skipped++;
          continue;
        }
        const k = rec.key instanceof Uint8Array ? rec.key.length : 0;
        const v = rec.value instanceof Uint8Array ? rec.value.length : 0;
        const w: Work<K, V> = {
          lane: o.ordering === "unordered"
            ? null
            : o.ordering === "partition"
            ? s.key
            : keyLane(rec.topic, rec.key, s.key),
          record: rec,
          part,
          bytes: k + v + 1,
          attempts: 0,
          timer: undefined,
        };
        this.#inFlight++;
        this.#bytes += w.bytes;
        work.push(w);
      }
      if (work.length > 0) this.#dispatcher.push(work);
    }
  }

  /** The first record of a partition since it was assigned (or since the run began). */
  #open(s: PartitionState, first: bigint): Part {
    const c = this.#host.committedFor(s.key);
    // The metadata describes offsets above the committed one: it applies when reading starts there.
    const fromCommit = c !== undefined && c.offset <= first;
    const tracker = new OffsetTracker(fromCommit ? c.offset : first, fromCommit ? c.metadata : null);
    const part: Part = {
      s,
      tracker,
      inHand: 0,
      waiting: new Set(),
      closed: false,
      committedOffset: fromCommit ? c.offset : -1n,
      committedMeta: fromCommit ? c.metadata ?? "" : "",
    };
    this.#parts.set(s, part);
    return part;
  }

  // ---- Items ----

  #start(batch: Work<K, V>[]): void {
    for (let i = 0; i < batch.length; i++) {
      batch[i].attempts++;
      batch[i].part.inHand++;
    }
    this.#executor!.run(batch);
  }

  #ok(w: Work<K, V>): void {
    this.#stats.handled++;
    w.part.inHand--;
    if (!w.part.closed) w.part.tracker.complete(w.record.offset);
    this.#release(w);
    this.#dispatcher.done(w);
  }

  #failed(w: Work<K, V>, error: unknown): void {
    this.#stats.failures++;
    const p = w.part;
    this.#dispatcher.hold(w); // keeps the lane: later records of the key wait
    if (p.closed || this.#stopping) {
      p.inHand--;
      this.#forget(w);
      return;
    }
    const delay = nextRetryDelay(this.#o.retry, w.attempts);
    if (delay !== null) {
      p.waiting.add(w as Work<unknown, unknown>);
      w.timer = setTimeout(() => {
        w.timer = undefined;
        p.waiting.delete(w as Work<unknown, unknown>);
        p.inHand--;
        if (p.closed || this.#stopping) this.#forget(w);
        else this.#dispatcher.resubmit(w);
      }, delay);
      return;
    }
    if (this.#o.deadLetterTopic === undefined) {
      p.inHand--;
      const r = w.record;
      this.#fail(new HandlerFailedError(r.topic, r.partition, r.offset, w.attempts, error));
      this.#forget(w);
      return;
    }
    void this.#sendDeadLetter(w, error);
  }

  async #sendDeadLetter(w: Work<K, V>, error: unknown): Promise<void> {
    const r = w.record;
    const text = (x: string | number | bigint) => encoder.encode(String(x));
    try {
      this.#deadLetter ??= this.#o.deadLetterProducer
        ? Promise.resolve(this.#o.deadLetterProducer)
        : this.#host.deadLetterProducer();
      const producer = await this.#deadLetter;
      await producer.send({
        topic: this.#o.deadLetterTopic!,
        key: bytesOf(r.key),
        value: bytesOf(r.value),
        headers: [
          ...r.headers,
          { key: "kafka-ts.dlt.topic", value: text(r.topic) },
          { key: "kafka-ts.dlt.partition", value: text(r.partition) },
          { key: "kafka-ts.dlt.offset", value: text(r.offset) },
          { key: "kafka-ts.dlt.attempts", value: text(w.attempts) },
          { key: "kafka-ts.dlt.error", value: text(error instanceof Error ? error.message : String(error)) },
        ],
      });
    } catch (e) {
      w.part.inHand--;
      this.#fail(e as Error);
      this.#forget(w);
      return;
    }
    this.#stats.deadLettered++;
    w.part.inHand--;
    if (!w.part.closed) w.part.tracker.complete(r.offset);
    this.#release(w);
    this.#dispatcher.forget(w);
  }

  /** A held item that will not run again (revoked, stopping, failed the run): not done, not committed. */
  #forget(w: Work<K, V>): void {
    this.#release(w);
    this.#dispatcher.forget(w);
  }

  #dropWaiting(p: Part): void {
    for (const x of p.waiting) {
      const w = x as Work<K, V>;
      clearTimeout(w.timer);
      w.timer = undefined;
      p.inHand--;
      this.#forget(w);
    }
    p.waiting.clear();
  }

  /** The item no longer counts in flight. */
  #release(w: Work<K, V>): void {
    this.#inFlight--;
    this.#bytes -= w.bytes;
    this.#wake();
    if (this.#drainWaiters.length > 0) {
      const list = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const f of list) f();
    }
  }

  /** Resolves once `ready()` holds, checking after each item that finishes. */
  async #drained(ready: () => boolean): Promise<void> {
    while (!ready()) await new Promise<void>((r) => this.#drainWaiters.push(r));
  }

  #wake(): void {
    this.#wakeLoop?.();
  }

  #hold(on: boolean): void {
    if (this.#held === on) return;
    this.#held = on;
    for (const s of this.#host.reader.subs.values()) this.#host.hold(s, on);
  }

  #fail(e: Error): void {
    this.#fatal ??= e;
    this.#stopNow();
    this.#wake();
  }

  // ---- Commits ----

  #commitQuietly(): Promise<void> {
    if (this.#committing) return this.#committing;
    const p = this.#commit([...this.#parts.values()]).catch(() => {}).finally(() => {
      if (this.#committing === p) this.#committing = undefined;
    });
    this.#committing = p;
    return p;
  }

  /** Commits each partition below its first record in flight, with the done offsets above as metadata. */
  async #commit(parts: Part[]): Promise<void> {
    if (!this.#host.canCommit) return;
    await this.#committing?.catch(() => {});
    const entries: CommitEntry[] = [];
    for (const p of parts) {
      if (p.closed) continue;
      const offset = p.tracker.commitPoint();
      const metadata = p.tracker.metadata(this.#o.maxMetadataChars);
      if (offset === p.committedOffset && metadata === p.committedMeta) continue;
      entries.push({ tp: p.s.tp, offset: { offset, metadata } });
    }
    if (entries.length === 0) return;
    await this.#host.commit(entries);
    for (const e of entries) {
      const p = parts.find((x) => x.s.tp === e.tp)!;
      p.committedOffset = e.offset.offset;
      p.committedMeta = e.offset.metadata ?? "";
    }
  }

  /** Stopping: drop waiting records, let running ones finish, commit, give the consumer back. */
  async #finish(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#commitTimer);
    for (const w of this.#dispatcher.remove(() => true)) this.#release(w);
    const parts = [...this.#parts.values()];
    for (const p of parts) this.#dropWaiting(p);
    await this.#drained(() => parts.every((p) => p.inHand === 0));
    await this.#commit(parts).catch((e) => {
      // A rebalance explains a refused commit: the partitions' next owner starts from the last one that
      // went through, and handles again only what this one did since.
      if (!(e instanceof CommitFailedError)) this.#fatal ??= e as Error;
    });
    this.#hold(false);
    const points = new Map<PartitionState, OffsetAndMetadata>();
    for (const p of parts) {
      p.closed = true;
      points.set(p.s, {
        offset: p.tracker.commitPoint(),
        metadata: p.tracker.metadata(this.#o.maxMetadataChars),
      });
    }
    this.#parts.clear();
    await this.#executor?.close().catch(() => {});
    if (this.#deadLetter && !this.#o.deadLetterProducer) {
      await this.#deadLetter.then((p) => p.close?.()).catch(() => {});
    }
    this.#host.ended(this, points);
  }
}
