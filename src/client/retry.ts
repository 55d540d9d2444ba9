/** Retries with exponential backoff for errors that say they are retriable. */

/** How often and how patiently to retry. */
export interface RetryOptions {
  /** Attempts after the first. Default 5. */
  retries?: number;
  /** First backoff. Default 100 ms. */
  retryBackoffMs?: number;
  /** Largest backoff. Default 1000 ms. */
  retryBackoffMaxMs?: number;
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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Runs `fn` until it succeeds, it throws a non-retriable error, or the retries run out.
 * `onRetry` runs before each backoff, e.g. to drop stale metadata.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  o: RetryOptions = {},
  onRetry?: (e: unknown, attempt: number) => void | Promise<void>,
): Promise<T> {
  const retries = o.retries ?? 5;
  for (let attempt = 0;; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= retries || !isRetriable(e)) throw e;
      await onRetry?.(e, attempt);
      await sleep(backoffMs(attempt, o));
    }
  }
}
