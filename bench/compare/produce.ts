// Produce benchmark: this client on Node, Deno and Bun, KafkaJS and @platformatic/kafka, against the same
// broker in one run. Prints records/s, MB/s and our ratio to each peer per case.
//
//   node bench/compare/produce.ts [--quick] [--cases 1024:-1:5:none,100:1:0:gzip]
//
// Starts the local broker when KAFKA_BOOTSTRAP is unset.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchBroker } from "./broker.ts";
// Installs the runtime's default socket adapter, as mod.ts does.
import "../../src/transport/runtime.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { createTopic, deleteTopic } from "../../tests/helpers/topics.ts";
import type { ProduceCase, ProduceResult } from "./workload.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = `${root}node_modules/.bin/`;
const args = process.argv.slice(2);

const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
function allCases(quick: boolean): ProduceCase[] {
  const out: ProduceCase[] = [];
  for (const valueBytes of quick ? [1024] : [1024, 100]) {
    for (const acks of quick ? [-1] as const : [-1, 1] as const) {
      for (const lingerMs of quick ? [5] : [0, 5]) {
        for (const compression of quick ? ["none", "lz4"] as const : CODECS) {
          out.push({ valueBytes, acks, lingerMs, compression });
        }
      }
    }
  }
  return out;
}
const casesArg = args.indexOf("--cases");
const cases: ProduceCase[] = casesArg >= 0
  ? args[casesArg + 1].split(",").map((s) => {
    const [v, a, l, c] = s.split(":");
    return {
      valueBytes: Number(v),
      acks: Number(a) as -1 | 1,
      lingerMs: Number(l),
      compression: c as ProduceCase["compression"],
    };
  })
  : allCases(args.includes("--quick"));

const drivers: { name: string; cmd: string; args: string[] }[] = [
  { name: "node", cmd: `${bin}node`, args: ["bench/compare/ours-produce.ts"] },
  { name: "deno", cmd: `${bin}deno`, args: ["run", "-A", "bench/compare/ours-produce.ts"] },
  { name: "bun", cmd: `${bin}bun`, args: ["bench/compare/ours-produce.ts"] },
  { name: "kafkajs", cmd: `${bin}node`, args: ["bench/compare/kafkajs-produce.mjs"] },
  { name: "platformatic", cmd: `${bin}node`, args: ["bench/compare/platformatic-produce.mjs"] },
];

const broker = benchBroker();
const bootstrap = broker.bootstrap;
const cluster = new Cluster({ bootstrapServers: bootstrap });

type Row = { c: ProduceCase; results: Map<string, ProduceResult | { unsupported: string }> };
const rows: Row[] = [];
try {
  for (const c of cases) {
    const row: Row = { c, results: new Map() };
    rows.push(row);
    for (const d of drivers) {
      const topic = `bench-produce-${d.name}-${Date.now()}`;
      await createTopic(cluster, topic, 3);
      const r = spawnSync(d.cmd, [
        ...d.args,
        bootstrap,
        topic,
        String(c.valueBytes),
        String(c.acks),
        String(c.lingerMs),
        c.compression,
      ], {
        cwd: root,
        encoding: "utf8",
        timeout: 300_000,
      });
      await deleteTopic(cluster, topic);
      const line = r.stdout.trim().split("\n").pop() ?? "";
      try {
        row.results.set(d.name, JSON.parse(line));
      } catch {
        row.results.set(d.name, {
          unsupported: `failed: ${(r.stderr || line).trim().split("\n").pop()?.slice(0, 80)}`,
        });
      }
      const got = row.results.get(d.name)!;
      const text = "unsupported" in got
        ? got.unsupported
        : `${Math.round(got.records / got.seconds).toLocaleString("en-US")} rec/s`;
      console.error(`${label(c)} ${d.name}: ${text}`);
    }
  }
} finally {
  await cluster.close();
  broker.stop();
}

function label(c: ProduceCase): string {
  return `${c.valueBytes} B, acks=${
    c.acks === -1 ? "all" : c.acks
  }, linger ${c.lingerMs} ms, ${c.compression}`;
}

// The table: one line per case and client; ratios of our Node run to each peer.
console.log("| case | client | records/s | MB/s | vs KafkaJS | vs @platformatic/kafka |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const row of rows) {
  const rate = (name: string) => {
    const r = row.results.get(name);
    return r && !("unsupported" in r) ? r.records / r.seconds : undefined;
  };
  for (const d of drivers) {
    const r = row.results.get(d.name)!;
    if ("unsupported" in r) {
      console.log(`| ${label(row.c)} | ${d.name} | n/a (${r.unsupported}) | | | |`);
      continue;
    }
    const recs = r.records / r.seconds;
    const ratio = (peer: string) => {
      const p = rate(peer);
      return p && ["node", "deno", "bun"].includes(d.name) ? `${(recs / p).toFixed(2)}×` : "";
    };
    console.log(
      `| ${label(row.c)} | ${d.name} | ${Math.round(recs).toLocaleString("en-US")} | ${
        (r.bytes / r.seconds / 1e6).toFixed(1)
      } | ${ratio("kafkajs")} | ${ratio("platformatic")} |`,
    );
  }
}
