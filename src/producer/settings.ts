/** The producer's settings after defaults are applied: what the sender and the other parts read. */
import { compressionTypeFromName } from "../codec/compression.ts";
import type { ProducerOptions } from "./types.ts";

/** Resolved producer settings. */
export interface ProducerSettings {
  acks: 0 | 1 | -1;
  lingerMs: number;
  batchSize: number;
  maxBlockMs: number;
  maxInFlight: number;
  deliveryTimeoutMs: number;
  requestTimeoutMs: number;
  maxRequestSize: number;
  bufferMemory: number;
  compression: number;
  idempotent: boolean;
  /** Set for a transactional producer. */
  transactionalId: string | undefined;
  transactionTimeoutMs: number;
  allowAutoTopicCreation: boolean;
}

function positiveInt(o: Record<string, unknown>, field: string, dflt: number, min = 0): number {
  const v = o[field];
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${String(v)}`);
  }
  return v;
}

/** Applies the Java client's defaults; throws an error naming the option when one is out of range. */
export function resolveSettings<K, V>(options: ProducerOptions<K, V>): ProducerSettings {
  const o = options as unknown as Record<string, unknown>;
  const acks = options.acks ?? "all";
  if (acks !== 0 && acks !== 1 && acks !== -1 && acks !== "all") {
    throw new RangeError(`acks must be 0, 1, -1 or "all", got ${String(acks)}`);
  }
  const maxInFlight = positiveInt(o, "maxInFlightRequestsPerConnection", 5, 1);
  const transactionalId = options.transactionalId;
  if (transactionalId !== undefined && options.idempotent === false) {
    throw new RangeError(
      "a transactional producer is idempotent: drop idempotent: false to use transactionalId",
    );
  }
  // As in the Java client: on by default, quietly off when other settings conflict, an error when
  // asked for explicitly with them.
  const idempotent = options.idempotent ??
    (transactionalId !== undefined || (acks !== 0 && acks !== 1 && maxInFlight <= 5));
  if (transactionalId !== undefined && (acks === 0 || acks === 1)) {
    throw new RangeError(`a transactional producer needs acks "all", got acks ${acks}`);
  }
  if (idempotent && (acks === 0 || acks === 1)) {
    throw new RangeError(`idempotent producers need acks "all"; set idempotent: false to use acks ${acks}`);
  }
  if (idempotent && maxInFlight > 5) {
    throw new RangeError("maxInFlightRequestsPerConnection must be at most 5 for an idempotent producer");
  }
  return {
    acks: acks === "all" ? -1 : acks,
    lingerMs: positiveInt(o, "lingerMs", 5),
    batchSize: positiveInt(o, "batchSize", 16384, 1),
    maxBlockMs: positiveInt(o, "maxBlockMs", 60_000),
    maxInFlight,
    deliveryTimeoutMs: positiveInt(o, "deliveryTimeoutMs", 120_000, 1),
    requestTimeoutMs: positiveInt(o, "requestTimeoutMs", 30_000, 1),
    maxRequestSize: positiveInt(o, "maxRequestSize", 1024 * 1024, 1),
    bufferMemory: positiveInt(o, "bufferMemory", 32 * 1024 * 1024, 1),
    compression: compressionTypeFromName(options.compression ?? "none"),
    idempotent,
    transactionalId,
    transactionTimeoutMs: positiveInt(o, "transactionTimeoutMs", 60_000, 1),
    allowAutoTopicCreation: options.allowAutoTopicCreation ?? true,
  };
}
