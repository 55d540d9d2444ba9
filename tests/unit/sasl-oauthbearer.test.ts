// SASL OAUTHBEARER client messages (RFC 7628 section 3.1) and the error round trip.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { oauthBearerInitialResponse, oauthBearerSession } from "../../src/client/sasl/oauthbearer.ts";
import { SaslError } from "../../src/client/sasl/mechanism.ts";

const dec = (b: Uint8Array | null) => new TextDecoder().decode(b!);

describe("SASL OAUTHBEARER", () => {
  it("encodes the token as the initial client response", () => {
    assert.equal(
      dec(oauthBearerInitialResponse({ value: "abc.def.ghi" })),
      "n,,\x01auth=Bearer abc.def.ghi\x01\x01",
    );
  });

  it("adds extensions as key=value pairs", () => {
    const msg = dec(
      oauthBearerInitialResponse({ value: "t0k", extensions: { traceId: "42", logicalCluster: "lkc 1" } }),
    );
    assert.equal(msg, "n,,\x01auth=Bearer t0k\x01traceId=42\x01logicalCluster=lkc 1\x01\x01");
  });

  it("refuses bad tokens and extension names", () => {
    assert.throws(() => oauthBearerInitialResponse({ value: "" }), SaslError);
    assert.throws(() => oauthBearerInitialResponse({ value: "a b" }), SaslError);
    assert.throws(() => oauthBearerInitialResponse({ value: "t", extensions: { auth: "x" } }), /auth/);
    assert.throws(() => oauthBearerInitialResponse({ value: "t", extensions: { "a-b": "x" } }), SaslError);
    assert.throws(() => oauthBearerInitialResponse({ value: "t", extensions: { a: "\x01" } }), SaslError);
  });

  it("asks the provider each time, and accepts a plain string", async () => {
    let calls = 0;
    const s = oauthBearerSession(() => `tok${++calls}`);
    assert.equal(dec(await s.first()), "n,,\x01auth=Bearer tok1\x01\x01");
    const s2 = oauthBearerSession(() => Promise.resolve({ value: `tok${++calls}` }));
    assert.equal(dec(await s2.first()), "n,,\x01auth=Bearer tok2\x01\x01");
  });

  it("acknowledges a server error with a lone separator, then fails", async () => {
    const s = oauthBearerSession(() => "t");
    await s.first();
    const error = new TextEncoder().encode('{"status":"invalid_token"}');
    assert.equal(dec(await s.next(error)), "\x01");
    await assert.rejects(s.next(error), /invalid_token/);
  });

  it("is done when the server answers with nothing", async () => {
    const s = oauthBearerSession(() => "t");
    await s.first();
    assert.equal(await s.next(new Uint8Array(0)), null);
  });
});
