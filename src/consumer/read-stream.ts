/**
 * `consumer.stream()`: a `ReadableStream` whose `pull` takes records from the fetch buffer only when its
 * queue runs low, so a slow reader never makes the consumer hold more than its buffer budget plus the
 * stream's own `highWaterMark`.
 */
import { recordBytes, StreamTracker } from "./stream-tracker.ts";
import type { PartitionState } from "./subscription-state.ts";
import type { ConsumerRecord, StreamOptions } from "./types.ts";
import type { ReaderHost } from "./reader.ts";

/** How often a stream past its quiet spell looks whether its reader has emptied the queue. */
const IDLE_RECHECK_MS = 50;

/** How the stream tells the consumer that it opened and ended. */
export interface StreamHooks {
  /** The stream's tracker starts (in `start`). */
  opened(tracker: StreamTracker): void;
  /** The stream ended: closed (`cancelled` false) or cancelled by its reader. */
  ended(tracker: StreamTracker, cancelled: boolean): void;
}

/** Checks the options and builds the stream. */
export function openStream<K, V>(
  host: ReaderHost<K, V>,
  hooks: StreamHooks,
  options: StreamOptions,
): ReadableStream<ConsumerRecord<K, V>> {
  const bytes = options.unit === "bytes";
  if (options.unit !== undefined && options.unit !== "records" && !bytes) {
    throw new RangeError(`unit must be "records" or "bytes", got ${String(options.unit)}`);
  }
  const hwm = options.highWaterMark ?? (bytes ? 1024 * 1024 : 1000);
  if (typeof hwm !== "number" || !Number.isInteger(hwm) || hwm < 0) {
    throw new RangeError(`highWaterMark must be an integer >= 0, got ${String(hwm)}`);
  }
  const batch: ConsumerRecord<K, V>[] = [];
  const from: PartitionState[] = [];
  let tracker: StreamTracker;
  const outstanding = (s: PartitionState) => tracker.outstanding(s);
  const idleMs = host.consumerTimeoutMs;
  let lastRecordAt = performance.now();
  const fill = async (controller: ReadableStreamDefaultController<ConsumerRecord<K, V>>) => {
    for (;;) {
      const idleLeft = idleMs === undefined ? Infinity : lastRecordAt + idleMs - performance.now();
      // A quiet spell ends the stream once its reader has taken everything queued.
      if (host.closed || (idleLeft <= 0 && (controller.desiredSize ?? 0) >= hwm)) {
        hooks.ended(tracker, false);
        // The reader gets what is queued, then the end. close() may have closed it already: closing
        // again would throw, and a throwing pull errors a stream that still holds queued records.
        try {
          controller.close();
        } catch {
          // already closed
        }
        return;
      }
      tracker.sync();
      host.reportEof?.(outstanding);
      host.tick();
      host.throwIfFailed();
      // Fill what the queue asks for (at least one record, so a read waiting on an empty queue with
      // highWaterMark 0 is answered).
      let want = controller.desiredSize ?? 0;
      let delivered = 0;
      while (want > 0 || delivered === 0) {
        batch.length = 0;
        from.length = 0;
        host.take(batch, bytes ? 1 : Math.max(1, Math.min(want, host.maxPollRecords)), from);
        if (batch.length === 0) break;
        for (let i = 0; i < batch.length; i++) {
          const r = batch[i];
          const size = bytes ? recordBytes(r) : 1;
          tracker.enqueued(from[i], r.offset, size);
          controller.enqueue(r);
          delivered++;
          want -= size;
        }
      }
      if (delivered > 0) {
        lastRecordAt = performance.now();
        return;
      }
      await host.waitFor(Math.min(host.fetchMaxWaitMs + 100, Math.max(idleLeft, IDLE_RECHECK_MS)));
    }
  };
  const source: UnderlyingDefaultSource<ConsumerRecord<K, V>> = {
    start: (controller) => {
      tracker = new StreamTracker(host.subs, controller, hwm);
      hooks.opened(tracker);
    },
    pull: (controller) => {
      // Refill once the queue is half empty, not after every read: one pull per record would cost
      // more than the records themselves. The queue still never holds more than highWaterMark.
      const room = controller.desiredSize ?? 0;
      if (!host.closed && hwm - room > 0 && room < hwm / 2) {
        host.tick(); // the reader is taking records: the member is alive (maxPollIntervalMs)
        return;
      }
      return fill(controller);
    },
    cancel: () => {
      hooks.ended(tracker, true);
    },
  };
  return new ReadableStream<ConsumerRecord<K, V>>(
    source,
    bytes ? { highWaterMark: hwm, size: recordBytes } : { highWaterMark: hwm },
  );
}
