/** `for await (const record of consumer)`: one record at a time. */
import { IteratorTracker } from "./delivery.ts";
import { ConsumerClosedError } from "./errors.ts";
import { NOTHING_OUTSTANDING, type ReaderHost } from "./reader.ts";
import type { PartitionState } from "./subscription-state.ts";
import type { ConsumerRecord } from "./types.ts";

/**
 * Records one at a time until the consumer closes or, with `consumerTimeoutMs`, none came for that long.
 * Asking for the next record tells auto-commit that the previous one is processed.
 */
export async function* iterate<K, V>(
  host: ReaderHost<K, V>,
): AsyncGenerator<ConsumerRecord<K, V>, void, undefined> {
  if (host.closed) throw new ConsumerClosedError("consumer is closed");
  const tracker = new IteratorTracker(host.subs);
  const one: ConsumerRecord<K, V>[] = [];
  const from: PartitionState[] = [];
  const reportEof = host.reportEof;
  const idleMs = host.consumerTimeoutMs;
  let lastRecordAt = performance.now();
  try {
    while (!host.closed) {
      tracker.sync();
      if (reportEof) reportEof(NOTHING_OUTSTANDING);
      host.tick();
      host.throwIfFailed();
      one.length = 0;
      from.length = 0;
      host.take(one, 1, from);
      if (one.length === 0) {
        let wait = host.fetchMaxWaitMs + 100;
        if (idleMs !== undefined) {
          const left = lastRecordAt + idleMs - performance.now();
          if (left <= 0) return;
          if (left < wait) wait = left;
        }
        await host.waitFor(wait);
        continue;
      }
      tracker.delivered(from[0]);
      yield one[0];
      if (idleMs !== undefined) lastRecordAt = performance.now();
    }
  } finally {
    tracker.forget();
  }
}
