// Transactional produce next to idempotent produce: this client on Node, Deno and Bun committing every
// 1,000 and every 10,000 records, and the Java client's ProducerPerformance with --transactional-id and
// --transaction-duration-ms set to the time those counts took our Node run (it commits on time, not on
// count). 1 KiB values, acks=all, linger 5 ms, no compression, against one broker in one run.
//
//   node bench/compare/transactions.ts
//
// Starts the local broker when KAFKA_BOOTSTRAP is unset.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchBroker } from "./broker.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { createTopic, deleteTopic } from "../../tests/helpers/topics.ts";
import { type ProduceResult, recordCount } from "./workload.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = `${root}node_modules/.bin/`;
const VALUE_BYTES = 1024;
const MODES = [0, 1_000, 10_000];
const runtimes = [
  { name: "node", cmd: `${bin}node`, args: ["bench/compare/ours-transactions.ts"] },
  { name: "deno", cmd: `${bin}deno`, args: ["run", "-A", "bench/compare/ours-transactions.ts"] },
  { name: "bun", cmd: `${bin}bun`, args: ["bench/compare/ours-transactions.ts"] },
];

const broker = benchBroker();
const cluster = new Cluster({ bootstrapServers: broker.bootstrap });
const results: ProduceResult[] = [];

async function once(
  name: string,
  cmd: string,
  argv: (topic: string) => string[],
  parse: (out: string) => ProduceResult,
) {
  const topic = `bench-txn-${name.replace(/\W+/g, "-")}-${Date.now()}`;
  await createTopic(cluster, topic, 3);
  const r = spawnSync(cmd, argv(topic), { cwd: root, encoding: "utf8", timeout: 300_000 });
  await deleteTopic(cluster, topic);
  try {
    const res = parse(r.stdout);
    results.push(res);
    console.error(`${res.client}: ${Math.round(res.records / res.seconds).toLocaleString("en-US")} rec/s`);
  } catch {
    console.error(`${name}: failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`);
  }
}

try {
  for (const rt of runtimes) {
    for (const every of MODES) {
      await once(
        `${rt.name}-${every}`,
        rt.cmd,
        (t) => [...rt.args, broker.bootstrap, t, String(VALUE_BYTES), String(every)],
        (out) => JSON.parse(out.trim().split("\n").pop()!),
      );
    }
  }
  // The Java client: idempotent, then transactions as long as our Node run took per 1,000 and 10,000.
  const total = recordCount(VALUE_BYTES);
  const nodeRate = (every: number) => {
    const r = results.find((x) => x.client === `kafka-ts (node) commit every ${every}`);
    return r ? r.records / r.seconds : 50_000;
  };
  for (const every of MODES) {
    const durationMs = every === 0 ? 0 : Math.max(1, Math.round((every / nodeRate(every)) * 1000));
    await once(`java-${every}`, `${root}scripts/kafka`, (t) => [
      "run-class",
      "org.apache.kafka.tools.ProducerPerformance",
      "--topic",
      t,
      "--num-records",
      String(total),
      "--record-size",
      String(VALUE_BYTES),
      "--throughput",
      "-1",
      "--producer-props",
      `bootstrap.servers=${broker.bootstrap}`,
      "acks=all",
      "linger.ms=5",
      "batch.size=262144",
      ...(every === 0
        ? []
        : ["--transactional-id", `bench-java-${t}`, "--transaction-duration-ms", String(durationMs)]),
    ], (out) => {
      const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out.trim().split("\n").pop() ?? "");
      if (!m) throw new Error("no summary line");
      const records = Number(m[1]);
      return {
        client: `Java ProducerPerformance ${
          every === 0 ? "idempotent" : `transaction every ${durationMs} ms (~${every})`
        }`,
        records,
        bytes: records * VALUE_BYTES,
        seconds: records / Number(m[2]),
      };
    });
  }
} finally {
  await cluster.close();
  broker.stop();
}

console.log("| client | records/s | MB/s |");
console.log("| --- | --- | --- |");
for (const r of results) {
  console.log(
    `| ${r.client} | ${Math.round(r.records / r.seconds).toLocaleString("en-US")} | ${
      (r.bytes / r.seconds / 1e6).toFixed(1)
    } |`,
  );
}
