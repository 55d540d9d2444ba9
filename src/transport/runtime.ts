/** Runtime detection: picks the socket adapter for the runtime the client runs on. */
import type { SocketAdapter } from "./socket.ts";

/** The runtimes this client knows how to open sockets on. */
export type RuntimeName = "deno" | "bun" | "node";

/** Which runtime this is. Bun and Deno both also look like Node, so they are checked first. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  return "node";
}

let cached: Promise<SocketAdapter> | undefined;

/** The adapter for this runtime, loaded on first use so one runtime never loads another's module. */
export function defaultAdapter(): Promise<SocketAdapter> {
  cached ??= (async () => {
    switch (detectRuntime()) {
      case "deno":
        return (await import("./deno.ts")).denoAdapter;
      case "bun":
        return (await import("./bun.ts")).bunAdapter;
      default:
        return (await import("./node.ts")).nodeAdapter;
    }
  })();
  return cached;
}
