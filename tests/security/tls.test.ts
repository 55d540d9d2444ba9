// TLS against the secured broker: mutual TLS, the verification name, and named errors for bad certificates.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { TlsError } from "../../src/transport/socket.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic, readPartition } from "../helpers/topics.ts";
import { countingAdapter, pem, saslFor, secureBootstrap } from "../helpers/security.ts";

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects, expecting a `TlsError` after one connection attempt and well within the connect timeout.
 * `fromRuntime`: the runtime's own error is the cause (not so when the adapter refuses an option).
 */
async function expectTlsError(
  o: Omit<ConstructorParameters<typeof Cluster>[0], "adapter">,
  fromRuntime = true,
): Promise<TlsError> {
  const adapter = await countingAdapter();
  const cluster = new Cluster({ ...o, adapter, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  const started = performance.now();
  try {
    const err = await cluster.refreshMetadata([]).then(() => undefined, (e) => e);
    assert.ok(err instanceof TlsError, `expected TlsError, got ${err}`);
    assert.equal(err.name, "TlsError");
    assert.equal(err.retriable, false);
    if (fromRuntime) assert.ok(err.cause, "the runtime's own error is the cause");
    assert.equal(adapter.attempts, 1, "a TLS failure is not retried");
    assert.ok(performance.now() - started < CONNECT_TIMEOUT_MS, "failed within the connect timeout");
    return err;
  } finally {
    await cluster.close();
  }
}

describe("TLS", () => {
  it("mutual TLS: produces 200 records and reads them back", async () => {
    const bootstrapServers = secureBootstrap("KAFKA_SSL_BOOTSTRAP");
    const tls = { ca: pem("ca.pem"), cert: pem("client.pem"), key: pem("client.key") };
    const cluster = new Cluster({ bootstrapServers, tls });
    const topic = uniqueTopic("mtls");
    try {
      await createTopic(cluster, topic, 1);
      const producer = new Producer({ bootstrapServers, tls, lingerMs: 5 });
      try {
        await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic, value: `m${i}` })));
      } finally {
        await producer.close();
      }
      const back = await readPartition(cluster, topic, 0, 200);
      assert.deepEqual(
        back.map((r) => new TextDecoder().decode(r.value!)),
        Array.from({ length: 200 }, (_, i) => `m${i}`),
      );
    } finally {
      await deleteTopic(cluster, topic).catch(() => {});
      await cluster.close();
    }
  });

  it("verifies the certificate against serverName instead of the host", async () => {
    const cluster = new Cluster({
      bootstrapServers: secureBootstrap("KAFKA_SASL_SSL_BOOTSTRAP"),
      tls: { ca: pem("ca.pem"), serverName: "localhost" },
      sasl: saslFor("PLAIN"),
    });
    try {
      await cluster.refreshMetadata([]);
    } finally {
      await cluster.close();
    }
    const err = await expectTlsError({
      bootstrapServers: secureBootstrap("KAFKA_SASL_SSL_BOOTSTRAP"),
      tls: { ca: pem("ca.pem"), serverName: "kafka.example.com" },
      sasl: saslFor("PLAIN"),
    });
    assert.match(err.message, /example\.com|name|altname/i);
  });

  it("a server certificate from an untrusted CA fails with TlsError", async () => {
    await expectTlsError({
      bootstrapServers: secureBootstrap("KAFKA_SASL_SSL_BOOTSTRAP"),
      tls: { ca: pem("other-ca.pem") },
      sasl: saslFor("PLAIN"),
    });
  });

  it("the runtime's default trust store does not trust the test CA", async () => {
    await expectTlsError({
      bootstrapServers: secureBootstrap("KAFKA_SASL_SSL_BOOTSTRAP"),
      tls: {},
      sasl: saslFor("PLAIN"),
    });
  });

  it("a client certificate the broker does not trust fails with TlsError", async () => {
    await expectTlsError({
      bootstrapServers: secureBootstrap("KAFKA_SSL_BOOTSTRAP"),
      tls: { ca: pem("ca.pem"), cert: pem("other-client.pem"), key: pem("other-client.key") },
    });
  });

  it("no client certificate where one is required fails with TlsError", async () => {
    await expectTlsError({
      bootstrapServers: secureBootstrap("KAFKA_SSL_BOOTSTRAP"),
      tls: { ca: pem("ca.pem") },
    });
  });

  it("rejectUnauthorized: false skips verification (Node, Bun) or is refused by name (Deno)", async () => {
    const o = {
      bootstrapServers: secureBootstrap("KAFKA_SASL_SSL_BOOTSTRAP"),
      tls: { ca: pem("other-ca.pem"), rejectUnauthorized: false },
      sasl: saslFor("PLAIN"),
    };
    if (detectRuntime() === "deno") {
      const err = await expectTlsError(o, false);
      assert.match(err.message, /rejectUnauthorized/);
      return;
    }
    const cluster = new Cluster(o);
    try {
      await cluster.refreshMetadata([]);
    } finally {
      await cluster.close();
    }
  });
});
