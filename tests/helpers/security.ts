// Where the secured broker (scripts/kafka start --security) listens, its test certificates and credentials.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SaslOptions } from "../../src/client/sasl/mechanism.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";
import { defaultAdapter } from "../../src/transport/runtime.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

/** One of the secured broker's addresses. A test without its broker fails; it never skips. */
export function secureBootstrap(
  name:
    | "KAFKA_SASL_PLAINTEXT_BOOTSTRAP"
    | "KAFKA_SASL_SSL_BOOTSTRAP"
    | "KAFKA_SSL_BOOTSTRAP"
    | "KAFKA_REAUTH_BOOTSTRAP",
): string {
  const b = env[name];
  assert.ok(b, `${name} is not set: run the suite with \`npm test\`, which starts the secured broker`);
  return b;
}

/** A PEM file of the broker's test certificates (ca.pem, client.pem, client.key, other-ca.pem, ...). */
export function pem(file: string): string {
  const dir = env.KAFKA_SECURITY_DIR;
  assert.ok(
    dir,
    "KAFKA_SECURITY_DIR is not set: run the suite with `npm test`, which starts the secured broker",
  );
  return readFileSync(join(dir, file), "utf8");
}

/** The test user that the broker script sets up for PLAIN and both SCRAM mechanisms. */
export const USER = "alice";
/** Its password. */
export const PASSWORD = "alice-secret";

function b64url(s: string): string {
  return btoa(s).replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_");
}

/** An unsecured JWT (alg "none") for `sub`, which the broker's unsecured validator accepts. */
export function unsecuredJwt(sub: string, lifetimeS = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return `${b64url(JSON.stringify({ alg: "none" }))}.${
    b64url(JSON.stringify({ sub, iat: now, exp: now + lifetimeS }))
  }.`;
}

/** SASL options for `mechanism` with the test user (a JWT for it with OAUTHBEARER). */
export function saslFor(mechanism: SaslOptions["mechanism"]): SaslOptions {
  return mechanism === "OAUTHBEARER"
    ? { mechanism, oauthBearerProvider: () => ({ value: unsecuredJwt(USER), extensions: { traceId: "t1" } }) }
    : { mechanism, username: USER, password: PASSWORD };
}

/** The runtime's adapter, counting connection attempts (to show that a failure is not retried). */
export async function countingAdapter(): Promise<SocketAdapter & { attempts: number }> {
  const inner = await defaultAdapter();
  const a = {
    attempts: 0,
    connect(o: Parameters<SocketAdapter["connect"]>[0]) {
      a.attempts++;
      return inner.connect(o);
    },
  };
  return a;
}
