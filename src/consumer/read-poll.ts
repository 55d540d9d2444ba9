/** `consumer.poll()`: its arguments, and the wait for records. */
import type { PollTracker } from "./delivery.ts";
import { NOTHING_OUTSTANDING, type ReaderHost } from "./reader.ts";
import type { PartitionState } from "./subscription-state.ts";
import type { ConsumerRecord, PollOptions } from "./types.ts";

/** `poll`'s arguments, checked. */
export interface PollArgs {
  timeoutMs: number;
  maxRecords: number;
  waitForAll: boolean;
}

/** Reads `poll(timeoutMs, maxRecords)` or `poll({ timeoutMs, maxRecords, waitForAll })`, naming a bad field. */
export function pollArgs(
  first: number | PollOptions,
  max: number | undefined,
  maxPollRecords: number,
): PollArgs {
  let timeoutMs: unknown = first;
  let maxRecords: unknown = max ?? maxPollRecords;
  let waitForAll: unknown = false;
  if (typeof first === "object" && first !== null) {
    timeoutMs = first.timeoutMs ?? 1000;
    maxRecords = first.maxRecords ?? maxPollRecords;
    waitForAll = first.waitForAll ?? false;
  }
  if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
    throw new RangeError(`timeoutMs must be a number >= 0, got ${String(timeoutMs)}`);
  }
  if (typeof maxRecords !== "number" || !Number.isInteger(maxRecords) || maxRecords < 1) {
    throw new RangeError(`maxRecords must be an integer >= 1, got ${String(maxRecords)}`);
  }
  if (typeof waitForAll !== "boolean") {
    throw new TypeError(`waitForAll must be a boolean, got ${typeof waitForAll}`);
  }
  return { timeoutMs, maxRecords, waitForAll };
}

/**
 * Waits up to `timeoutMs` for records (for `maxRecords` of them with `waitForAll`) and returns what is
 * there. The call tells `tracker` that the records of earlier calls are processed.
 */
export async function pollRecords<K, V>(
  host: ReaderHost<K, V>,
  tracker: PollTracker,
  { timeoutMs, maxRecords, waitForAll }: PollArgs,
): Promise<ConsumerRecord<K, V>[]> {
  tracker.sync();
  host.tick();
  const deadline = performance.now() + timeoutMs;
  const enough = waitForAll ? maxRecords : 1;
  const out: ConsumerRecord<K, V>[] = [];
  const reportEof = host.reportEof;
  const from: PartitionState[] | undefined = reportEof ? [] : undefined;
  for (;;) {
    // Records already taken are returned first; the failure comes with the next call.
    if (out.length > 0 && host.failed()) return out;
    host.throwIfFailed();
    host.take(out, maxRecords, from);
    if (reportEof) reportEof(from!.length === 0 ? NOTHING_OUTSTANDING : outstandingIn(from!));
    if (out.length >= enough) return out;
    const left = deadline - performance.now();
    if (left <= 0 || host.closed) return out;
    await host.waitFor(left);
  }
}

/** Whether a partition has records among those taken and not yet returned. */
function outstandingIn(from: PartitionState[]): (s: PartitionState) => boolean {
  const set = new Set(from);
  return (s) => set.has(s);
}
