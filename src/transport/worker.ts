/**
 * The worker seam: how a parallel consumer starts threads on a runtime. The core talks only to this
 * interface; `worker-web.ts` (Deno, Bun: the Web `Worker`) and `worker-node.ts` (`node:worker_threads`)
 * implement it, loaded on first use by whichever entry installed the default (runtime.ts).
 */

/** One thread running a module. */
export interface WorkerPort {
  /** Sends a message; the buffers in `transfer` move to the worker (no copy) and are detached here. */
  postMessage(message: unknown, transfer: Transferable[]): void;
  /** Messages the worker sends. */
  onMessage(listener: (message: unknown) => void): void;
  /** The worker failed (an uncaught error, or it could not start). */
  onError(listener: (error: Error) => void): void;
  /** The thread ended (where the runtime tells: `worker_threads`' exit event), also after `terminate()`. */
  onExit?(listener: (code: number) => void): void;
  /** Stops the thread. */
  terminate(): Promise<void>;
}

/** Starts worker threads. */
export interface WorkerAdapter {
  /**
   * Starts a thread running the module at `url`. Inside, the module talks through the Web worker globals
   * (`onmessage`, `postMessage`) on every runtime.
   */
  spawn(url: URL): WorkerPort;
}

let provider: (() => Promise<WorkerAdapter>) | undefined;

/** Makes `next` the source of the worker adapter (run-time detection installs one in runtime.ts). */
export function setDefaultWorkerAdapter(next: () => Promise<WorkerAdapter>): void {
  provider = next;
}

/** The worker adapter of this runtime; rejects where there is none (Cloudflare Workers). */
export function defaultWorkerAdapter(): Promise<WorkerAdapter> {
  if (!provider) {
    return Promise.reject(
      new Error(
        "worker threads are not available with this entry: import the client from mod.ts on Deno, Bun or Node",
      ),
    );
  }
  return provider();
}
