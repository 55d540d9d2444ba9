// Records written and read back through every SASL mechanism, over SASL_PLAINTEXT and SASL_SSL.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import type { SaslOptions } from "../../src/client/sasl/mechanism.ts";
import type { TlsOptions } from "../../src/transport/socket.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic, readPartition } from "../helpers/topics.ts";
import { pem, saslFor, secureBootstrap } from "../helpers/security.ts";

const MECHANISMS: SaslOptions["mechanism"][] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"];

for (const listener of ["SASL_PLAINTEXT", "SASL_SSL"] as const) {
  describe(`SASL over ${listener}`, () => {
    let tls: TlsOptions | undefined;
    let bootstrapServers: string;
    before(() => {
      bootstrapServers = secureBootstrap(`KAFKA_${listener}_BOOTSTRAP`);
      tls = listener === "SASL_SSL" ? { ca: pem("ca.pem") } : undefined;
    });

    for (const mechanism of MECHANISMS) {
      it(`${mechanism}: produces 500 records and reads them back`, async () => {
        const sasl = saslFor(mechanism);
        const cluster = new Cluster({ bootstrapServers, tls, sasl });
        const topic = uniqueTopic(`sasl-${listener}-${mechanism}`.toLowerCase());
        try {
          await createTopic(cluster, topic, 1);
          const conn = await cluster.any();
          assert.equal(conn.authentications, 1);
          const producer = new Producer({ bootstrapServers, tls, sasl, lingerMs: 5 });
          try {
            await Promise.all(
              Array.from({ length: 500 }, (_, i) => producer.send({ topic, key: `k${i}`, value: `v${i}` })),
            );
          } finally {
            await producer.close();
          }
          const back = await readPartition(cluster, topic, 0, 500);
          assert.equal(back.length, 500);
          const dec = new TextDecoder();
          back.forEach((r, i) => assert.equal(dec.decode(r.value!), `v${i}`));
          // The metadata answer lists the listener the client came in on.
          assert.equal(
            `${[...cluster.brokers.values()][0].host}:${[...cluster.brokers.values()][0].port}`,
            bootstrapServers,
          );
        } finally {
          await deleteTopic(cluster, topic).catch(() => {});
          await cluster.close();
        }
      });
    }
  });
}

describe("SASL options", () => {
  let cluster: Cluster | undefined;
  after(() => cluster?.close());

  it("accepts the mechanism in lower case, as KafkaJS users write it", async () => {
    cluster = new Cluster({
      bootstrapServers: secureBootstrap("KAFKA_SASL_PLAINTEXT_BOOTSTRAP"),
      sasl: { ...saslFor("SCRAM-SHA-512"), mechanism: "scram-sha-512" } as unknown as SaslOptions,
    });
    await cluster.refreshMetadata([]);
    assert.equal((await cluster.any()).authentications, 1);
  });

  it("fails at construction on a bad mechanism, naming the field", () => {
    assert.throws(
      () =>
        new Cluster({
          bootstrapServers: "127.0.0.1:1",
          sasl: { mechanism: "GSSAPI" } as unknown as SaslOptions,
        }),
      /sasl\.mechanism/,
    );
  });
});
