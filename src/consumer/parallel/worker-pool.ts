/**
 * Runs a handler module in worker threads: each batch the dispatcher starts is split over the workers
 * (the least busy first), packed into one transferable buffer per worker (wire.ts), and each worker's
 * answer reports its records as done or failed. Loaded only when `workers` is set.
 */
import { defaultWorkerAdapter, type WorkerPort } from "../../transport/worker.ts";
import type { FromWorker, ToWorker } from "./worker-entry.ts";
import { packBatch, transferables } from "./wire.ts";
import type { Executor, ExecutorHost, Work } from "./work.ts";

const entry = new URL(
  import.meta.url.endsWith(".ts") ? "./worker-entry.ts" : "./worker-entry.js",
  import.meta.url,
);

interface Slot<K, V> {
  port: WorkerPort;
  /** Records sent and not answered. */
  load: number;
  dead: Error | undefined;
  batches: Map<number, Work<K, V>[]>;
}

/** Handlers in worker threads. */
export class WorkerPoolExecutor<K, V> implements Executor<K, V> {
  readonly #slots: Slot<K, V>[];
  readonly #host: ExecutorHost<K, V>;
  #nextId = 0;

  private constructor(slots: Slot<K, V>[], host: ExecutorHost<K, V>) {
    this.#slots = slots;
    this.#host = host;
  }

  /** Starts `count` workers loading `module`; resolves once all are ready, rejects if one cannot load it. */
  static async start<K, V>(
    count: number,
    module: string,
    host: ExecutorHost<K, V>,
  ): Promise<WorkerPoolExecutor<K, V>> {
    const adapter = await defaultWorkerAdapter();
    const slots: Slot<K, V>[] = [];
    const ready: Promise<void>[] = [];
    // Answers arrive only after start resolved; the pool is set by then.
    const ref: { pool?: WorkerPoolExecutor<K, V> } = {};
    for (let i = 0; i < count; i++) {
      const port = adapter.spawn(entry);
      const slot: Slot<K, V> = { port, load: 0, dead: undefined, batches: new Map() };
      slots.push(slot);
      ready.push(
        new Promise<void>((resolve, reject) => {
          port.onError((e) => {
            reject(e);
            if (ref.pool) ref.pool.#lost(slot, e);
          });
          port.onMessage((raw) => {
            const m = raw as FromWorker;
            if (m.type === "ready") resolve();
            else if (m.type === "init-failed") reject(new Error(`handlerModule ${module}: ${m.message}`));
            else if (ref.pool) ref.pool.#answered(slot, m.id, m.failed, m.messages);
          });
        }),
      );
      port.postMessage({ type: "init", module } satisfies ToWorker, []);
    }
    try {
      await Promise.all(ready);
    } catch (e) {
      await Promise.all(slots.map((s) => s.port.terminate().catch(() => {})));
      throw e;
    }
    ref.pool = new WorkerPoolExecutor(slots, host);
    return ref.pool;
  }

  run(batch: Work<K, V>[]): void {
    const live = this.#slots.filter((s) => !s.dead);
    if (live.length === 0) {
      const e = this.#slots[0]?.dead ?? new Error("no worker");
      for (const w of batch) this.#host.failed(w, e);
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

  #answered(slot: Slot<K, V>, id: number, failed: number[], messages: string[]): void {
    const items = slot.batches.get(id);
    if (!items) return;
    slot.batches.delete(id);
    slot.load -= items.length;
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

  /** A worker died: its records failed (and are retried elsewhere per the retry policy). */
  #lost(slot: Slot<K, V>, e: Error): void {
    slot.dead = e;
    const all = [...slot.batches.values()].flat();
    slot.batches.clear();
    slot.load = 0;
    for (const w of all) this.#host.failed(w, e);
  }

  async close(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.port.terminate().catch(() => {})));
  }
}
