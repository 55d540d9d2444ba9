// Stopping a partition leader while an idempotent acks=all producer writes: every acknowledged record is
// there exactly once, and every other send fails with a named error.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { clusterBootstrap, startNode, stopNode } from "../helpers/cluster.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic, readPartition } from "../helpers/topics.ts";

describe("producer during a leader change (3 nodes)", () => {
  let cluster: Cluster;
  let topic: string;

  before(async () => {
    cluster = new Cluster({ bootstrapServers: clusterBootstrap() });
    topic = uniqueTopic("failover");
    await createTopic(cluster, topic, 2, 3, [{ name: "min.insync.replicas", value: "2" }]);
  });
  after(async () => {
    await deleteTopic(cluster, topic).catch(() => {});
    await cluster.close();
  });

  it("keeps every acknowledged record exactly once", async () => {
    const producer = new Producer({
      bootstrapServers: clusterBootstrap(),
      lingerMs: 2,
      deliveryTimeoutMs: 60_000,
      requestTimeoutMs: 10_000,
    });
    const leader = (await cluster.topic(topic)).partitions[0].leader;
    const total = 20_000;
    const acked = new Set<number>();
    const failures = new Map<string, number>();
    const sends: Promise<void>[] = [];
    let stopped: Promise<string> | undefined;
    for (let i = 0; i < total; i++) {
      sends.push(
        producer.send({ topic, partition: i % 2, key: String(i), value: String(i) }).then(
          () => void acked.add(i),
          (e: Error) => void failures.set(e.name, (failures.get(e.name) ?? 0) + 1),
        ),
      );
      // Take the leader away a quarter of the way in, while records are in flight.
      if (i === total / 4) {
        await Promise.all(sends.slice(0, i / 2));
        stopped = stopNode(leader);
      }
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    let metrics;
    try {
      await stopped;
      await Promise.all(sends);
      metrics = producer.metrics();
      await producer.close();
    } finally {
      await startNode(leader);
    }
    cluster.invalidate(topic);
    const after = (await cluster.topic(topic)).partitions[0].leader;
    assert.notEqual(after, leader, "partition 0 moved to another leader");
    assert.ok(metrics.retries > 0, "the producer retried through the leader change");

    for (const name of failures.keys()) {
      assert.match(name, /^[A-Z][A-Za-z]+Error$|^[A-Z_]+$/, `failures carry a named error: ${name}`);
    }
    assert.ok(
      acked.size > total / 2,
      `${acked.size} of ${total} acknowledged; failures ${JSON.stringify([...failures])}`,
    );
    const counts = new Map<number, number>();
    for (const partition of [0, 1]) {
      // Everything up to the high watermark: the acknowledged records and any written but not acknowledged.
      const records = await readPartition(cluster, topic, partition, -1, 60_000);
      for (const r of records) {
        const i = Number(new TextDecoder().decode(r.value!));
        counts.set(i, (counts.get(i) ?? 0) + 1);
      }
    }
    const wrong = [...acked].filter((i) => counts.get(i) !== 1).map((i) => `${i}:${counts.get(i) ?? 0}`);
    assert.deepEqual(
      wrong,
      [],
      `acknowledged records not there exactly once (record:copies); failures ${
        JSON.stringify([...failures])
      }`,
    );
    for (const [i, n] of counts) assert.equal(n, 1, `record ${i} written ${n} times`);
  });
});
