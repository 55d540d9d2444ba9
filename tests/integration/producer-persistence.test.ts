// Every outcome of a record names whether it is in the log: on the error (`persisted`), in the delivery
// report and in metrics(). A record refused by the broker or never sent is not persisted; one whose
// request went out and got no answer is possibly persisted (and here it is in the log).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { DeliveryTimeoutError } from "../../src/producer/errors.ts";
import type { PersistenceStatus } from "../../src/producer/types.ts";
import { KafkaError } from "../../src/protocol/errors.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { apiKeyOf, wrapSockets } from "../helpers/reset-adapter.ts";
import { createTopic, readPartition, suiteTopics } from "../helpers/topics.ts";

/**
 * A real socket whose answers stop for good once the client has written a Produce request on any
 * connection: the broker gets (and writes) the batch, the client never hears back.
 */
function silenceAfterProduce(): SocketAdapter {
  let silent = false;
  return wrapSockets((socket) => {
    const reader = socket.readable.getReader();
    return {
      readable: new ReadableStream<Uint8Array>({
        async pull(c) {
          const { value, done } = await reader.read();
          if (done) return c.close();
          if (!silent) c.enqueue(value);
        },
      }),
      write(bytes) {
        // Key 0 is Produce.
        if (apiKeyOf(bytes) === 0) silent = true;
        return socket.write(bytes);
      },
    };
  });
}

describe("persistence status of delivered and failed records", () => {
  const suite = suiteTopics();

  it("marks acknowledged records persisted and broker refusals not persisted", async () => {
    const topic = uniqueTopic("persisted");
    suite.track(topic);
    await createTopic(suite.cluster, topic, 1, 1, [{ name: "max.message.bytes", value: "2000" }]);
    const reports: PersistenceStatus[] = [];
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      lingerMs: 0,
      onDelivery: (_e, _md, record) => reports.push(record.persisted),
    });
    await Promise.all([0, 1, 2].map((i) => producer.send({ topic, value: `ok-${i}` })));
    const refused = await producer.send({ topic, value: "x".repeat(5000) }).then(
      () => assert.fail("a record over max.message.bytes is refused"),
      (e: Error & { persisted?: string }) => e,
    );
    assert.equal(refused.persisted, "not_persisted");
    assert.ok(refused instanceof KafkaError, `refused with ${refused.name}`);
    assert.deepEqual(reports, ["persisted", "persisted", "persisted", "not_persisted"]);
    assert.deepEqual(producer.metrics().deliveries, {
      persisted: 3,
      possibly_persisted: 0,
      not_persisted: 1,
    });
    await producer.close();
    assert.equal((await readPartition(suite.cluster, topic, 0, -1)).length, 3);
  });

  it("marks a record that never reached a batch not persisted", async () => {
    const reports: PersistenceStatus[] = [];
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      allowAutoTopicCreation: false,
      maxBlockMs: 500,
      onDelivery: (_e, _md, record) => reports.push(record.persisted),
    });
    const e = await producer.send({ topic: uniqueTopic("absent"), value: "v" }).then(
      () => assert.fail("a topic that does not exist is not written"),
      (e: Error & { persisted?: string }) => e,
    );
    assert.equal(e.persisted, "not_persisted");
    assert.ok(e instanceof DeliveryTimeoutError, `failed with ${e.name}`);
    assert.deepEqual(reports, ["not_persisted"]);
    assert.deepEqual(producer.metrics().deliveries, {
      persisted: 0,
      possibly_persisted: 0,
      not_persisted: 1,
    });
    await producer.close();
  });

  it("marks a record whose answer never came possibly persisted, and it is in the log", async () => {
    const topic = uniqueTopic("possibly");
    suite.track(topic);
    await createTopic(suite.cluster, topic, 1, 1);
    const reports: PersistenceStatus[] = [];
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      adapter: silenceAfterProduce(),
      lingerMs: 0,
      requestTimeoutMs: 500,
      deliveryTimeoutMs: 7_000,
      connectTimeoutMs: 1_000,
      onDelivery: (_e, _md, record) => reports.push(record.persisted),
    });
    const e = await producer.send({ topic, value: "maybe" }).then(
      () => assert.fail("no answer ever comes"),
      (e: Error & { persisted?: string }) => e,
    );
    assert.equal(e.persisted, "possibly_persisted");
    assert.ok(e instanceof DeliveryTimeoutError, `failed with ${e.name}: ${e.message}`);
    assert.deepEqual(reports, ["possibly_persisted"]);
    assert.deepEqual(producer.metrics().deliveries, {
      persisted: 0,
      possibly_persisted: 1,
      not_persisted: 0,
    });
    await producer.close();
    const log = await readPartition(suite.cluster, topic, 0, -1);
    assert.deepEqual(log.map((r) => new TextDecoder().decode(r.value!)), ["maybe"]);
  });
});
