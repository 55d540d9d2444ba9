/**
 * Run-time detection for Deno, Bun and Node: installed as the default adapter by `mod.ts` (importing this
 * module installs it), and the worker-thread adapter of parallel consumption likewise. Each runtime's
 * adapter is loaded on first use, so one runtime never loads another's module, and a client given its own
 * `adapter` loads none. Importing it also gives zstd its embedded libzstd bytes, and gzip node:zlib. The
 * Workers entry does not import this module.
 */
import "../codec/zstd-embedded.ts";
import type { SocketAdapter } from "./socket.ts";
import { defaultAdapter, setDefaultAdapter } from "./default.ts";
import { detectRuntime, type RuntimeName } from "./detect.ts";
import { setDefaultWorkerAdapter, type WorkerAdapter } from "./worker.ts";

export { defaultAdapter, detectRuntime, type RuntimeName };

// Loaded at once, not awaited (a client given its own adapter gets it too); the adapter waits for it, so
// that a client's first batch already has it. Until it is there, or if it cannot load, fflate works.
const zlib: Promise<unknown> = detectRuntime() === "workerd"
  ? Promise.resolve()
  : import("./gzip-zlib.ts").catch(() => undefined);

/** The adapter for the runtime this is. */
async function runtimeAdapter(): Promise<SocketAdapter> {
  await zlib;
  switch (detectRuntime()) {
    case "deno":
      return (await import("./deno.ts")).denoAdapter;
    case "bun":
      return (await import("./bun.ts")).bunAdapter;
    case "workerd":
      throw new Error(
        "on Cloudflare Workers import the client's Workers entry (the package's `workerd` export or " +
          "workers.ts), whose default adapter uses cloudflare:sockets",
      );
    default:
      return (await import("./node.ts")).nodeAdapter;
  }
}

setDefaultAdapter(runtimeAdapter);

/** Worker threads for parallel consumption: the Web `Worker` on Deno and Bun, `worker_threads` on Node. */
async function runtimeWorkerAdapter(): Promise<WorkerAdapter> {
  switch (detectRuntime()) {
    case "deno":
    case "bun":
      return (await import("./worker-web.ts")).webWorkerAdapter;
    case "workerd":
      throw new Error("worker threads are not available on Cloudflare Workers");
    default:
      return (await import("./worker-node.ts")).nodeWorkerAdapter;
  }
}

setDefaultWorkerAdapter(runtimeWorkerAdapter);
