// SASL PLAIN message bytes and option checks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { plainMessage, plainSession } from "../../src/client/sasl/plain.ts";
import { checkSaslOptions, SaslError, type SaslOptions } from "../../src/client/sasl/mechanism.ts";

describe("SASL PLAIN", () => {
  it("encodes authzid NUL user NUL password as UTF-8", () => {
    assert.deepEqual(plainMessage("alice", "pw"), new TextEncoder().encode("\0alice\0pw"));
    assert.deepEqual(plainMessage("zoë", "ß", "admin"), new TextEncoder().encode("admin\0zoë\0ß"));
  });

  it("refuses NUL inside the fields", () => {
    assert.throws(() => plainMessage("a\0b", "pw"), SaslError);
  });

  it("is one message, then done", async () => {
    const s = plainSession("alice", "pw");
    assert.equal(s.mechanism, "PLAIN");
    assert.deepEqual(await s.first(), new TextEncoder().encode("\0alice\0pw"));
    assert.equal(await s.next(new Uint8Array(0)), null);
  });
});

describe("SASL options", () => {
  it("accepts the mechanism in any case and spells it as Kafka does", () => {
    const o = checkSaslOptions(
      { mechanism: "scram-sha-512", username: "u", password: "p" } as unknown as SaslOptions,
    );
    assert.equal(o.mechanism, "SCRAM-SHA-512");
  });

  it("names the bad field", () => {
    assert.throws(
      () => checkSaslOptions({ mechanism: "GSSAPI" } as unknown as SaslOptions),
      /sasl\.mechanism/,
    );
    assert.throws(
      () => checkSaslOptions({ mechanism: "PLAIN", password: "p" } as unknown as SaslOptions),
      /sasl\.username/,
    );
    assert.throws(
      () => checkSaslOptions({ mechanism: "PLAIN", username: "u" } as unknown as SaslOptions),
      /sasl\.password/,
    );
    assert.throws(
      () => checkSaslOptions({ mechanism: "OAUTHBEARER" } as unknown as SaslOptions),
      /sasl\.oauthBearerProvider/,
    );
  });
});
