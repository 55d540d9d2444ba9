/** SASL settings, the shape of one SASL exchange, and the client-side SASL error. */

import { KafkaClientError } from "../../errors.ts";

/** The SASL mechanisms this client speaks, spelled as in Kafka's `sasl.mechanism`. */
export type SaslMechanismName = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512" | "OAUTHBEARER";

/** A bearer token for OAUTHBEARER, with optional SASL extensions (RFC 7628 section 3.1). */
export interface OAuthBearerToken {
  /** The token itself, e.g. a JWT. Sent as `auth=Bearer <value>`. */
  value: string;
  /** Extra key/value pairs sent with the token (Kafka's `SaslExtensions`), e.g. `{ logicalCluster: "lkc-1" }`. */
  extensions?: Readonly<Record<string, string>>;
}

/**
 * Returns the token to authenticate with. Called for every authentication and re-authentication, so it
 * should hand out a fresh token when the old one is close to expiry (cache it yourself).
 */
export type OAuthBearerProvider = () => OAuthBearerToken | string | Promise<OAuthBearerToken | string>;

/** Username and password, for PLAIN and SCRAM. */
export interface SaslPasswordOptions {
  /** `"PLAIN"` (RFC 4616) or `"SCRAM-SHA-256"` / `"SCRAM-SHA-512"` (RFC 5802, RFC 7677). */
  mechanism: "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
  /** The user (Java's `username` in `sasl.jaas.config`, librdkafka's `sasl.username`). */
  username: string;
  /** The password (librdkafka's `sasl.password`). */
  password: string;
}

/** A token provider, for OAUTHBEARER. */
export interface SaslOAuthBearerOptions {
  /** `"OAUTHBEARER"` (RFC 7628, KIP-255). */
  mechanism: "OAUTHBEARER";
  /** Supplies the token (librdkafka's token refresh callback, kafka-python's `sasl_oauth_token_provider`). */
  oauthBearerProvider: OAuthBearerProvider;
}

/**
 * SASL authentication for every broker connection. Over TLS when `tls` is also set (SASL_SSL),
 * otherwise over plaintext (SASL_PLAINTEXT).
 *
 * @example
 * ```ts
 * const cluster = new Cluster({
 *   bootstrapServers: "broker:9094",
 *   tls: { ca: caPem },
 *   sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: "secret" },
 * });
 * ```
 */
export type SaslOptions = SaslPasswordOptions | SaslOAuthBearerOptions;

/** One SASL exchange from the client's side: its first message, then an answer to each challenge. */
export interface SaslSession {
  /** The mechanism's name as sent in SaslHandshake. */
  readonly mechanism: SaslMechanismName;
  /** The client's first message. */
  first(): Promise<Uint8Array>;
  /**
   * The answer to the server's `challenge`, or `null` when the exchange is complete (after checking
   * the server's last message where the mechanism calls for it). Throws `SaslError` when the server's
   * message is wrong.
   */
  next(challenge: Uint8Array): Promise<Uint8Array | null>;
}

/**
 * The SASL exchange failed on the client's side: bad settings, or a server message that does not check
 * out (a SCRAM server signature that does not match, a nonce the client did not start). Not retriable.
 * Failures the broker reports arrive as `KafkaError` (`SASL_AUTHENTICATION_FAILED`,
 * `UNSUPPORTED_SASL_MECHANISM`, `ILLEGAL_SASL_STATE`).
 */
export class SaslError extends KafkaClientError {
  /** Always `"SaslError"`. */
  override name = "SaslError";
  /** Retrying with the same settings fails the same way. */
  override readonly retriable = false;
}

const MECHANISMS: readonly SaslMechanismName[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"];

/**
 * Checks SASL options at construction time, naming the bad field. The mechanism may be given in any
 * case (`"scram-sha-256"` too); the returned copy spells it as Kafka does.
 */
export function checkSaslOptions(o: SaslOptions): SaslOptions {
  if (typeof o !== "object" || o === null) throw new TypeError("sasl: expected an object");
  const mechanism = typeof o.mechanism === "string" ? o.mechanism.toUpperCase() as SaslMechanismName : "";
  if (!MECHANISMS.includes(mechanism as SaslMechanismName)) {
    throw new TypeError(
      `sasl.mechanism: expected one of ${MECHANISMS.join(", ")}, got ${JSON.stringify(o.mechanism)}`,
    );
  }
  if (mechanism === "OAUTHBEARER") {
    const p = (o as SaslOAuthBearerOptions).oauthBearerProvider;
    if (typeof p !== "function") throw new TypeError("sasl.oauthBearerProvider: expected a function");
    return { mechanism, oauthBearerProvider: p };
  }
  const { username, password } = o as SaslPasswordOptions;
  if (typeof username !== "string" || username === "") {
    throw new TypeError("sasl.username: expected a non-empty string");
  }
  if (typeof password !== "string") throw new TypeError("sasl.password: expected a string");
  return { mechanism: mechanism as SaslPasswordOptions["mechanism"], username, password };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** A server message as text; a message that is not UTF-8 is a `SaslError`. */
export function text(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new SaslError(`${what}: the server's message is not UTF-8`);
  }
}
