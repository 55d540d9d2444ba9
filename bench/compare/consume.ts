// Consume benchmark: this client on Node (poll, stream and iterator), Deno and Bun, KafkaJS,
// @platformatic/kafka, the Java client's ConsumerPerformance and librdkafka (confluent-kafka) read the same
// filled topic from the beginning, against the same broker in one run.
// Prints records/s, MB/s and our ratio to each peer per case; exits non-zero when any client read fewer
// records than were written.
//
//   node bench/compare/consume.ts [--quick] [--cases 1024:none,100:lz4] [--runs 3]
//
// Each client reads each topic `--runs` times (default 3, 1 with --quick) and the best run counts: other
// load on the machine only ever slows a run down.
// Starts the local broker when KAFKA_BOOTSTRAP is unset.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchBroker } from "./broker.ts";
// Installs the runtime's default socket adapter, as mod.ts does.
import "../../src/transport/runtime.ts";
import { Admin } from "../../src/admin/admin.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { Producer } from "../../src/producer/producer.ts";
import {
  CONSUME_PARTITIONS,
  type ConsumeCase,
  consumeRecordCount,
  type ConsumeResult,
  drive,
  makeValue,
} from "./workload.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = `${root}node_modules/.bin/`;
const args = process.argv.slice(2);

function allCases(quick: boolean): ConsumeCase[] {
  const out: ConsumeCase[] = [];
  for (const valueBytes of quick ? [1024] : [1024, 100]) {
    for (const compression of ["none", "lz4"] as const) out.push({ valueBytes, compression });
  }
  return out;
}
const casesArg = args.indexOf("--cases");
const cases: ConsumeCase[] = casesArg >= 0
  ? args[casesArg + 1].split(",").map((s) => {
    const [v, c] = s.split(":");
    return { valueBytes: Number(v), compression: c as ConsumeCase["compression"] };
  })
  : allCases(args.includes("--quick"));
const runsArg = args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : args.includes("--quick") ? 1 : 3;

const ours = "bench/compare/ours-consume.ts";
const drivers: { name: string; cmd: string; args: string[]; ours: boolean }[] = [
  { name: "node", cmd: `${bin}node`, args: [ours], ours: true },
  { name: "node stream", cmd: `${bin}node`, args: [ours], ours: true },
  { name: "node iterator", cmd: `${bin}node`, args: [ours], ours: true },
  // poll without checking CRCs, as librdkafka reads by default (check.crcs=false).
  { name: "node poll-nocrc", cmd: `${bin}node`, args: [ours], ours: true },
  { name: "deno", cmd: `${bin}deno`, args: ["run", "-A", ours], ours: true },
  { name: "bun", cmd: `${bin}bun`, args: [ours], ours: true },
  { name: "kafkajs", cmd: `${bin}node`, args: ["bench/compare/kafkajs-consume.mjs"], ours: false },
  { name: "platformatic", cmd: `${bin}node`, args: ["bench/compare/platformatic-consume.mjs"], ours: false },
  { name: "java", cmd: `${bin}node`, args: ["bench/compare/java-consume.ts"], ours: false },
  {
    name: "librdkafka",
    cmd: `${root}.kafka/venv/bin/python`,
    args: ["bench/compare/confluent-consume.py"],
    ours: false,
  },
  // librdkafka checking CRCs as this client does by default: the like-for-like peer of the rows above
  // (it computes CRC32C with the CPU's own instruction).
  {
    name: "librdkafka check.crcs",
    cmd: `${root}.kafka/venv/bin/python`,
    args: ["bench/compare/confluent-consume.py"],
    ours: false,
  },
];
/** The last argument of a driver: our read API (the word after "node"), or librdkafka's CRC check. */
const apiOf = (name: string): string[] =>
  name.startsWith("node ") ? [name.slice(5)] : name === "librdkafka check.crcs" ? ["check-crcs"] : [];

const broker = benchBroker();
const bootstrap = broker.bootstrap;
await registerDefaultCodecs();
const admin = new Admin({ bootstrapServers: bootstrap });

type Outcome = ConsumeResult | { unsupported: string } | { failed: string };
type Row = { c: ConsumeCase; written: number; results: Map<string, Outcome> };
const rows: Row[] = [];
let failures = 0;
try {
  for (const c of cases) {
    const topic = `bench-consume-${c.valueBytes}-${c.compression}-${Date.now()}`;
    await admin.createTopics([{ name: topic, numPartitions: CONSUME_PARTITIONS, replicationFactor: 1 }]);
    // A new topic's leaders may refuse writes for a moment; ListOffsets retries until each one answers.
    await admin.listOffsets(
      Array.from(
        { length: CONSUME_PARTITIONS },
        (_, partition) => ({ topic, partition, spec: "latest" as const }),
      ),
    );
    try {
      const written = await fill(topic, c);
      const row: Row = { c, written, results: new Map() };
      rows.push(row);
      for (const d of drivers) {
        let got: Outcome | undefined;
        for (let i = 0; i < runs; i++) {
          const one = runDriver(d, topic, written, c);
          // A failed or unsupported run decides the outcome; else the fastest run does.
          if (!("records" in one)) {
            got = one;
            break;
          }
          if (!got || ("records" in got && rateOf(one) > rateOf(got))) got = one;
        }
        if (!got) throw new Error("--runs must be at least 1");
        if ("failed" in got) failures++;
        row.results.set(d.name, got);
        const text = "unsupported" in got
          ? got.unsupported
          : "failed" in got
          ? `FAILED: ${got.failed}`
          : `${Math.round(got.records / got.seconds).toLocaleString("en-US")} rec/s`;
        console.error(`${label(c)} ${d.name}: ${text}`);
      }
    } finally {
      await admin.deleteTopics([topic]);
    }
  }
} finally {
  await admin.close();
  broker.stop();
}

/** One read of the topic by one client; a short read or a crash is a failure. */
function runDriver(d: (typeof drivers)[number], topic: string, written: number, c: ConsumeCase): Outcome {
  const r = spawnSync(
    d.cmd,
    [...d.args, bootstrap!, topic, String(written), String(c.valueBytes), c.compression, ...apiOf(d.name)],
    { cwd: root, encoding: "utf8", timeout: 300_000 },
  );
  const line = r.stdout.trim().split("\n").pop() ?? "";
  let got: Outcome;
  try {
    got = JSON.parse(line);
  } catch {
    // The error line, not the runtime's version banner that Node prints after it.
    const lines = (r.stderr || line).trim().split("\n").filter((l) => !/^(Node\.js v|\s+at )/.test(l));
    return {
      failed: (lines.findLast((l) => /error/i.test(l)) ?? lines.pop() ?? `exit ${r.status ?? r.signal}`)
        .slice(0, 100),
    };
  }
  if ("records" in got && got.records < written) {
    return { failed: `read ${got.records} of ${written} records` };
  }
  if (r.status !== 0) return { failed: `exit ${r.status ?? r.signal}` };
  return got;
}

function rateOf(r: ConsumeResult): number {
  return r.records / r.seconds;
}

/** Writes the case's records with this client's producer, as the produce benchmark sends them. */
async function fill(topic: string, c: ConsumeCase): Promise<number> {
  const producer = new Producer({
    bootstrapServers: bootstrap!,
    lingerMs: 5,
    batchSize: 256 * 1024,
    compression: c.compression,
  });
  const value = makeValue(c.valueBytes);
  const total = consumeRecordCount(c.valueBytes);
  const chunk = Array.from({ length: 1000 }, () => ({ topic, value }));
  const seconds = await drive(
    total,
    (_, count) => producer.sendBatch(count === chunk.length ? chunk : chunk.slice(0, count)),
  );
  await producer.close();
  console.error(`${label(c)}: wrote ${total.toLocaleString("en-US")} records in ${seconds.toFixed(1)} s`);
  return total;
}

function label(c: ConsumeCase): string {
  return `${c.valueBytes} B, ${c.compression}`;
}

// The table: one line per case and client; ratios of each of our runs to each peer.
console.log(
  "| case | client | records/s | MB/s | first record after | vs KafkaJS | vs @platformatic/kafka | vs Java " +
    "| vs librdkafka | vs librdkafka check.crcs |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const row of rows) {
  const rate = (name: string) => {
    const r = row.results.get(name);
    return r && "records" in r ? r.records / r.seconds : undefined;
  };
  for (const d of drivers) {
    const r = row.results.get(d.name)!;
    if (!("records" in r)) {
      const why = "unsupported" in r ? r.unsupported : `FAILED: ${r.failed}`;
      console.log(`| ${label(row.c)} | ${d.name} | n/a (${why}) | | | | | | | |`);
      continue;
    }
    const recs = r.records / r.seconds;
    const ratio = (peer: string) => {
      const p = rate(peer);
      return p && d.ours ? `${(recs / p).toFixed(2)}×` : "";
    };
    console.log(
      `| ${label(row.c)} | ${d.name} | ${Math.round(recs).toLocaleString("en-US")} | ${
        (r.bytes / r.seconds / 1e6).toFixed(1)
      } | ${r.startSeconds.toFixed(2)} s | ${ratio("kafkajs")} | ${ratio("platformatic")} | ${
        ratio("java")
      } | ${ratio("librdkafka")} | ${ratio("librdkafka check.crcs")} |`,
    );
  }
}
if (failures > 0) {
  console.error(`${failures} run(s) failed or read fewer records than were written`);
  process.exit(1);
}
