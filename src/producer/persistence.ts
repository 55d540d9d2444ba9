/**
 * What a record's outcome says about the log, as librdkafka reports it: written for sure, maybe written
 * (a request went out and its answer never came), or certainly not written.
 */
import { ERR } from "../protocol/errors.ts";
import type { PersistenceStatus } from "./types.ts";

/**
 * Produce errors a broker can answer after it appended the batch to the leader's log: a write waiting for
 * its replicas that timed out, was not replicated enough, or outlived the leader's leadership. The batch
 * may stay in the log, so a record that fails after one of these is possibly persisted.
 */
const AFTER_APPEND: ReadonlySet<number> = new Set([
  ERR.REQUEST_TIMED_OUT,
  ERR.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  ERR.NOT_LEADER_OR_FOLLOWER,
]);

/** Whether a Produce answer's error code leaves open that the batch was written. */
export function mayFollowAppend(code: number): boolean {
  return AFTER_APPEND.has(code);
}

/** A failed record's error, carrying whether the record may be in the log all the same. */
export type DeliveryError = Error & { readonly persisted: PersistenceStatus };

/**
 * Returns `err` with `persisted` set to `status`. An error already marked with another status (one error
 * object failing several batches) is copied, so that each batch's records carry their own status.
 */
export function withPersistence(err: Error, status: PersistenceStatus): DeliveryError {
  const marked = err as Error & { persisted?: PersistenceStatus };
  if (marked.persisted === status) return marked as DeliveryError;
  const target: Error = marked.persisted === undefined ? err : copyError(err);
  Object.defineProperty(target, "persisted", { value: status, enumerable: true, configurable: true });
  return target as DeliveryError;
}

function copyError(err: Error): Error {
  const copy = Object.create(Object.getPrototypeOf(err)) as Error;
  for (const key of Object.getOwnPropertyNames(err)) {
    if (key === "persisted") continue;
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(err, key)!);
  }
  return copy;
}
