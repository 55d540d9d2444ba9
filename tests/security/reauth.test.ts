// KIP-368: on a listener with 5 s sessions the client re-authenticates on the same connection, and
// requests in flight or sent meanwhile all succeed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import type { SaslOptions } from "../../src/client/sasl/mechanism.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic, readPartition } from "../helpers/topics.ts";
import { saslFor, secureBootstrap, unsecuredJwt, USER } from "../helpers/security.ts";

const SESSION_MS = 5_000; // connections.max.reauth.ms of the broker script's REAUTH listener
const RUN_MS = 2 * SESSION_MS + 1_500;

async function keepBusy(sasl: SaslOptions): Promise<void> {
  const bootstrapServers = secureBootstrap("KAFKA_REAUTH_BOOTSTRAP");
  const cluster = new Cluster({ bootstrapServers, sasl });
  const topic = uniqueTopic(`reauth-${sasl.mechanism.toLowerCase()}`);
  try {
    await createTopic(cluster, topic, 1);
    const info = await cluster.topic(topic);
    const conn = await cluster.broker(info.partitions[0].leader);
    const producer = new Producer({ bootstrapServers, sasl, lingerMs: 5 });
    let sent = 0;
    const started = performance.now();
    try {
      // Long-polling fetches keep a request in flight while the session is renewed; produce and
      // metadata requests go out all the time.
      while (performance.now() - started < RUN_MS) {
        await Promise.all([
          conn.send(Fetch, {
            maxWaitMs: 300,
            minBytes: 1024 * 1024,
            maxBytes: 1024 * 1024,
            isolationLevel: 0,
            topics: [{
              topic,
              topicId: info.topicId,
              partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 * 1024 }],
            }],
          }),
          conn.send(Metadata, {
            topics: [],
            allowAutoTopicCreation: false,
            includeTopicAuthorizedOperations: false,
          }),
          producer.send({ topic, partition: 0, value: `r${sent++}` }),
        ]);
      }
    } finally {
      await producer.close();
    }
    assert.equal(conn.isClosed, false, "the connection survived its sessions");
    assert.ok(
      conn.authentications >= 3,
      `expected at least 2 re-authentications in ${RUN_MS} ms, got ${conn.authentications - 1}`,
    );
    const back = await readPartition(cluster, topic, 0, sent);
    assert.equal(back.length, sent);
  } finally {
    await deleteTopic(cluster, topic).catch(() => {});
    await cluster.close();
  }
}

describe("re-authentication (KIP-368)", () => {
  it("SCRAM-SHA-256 and OAUTHBEARER sessions are renewed on the same connection", async () => {
    let tokens = 0;
    await Promise.all([
      keepBusy(saslFor("SCRAM-SHA-256")),
      keepBusy({
        mechanism: "OAUTHBEARER",
        oauthBearerProvider: () => {
          tokens++;
          return unsecuredJwt(USER);
        },
      }),
    ]);
    // The provider is asked again for every re-authentication (two connections: cluster and producer).
    assert.ok(tokens >= 5, `the token provider was called ${tokens} times`);
  });
});
