/**
 * The default socket adapter, as installed by the package entry that was loaded.
 *
 * Clients ask this module, never a runtime's adapter, so that the modules every entry shares reach no
 * adapter: `mod.ts` installs run-time detection (`runtime.ts`), `workers.ts` installs the Workers adapter.
 */
import type { SocketAdapter } from "./socket.ts";

/** Gives the default adapter, loading it on first use if need be. */
export type AdapterProvider = () => Promise<SocketAdapter>;

let provider: AdapterProvider | undefined;
let cached: Promise<SocketAdapter> | undefined;

/** Makes `provider` the source of the default adapter for clients created without `adapter`. */
export function setDefaultAdapter(next: AdapterProvider): void {
  provider = next;
  cached = undefined;
}

/**
 * The adapter clients use when their options name none.
 *
 * @example
 * ```ts
 * const socket = await (await defaultAdapter()).connect({ host: "127.0.0.1", port: 9092 });
 * ```
 */
export function defaultAdapter(): Promise<SocketAdapter> {
  if (provider === undefined) {
    return Promise.reject(
      new Error(
        "no default socket adapter: import the client from its package entry (mod.ts, or workers.ts on " +
          "Cloudflare Workers), or pass `adapter` in the client options",
      ),
    );
  }
  cached ??= provider().catch((e: unknown) => {
    cached = undefined; // a later call may succeed
    throw e;
  });
  return cached;
}
