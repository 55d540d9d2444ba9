/** Which runtime this is, from its globals alone (no imports, so every entry may use it). */

/** The runtimes this client knows how to open sockets on. */
export type RuntimeName = "deno" | "bun" | "node" | "workerd";

/**
 * Which runtime this is. Bun and Deno both also look like Node, so they are checked first; Cloudflare
 * Workers (workerd) names itself in `navigator.userAgent`.
 *
 * @example
 * ```ts
 * if (detectRuntime() === "workerd") console.log("running in a Cloudflare Worker");
 * ```
 */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (typeof g.Bun === "object" && g.Bun !== null) return "bun";
  if (typeof g.Deno === "object" && g.Deno !== null) return "deno";
  const nav = g.navigator as { userAgent?: unknown } | undefined;
  if (nav?.userAgent === "Cloudflare-Workers") return "workerd";
  return "node";
}
