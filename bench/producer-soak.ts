// A bounded memory soak of the producer alone: one idempotent acks=all producer sends 1 KiB records, one
// unawaited `send()` per record, at a steady rate to a topic of its own for a fixed time, printing RSS and
// live memory every 30 s. It exits non-zero if a record failed or was never acknowledged, if RSS ever went
// over --max-rss-mib, or if live memory grew by more than --max-live-growth-mib over the second half (the
// first half is warm-up: pools, JIT, batches filling).
//
// Live memory is the JS heap plus the memory of ArrayBuffers (what the program still holds); its floor over
// each 30 s (the level after collections) is what is compared. RSS alone is not: after a burst the runtime
// and the C allocator keep freed memory, so RSS steps up at random moments without anything leaking.
//
//   <runtime> bench/producer-soak.ts <bootstrap> [--minutes 10] [--rate 5000] [--max-rss-mib 256]
//                                    [--max-live-growth-mib 16]
//
// (Node, `deno run -A`, Bun.)
import { readFileSync } from "node:fs";
import process from "node:process";
import { Cluster } from "../src/client/cluster.ts";
import { Producer } from "../src/producer/producer.ts";
import { detectRuntime } from "../src/transport/runtime.ts";
import { createTopic, deleteTopic } from "../tests/helpers/topics.ts";
import { makeValue, MEMORY_BUFFER_BYTES, SEND_LINGER_MS } from "./compare/workload.ts";
import { numberArg } from "../tests/helpers/args.ts";

const bootstrap = process.argv[2];
const minutes = numberArg("minutes", 10);
const rate = numberArg("rate", 5_000);
const maxRssMiB = numberArg("max-rss-mib", 256);
const maxLiveGrowthMiB = numberArg("max-live-growth-mib", 16);
if (!bootstrap || bootstrap.startsWith("--") || !(minutes > 0) || !(rate > 0)) {
  console.error("usage: <runtime> bench/producer-soak.ts <bootstrap> [--minutes 10] [--rate 5000]");
  process.exit(2);
}
const TICK_MS = 10;
const SAMPLE_MS = 30_000;
const runtime = detectRuntime();

const cluster = new Cluster({ bootstrapServers: bootstrap });
const topic = `producer-soak-${runtime}-${Date.now()}`;
await createTopic(cluster, topic, 3);

const producer = new Producer({
  bootstrapServers: bootstrap,
  acks: "all",
  idempotent: true,
  lingerMs: SEND_LINGER_MS,
  bufferMemory: MEMORY_BUFFER_BYTES,
});
// One value for every record, so that what grows is the client's memory, not the soak's.
const value = makeValue(1024);
let sent = 0;
let acked = 0;
let failed = 0;
let firstError: unknown;
const ack = () => acked++;
const fail = (e: unknown) => {
  failed++;
  firstError ??= e;
};

/** Resident set size in MiB: VmRSS on Linux, memoryUsage() elsewhere. */
function rssMiB(): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return process.memoryUsage().rss / 1024 / 1024;
}
/** The JS heap in use plus ArrayBuffer memory (`external` includes it), in MiB. */
function liveMiB(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1024 / 1024;
}

const samples: { ms: number; rss: number; liveFloor: number }[] = [];
let liveFloor = Infinity;
let ticks = 0;
const durationMs = minutes * 60_000;
const total = Math.round(minutes * 60 * rate);
const t0 = performance.now();
let nextSample = SAMPLE_MS;
// Paced by the clock: each tick sends every record due by now, so a late tick catches up instead of
// lowering the rate, and no timer is made per record.
for (;;) {
  const elapsed = performance.now() - t0;
  const due = Math.min(total, Math.floor((elapsed * rate) / 1000));
  while (sent < due) {
    producer.send({ topic, value }).then(ack, fail);
    sent++;
  }
  const done = elapsed >= durationMs && sent >= total;
  // Every 100 ms: the lowest live memory of the window is its level after the collections in it.
  if (++ticks % 10 === 0) liveFloor = Math.min(liveFloor, liveMiB());
  if (elapsed >= nextSample || done) {
    const rss = rssMiB();
    samples.push({ ms: elapsed, rss, liveFloor });
    console.log(
      `minute ${(elapsed / 60_000).toFixed(1)}: acked ${acked}, rss ${rss.toFixed(1)} MiB, ` +
        `live ${liveFloor.toFixed(1)} MiB (floor of the last 30 s)`,
    );
    liveFloor = Infinity;
    nextSample += SAMPLE_MS;
  }
  if (done) break;
  await new Promise((r) => setTimeout(r, TICK_MS));
}
const left = await producer.flush(60_000);
const seconds = (performance.now() - t0) / 1000;
await producer.close();
await deleteTopic(cluster, topic).catch((e) => console.error(`delete ${topic}: ${e}`));
await cluster.close();

// Growth of live memory over the second half: its highest floor above its first; RSS: its highest sample.
const second = samples.filter((s) => s.ms >= durationMs / 2 && Number.isFinite(s.liveFloor));
const startLive = second[0]?.liveFloor ?? NaN;
const liveGrowth = Math.max(...second.map((s) => s.liveFloor)) - startLive;
const maxRss = Math.max(...samples.map((s) => s.rss));
const ok = failed === 0 && acked === sent && left === 0 && maxRss <= maxRssMiB &&
  liveGrowth <= maxLiveGrowthMiB;
const mib = (n: number) => Math.round(n * 10) / 10;
console.log(JSON.stringify({
  runtime,
  minutes,
  sent,
  acked,
  failed,
  ratePerSec: Math.round(acked / seconds),
  firstRssMiB: mib(samples[0]?.rss ?? NaN),
  lastRssMiB: mib(samples[samples.length - 1]?.rss ?? NaN),
  maxRssMiB: mib(maxRss),
  secondHalfLiveStartMiB: mib(startLive),
  secondHalfLiveGrowthMiB: mib(liveGrowth),
  bounds: { maxRssMiB, maxLiveGrowthMiB },
  ok,
}));
if (failed > 0) console.error(`${failed} records failed, first: ${firstError}`);
if (acked + failed < sent) console.error(`${sent - acked - failed} records never settled`);
process.exit(ok ? 0 : 1);
