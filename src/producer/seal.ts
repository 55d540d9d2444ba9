/**
 * Sealing: a batch becomes its bytes (header, CRC, records compressed) at its first send. Small batches
 * and codecs without `compressAsync` are sealed at once; large batches with such a codec (gzip, through
 * the runtime's zlib) are compressed asynchronously, and a broker's requests still go out in the order
 * they were made, so that sequence numbers reach it in order.
 */
import { type CompressionCodec, CompressionType, getCodec } from "../codec/compression.ts";
import type { BatchHeaderInput } from "../protocol/record-batch.ts";
import type { ProducerBatch } from "./accumulator.ts";

/** Below this many bytes a batch is compressed as quickly in JavaScript as through native code (Node). */
export const ASYNC_COMPRESSION_MIN_BYTES = 8 * 1024;

/** Seals batches and orders the requests that wait for them. */
export class BatchSealer {
  /** Per broker: settles once the last request made for it may go. */
  readonly #chains = new Map<number, Promise<unknown>>();

  /**
   * Seals `batch` (sets `encoded`), or starts to and returns a promise that settles when it is done.
   * The promise never rejects: when the asynchronous codec fails the batch is compressed synchronously,
   * and when that throws too the error is left in `sealError`. Throws when a synchronous seal fails.
   */
  seal(batch: ProducerBatch, h: BatchHeaderInput): Promise<void> | undefined {
    const builder = batch.builder;
    let codec: CompressionCodec | undefined;
    if (h.compression !== CompressionType.none) codec = getCodec(h.compression);
    if (codec?.compressAsync === undefined || builder.sizeInBytes < ASYNC_COMPRESSION_MIN_BYTES) {
      batch.encoded = builder.build(h);
      return undefined;
    }
    let compressing: Promise<Uint8Array>;
    try {
      compressing = codec.compressAsync(builder.recordSection());
    } catch (e) {
      compressing = Promise.reject(e);
    }
    return compressing.then(
      (compressed) => {
        batch.encoded = builder.seal(h, compressed);
      },
      () => {
        try {
          batch.encoded = builder.build(h);
        } catch (e) {
          batch.sealError = e instanceof Error ? e : new Error(String(e));
        }
      },
    );
  }

  /**
   * What a request to `node` carrying the batches being sealed (`pending`) waits for before it goes:
   * those, and every request made for `node` before it. Undefined when it may go at once.
   */
  after(node: number, pending: Promise<void>[] | undefined): Promise<unknown> | undefined {
    const before = this.#chains.get(node);
    if (pending === undefined && before === undefined) return undefined;
    const ready: Promise<unknown> = pending === undefined
      ? before!
      : Promise.all(before === undefined ? pending : [before, ...pending]);
    this.#chains.set(node, ready);
    void ready.then(() => {
      if (this.#chains.get(node) === ready) this.#chains.delete(node);
    });
    return ready;
  }
}
