/** The consumer's counters, kept by its parts and read by `metrics()`. */
export class ConsumerCounters {
  records = 0;
  bytes = 0;
  fetches = 0;
  latencySum = 0;
  latencyMax = 0;
  rebalances = 0;
  commits = 0;
  commitErrors = 0;
  /** The most fetched bytes held at once (buffered plus asked for). */
  heldMax = 0;

  /** A fetch answered after `ms`. */
  fetched(ms: number): void {
    this.latencySum += ms;
    if (ms > this.latencyMax) this.latencyMax = ms;
  }

  /** `bytes` of fetched data are held now. */
  held(bytes: number): void {
    if (bytes > this.heldMax) this.heldMax = bytes;
  }
}

/** Readers waiting for news (records, an error, a close), each with its own timeout. */
export class Waiters {
  #waiters: (() => void)[] = [];

  /** Whether anyone waits. */
  get any(): boolean {
    return this.#waiters.length > 0;
  }

  /** Wakes everyone waiting. */
  wake(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves at the next `wake()` or after `ms`. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(done);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve();
      }, ms);
      this.#waiters.push(done);
    });
  }
}
