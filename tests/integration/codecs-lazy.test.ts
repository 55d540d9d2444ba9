// Codecs load on first use: a fresh process produces and consumes with every codec through the public API
// without any set-up call, and a consumer loads zstd only once it meets a zstd batch.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const url = (path: string): string => JSON.stringify(new URL(`../../${path}`, import.meta.url).href);

const CHILD = `
import assert from "node:assert/strict";
import process from "node:process";
const { CompressionType, Consumer, Producer } = await import(${url("mod.ts")});
const { hasCodec } = await import(${url("src/codec/compression.ts")});
const { zstdReady } = await import(${url("src/codec/zstd.ts")});
const [bootstrapServers, topicsJson] = process.argv.slice(2);
const topics = JSON.parse(topicsJson);

for (const type of ["snappy", "lz4", "zstd"]) assert.equal(hasCodec(CompressionType[type]), false, type);

async function consume(topic, count) {
  const consumer = new Consumer({ bootstrapServers, autoOffsetReset: "earliest" });
  consumer.assign([{ topic, partition: 0 }]);
  const values = [];
  const deadline = Date.now() + 30000;
  while (values.length < count && Date.now() < deadline) {
    for (const r of await consumer.poll(1000)) values.push(new TextDecoder().decode(r.value));
  }
  await consumer.close();
  return values;
}

async function roundTrip(compression, topic) {
  const producer = new Producer({ bootstrapServers, compression, lingerMs: 5 });
  const values = Array.from({ length: 300 }, (_, i) => compression + " record " + i + " " + "ab".repeat(i % 40));
  await producer.sendBatch(values.map((value) => ({ topic, value })));
  await producer.close();
  assert.deepEqual(await consume(topic, values.length), values, compression);
}

for (const compression of ["gzip", "snappy", "lz4"]) await roundTrip(compression, topics[compression]);
// Nothing so far was zstd, so zstd was never loaded.
assert.equal(hasCodec(CompressionType.zstd), false);
assert.equal(zstdReady(), false);

// zstd batches written by another process: the consumer loads zstd to read them.
const fromParent = await consume(topics.zstdFromParent, 100);
assert.deepEqual(fromParent, Array.from({ length: 100 }, (_, i) => "zstd from the parent " + i));
assert.equal(hasCodec(CompressionType.zstd), true);
assert.equal(zstdReady(), true);
await roundTrip("zstd", topics.zstd);
console.log("lazy codecs ok");
`;

/** Runs `script` with `args` in a fresh process of the runtime running this test. */
function runChild(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "kafka-ts-codecs-"));
  try {
    const file = join(dir, "child.mjs");
    writeFileSync(file, script);
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const runtimeArgs = detectRuntime() === "deno"
      ? ["run", "-A", "--no-check", "--config", join(root, "deno.json"), file]
      : [file];
    const r = spawnSync(process.execPath, [...runtimeArgs, ...args], {
      cwd: root,
      encoding: "utf8",
      timeout: 180_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("codecs load on first use", () => {
  let cluster: Cluster;
  const topics: Record<string, string> = {};

  before(async () => {
    cluster = new Cluster({ bootstrapServers: bootstrap() });
    for (const name of ["gzip", "snappy", "lz4", "zstd", "zstdFromParent"]) {
      topics[name] = uniqueTopic(`lazy-${name}`);
      await createTopic(cluster, topics[name], 1);
    }
    const producer = new Producer({ bootstrapServers: bootstrap(), compression: "zstd", lingerMs: 5 });
    await producer.sendBatch(
      Array.from(
        { length: 100 },
        (_, i) => ({ topic: topics.zstdFromParent, value: `zstd from the parent ${i}` }),
      ),
    );
    await producer.close();
  });
  after(async () => {
    for (const t of Object.values(topics)) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  it("a fresh process produces and consumes with every codec, loading zstd only when it meets it", () => {
    const r = runChild(CHILD, [bootstrap(), JSON.stringify(topics)]);
    assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /lazy codecs ok/);
  });

  it("rejects an unknown compression name when the producer is made", () => {
    assert.throws(
      () => new Producer({ bootstrapServers: bootstrap(), compression: "brotli" as "gzip" }),
      (err: unknown) => err instanceof RangeError && /compression must be one of/.test(err.message),
    );
  });
});
