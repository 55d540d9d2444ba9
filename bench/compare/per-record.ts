// The per-record part of the produce benchmark: one call per record through this client's `send()` and
// `produce()` on Node, Deno and Bun, the Java client's ProducerPerformance, librdkafka through
// confluent-kafka and kcat; then the latency case (linger 0, 1,000 records/s) and the memory case
// (1,000,000 records through `send()` with a 32 MiB buffer). Used by produce.ts.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cluster } from "../../src/client/cluster.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { createTopic, deleteTopic } from "../../tests/helpers/topics.ts";
import {
  formatCount,
  LATENCY_RECORDS,
  median,
  MEMORY_RECORDS,
  SEND_BATCH_BYTES,
  SEND_LINGER_MS,
  sendRecordCount,
  type SendResult,
} from "./workload.ts";

type Outcome = SendResult | { client: string; failed: string };
const PARTITIONS = 3;

/** A command for one run on `topic` with `records` records of `valueBytes`. */
interface Driver {
  name: string;
  ours: boolean;
  run(topic: string, valueBytes: number, records: number): { cmd: string; args: string[]; parse?: Parse };
}
type Parse = (stdout: string, wallSeconds: number) => SendResult;

/** Runs one driver on a fresh topic; checks that the topic then holds at least the records sent. */
async function runOne(
  cluster: Cluster,
  root: string,
  d: Driver,
  valueBytes: number,
  records: number,
  label: string,
): Promise<Outcome> {
  const topic = `bench-send-${d.name.replace(/\W+/g, "-")}-${Date.now()}`;
  await createTopic(cluster, topic, PARTITIONS);
  const { cmd, args, parse } = d.run(topic, valueBytes, records);
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 600_000, maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  let out: Outcome;
  try {
    out = parse ? parse(r.stdout, wall) : JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as SendResult;
    if ("unsupported" in out) throw new Error(String((out as { unsupported: string }).unsupported));
    const held = await topicSize(cluster, topic);
    if (held < out.records) throw new Error(`topic holds ${held} records of ${out.records}`);
  } catch (e) {
    const why = (r.stderr || r.stdout || String(e)).trim().split("\n").pop()?.slice(0, 100);
    out = { client: d.name, failed: `${(e as Error).message.slice(0, 60)}: ${why}` };
  }
  await deleteTopic(cluster, topic);
  console.error(
    `${label} ${d.name}: ${
      "failed" in out
        ? out.failed
        : `${Math.round(out.records / out.seconds).toLocaleString("en-US")} rec/s` +
          (out.p50Ms !== undefined
            ? `, p50 ${out.p50Ms.toFixed(2)} ms, p99 ${out.p99Ms!.toFixed(2)} ms`
            : "") +
          (out.peakRssMiB !== undefined ? `, peak RSS ${out.peakRssMiB.toFixed(0)} MiB` : "")
    }`,
  );
  return out;
}

async function topicSize(cluster: Cluster, topic: string): Promise<number> {
  const info = await cluster.topic(topic);
  let n = 0;
  for (const p of info.partitions) {
    const res = await cluster.send(p.leader, ListOffsets, {
      replicaId: -1,
      topics: [{ name: topic, partitions: [{ partitionIndex: p.partition, timestamp: -1n }] }],
    });
    n += Number(res.topics[0].partitions[0].offset);
  }
  return n;
}

/** The drivers of the per-record cases. */
function drivers(root: string, bootstrap: string, scratch: string): Driver[] {
  const out: Driver[] = [];
  for (const mode of ["send", "produce"]) {
    for (const rt of RUNTIMES) out.push(oursDriver(root, bootstrap, rt, mode, `${rt} ${mode}`));
  }
  out.push(javaDriver(root, bootstrap, SEND_LINGER_MS, -1));
  out.push(confluentDriver(root, bootstrap, SEND_LINGER_MS));
  out.push({
    name: "kcat",
    ours: false,
    run: (topic, valueBytes, records) => {
      // One value per line; printable bytes, as a line cannot hold a newline.
      const file = join(scratch, `kcat-${valueBytes}-${records}.txt`);
      const line = "x".repeat(valueBytes - 1).replace(
        /x/g,
        (_, i: number) => String.fromCharCode(97 + (i % 26)),
      );
      writeFileSync(file, `${line}\n`.repeat(records));
      return {
        cmd: "kcat",
        args: [
          "-P",
          "-b",
          bootstrap,
          "-t",
          topic,
          "-X",
          "acks=all",
          "-X",
          "enable.idempotence=true",
          "-X",
          `linger.ms=${SEND_LINGER_MS}`,
          "-l",
          file,
        ],
        parse: (_out, wall) => ({ client: "kcat", records, bytes: records * valueBytes, seconds: wall }),
      };
    },
  });
  return out;
}

const RUNTIMES = ["node", "deno", "bun"] as const;

/** This client through bench/compare/ours-send.ts in `mode`, on `runtime`. */
function oursDriver(
  root: string,
  bootstrap: string,
  runtime: typeof RUNTIMES[number],
  mode: string,
  name: string,
): Driver {
  return {
    name,
    ours: true,
    run: (topic, valueBytes, records) => ({
      cmd: `${root}node_modules/.bin/${runtime}`,
      args: [
        ...(runtime === "deno" ? ["run", "-A"] : []),
        "bench/compare/ours-send.ts",
        bootstrap,
        topic,
        String(valueBytes),
        mode,
        String(records),
      ],
    }),
  };
}

/** librdkafka through confluent-kafka: `produce()` + `poll(0)` + `flush()`, or its latency mode. */
function confluentDriver(root: string, bootstrap: string, lingerMs: number, mode?: "latency"): Driver {
  return {
    name: "librdkafka",
    ours: false,
    run: (topic, valueBytes, records) => ({
      cmd: `${root}.kafka/venv/bin/python`,
      args: [
        "bench/compare/confluent-produce.py",
        bootstrap,
        topic,
        String(valueBytes),
        String(records),
        String(lingerMs),
        ...(mode ? [mode] : []),
      ],
    }),
  };
}

/** The Java client's ProducerPerformance; `throughput` -1 for as fast as it goes. */
function javaDriver(root: string, bootstrap: string, lingerMs: number, throughput: number): Driver {
  return {
    name: "java",
    ours: false,
    run: (topic, valueBytes, records) => ({
      cmd: `${root}scripts/kafka`,
      args: [
        "run-class",
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic",
        topic,
        "--num-records",
        String(records),
        "--record-size",
        String(valueBytes),
        "--throughput",
        String(throughput),
        "--producer-props",
        `bootstrap.servers=${bootstrap}`,
        "acks=all",
        "enable.idempotence=true",
        `linger.ms=${lingerMs}`,
        `batch.size=${SEND_BATCH_BYTES}`,
      ],
      parse: (out) => {
        // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th, ..."
        const last = out.trim().split("\n").pop() ?? "";
        const m = /(\d+) records sent, ([\d.]+) records\/sec.*?(\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/
          .exec(
            last,
          );
        if (!m) throw new Error("no summary line");
        const n = Number(m[1]);
        return {
          client: "java",
          records: n,
          bytes: n * valueBytes,
          seconds: n / Number(m[2]),
          p50Ms: Number(m[3]),
          p99Ms: Number(m[4]),
        };
      },
    }),
  };
}

/** Runs every per-record case and returns the tables to print. */
export async function perRecord(
  cluster: Cluster,
  root: string,
  bootstrap: string,
  opts: { sizes: number[]; runs: number },
): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), "bench-send-"));
  const lines: string[] = [];
  try {
    const ds = drivers(root, bootstrap, scratch);
    // Throughput: the median of `runs` runs per driver, runs of the drivers interleaved.
    lines.push(
      "| case | client | records/s (median) | range | MB/s | vs Java | vs librdkafka | vs kcat |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const valueBytes of opts.sizes) {
      const records = sendRecordCount(valueBytes);
      const label = `${valueBytes} B x ${
        records.toLocaleString("en-US")
      }, acks=all, linger ${SEND_LINGER_MS}`;
      const rates = new Map<string, number[]>();
      const fails = new Map<string, string>();
      for (let run = 0; run < opts.runs; run++) {
        for (const d of ds) {
          if (fails.has(d.name)) continue;
          const o = await runOne(cluster, root, d, valueBytes, records, label);
          if ("failed" in o) fails.set(d.name, o.failed);
          else rates.set(d.name, [...(rates.get(d.name) ?? []), o.records / o.seconds]);
        }
      }
      const medianOf = (name: string) => {
        const v = rates.get(name);
        return v?.length ? median(v) : undefined;
      };
      for (const d of ds) {
        const m = medianOf(d.name);
        if (m === undefined) {
          lines.push(`| ${label} | ${d.name} | n/a (${fails.get(d.name) ?? "no run"}) | | | | | |`);
          continue;
        }
        const v = rates.get(d.name)!;
        const ratio = (peer: string) => {
          const p = medianOf(peer);
          return d.ours && p ? `${(m / p).toFixed(2)}×` : "";
        };
        lines.push(
          `| ${label} | ${d.name} | ${formatCount(m)} | ${formatCount(Math.min(...v))}–${
            formatCount(Math.max(...v))
          } | ${(m * valueBytes / 1e6).toFixed(1)} | ${ratio("java")} | ${ratio("librdkafka")} | ${
            ratio("kcat")
          } |`,
        );
      }
    }

    // Latency: one awaited send every millisecond at linger 0.
    lines.push("", "| latency case | client | p50 ms | p99 ms |", "| --- | --- | --- | --- |");
    const latLabel = `1 KiB, acks=all, linger 0, 1,000 records/s x ${
      LATENCY_RECORDS.toLocaleString("en-US")
    }`;
    const latDrivers: Driver[] = [
      ...RUNTIMES.map((rt) => oursDriver(root, bootstrap, rt, "latency", rt)),
      javaDriver(root, bootstrap, 0, 1000),
      confluentDriver(root, bootstrap, 0, "latency"),
    ];
    for (const d of latDrivers) {
      const o = await runOne(cluster, root, d, 1024, LATENCY_RECORDS, latLabel);
      lines.push(
        "failed" in o
          ? `| ${latLabel} | ${d.name} | n/a (${o.failed}) | |`
          : `| ${latLabel} | ${d.name} | ${o.p50Ms?.toFixed(2)} | ${o.p99Ms?.toFixed(2)} |`,
      );
    }

    // Memory: a million sends, not awaited, through a 32 MiB buffer.
    lines.push("", "| memory case | client | records/s | peak RSS MiB |", "| --- | --- | --- | --- |");
    const memLabel = `1 KiB x ${MEMORY_RECORDS.toLocaleString("en-US")}, not awaited, bufferMemory 32 MiB`;
    for (const [rt, mode] of RUNTIMES.flatMap((r) => [[r, "memory"], [r, "memory-produce"]] as const)) {
      const d = oursDriver(root, bootstrap, rt, mode, `${rt} ${mode === "memory" ? "send" : "produce"}`);
      const o = await runOne(cluster, root, d, 1024, MEMORY_RECORDS, memLabel);
      lines.push(
        "failed" in o
          ? `| ${memLabel} | ${d.name} | n/a (${o.failed}) | |`
          : `| ${memLabel} | ${d.name} | ${formatCount(o.records / o.seconds)} | ${
            o.peakRssMiB?.toFixed(0)
          } |`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return lines;
}
