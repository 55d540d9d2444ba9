// An idempotent acks=all producer through real faults on a 3-node cluster (6 partitions, replication 3,
// min.insync.replicas 2): a partition leader killed with SIGKILL and restarted, the active controller
// stopped, and every node stopped and started again. Every figure is a count: each record is acknowledged
// or failed (with its persistence status), nothing acknowledged is missing (LOST), nothing is written twice
// (DUP), every send settles (HUNG), and no record fails while it has delivery time left.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import {
  activeController,
  clusterBootstrap,
  killNode,
  restartAll,
  startNode,
  stopNode,
} from "../helpers/cluster.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { produceThroughFault, type RunCounts, RunTracker } from "../helpers/fault-run.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const RECORDS = 20_000;
const RATE = 4_000;
const PARTITIONS = 6;
const DELIVERY_TIMEOUT_MS = 45_000;

/** The counts every scenario must meet; `failed` may be non-zero only where the scenario says so. */
function assertClean(name: string, c: RunCounts): void {
  console.log(`${detectRuntime()} ${name}: ${JSON.stringify(c)}`);
  const failed = Object.values(c.failed).reduce((a, b) => a + b, 0);
  assert.equal(c.acked + failed + c.hung, c.sent, "every record counted once");
  assert.equal(c.hung, 0, "HUNG: sends that never settled");
  assert.equal(c.lost, 0, "LOST: acknowledged records absent from the log");
  assert.equal(c.dup, 0, "DUP: records written more than once");
  assert.equal(c.early, 0, "records failed with delivery time left");
  assert.equal(c.failedButWritten.not_persisted ?? 0, 0, "records reported not persisted but in the log");
  assert.equal(c.acked, c.sent, `every record acknowledged; failures ${JSON.stringify(c.failedBy)}`);
  assert.equal(c.read, c.sent, "the log holds each record once");
}

describe("producer under node faults (3 nodes)", () => {
  let cluster: Cluster;
  const topics: string[] = [];

  before(() => {
    cluster = new Cluster({ bootstrapServers: clusterBootstrap() });
  });
  after(async () => {
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  async function run(name: string, fault: (topic: string) => Promise<void>): Promise<RunCounts> {
    const topic = uniqueTopic(name);
    topics.push(topic);
    await createTopic(cluster, topic, PARTITIONS, 3, [{ name: "min.insync.replicas", value: "2" }]);
    const producer = new Producer({
      bootstrapServers: clusterBootstrap(),
      lingerMs: 5,
      deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
      requestTimeoutMs: 10_000,
    });
    const tracker = new RunTracker(DELIVERY_TIMEOUT_MS, 5);
    await produceThroughFault({
      producer,
      tracker,
      topic,
      total: RECORDS,
      perSecond: RATE,
      settleMs: DELIVERY_TIMEOUT_MS + 15_000,
      fault: () => fault(topic),
    });
    const m = producer.metrics();
    assert.equal(m.deliveries.persisted, tracker.acked, "metrics count the acknowledged records");
    cluster.invalidate(topic);
    return tracker.verify(cluster, topic, PARTITIONS);
  }

  it("a partition leader killed with SIGKILL, then restarted", async () => {
    let victim = -1;
    const c = await run("kill-leader", async (topic) => {
      victim = (cluster.cachedTopic(topic) ?? await cluster.topic(topic)).partitions[0].leader;
      await killNode(victim);
      await new Promise((r) => setTimeout(r, 2_000));
      await startNode(victim);
    });
    assert.ok(victim > 0, "a leader was killed");
    assertClean("leader SIGKILL", c);
  });

  it("the active controller stopped, then started again", async () => {
    let victim = -1;
    const c = await run("stop-controller", async () => {
      victim = await activeController(cluster);
      await stopNode(victim);
      await startNode(victim);
    });
    assert.ok(victim > 0, "the controller was stopped");
    assertClean("controller stop", c);
  });

  it("every node stopped and started again", async () => {
    const c = await run("full-restart", () => restartAll());
    assertClean("full restart", c);
  });
});
