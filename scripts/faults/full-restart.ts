// Reproduces a full cluster restart while an idempotent acks=all producer writes: every node is stopped
// and started again a few seconds in, and the run reports what became of each record.
// Usage (with a 3-node cluster and its run folder):
//   KAFKA_RUN_DIR=<run dir> KAFKA_CLUSTER_BOOTSTRAP=<bootstrap> node scripts/faults/full-restart.ts \
//     [--records 200000] [--rate 5000] [--delivery-timeout 120000]
// (also `deno run -A` and `bun`).
import process from "node:process";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { clusterBootstrap, restartAll } from "../../tests/helpers/cluster.ts";
import { produceAtRate, RunTracker } from "../../tests/helpers/fault-run.ts";
import { createTopic, deleteTopic } from "../../tests/helpers/topics.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { numberArg } from "../../tests/helpers/args.ts";

const total = numberArg("records", 200_000);
const rate = numberArg("rate", 5_000);
const deliveryTimeoutMs = numberArg("delivery-timeout", 120_000);
const restartAt = numberArg("restart-at", 3_000);

const bootstrapServers = clusterBootstrap();
const admin = new Cluster({ bootstrapServers });
const topic = `full-restart-${detectRuntime()}-${Date.now()}`;
await createTopic(admin, topic, 6, 3, [{ name: "min.insync.replicas", value: "2" }]);
await admin.close();

const started = performance.now();
const t = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const producer = new Producer({ bootstrapServers, lingerMs: 5, deliveryTimeoutMs });
const tracker = new RunTracker(deliveryTimeoutMs, 5);
let restart: Promise<void> | undefined;
const timer = setTimeout(() => {
  console.log(`${t()}: stopping every node`);
  restart = restartAll().then(
    () => console.log(`${t()}: every node is back`),
    (e) => console.error(`${t()}: the restart failed: ${(e as Error).message}`),
  );
}, restartAt);
const ticker = setInterval(() => {
  console.log(
    `${t()}: sent ${tracker.sent}, acked ${tracker.acked}, failed ${JSON.stringify(tracker.failed)}`,
  );
}, 5_000);
await produceAtRate({
  producer,
  tracker,
  topic,
  total,
  perSecond: rate,
  settleMs: deliveryTimeoutMs + 30_000,
});
clearTimeout(timer);
await restart;
clearInterval(ticker);
console.log(`${t()}: settled; metrics ${JSON.stringify(producer.metrics())}`);
await producer.close();
const reader = new Cluster({ bootstrapServers });
const counts = await tracker.verify(reader, topic, 6, 120_000);
await deleteTopic(reader, topic).catch(() => {});
await reader.close();
console.log(`${detectRuntime()}: ${JSON.stringify(counts)}`);
process.exit(counts.lost + counts.dup + counts.hung + counts.early > 0 ? 1 : 0);
