/** Errors raised by connections and the cluster layer (the broker's own codes live in protocol/errors.ts). */

import { KafkaClientError } from "../errors.ts";

/** A request got no answer within its timeout. The connection it was on is closed, as the Java client does. */
export class RequestTimeoutError extends KafkaClientError {
  /** Always `"RequestTimeoutError"`. */
  override name = "RequestTimeoutError";
  /** A new connection may succeed. */
  override readonly retriable = true;
}

/**
 * A call did not finish within its time (`defaultApiTimeoutMs` of the admin client, or of the consumer for
 * its commits, committed offsets, positions and offset look-ups): it was retried until then. `cause`
 * holds the last error it met.
 *
 * @example
 * ```ts
 * await admin.listTopics().catch((e) => {
 *   if (e instanceof ApiTimeoutError) console.warn("cluster unreachable:", e.cause);
 * });
 * ```
 */
export class ApiTimeoutError extends KafkaClientError {
  /** Always `"ApiTimeoutError"`. */
  override name = "ApiTimeoutError";
  /** The cluster may answer a later call. */
  override readonly retriable = true;
}

/** The broker does not speak any version of an API that this client speaks. */
export class UnsupportedVersionError extends KafkaClientError {
  /** Always `"UnsupportedVersionError"`. */
  override name = "UnsupportedVersionError";
  /** Retrying the same broker will not help. */
  override readonly retriable = false;
}

/**
 * The client was closed: its requests stop, and are not retried.
 *
 * @example
 * ```ts
 * await producer.close();
 * await producer.send(record).catch((e) => e instanceof ClientClosedError); // or ProducerClosedError
 * ```
 */
export class ClientClosedError extends KafkaClientError {
  /** Always `"ClientClosedError"`. */
  override name = "ClientClosedError";
  /** The same client will never succeed again. */
  override readonly retriable = false;
}
