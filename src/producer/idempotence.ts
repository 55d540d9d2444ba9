/**
 * Idempotence state: the producer id and epoch from InitProducerId, and the per-partition sequence
 * numbers that let the broker drop a retried batch it already wrote.
 */
import type { Cluster } from "../client/cluster.ts";
import { withRetry } from "../client/retry.ts";
import { InitProducerId } from "../protocol/messages/init-producer-id.ts";
import { KafkaError } from "../protocol/errors.ts";
import type { PartitionState, ProducerBatch } from "./accumulator.ts";
import { DeliveryTimeoutError } from "./errors.ts";

/** The largest producer epoch (int16). */
const MAX_EPOCH = 32767;

/** The producer id, its epoch and sequence assignment. With idempotence off it stays at -1. */
export class Idempotence {
  readonly enabled: boolean;
  producerId = -1n;
  epoch = -1;
  readonly #cluster: Cluster;
  readonly #maxBlockMs: number;
  #request: Promise<void> | undefined;

  constructor(enabled: boolean, cluster: Cluster, maxBlockMs: number) {
    this.enabled = enabled;
    this.#cluster = cluster;
    this.#maxBlockMs = maxBlockMs;
  }

  /** Gets a producer id (once for concurrent callers) and restarts every partition's sequence at 0. */
  init(states: () => Iterable<PartitionState>): Promise<void> {
    this.#request ??= (async () => {
      try {
        // A fresh cluster answers COORDINATOR_LOAD_IN_PROGRESS for a while: retry retriable errors
        // until maxBlockMs.
        const deadline = performance.now() + this.#maxBlockMs;
        const res = await withRetry(
          async () => {
            const res = await this.#cluster.send("any", InitProducerId, {
              transactionalId: null,
              transactionTimeoutMs: 60_000,
              producerId: -1n,
              producerEpoch: -1,
            });
            if (res.errorCode !== 0) throw KafkaError.fromCode(res.errorCode, { api: "InitProducerId" });
            return res;
          },
          { ...this.#cluster.retryOptions, retries: Number.MAX_SAFE_INTEGER },
          () => {
            if (performance.now() > deadline) {
              throw new DeliveryTimeoutError("no producer id within maxBlockMs");
            }
          },
        );
        this.producerId = res.producerId;
        this.epoch = res.producerEpoch;
        for (const s of states()) s.nextSequence = 0;
      } finally {
        this.#request = undefined;
      }
    })();
    return this.#request;
  }

  /** Fixes a batch's sequence numbers at its first send, so that every retry carries the same ones. */
  assignSequence(s: PartitionState, batch: ProducerBatch): void {
    if (!this.enabled) return;
    batch.baseSequence = s.nextSequence;
    s.nextSequence = (s.nextSequence + batch.count) | 0;
    if (s.nextSequence < 0) s.nextSequence &= 0x7fffffff;
  }

  /**
   * After a batch failed for good its sequence numbers are a gap the broker will not accept past. As the
   * Java client does (KIP-360), bump the epoch here, which the broker takes with sequences from 0 and which
   * fences anything still in flight under the old one; only when the epoch runs out is a new producer id
   * fetched. Batches sent before (handed back through `fail`) must not be sent again: they may be written
   * already, and would not be deduplicated under the new epoch. Returns true when a new id is needed.
   */
  bumpEpoch(states: Iterable<PartitionState>, fail: (s: PartitionState, b: ProducerBatch) => void): boolean {
    const renew = this.epoch >= MAX_EPOCH || this.producerId < 0n;
    if (renew) this.producerId = -1n;
    else this.epoch++;
    for (const st of states) {
      st.nextSequence = 0;
      st.retrying = false;
      st.acked = false;
      for (let i = st.queue.length - 1; i >= 0; i--) {
        const q = st.queue[i];
        if (q.encoded === undefined) continue;
        st.queue.splice(i, 1);
        fail(st, q);
      }
    }
    return renew;
  }
}
