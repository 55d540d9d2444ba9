// Wrong credentials fail fast with a named, non-retriable error and are never retried in a loop.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { KafkaError } from "../../src/protocol/errors.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Producer } from "../../src/producer/producer.ts";
import type { SaslOptions } from "../../src/client/sasl/mechanism.ts";
import { countingAdapter, pem, secureBootstrap, unsecuredJwt, USER } from "../helpers/security.ts";

const CONNECT_TIMEOUT_MS = 5_000;

async function expectAuthFailure(sasl: SaslOptions, ssl = false): Promise<KafkaError> {
  const adapter = await countingAdapter();
  const cluster = new Cluster({
    bootstrapServers: secureBootstrap(ssl ? "KAFKA_SASL_SSL_BOOTSTRAP" : "KAFKA_SASL_PLAINTEXT_BOOTSTRAP"),
    tls: ssl ? { ca: pem("ca.pem") } : undefined,
    sasl,
    adapter,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  });
  const started = performance.now();
  try {
    const err = await cluster.refreshMetadata([]).then(() => undefined, (e) => e);
    assert.ok(err instanceof KafkaError, `expected KafkaError, got ${err}`);
    assert.equal(err.name, "SASL_AUTHENTICATION_FAILED");
    assert.equal(err.code, 58);
    assert.equal(err.retriable, false);
    assert.equal(adapter.attempts, 1, "an authentication failure is not retried");
    assert.ok(performance.now() - started < CONNECT_TIMEOUT_MS, "failed within the connect timeout");
    // The same through Cluster.send, which retries retriable errors only: one more attempt, not six.
    const again = await cluster.send("any", Metadata, {
      topics: [],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    }).then(() => undefined, (e) => e);
    assert.ok(again instanceof KafkaError && again.code === 58, `expected code 58, got ${again}`);
    assert.equal(adapter.attempts, 2);
    return err;
  } finally {
    await cluster.close();
  }
}

describe("authentication failures", () => {
  for (const mechanism of ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const) {
    it(`${mechanism}: a wrong password is SASL_AUTHENTICATION_FAILED`, async () => {
      await expectAuthFailure({ mechanism, username: USER, password: "wrong" });
    });
    it(`${mechanism}: an unknown user is SASL_AUTHENTICATION_FAILED`, async () => {
      await expectAuthFailure({ mechanism, username: "mallory", password: "whatever" });
    });
  }

  it("SCRAM-SHA-512 over SASL_SSL: a wrong password is SASL_AUTHENTICATION_FAILED", async () => {
    await expectAuthFailure({ mechanism: "SCRAM-SHA-512", username: USER, password: "wrong" }, true);
  });

  it("OAUTHBEARER: an invalid token is SASL_AUTHENTICATION_FAILED with the broker's reason", async () => {
    const err = await expectAuthFailure({ mechanism: "OAUTHBEARER", oauthBearerProvider: () => "not-a-jwt" });
    assert.match(err.message, /invalid_token/);
  });

  it("OAUTHBEARER: an expired token is SASL_AUTHENTICATION_FAILED", async () => {
    await expectAuthFailure({ mechanism: "OAUTHBEARER", oauthBearerProvider: () => unsecuredJwt(USER, -60) });
  });

  it("a producer with a wrong password fails its sends with the named error", async () => {
    const producer = new Producer({
      bootstrapServers: secureBootstrap("KAFKA_SASL_PLAINTEXT_BOOTSTRAP"),
      sasl: { mechanism: "SCRAM-SHA-256", username: USER, password: "wrong" },
      deliveryTimeoutMs: 10_000,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    });
    const started = performance.now();
    try {
      const err = await producer.send({ topic: "never-created", value: "x" }).then(() => undefined, (e) => e);
      assert.ok(err instanceof Error, "the send failed");
      assert.equal(err.name, "SASL_AUTHENTICATION_FAILED");
      assert.ok(performance.now() - started < CONNECT_TIMEOUT_MS, "failed within the connect timeout");
    } finally {
      await producer.close().catch(() => {});
    }
  });
});
