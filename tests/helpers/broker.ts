// Where the integration tests find their broker, and names that keep runtimes apart on a shared broker.
import assert from "node:assert/strict";
import { detectRuntime } from "../../src/transport/runtime.ts";

/** The bootstrap address from KAFKA_BOOTSTRAP. An integration test without a broker fails; it never skips. */
export function bootstrap(): string {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ??
    {};
  const b = env.KAFKA_BOOTSTRAP;
  assert.ok(b, "KAFKA_BOOTSTRAP is not set: run the suite with `npm test`, which starts a broker");
  return b;
}

/** A topic name unique to this run and runtime. */
export function uniqueTopic(prefix: string): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${detectRuntime()}-${Date.now()}-${rand}`;
}
