// Produce benchmark, every peer against the same broker in one run:
// - one call per record (`send()`, `produce()`) on Node, Deno and Bun against the Java client's
//   ProducerPerformance, librdkafka (confluent-kafka) and kcat, 1 KiB and 100 B, acks=all; the latency
//   case (linger 0, 1,000 records/s: p50/p99) and the memory case (1,000,000 sends, 32 MiB buffer: peak RSS);
// - `sendBatch` of 1,000 records on Node, Deno and Bun against KafkaJS and @platformatic/kafka.
// Prints records/s, MB/s and our ratio to each peer per case.
//
//   node bench/compare/produce.ts [--quick] [--runs 3] [--per-record-only | --batch-only]
//                                 [--cases 1024:-1:5:none,100:1:0:gzip]
//
// --quick: one run of each per-record case, and only the 1 KiB acks=all sendBatch cases. Without it each
// per-record case runs --runs times (default 3), interleaved, and the median counts.

// Starts the local broker when KAFKA_BOOTSTRAP is unset.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchBroker } from "./broker.ts";
// Installs the runtime's default socket adapter, as mod.ts does.
import "../../src/transport/runtime.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { createTopic, deleteTopic } from "../../tests/helpers/topics.ts";
import type { ProduceCase, ProduceResult } from "./workload.ts";
import { perRecord } from "./per-record.ts";

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
const quick = args.includes("--quick");
const runsArg = args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 1 : 3;
let perRecordLines: string[] = [];
try {
  if (!args.includes("--batch-only")) {
    perRecordLines = await perRecord(cluster, root, bootstrap, { sizes: [1024, 100], runs });
  }
  for (const c of args.includes("--per-record-only") ? [] : cases) {
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

for (const line of perRecordLines) console.log(line);
if (perRecordLines.length > 0) console.log("");
// The table: one line per case and client; ratios of our Node run to each peer.
if (rows.length > 0) {
  console.log("| case | client | records/s | MB/s | vs KafkaJS | vs @platformatic/kafka |");
}
if (rows.length > 0) console.log("| --- | --- | --- | --- | --- | --- |");
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
