/**
 * The Cloudflare Workers entry of the client: the same API as `mod.ts`, with the `cloudflare:sockets`
 * adapter as the default. Nothing reachable from here imports `node:*` or the Deno, Bun or Node adapters,
 * so a Worker bundle holds only what runs on workerd. The npm package serves it under the `workerd`
 * export condition and as `@kafka-ts/client/workers`.
 *
 * A socket belongs to the request that opened it: create clients inside the request (or a Durable
 * Object) and close them before it ends.
 *
 * @example Produce the request body, answer with its offset
 * ```ts
 * import { Producer } from "./workers.ts";
 *
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     const producer = new Producer({ bootstrapServers: "broker.example.com:9094", tls: {} });
 *     try {
 *       const { offset } = await producer.send({ topic: "events", value: await request.text() });
 *       return new Response(String(offset));
 *     } finally {
 *       await producer.close();
 *     }
 *   },
 * };
 * ```
 *
 * @module
 */

import { useZstdModule } from "./src/codec/zstd.ts";
// @ts-types="./src/codec/wasm/zstd.wasm.d.ts"
import zstdModule from "./src/codec/wasm/zstd.wasm";

// Workers cannot compile WebAssembly at run time: libzstd comes compiled, as a module import.
useZstdModule(zstdModule);

export * from "./src/api.ts";
export {
  defaultAdapter,
  detectRuntime,
  type RuntimeName,
  workersAdapter,
} from "./src/transport/workers-runtime.ts";
