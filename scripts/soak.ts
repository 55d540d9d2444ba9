// A soak: an idempotent acks=all producer at a steady rate and a consumer reading along, on a 3-node cluster,
// with a fault every few minutes (a partition leader killed with SIGKILL and restarted, the active controller
// stopped and started, every node restarted, in turn). Prints RSS over time and the counts at the end:
// acknowledged, failed by persistence status, LOST, DUP, HUNG, early failures, and what the consumer read.
// It stops by itself after --minutes.
// Usage (with a 3-node cluster and its run folder):
//   KAFKA_RUN_DIR=<run dir> KAFKA_CLUSTER_BOOTSTRAP=<bootstrap> node scripts/soak.ts \
//     [--minutes 30] [--rate 1000] [--fault-every 180]      (also `deno run -A`, `bun`)
import process from "node:process";
import "../mod.ts";
import { Cluster } from "../src/client/cluster.ts";
import { Consumer } from "../src/consumer/consumer.ts";
import { Producer } from "../src/producer/producer.ts";
import { detectRuntime } from "../src/transport/runtime.ts";
import {
  activeController,
  clusterBootstrap,
  killNode,
  restartAll,
  startNode,
  stopNode,
} from "../tests/helpers/cluster.ts";
import { produceAtRate, RunTracker } from "../tests/helpers/fault-run.ts";
import { createTopic, deleteTopic } from "../tests/helpers/topics.ts";
import { numberArg } from "../tests/helpers/args.ts";

const minutes = numberArg("minutes", 30);
const rate = numberArg("rate", 1000);
const faultEverySec = numberArg("fault-every", 180);
const deliveryTimeoutMs = 120_000;
const PARTITIONS = 6;

const bootstrapServers = clusterBootstrap();
const admin = new Cluster({ bootstrapServers });
const topic = `soak-${detectRuntime()}-${Date.now()}`;
await createTopic(admin, topic, PARTITIONS, 3, [{ name: "min.insync.replicas", value: "2" }]);

const started = performance.now();
const t = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const producer = new Producer({ bootstrapServers, lingerMs: 5, deliveryTimeoutMs });
const tracker = new RunTracker(deliveryTimeoutMs, 5);

// The consumer reads along, counting each value it sees.
const consumer = new Consumer({ bootstrapServers, autoOffsetReset: "earliest" });
consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
// One byte per record (how often it was read), so that the soak measures the client's memory, not its own.
let seen = new Uint8Array(1 << 16);
let distinct = 0;
let readTwice = 0;
let consuming = true;
const reading = (async () => {
  const dec = new TextDecoder();
  while (consuming) {
    for (const r of await consumer.poll(500)) {
      const i = Number(dec.decode(r.value!));
      if (i >= seen.length) {
        const grown = new Uint8Array(Math.max(i + 1, seen.length * 2));
        grown.set(seen);
        seen = grown;
      }
      if (seen[i]++ === 0) distinct++;
      else readTwice++;
    }
  }
})();

const faults: [string, () => Promise<void>][] = [
  ["SIGKILL of partition 0's leader, restarted after 5 s", async () => {
    admin.invalidate(topic);
    const leader = (await admin.topic(topic)).partitions[0].leader;
    await killNode(leader);
    await new Promise((r) => setTimeout(r, 5_000));
    await startNode(leader);
  }],
  ["graceful stop of the active controller, started again", async () => {
    const id = await activeController(admin);
    await stopNode(id);
    await startNode(id);
  }],
  ["every node stopped and started again", () => restartAll()],
];
let faultNo = 0;
let faulting: Promise<void> = Promise.resolve();
const faultTimer = setInterval(() => {
  const [name, run] = faults[faultNo++ % faults.length];
  console.log(`${t()}: fault: ${name}`);
  faulting = faulting.then(run).then(() => console.log(`${t()}: fault over`), (e) => console.error(e));
}, faultEverySec * 1000);
const rss: number[] = [];
const memTimer = setInterval(() => {
  const r = process.memoryUsage().rss;
  rss.push(r);
  console.log(`${t()}: rss ${mb(r)}, sent ${tracker.sent}, acked ${tracker.acked}, read ${distinct}`);
}, 15_000);

await produceAtRate({
  producer,
  tracker,
  topic,
  total: Math.round(minutes * 60 * rate),
  perSecond: rate,
  settleMs: deliveryTimeoutMs + 30_000,
});
clearInterval(faultTimer);
await faulting;
await producer.close();
// Let the consumer catch up with everything written, then stop it.
const catchUp = performance.now() + 60_000;
while (distinct < tracker.acked && performance.now() < catchUp) await new Promise((r) => setTimeout(r, 500));
consuming = false;
await reading;
await consumer.close();
clearInterval(memTimer);

admin.invalidate(topic);
const counts = await tracker.verify(admin, topic, PARTITIONS, 300_000);
await deleteTopic(admin, topic).catch(() => {});
await admin.close();
console.log(`${detectRuntime()}: ${minutes} min at ${rate}/s, ${faultNo} faults: ${JSON.stringify(counts)}`);
console.log(`consumer: read ${distinct} distinct, ${readTwice} again`);
console.log(
  `rss: first ${mb(rss[0] ?? 0)}, max ${mb(Math.max(...rss))}, last ${mb(rss[rss.length - 1] ?? 0)} ` +
    `(${rss.length} samples, every 15 s)`,
);
const bad = counts.lost + counts.dup + counts.hung + counts.early +
  (counts.failedButWritten.not_persisted ?? 0);
process.exit(bad > 0 ? 1 : 0);
