/** Worker threads through the Web `Worker` (Deno, Bun). */
import type { WorkerAdapter, WorkerPort } from "./worker.ts";

/** Starts module workers with `new Worker(url, { type: "module" })`. */
export const webWorkerAdapter: WorkerAdapter = {
  spawn(url: URL): WorkerPort {
    const w = new Worker(url.href, { type: "module" });
    return {
      postMessage: (m, transfer) => w.postMessage(m, transfer),
      onMessage: (f) => w.addEventListener("message", (e) => f((e as MessageEvent).data)),
      onError: (f) =>
        w.addEventListener("error", (e) => {
          (e as Event).preventDefault?.(); // handled here: not a process-level error
          const ev = e as ErrorEvent;
          f(ev.error instanceof Error ? ev.error : new Error(ev.message ?? "worker error"));
        }),
      terminate: () => {
        w.terminate();
        return Promise.resolve();
      },
    };
  },
};
