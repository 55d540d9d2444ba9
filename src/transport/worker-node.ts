/**
 * Worker threads through `node:worker_threads`. Node's workers have no Web worker globals, so each one
 * starts in worker-node-child.ts, which provides `onmessage`/`postMessage` and then imports the module.
 */
import { Worker } from "node:worker_threads";
import type { WorkerAdapter, WorkerPort } from "./worker.ts";

const child = new URL(
  import.meta.url.endsWith(".ts") ? "./worker-node-child.ts" : "./worker-node-child.js",
  import.meta.url,
);

/** Starts `worker_threads` workers running `url` behind the Web worker globals. */
export const nodeWorkerAdapter: WorkerAdapter = {
  spawn(url: URL): WorkerPort {
    const w = new Worker(child, { workerData: { entry: url.href } });
    return {
      postMessage: (m, transfer) => w.postMessage(m, transfer as never),
      onMessage: (f) => w.on("message", f),
      onError: (f) => w.on("error", f),
      onExit: (f) => w.on("exit", f),
      terminate: async () => {
        await w.terminate();
      },
    };
  },
};
