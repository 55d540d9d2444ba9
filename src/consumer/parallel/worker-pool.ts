/**
 * Runs a handler module in worker threads: each batch the dispatcher starts is split over the workers
 * (the least busy first), packed into one transferable buffer per worker (wire.ts), and each worker's
 * answer reports its records as done or failed. Loaded only when `workers` is set.
 */
import { defaultWorkerAdapter, type WorkerAdapter, type WorkerPort } from "../../transport/worker.ts";
import type { FromWorker, ToWorker } from "./worker-entry.ts";
import { packBatch, transferables } from "./wire.ts";
import type { Executor, ExecutorHost, Work } from "./work.ts";

const entry = new URL(
  import.meta.url.endsWith(".ts") ? "./worker-entry.ts" : "./worker-entry.js",
  import.meta.url,
);

/** A crashed worker is started again after this long, doubling with each crash in a row up to ... */
const RESTART_BACKOFF_MS = 100;
/** ... this. */
const RESTART_BACKOFF_MAX_MS = 5_000;

interface Slot<K, V> {
  port: WorkerPort;
  /** Counts the slot's threads, so that news from a replaced one is ignored. */
  generation: number;
  /** Loaded its module and takes batches. */
  ready: boolean;
  /** Records sent and not answered. */
  load: number;
  /** Crashes since a batch last came back from this slot. */
  crashes: number;
  batches: Map<number, Work<K, V>[]>;
  restart: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Handlers in worker threads. A worker that dies (an uncaught error, an exit) has its records failed,
 * retried per the retry policy, and is started again after a backoff; while no worker is ready, batches
 * wait for one.
 */
export class WorkerPoolExecutor<K, V> implements Executor<K, V> {
  readonly #adapter: WorkerAdapter;
  readonly #module: string;
  readonly #slots: Slot<K, V>[] = [];
  readonly #host: ExecutorHost<K, V>;
  /** Batches that found no ready worker. */
  #held: Work<K, V>[][] = [];
  #nextId = 0;
  #closed = false;

  private constructor(adapter: WorkerAdapter, module: string, host: ExecutorHost<K, V>) {
    this.#adapter = adapter;
    this.#module = module;
    this.#host = host;
  }

  /** Starts `count` workers loading `module`; resolves once all are ready, rejects if one cannot load it. */
  static async start<K, V>(
    count: number,
    module: string,
    host: ExecutorHost<K, V>,
  ): Promise<WorkerPoolExecutor<K, V>> {
    const pool = new WorkerPoolExecutor<K, V>(await defaultWorkerAdapter(), module, host);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      ready.push(
        new Promise<void>((resolve, reject) => {
          const slot: Slot<K, V> = {
            port: undefined as unknown as WorkerPort,
            generation: 0,
            ready: false,
            load: 0,
            crashes: 0,
            batches: new Map(),
            restart: undefined,
          };
          pool.#slots.push(slot);
          pool.#spawn(slot, { resolve, reject });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /**
   * Starts a thread for `slot`. `first` settles the pool's start: until then a failure rejects it rather
   * than restarting.
   */
  #spawn(slot: Slot<K, V>, first?: { resolve(): void; reject(e: Error): void }): void {
    const generation = ++slot.generation;
    const port = this.#adapter.spawn(entry);
    slot.port = port;
    const current = () => slot.generation === generation && !this.#closed;
    const failed = (e: Error) => {
      if (!current()) return;
      if (first && !slot.ready) first.reject(e);
      else this.#lost(slot, e);
    };
    port.onError(failed);
    port.onExit?.((code) => failed(new Error(`worker thread exited with code ${code}`)));
    port.onMessage((raw) => {
      if (!current()) return;
      const m = raw as FromWorker;
      if (m.type === "ready") {
        slot.ready = true;
        first?.resolve();
        this.#release();
      } else if (m.type === "init-failed") failed(new Error(`handlerModule ${this.#module}: ${m.message}`));
      else this.#answered(slot, m.id, m.failed, m.messages);
    });
    port.postMessage({ type: "init", module: this.#module } satisfies ToWorker, []);
  }

  run(batch: Work<K, V>[]): void {
    const live = this.#slots.filter((s) => s.ready);
    if (live.length === 0) {
      this.#held.push(batch);
      return;
    }
    live.sort((a, b) => a.load - b.load);
    const parts = Math.min(live.length, batch.length);
    const per = Math.ceil(batch.length / parts);
    for (let p = 0; p < parts; p++) {
      const items = batch.slice(p * per, (p + 1) * per);
      if (items.length === 0) break;
      const slot = live[p];
      const id = this.#nextId++;
      slot.batches.set(id, items);
      slot.load += items.length;
      const wire = packBatch(items.map((w) => w.record));
      slot.port.postMessage({ type: "batch", id, batch: wire } satisfies ToWorker, transferables(wire));
    }
  }

  /** Hands the batches that waited to the workers now ready. */
  #release(): void {
    const held = this.#held;
    this.#held = [];
    for (const b of held) this.run(b);
  }

  #answered(slot: Slot<K, V>, id: number, failed: number[], messages: string[]): void {
    const items = slot.batches.get(id);
    if (!items) return;
    slot.batches.delete(id);
    slot.load -= items.length;
    slot.crashes = 0;
    let f = 0;
    for (let i = 0; i < items.length; i++) {
      if (f < failed.length && failed[f] === i) {
        this.#host.failed(items[i], new Error(messages[f]));
        f++;
      } else {
        this.#host.ok(items[i]);
      }
    }
  }

  /** A worker died: its records failed (retried per the retry policy), and it starts again after a backoff. */
  #lost(slot: Slot<K, V>, e: Error): void {
    slot.ready = false;
    slot.generation++; // its thread's later news (an exit after an error) is ignored
    void slot.port.terminate().catch(() => {});
    const all = [...slot.batches.values()].flat();
    slot.batches.clear();
    slot.load = 0;
    const wait = Math.min(RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_MS * 2 ** slot.crashes);
    slot.crashes++;
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      if (!this.#closed) this.#spawn(slot);
    }, wait);
    for (const w of all) this.#host.failed(w, e);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#held = [];
    for (const s of this.#slots) clearTimeout(s.restart);
    await Promise.all(this.#slots.map((s) => s.port.terminate().catch(() => {})));
  }
}
