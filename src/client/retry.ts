/** Retries with exponential backoff for errors that say they are retriable. */
import { ApiTimeoutError } from "./errors.ts";

/** How often and how patiently to retry. */
export interface RetryOptions {
  /** Attempts after the first. Default 5. */
  retries?: number;
  /** First backoff. Default 100 ms. */
  retryBackoffMs?: number;
  /** Largest backoff. Default 1000 ms. */
  retryBackoffMaxMs?: number;
}

/** Retry options of one call: the client's, and when the call must end. */
export interface RetryPolicy extends RetryOptions {
  /**
   * No attempt starts after this time (`performance.now()` ms): a retriable error that would need one
   * becomes an `ApiTimeoutError` (its `cause`). Unset: only `retries` bounds the attempts.
   */
  deadline?: number;
}

/** True for errors that carry `retriable: true` (KafkaError, ConnectionError, RequestTimeoutError). */
export function isRetriable(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { retriable?: unknown }).retriable === true;
}

/** The backoff before retry number `attempt` (0-based): doubling, capped, with ±20% jitter. */
export function backoffMs(attempt: number, o: RetryOptions = {}): number {
  const base = o.retryBackoffMs ?? 100;
  const max = o.retryBackoffMaxMs ?? 1000;
  const exp = Math.min(max, base * 2 ** attempt);
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

/**
 * The retry policy of one call that must end within `timeoutMs` from now (the Java clients'
 * `default.api.timeout.ms`): the client's backoff, as many attempts as its `retries` allow (without limit
 * when unset), and the deadline.
 */
export function callPolicy(o: RetryOptions, timeoutMs: number): RetryPolicy {
  return {
    retries: o.retries ?? Infinity,
    retryBackoffMs: o.retryBackoffMs,
    retryBackoffMaxMs: o.retryBackoffMaxMs,
    deadline: performance.now() + timeoutMs,
  };
}

/** `o` with attempts ending at `deadline` (`performance.now()` ms), or `o` itself without one. */
export function until(o: RetryOptions, deadline: number | undefined): RetryPolicy {
  return deadline === undefined ? o : { ...o, deadline };
}

/**
 * The wait before the next attempt after `attempt` (0-based) failed with the retriable `e`, or the error
 * to give up with when that attempt would start after `o.deadline`.
 */
export function nextAttempt(e: unknown, attempt: number, o: RetryPolicy): number | ApiTimeoutError {
  const wait = backoffMs(attempt, o);
  if (o.deadline === undefined || performance.now() + wait < o.deadline) return wait;
  return outOfTime(e, attempt + 1);
}

/** The error of a call that ran out of time after `attempts` attempts, the last failing with `e`. */
export function outOfTime(e: unknown, attempts: number): ApiTimeoutError {
  // An inner loop with the same deadline gave up already: its error says it all.
  if (e instanceof ApiTimeoutError) return e;
  const last = e instanceof Error ? e.message : String(e);
  return new ApiTimeoutError(`gave up after ${attempts} attempt(s), out of time: ${last}`, { cause: e });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs `fn` until it succeeds, it throws a non-retriable error, or the retries (or the deadline) run out.
 * `onRetry` runs before each backoff, e.g. to drop stale metadata.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  o: RetryPolicy = {},
  onRetry?: (e: unknown, attempt: number) => void | Promise<void>,
): Promise<T> {
  const retries = o.retries ?? 5;
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= retries || !isRetriable(e)) throw e;
      await onRetry?.(e, attempt);
      const wait = nextAttempt(e, attempt, o);
      if (typeof wait !== "number") throw wait;
      await sleep(wait);
    }
  }
}
