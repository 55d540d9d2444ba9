/**
 * What both group protocols share: the owned partitions, listener calls run one at a time (each awaited
 * before the next), a wakeable sleep, and the "first assignment done" signal.
 */
import { type MembershipListener, type TopicPartition, tpKey } from "./types.ts";

/** A sleep that `wake()` cuts short. */
export class Waker {
  #wake: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #woken = false;

  /** Resolves after `ms` or at the next `wake()` (also one made before this call), whichever comes first. */
  wait(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, Math.max(0, ms));
    }).finally(() => {
      clearTimeout(this.#timer);
      this.#wake = undefined;
    });
  }

  /** Ends the current wait, if any. */
  wake(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }
}

/** Owned partitions and the listener, with calls serialized so they never overlap. */
export class MemberState {
  readonly #listener: MembershipListener;
  readonly #owned = new Map<string, TopicPartition>();
  #chain: Promise<void> = Promise.resolve();
  #ready!: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };
  #isReady = false;
  /** Set once the member cannot go on (fenced instance id, authorization, ...). */
  fatal: Error | undefined;

  constructor(listener: MembershipListener) {
    this.#listener = listener;
    this.resetReady();
  }

  /** The partitions owned now. */
  owned(): TopicPartition[] {
    return [...this.#owned.values()];
  }

  /** True if this partition is owned. */
  owns(tp: TopicPartition): boolean {
    return this.#owned.has(tpKey(tp));
  }

  #run(fn: () => Promise<void>): Promise<void> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  #report(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    try {
      this.#listener.onError?.(err);
    } catch { /* a failing error handler must not stop the member */ }
  }

  /** Adds partitions, then tells the listener. */
  assign(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#run(async () => {
      const added = partitions.filter((tp) => !this.#owned.has(tpKey(tp)));
      if (added.length === 0) return;
      for (const tp of added) this.#owned.set(tpKey(tp), tp);
      await this.#listener.onAssigned(added).catch((e) => this.#report(e));
    });
  }

  /** Tells the listener, then removes the partitions (still owned while it commits them). */
  revoke(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#give(partitions, (p) => this.#listener.onRevoked(p));
  }

  /** Tells the listener the partitions are lost, then removes them. */
  lose(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#give(partitions, (p) => this.#listener.onLost(p));
  }

  #give(partitions: readonly TopicPartition[], call: (p: TopicPartition[]) => Promise<void>): Promise<void> {
    return this.#run(async () => {
      const gone = partitions.filter((tp) => this.#owned.has(tpKey(tp)));
      if (gone.length === 0) return;
      await call(gone).catch((e) => this.#report(e));
      for (const tp of gone) this.#owned.delete(tpKey(tp));
    });
  }

  /** Marks the first assignment as done. */
  markReady(): void {
    this.#isReady = true;
    this.#ready.resolve();
  }

  /** True once the first assignment is done. */
  get isReady(): boolean {
    return this.#isReady;
  }

  /** Starts waiting for a fresh first assignment (after a new subscription). */
  resetReady(): void {
    if (this.#ready && !this.#isReady) return;
    let resolve!: () => void, reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    this.#ready = { promise, resolve, reject };
    this.#isReady = false;
  }

  /** Resolves once the first assignment is done; rejects on a fatal error or the signal. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (!signal) return this.#ready.promise;
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#ready.promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  }

  /** Stops the member for good with `e`, telling the listener. */
  fail(e: Error): void {
    if (this.fatal) return;
    this.fatal = e;
    this.#ready.reject(e);
    this.#report(e);
  }

  /** Resolves when the listener calls queued so far are done. */
  settled(): Promise<void> {
    return this.#chain;
  }
}
