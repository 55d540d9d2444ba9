/**
 * The base class of every error this client raises, at the bottom of the layers so that each one (transport,
 * codecs, protocol, clients) can extend it.
 */

/**
 * An error raised by this client: a broker's error code (`KafkaError`) or one of the client's own
 * (connection, timeout, delivery, bad data). `retriable` says whether the same call may succeed if made
 * again; the client already retried retriable errors within its timeouts before raising one.
 *
 * @example
 * ```ts
 * try {
 *   await producer.send(record);
 * } catch (e) {
 *   if (e instanceof KafkaClientError && e.retriable) queueForLater(record);
 *   else throw e;
 * }
 * ```
 */
export class KafkaClientError extends Error {
  /** Whether making the same call again may succeed. */
  readonly retriable: boolean = false;
}
