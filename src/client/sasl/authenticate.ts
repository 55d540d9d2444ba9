/**
 * The SASL exchange on a Kafka connection (KIP-43, KIP-152): SaslHandshake names the mechanism, then
 * SaslAuthenticate carries each SASL message. Used for the first authentication and for each
 * re-authentication (KIP-368) on the same connection.
 */
import { SaslHandshake } from "../../protocol/messages/sasl-handshake.ts";
import { SaslAuthenticate } from "../../protocol/messages/sasl-authenticate.ts";
import { KafkaError } from "../../protocol/errors.ts";
import type { ApiDescriptor } from "../../protocol/messages/api.ts";
import type { SaslOptions, SaslSession } from "./mechanism.ts";
import { plainSession } from "./plain.ts";
import { scramSession } from "./scram.ts";
import { oauthBearerSession } from "./oauthbearer.ts";

/** How the exchange sends its requests: straight onto the connection, ahead of any queued request. */
export type SaslSend = <Req, Res>(api: ApiDescriptor<Req, Res>, request: Req) => Promise<Res>;

/** The outcome of one authentication. */
export interface SaslResult {
  /** Milliseconds until the broker ends the session unless the client re-authenticates; 0 for never. */
  sessionLifetimeMs: number;
}

/** A new exchange for the configured mechanism (options already checked by `checkSaslOptions`). */
export function saslSession(o: SaslOptions): SaslSession {
  switch (o.mechanism) {
    case "PLAIN":
      return plainSession(o.username, o.password);
    case "SCRAM-SHA-256":
    case "SCRAM-SHA-512":
      return scramSession(o.mechanism, o.username, o.password);
    case "OAUTHBEARER":
      return oauthBearerSession(o.oauthBearerProvider);
  }
}

const MAX_ROUNDS = 8; // no mechanism here needs more than three; a broker that goes on is broken

/** Runs SaslHandshake and the SaslAuthenticate rounds; broker errors are thrown as `KafkaError`. */
export async function authenticate(send: SaslSend, o: SaslOptions): Promise<SaslResult> {
  const session = saslSession(o);
  const hs = await send(SaslHandshake, { mechanism: session.mechanism });
  if (hs.errorCode !== 0) {
    throw new KafkaError(hs.errorCode, {
      api: "SaslHandshake",
      brokerMessage: `asked for ${session.mechanism}; the broker offers ${
        hs.mechanisms.join(", ") || "none"
      }`,
    });
  }
  let message: Uint8Array | null = await session.first();
  for (let round = 0; message !== null && round < MAX_ROUNDS; round++) {
    const res = await send(SaslAuthenticate, { authBytes: message });
    if (res.errorCode !== 0) {
      throw new KafkaError(res.errorCode, { api: "SaslAuthenticate", brokerMessage: res.errorMessage });
    }
    message = await session.next(res.authBytes);
    if (message === null) return { sessionLifetimeMs: Number(res.sessionLifetimeMs) };
  }
  throw new KafkaError(34, { api: "SaslAuthenticate", brokerMessage: "the exchange did not end" });
}
