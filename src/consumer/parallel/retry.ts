/**
 * The retry policy of a parallel consumer's handler: how many attempts a record gets and how long to wait
 * before each next one (exponential backoff with a cap and jitter, as Confluent's Parallel Consumer).
 */

/** When a failing record is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included; Infinity: never give up. */
  readonly attempts: number;
  /** Wait before the second attempt, in ms. */
  readonly backoffMs: number;
  /** Longest wait between attempts, in ms. */
  readonly maxBackoffMs: number;
  /** Each wait is multiplied by this after an attempt. */
  readonly multiplier: number;
  /** Up to this share of each wait is random, so that failing records do not retry in lockstep (0..1). */
  readonly jitter: number;
}

/** The defaults: retry for ever, 100 ms doubling up to 10 s, 20% jitter. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: Infinity,
  backoffMs: 100,
  maxBackoffMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
};

/**
 * What to do after attempt number `attempt` (1 for the first) failed: wait this many ms then try again,
 * or `null`: give up (dead letter, or fail the run). `random` gives numbers in [0, 1).
 */
export function nextRetryDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number | null {
  if (attempt >= policy.attempts) return null;
  const raw = policy.backoffMs * policy.multiplier ** (attempt - 1);
  const capped = Math.min(policy.maxBackoffMs, raw);
  return Math.round(capped * (1 - policy.jitter * random()));
}
