/** SASL PLAIN (RFC 4616): one message with the user and password, so use it over TLS only. */
import { SaslError, type SaslSession, utf8 } from "./mechanism.ts";

/** The PLAIN message: `authzid NUL authcid NUL passwd`, UTF-8. Kafka leaves authzid empty. */
export function plainMessage(username: string, password: string, authorizationId = ""): Uint8Array {
  if (username.includes("\0") || password.includes("\0") || authorizationId.includes("\0")) {
    throw new SaslError("PLAIN: username, password and authorization id must not contain NUL");
  }
  return utf8(`${authorizationId}\0${username}\0${password}`);
}

/** A PLAIN exchange: the one message, then done (the broker answers with an error code or nothing). */
export function plainSession(username: string, password: string): SaslSession {
  return {
    mechanism: "PLAIN",
    first: () => Promise.resolve(plainMessage(username, password)),
    next: () => Promise.resolve(null),
  };
}
