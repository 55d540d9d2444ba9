/** SASL OAUTHBEARER (RFC 7628) as Kafka uses it (KIP-255, KIP-342): a bearer token and extensions. */
import {
  type OAuthBearerProvider,
  type OAuthBearerToken,
  SaslError,
  type SaslSession,
  text,
  utf8,
} from "./mechanism.ts";

const SEP = "\x01";
// RFC 6750 b64token; RFC 7628 section 3.1 key and value.
const TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const KEY = /^[A-Za-z]+$/;
const VALUE = /^[\x21-\x7E \t\r\n]*$/;

/**
 * The client's initial response: `n,,` SEP `auth=Bearer <token>` SEP (`key=value` SEP)* SEP.
 * Throws `SaslError` for a token or extension that the grammar does not allow.
 */
export function oauthBearerInitialResponse(token: OAuthBearerToken): Uint8Array {
  if (typeof token.value !== "string" || !TOKEN.test(token.value)) {
    throw new SaslError("OAUTHBEARER: the token is empty or has characters a bearer token may not contain");
  }
  let msg = `n,,${SEP}auth=Bearer ${token.value}${SEP}`;
  for (const [key, value] of Object.entries(token.extensions ?? {})) {
    if (!KEY.test(key) || key === "auth") {
      throw new SaslError(
        `OAUTHBEARER: extension name ${JSON.stringify(key)} is not allowed (letters only, not "auth")`,
      );
    }
    if (typeof value !== "string" || !VALUE.test(value)) {
      throw new SaslError(`OAUTHBEARER: extension ${key} has a value with characters that are not allowed`);
    }
    msg += `${key}=${value}${SEP}`;
  }
  return utf8(msg + SEP);
}

/**
 * An OAUTHBEARER exchange. On a bad token the broker answers with a JSON error as a challenge; RFC 7628
 * has the client acknowledge it with a lone SEP, after which the broker fails the exchange.
 */
export function oauthBearerSession(provider: OAuthBearerProvider): SaslSession {
  let acknowledged = false;
  let serverError = "";
  return {
    mechanism: "OAUTHBEARER",
    async first() {
      const got = await provider();
      const token = typeof got === "string" ? { value: got } : got;
      if (typeof token !== "object" || token === null) {
        throw new SaslError("OAUTHBEARER: oauthBearerProvider returned neither a token nor a string");
      }
      return oauthBearerInitialResponse(token);
    },
    next(challenge) {
      if (challenge.length === 0) return Promise.resolve(null);
      if (acknowledged) {
        return Promise.reject(new SaslError(`OAUTHBEARER: the broker refused the token: ${serverError}`));
      }
      acknowledged = true;
      serverError = text(challenge, "OAUTHBEARER");
      return Promise.resolve(utf8(SEP));
    },
  };
}
