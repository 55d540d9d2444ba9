/** Errors raised by connections and the cluster layer (the broker's own codes live in protocol/errors.ts). */

/** A request got no answer within its timeout. The connection it was on is closed, as the Java client does. */
export class RequestTimeoutError extends Error {
  override name = "RequestTimeoutError";
  readonly retriable = true;
}

/** The broker does not speak any version of an API that this client speaks. */
export class UnsupportedVersionError extends Error {
  override name = "UnsupportedVersionError";
  readonly retriable = false;
}
