// Delivery reports when the cluster cannot be reached, flush(timeoutMs) and its count of pending records,
// and topic auto-creation by the producer's metadata requests (the consumer's never create topics).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { DeliveryTimeoutError } from "../../src/producer/errors.ts";
import { KafkaError } from "../../src/protocol/errors.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { suiteTopics } from "../helpers/topics.ts";

/** A port nothing listens on: connections to it are refused at once. */
const CLOSED = "127.0.0.1:1";

describe("producer delivery reports, flush and auto-creation", () => {
  const suite = suiteTopics();

  for (const idempotent of [true, false]) {
    const waitingFor = idempotent ? "a producer id" : "metadata";
    it(`reports each record once when the cluster is unreachable (waiting for ${waitingFor})`, async () => {
      const reports: { error: Error | null; topic: string }[] = [];
      const producer = new Producer({
        bootstrapServers: CLOSED,
        idempotent,
        acks: idempotent ? "all" : 1,
        maxBlockMs: 1500,
        retryBackoffMs: 50,
        onDelivery: (error, _md, record) => reports.push({ error, topic: record.topic }),
      });
      const sends = [0, 1, 2].map((i) => producer.send({ topic: `unreachable-${i}`, value: `v${i}` }));
      // flush(timeoutMs) comes back early with the records still pending.
      assert.equal(await producer.flush(100), 3);
      const outcomes = await Promise.allSettled(sends);
      for (const o of outcomes) {
        assert.equal(o.status, "rejected");
        assert.ok((o as PromiseRejectedResult).reason instanceof DeliveryTimeoutError);
      }
      assert.equal(await producer.flush(), 0);
      // Exactly one report per record, each a failure; none comes later.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(reports.length, 3);
      assert.deepEqual(reports.map((r) => r.topic).sort(), [
        "unreachable-0",
        "unreachable-1",
        "unreachable-2",
      ]);
      assert.ok(reports.every((r) => r.error instanceof DeliveryTimeoutError));
      await producer.close();
    });
  }

  it("flush() resolves with 0 once everything is acknowledged, with or without a timeout", async () => {
    const topic = uniqueTopic("flush-count");
    suite.track(topic);
    let delivered = 0;
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      lingerMs: 1000,
      onDelivery: () => delivered++,
    });
    try {
      for (let i = 0; i < 200; i++) void producer.send({ topic, value: `v${i}` });
      assert.equal(await producer.flush(30_000), 0);
      assert.equal(delivered, 200);
      for (let i = 0; i < 50; i++) void producer.send({ topic, value: `w${i}` });
      assert.equal(await producer.flush(), 0);
      assert.equal(delivered, 250);
    } finally {
      await producer.close();
    }
  });

  it("creates a missing topic on first send (allowAutoTopicCreation, default true)", async () => {
    const topic = uniqueTopic("auto-created");
    suite.track(topic);
    const producer = new Producer({ bootstrapServers: bootstrap() });
    try {
      const md = await producer.send({ topic, value: "first" });
      assert.equal(md.topic, topic);
      assert.equal(md.offset, 0n);
    } finally {
      await producer.close();
    }
  });

  it("with allowAutoTopicCreation: false, a missing topic stays missing and the send fails", async () => {
    const topic = uniqueTopic("not-created");
    suite.track(topic);
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      allowAutoTopicCreation: false,
      maxBlockMs: 1500,
    });
    try {
      await assert.rejects(producer.send({ topic, value: "x" }), (e) => {
        return e instanceof DeliveryTimeoutError ||
          (e instanceof KafkaError && e.name === "UNKNOWN_TOPIC_OR_PARTITION");
      });
    } finally {
      await producer.close();
    }
    // A cluster of the consumer's or admin's kind asks without auto-creation: the topic is still unknown.
    const errors = await suite.cluster.refreshMetadata([topic]);
    assert.equal(errors.get(topic)?.name, "UNKNOWN_TOPIC_OR_PARTITION");
  });
});
