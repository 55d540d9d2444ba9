/**
 * SASL SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) with `crypto.subtle`: the password never
 * crosses the wire, and the client checks that the server knows it too (the server signature).
 */
import { SaslError, type SaslSession, text, utf8 } from "./mechanism.ts";

/** The hash behind a SCRAM mechanism. */
export type ScramHash = "SHA-256" | "SHA-512";

// Kafka's own bounds for SCRAM iterations (ScramMechanism): fewer is weak, more is a way to stall us.
const MIN_ITERATIONS = 4096;
const MAX_ITERATIONS = 16384;
// "n,," : no channel binding, no authorization id. Kafka uses no other.
const GS2_HEADER = "n,,";

/** Escapes a username for `n=` (RFC 5802 section 5.1): `=` as `=3D`, `,` as `=2C`. */
export function scramSaslName(username: string): string {
  return username.replaceAll("=", "=3D").replaceAll(",", "=2C");
}

/** A fresh client nonce: 24 random bytes, base64url (printable, no commas). */
export function scramNonce(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(24))).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * The client side of one SCRAM exchange, step by step. `nonce` is for tests with known vectors;
 * leave it out otherwise.
 *
 * @example
 * ```ts
 * const scram = new ScramClient("SHA-256", "user", "pencil");
 * const first = scram.clientFirst();             // n,,n=user,r=...
 * const final = await scram.clientFinal(serverFirst);
 * await scram.verifyServerFinal(serverFinal);   // throws SaslError on a wrong signature
 * ```
 */
export class ScramClient {
  readonly #hash: ScramHash;
  readonly #username: string;
  readonly #password: string;
  readonly #nonce: string;
  #clientFirstBare = "";
  #serverSignature: Uint8Array | undefined;

  /** Starts an exchange for `username`. */
  constructor(hash: ScramHash, username: string, password: string, nonce: string = scramNonce()) {
    this.#hash = hash;
    this.#username = username;
    this.#password = password;
    this.#nonce = nonce;
  }

  /** The client-first message: `n,,n=<user>,r=<nonce>`. */
  clientFirst(): string {
    this.#clientFirstBare = `n=${scramSaslName(this.#username)},r=${this.#nonce}`;
    return GS2_HEADER + this.#clientFirstBare;
  }

  /** The client-final message (with the proof) for the server-first message. */
  async clientFinal(serverFirst: string): Promise<string> {
    const attrs = parseAttributes(serverFirst);
    if (attrs.has("e")) throw new SaslError(`SCRAM: the server refused: ${attrs.get("e")}`);
    if (attrs.has("m")) {
      throw new SaslError("SCRAM: the server requires an extension this client does not know");
    }
    const nonce = attrs.get("r");
    const salt = attrs.get("s");
    const iterations = Number(attrs.get("i"));
    if (nonce === undefined || salt === undefined || !attrs.has("i")) {
      throw new SaslError("SCRAM: the server-first message lacks r, s or i");
    }
    if (!nonce.startsWith(this.#nonce) || nonce.length <= this.#nonce.length) {
      throw new SaslError("SCRAM: the server's nonce does not extend the client's");
    }
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new SaslError(
        `SCRAM: ${attrs.get("i")} iterations is outside ${MIN_ITERATIONS}-${MAX_ITERATIONS}`,
      );
    }
    let saltBytes: Uint8Array;
    try {
      saltBytes = fromBase64(salt);
    } catch {
      throw new SaslError("SCRAM: the salt is not base64");
    }
    const salted = await pbkdf2(this.#hash, utf8(this.#password), saltBytes, iterations);
    const clientKey = await hmac(this.#hash, salted, utf8("Client Key"));
    const storedKey = new Uint8Array(await crypto.subtle.digest(this.#hash, clientKey as BufferSource));
    const withoutProof = `c=${toBase64(utf8(GS2_HEADER))},r=${nonce}`;
    const authMessage = utf8(`${this.#clientFirstBare},${serverFirst},${withoutProof}`);
    const clientSignature = await hmac(this.#hash, storedKey, authMessage);
    const proof = clientKey.map((b, i) => b ^ clientSignature[i]);
    const serverKey = await hmac(this.#hash, salted, utf8("Server Key"));
    this.#serverSignature = await hmac(this.#hash, serverKey, authMessage);
    return `${withoutProof},p=${toBase64(proof)}`;
  }

  /** Checks the server-final message (`v=<signature>`); throws `SaslError` unless it matches. */
  verifyServerFinal(serverFinal: string): Promise<void> {
    const attrs = parseAttributes(serverFinal);
    if (attrs.has("e")) return Promise.reject(new SaslError(`SCRAM: the server refused: ${attrs.get("e")}`));
    const expected = this.#serverSignature;
    const v = attrs.get("v");
    if (!expected) return Promise.reject(new SaslError("SCRAM: server-final before client-final"));
    let got: Uint8Array;
    try {
      got = fromBase64(v ?? "");
    } catch {
      got = new Uint8Array(0);
    }
    // Not secret: the comparison need not be constant-time.
    if (got.length !== expected.length || got.some((b, i) => b !== expected[i])) {
      return Promise.reject(
        new SaslError("SCRAM: the server's signature does not match: it does not know the password"),
      );
    }
    return Promise.resolve();
  }
}

/** A SCRAM exchange as a {@link SaslSession}: client-first, client-final, then the server's signature. */
export function scramSession(
  mechanism: "SCRAM-SHA-256" | "SCRAM-SHA-512",
  username: string,
  password: string,
): SaslSession {
  const client = new ScramClient(mechanism === "SCRAM-SHA-256" ? "SHA-256" : "SHA-512", username, password);
  let step = 0;
  return {
    mechanism,
    first: () => Promise.resolve(utf8(client.clientFirst())),
    async next(challenge) {
      step++;
      if (step === 1) return utf8(await client.clientFinal(text(challenge, mechanism)));
      if (step === 2) {
        await client.verifyServerFinal(text(challenge, mechanism));
        return null;
      }
      throw new SaslError(`${mechanism}: the server sent more messages than the exchange has`);
    },
  };
}

function parseAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) {
      throw new SaslError(`SCRAM: malformed server message ${JSON.stringify(message.slice(0, 80))}`);
    }
    out.set(part[0], part.slice(2));
  }
  return out;
}

async function pbkdf2(hash: ScramHash, password: Uint8Array, salt: Uint8Array, iterations: number) {
  const key = await crypto.subtle.importKey("raw", password as BufferSource, "PBKDF2", false, ["deriveBits"]);
  const bits = hash === "SHA-256" ? 256 : 512;
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash, salt: salt as BufferSource, iterations },
      key,
      bits,
    ),
  );
}

async function hmac(hash: ScramHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key as BufferSource, { name: "HMAC", hash }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data as BufferSource));
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}
