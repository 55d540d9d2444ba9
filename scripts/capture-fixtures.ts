// Captures real request/response frames from a broker into tests/fixtures/frames/, for golden and fuzz
// tests. Run against a fresh local broker: KAFKA_BOOTSTRAP=127.0.0.1:9092 deno run -A scripts/capture-fixtures.ts
import { Cluster } from "../src/client/cluster.ts";
import { initCrc32c } from "../src/codec/crc32c.ts";
import { encodeRecordBatch } from "../src/protocol/record-batch.ts";
import { Reader } from "../src/protocol/reader.ts";
import { API_BY_KEY } from "../src/protocol/messages/index.ts";
import { CreateTopics } from "../src/protocol/messages/create-topics.ts";
import { DeleteTopics } from "../src/protocol/messages/delete-topics.ts";
import { Fetch } from "../src/protocol/messages/fetch.ts";
import { ListOffsets } from "../src/protocol/messages/list-offsets.ts";
import { Produce } from "../src/protocol/messages/produce.ts";
import { defaultAdapter } from "../src/transport/runtime.ts";
import type { Socket, SocketAdapter } from "../src/transport/socket.ts";

const out = new URL("../tests/fixtures/frames/", import.meta.url);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Splits a byte log into length-prefixed frames. */
function frames(log: Uint8Array[]): Uint8Array[] {
  const all = new Uint8Array(log.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of log) {
    all.set(c, o);
    o += c.length;
  }
  const result: Uint8Array[] = [];
  for (let p = 0; p + 4 <= all.length;) {
    const size = new DataView(all.buffer, p).getInt32(0);
    if (p + 4 + size > all.length) break;
    result.push(all.subarray(p + 4, p + 4 + size));
    p += 4 + size;
  }
  return result;
}

// One byte log per connection and direction: correlation ids are per connection.
const logs: { sent: Uint8Array[]; received: Uint8Array[] }[] = [];
const base = await defaultAdapter();
// The socket seam makes recording a matter of wrapping the runtime's adapter.
const recording: SocketAdapter = {
  async connect(o): Promise<Socket> {
    const s = await base.connect(o);
    const { sent, received } = logs[logs.push({ sent: [], received: [] }) - 1];
    const [mine, tap] = s.readable.tee();
    void (async () => {
      for await (const c of tap) received.push(c.slice());
    })().catch(() => {});
    return {
      readable: mine,
      write: (b) => {
        sent.push(b.slice());
        return s.write(b);
      },
      close: () => s.close(),
      closed: s.closed,
    };
  },
};

await initCrc32c();
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const cluster = new Cluster({
  bootstrapServers: env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092",
  adapter: recording,
});
const topic = "fixture-topic";
await cluster.send("any", CreateTopics, {
  topics: [{ name: topic, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }],
  timeoutMs: 30_000,
  validateOnly: false,
});
const info = await cluster.topic(topic);
const leader = info.partitions[0].leader;
const enc = new TextEncoder();
const records = encodeRecordBatch({
  now: Date.UTC(2026, 0, 1),
  records: [
    { key: enc.encode("k1"), value: enc.encode("v1"), headers: [{ key: "h", value: enc.encode("x") }] },
    { key: null, value: null, headers: [] },
  ],
});
await cluster.send(leader, Produce, {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30_000,
  topicData: [{ name: topic, topicId: info.topicId, partitionData: [{ index: 0, records }] }],
});
await cluster.send(leader, Fetch, {
  maxWaitMs: 100,
  minBytes: 1,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  topics: [{
    topic,
    topicId: info.topicId,
    partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }],
  }],
});
await cluster.send(leader, ListOffsets, {
  replicaId: -1,
  topics: [{
    name: topic,
    partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 1, timestamp: -2n }],
  }],
});
await cluster.send("any", DeleteTopics, {
  topics: [{ name: topic, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
  topicNames: [topic],
  timeoutMs: 30_000,
});
await cluster.close();
await new Promise((r) => setTimeout(r, 100));

const seen = new Set<string>();
const fs = await import("node:fs");
for (const { sent, received } of logs) {
  const responses = new Map<number, Uint8Array>();
  for (const f of frames(received)) responses.set(new Reader(f).int32(), f);
  for (const req of frames(sent)) {
    const r = new Reader(req);
    const key = r.int16();
    const version = r.int16();
    const correlationId = r.int32();
    const api = API_BY_KEY.get(key);
    const res = responses.get(correlationId);
    if (!api || !res) continue;
    const name = `${api.name}-v${version}`;
    if (seen.has(name)) continue;
    seen.add(name);
    const fixture = { api: api.name, key, version, request: hex(req), response: hex(res) };
    fs.writeFileSync(new URL(`${name}.json`, out), JSON.stringify(fixture, null, 2) + "\n");
    console.log(`captured ${name}: request ${req.length} bytes, response ${res.length} bytes`);
  }
}
