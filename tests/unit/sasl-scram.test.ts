// SCRAM against RFC 7677's SCRAM-SHA-256 test vector, and the checks a client must make of the server.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ScramClient, scramNonce, scramSaslName } from "../../src/client/sasl/scram.ts";
import { SaslError } from "../../src/client/sasl/mechanism.ts";

// RFC 7677 section 3.
const NONCE = "rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," +
  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

describe("SCRAM-SHA-256 (RFC 7677 test vector)", () => {
  it("builds the client-first message", () => {
    assert.equal(new ScramClient("SHA-256", "user", "pencil", NONCE).clientFirst(), `n,,n=user,r=${NONCE}`);
  });

  it("computes the client proof and accepts the server signature", async () => {
    const c = new ScramClient("SHA-256", "user", "pencil", NONCE);
    c.clientFirst();
    assert.equal(await c.clientFinal(SERVER_FIRST), CLIENT_FINAL);
    await c.verifyServerFinal(SERVER_FINAL);
  });

  it("rejects a wrong server signature", async () => {
    const c = new ScramClient("SHA-256", "user", "wrong", NONCE);
    c.clientFirst();
    await c.clientFinal(SERVER_FIRST);
    await assert.rejects(c.verifyServerFinal(SERVER_FINAL), SaslError);
  });

  it("rejects a server nonce that does not extend the client's", async () => {
    const c = new ScramClient("SHA-256", "user", "pencil", "other-nonce");
    c.clientFirst();
    await assert.rejects(c.clientFinal(SERVER_FIRST), /nonce/);
  });

  it("rejects too few or too many iterations, and missing attributes", async () => {
    for (const bad of [SERVER_FIRST.replace("i=4096", "i=1"), SERVER_FIRST.replace("i=4096", "i=99999999")]) {
      const c = new ScramClient("SHA-256", "user", "pencil", NONCE);
      c.clientFirst();
      await assert.rejects(c.clientFinal(bad), /iterations/);
    }
    const c = new ScramClient("SHA-256", "user", "pencil", NONCE);
    c.clientFirst();
    await assert.rejects(c.clientFinal(`r=${NONCE}x`), SaslError);
  });

  it("reports a server error (e=...)", async () => {
    const c = new ScramClient("SHA-256", "user", "pencil", NONCE);
    c.clientFirst();
    await c.clientFinal(SERVER_FIRST);
    await assert.rejects(c.verifyServerFinal("e=invalid-proof"), /invalid-proof/);
  });
});

describe("SCRAM helpers", () => {
  it("escapes = and , in user names", () => {
    assert.equal(scramSaslName("a=b,c"), "a=3Db=2Cc");
  });

  it("makes fresh printable nonces without commas", () => {
    const a = scramNonce();
    assert.match(a, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(a, scramNonce());
  });

  it("SHA-512 gives a 64-byte proof", async () => {
    const c = new ScramClient("SHA-512", "user", "pencil", NONCE);
    c.clientFirst();
    const final = await c.clientFinal(SERVER_FIRST);
    const proof = final.slice(final.indexOf(",p=") + 3);
    assert.equal(atob(proof).length, 64);
  });
});
