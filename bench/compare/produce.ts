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
// --quick: one run of each case, and only the 1 KiB acks=all sendBatch cases. Without it each case runs
// --runs times (default 3), interleaved, and the median counts.

// Starts the local broker when KAFKA_BOOTSTRAP is unset.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchBroker } from "./broker.ts";
// Installs the runtime's default socket adapter, as mod.ts does.
import "../../src/transport/runtime.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { createTopic, deleteTopic } from "../../tests/helpers/topics.ts";
import { formatCount, median, type ProduceCase, type ProduceResult } from "./workload.ts";
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

/** A driver's runs of one case: records/s of each, or why it could not run. */
type Outcome = { rates: number[]; mbPerRecord: number } | { unsupported: string };
type Row = { c: ProduceCase; results: Map<string, Outcome> };
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
    // Runs interleaved (every driver once, then again), so that a slow spell of the machine does not fall
    // on one client's runs only; the median counts.
    for (let run = 0; run < runs; run++) {
      for (const d of drivers) {
        const had = row.results.get(d.name);
        if (had && "unsupported" in had) continue;
        const got = await runBatchDriver(d, c);
        if ("unsupported" in got) {
          row.results.set(d.name, got);
          console.error(`${label(c)} ${d.name}: ${got.unsupported}`);
          continue;
        }
        const rate = got.records / got.seconds;
        if (had) had.rates.push(rate);
        else row.results.set(d.name, { rates: [rate], mbPerRecord: got.bytes / got.records / 1e6 });
        console.error(`${label(c)} ${d.name}: ${Math.round(rate).toLocaleString("en-US")} rec/s`);
      }
    }
  }
} finally {
  await cluster.close();
  broker.stop();
}

/** One run of one sendBatch driver on a fresh topic. */
async function runBatchDriver(
  d: (typeof drivers)[number],
  c: ProduceCase,
): Promise<ProduceResult | { unsupported: string }> {
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
    return JSON.parse(line);
  } catch {
    return { unsupported: `failed: ${(r.stderr || line).trim().split("\n").pop()?.slice(0, 80)}` };
  }
}

function label(c: ProduceCase): string {
  return `${c.valueBytes} B, acks=${
    c.acks === -1 ? "all" : c.acks
  }, linger ${c.lingerMs} ms, ${c.compression}`;
}

for (const line of perRecordLines) console.log(line);
if (perRecordLines.length > 0) console.log("");
// The table: one line per case and client: the median records/s of its runs (their range), and the ratio
// of each of our medians to each peer's.
if (rows.length > 0) {
  console.log("| case | client | records/s (median) | range | MB/s | vs KafkaJS | vs @platformatic/kafka |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
}
for (const row of rows) {
  const rate = (name: string) => {
    const r = row.results.get(name);
    return r && !("unsupported" in r) ? median(r.rates) : undefined;
  };
  for (const d of drivers) {
    const r = row.results.get(d.name)!;
    if ("unsupported" in r) {
      console.log(`| ${label(row.c)} | ${d.name} | n/a (${r.unsupported}) | | | | |`);
      continue;
    }
    const recs = median(r.rates);
    const ratio = (peer: string) => {
      const p = rate(peer);
      return p && ["node", "deno", "bun"].includes(d.name) ? `${(recs / p).toFixed(2)}×` : "";
    };
    console.log(
      `| ${label(row.c)} | ${d.name} | ${formatCount(recs)} | ${formatCount(Math.min(...r.rates))}–${
        formatCount(Math.max(...r.rates))
      } | ${(recs * r.mbPerRecord).toFixed(1)} | ${ratio("kafkajs")} | ${ratio("platformatic")} |`,
    );
  }
}
