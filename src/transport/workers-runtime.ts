/**
 * The Workers entry's default adapter: importing this module makes `cloudflare:sockets` the default, and
 * nothing here reaches the Deno, Bun or Node adapters.
 */
import { defaultAdapter, setDefaultAdapter } from "./default.ts";
import { detectRuntime, type RuntimeName } from "./detect.ts";
import { workersAdapter } from "./workers.ts";

export { defaultAdapter, detectRuntime, type RuntimeName, workersAdapter };

setDefaultAdapter(() => Promise.resolve(workersAdapter));
