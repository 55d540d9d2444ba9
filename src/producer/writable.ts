/** The producer as a `WritableStream`: backpressure from the buffer, flush on close, drop on abort. */
import type { Ack } from "./accumulator.ts";
import { ProducerClosedError } from "./errors.ts";
import type { ProducerRecord } from "./types.ts";

/** What the stream needs from the producer. */
export interface WritableTarget<K, V> {
  /** Queues a record; returns a promise only when it had to wait (metadata, buffer space). */
  enqueue(record: ProducerRecord<K, V>, ack: Ack, slot: number, where: string): Promise<void> | undefined;
  flush(): Promise<unknown>;
  /** Drops the records of `ack` that were not sent yet. */
  dropUnsent(ack: Ack, reason: Error): void;
}

/**
 * A stream whose `write` waits while the buffer is full; closing it flushes; the first failed record
 * errors it; aborting it drops what was not sent.
 */
export function producerWritable<K, V>(target: WritableTarget<K, V>): WritableStream<ProducerRecord<K, V>> {
  let failure: Error | undefined;
  let controller!: WritableStreamDefaultController;
  // One ack for every record of the stream: no per-record closure.
  const ack: Ack = {
    settle: (e) => {
      if (e && !failure) {
        failure = e;
        controller.error(e);
      }
    },
  };
  return new WritableStream<ProducerRecord<K, V>>({
    start: (c) => {
      controller = c;
    },
    write: (record) => {
      if (failure) throw failure;
      return target.enqueue(record, ack, 0, "record");
    },
    close: async () => {
      await target.flush();
      if (failure) throw failure;
    },
    abort: (reason) => {
      target.dropUnsent(
        ack,
        reason instanceof Error ? reason : new ProducerClosedError(`stream aborted: ${reason}`),
      );
    },
  });
}
