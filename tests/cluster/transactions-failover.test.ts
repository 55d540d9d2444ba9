// Stopping the node of the transaction coordinator while a transactional producer commits transaction
// after transaction: the producer finds the new coordinator, and read_committed shows every committed
// transaction exactly once and nothing of an aborted one.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { TransactionStateError } from "../../src/producer/errors.ts";
import { FindCoordinator } from "../../src/protocol/messages/find-coordinator.ts";
import { clusterBootstrap, startNode, stopNode } from "../helpers/cluster.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";
import { readTopic, values } from "../helpers/transactions.ts";

const TRANSACTIONS = 20;
const PER_TRANSACTION = 300;

describe("transactional producer during a coordinator change (3 nodes)", () => {
  let cluster: Cluster;
  let topic: string;

  before(async () => {
    cluster = new Cluster({ bootstrapServers: clusterBootstrap() });
    topic = uniqueTopic("txn-failover");
    await createTopic(cluster, topic, 2, 3, [{ name: "min.insync.replicas", value: "2" }]);
  });
  after(async () => {
    await deleteTopic(cluster, topic).catch(() => {});
    await cluster.close();
  });

  it("commits each transaction exactly once or aborts it whole", async () => {
    const transactionalId = uniqueTopic("txn-failover-id");
    const producer = new Producer({
      bootstrapServers: clusterBootstrap(),
      transactionalId,
      lingerMs: 2,
      deliveryTimeoutMs: 60_000,
      requestTimeoutMs: 10_000,
    });
    await producer.initTransactions();
    const found = await cluster.send("any", FindCoordinator, {
      key: transactionalId,
      keyType: 1,
      coordinatorKeys: [transactionalId],
    });
    const coordinator = found.coordinators[0].nodeId;
    const committed: number[] = [];
    const aborted: number[] = [];
    let stopped: Promise<string> | undefined;
    try {
      for (let t = 0; t < TRANSACTIONS; t++) {
        producer.beginTransaction();
        const sends = [];
        for (let i = 0; i < PER_TRANSACTION; i++) {
          sends.push(producer.send({ topic, partition: i % 2, value: `${t}-${i}` }).catch(() => {}));
        }
        if (t === 5) stopped = stopNode(coordinator); // while this transaction's records are in flight
        await Promise.all(sends);
        try {
          await producer.commitTransaction();
          committed.push(t);
        } catch (e) {
          // A record that failed for good fails the transaction: abort it, as an application would.
          assert.ok(e instanceof TransactionStateError && e.abortable, `commit ${t}: ${e}`);
          await producer.abortTransaction();
          aborted.push(t);
        }
      }
      await stopped;
    } finally {
      await producer.close();
      await startNode(coordinator);
    }
    const moved = await cluster.send("any", FindCoordinator, {
      key: transactionalId,
      keyType: 1,
      coordinatorKeys: [transactionalId],
    });
    assert.notEqual(moved.coordinators[0].nodeId, coordinator, "the transaction coordinator moved");
    assert.ok(
      committed.length >= TRANSACTIONS / 2,
      `committed ${committed.length}, aborted ${aborted.length}`,
    );

    const counts = new Map<string, number>();
    for (const v of values(await readTopic(topic, 2, "read_committed", clusterBootstrap()))) {
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const t of committed) {
      for (let i = 0; i < PER_TRANSACTION; i++) {
        assert.equal(counts.get(`${t}-${i}`), 1, `record ${t}-${i} of committed transaction ${t}`);
      }
    }
    for (const t of aborted) {
      for (let i = 0; i < PER_TRANSACTION; i++) {
        assert.equal(counts.get(`${t}-${i}`), undefined, `record ${t}-${i} of aborted transaction ${t}`);
      }
    }
    assert.equal([...counts.values()].reduce((a, b) => a + b, 0), committed.length * PER_TRANSACTION);
  });
});
