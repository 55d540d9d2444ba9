// Produce, Fetch, ListOffsets, CreateTopics and DeleteTopics against the real broker, byte for byte.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { initCrc32c } from "../../src/codec/crc32c.ts";
import { decodeRecordBatches, encodeRecordBatch, type RecordInput } from "../../src/protocol/record-batch.ts";
import { ApiVersions } from "../../src/protocol/messages/api-versions.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Produce } from "../../src/protocol/messages/produce.ts";
import { Fetch } from "../../src/protocol/messages/fetch.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DeleteTopics } from "../../src/protocol/messages/delete-topics.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { waitForLeaders } from "../helpers/topics.ts";

const PARTITIONS = 3;
const TOTAL = 10_000;
const PER_REQUEST = 1_000;
const enc = new TextEncoder();

interface Expected {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
  timestamp: number;
}

/** Deterministic records: varied sizes, null keys and values, repeated and null headers. */
function makeRecords(): Expected[][] {
  const byPartition: Expected[][] = Array.from({ length: PARTITIONS }, () => []);
  const base = Date.UTC(2026, 0, 1);
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0);
  for (let i = 0; i < TOTAL; i++) {
    const len = rand() % 300;
    const value = i % 97 === 0 ? null : Uint8Array.from({ length: len }, () => rand() & 0xff);
    byPartition[i % PARTITIONS].push({
      key: i % 50 === 0 ? null : enc.encode(`key-${i}`),
      value,
      headers: [
        { key: "idx", value: enc.encode(String(i)) },
        { key: "dup", value: Uint8Array.of(1) },
        { key: "dup", value: null },
        ...(i % 3 === 0 ? [{ key: "ünïcode-✓", value: new Uint8Array(0) }] : []),
      ],
      timestamp: base + i * 7,
    });
  }
  return byPartition;
}

describe("produce and fetch against a real broker", () => {
  const topic = uniqueTopic("it-produce-fetch");
  const expected = makeRecords();
  let cluster: Cluster;
  let topicId = "";

  before(async () => {
    await initCrc32c();
    cluster = new Cluster({ bootstrapServers: bootstrap(), clientId: "integration-tests" });
  });
  after(async () => {
    await cluster.close();
  });

  it("negotiates the highest version both sides speak", async () => {
    const conn = await cluster.any();
    for (const api of [ApiVersions, Metadata, Produce, Fetch, ListOffsets, CreateTopics, DeleteTopics]) {
      const broker = conn.apiVersions.get(api.key);
      assert.ok(broker, `broker lists ${api.name}`);
      const v = conn.versionFor(api);
      assert.equal(v, Math.min(broker.max, api.maxVersion), `${api.name} version`);
      assert.ok(v >= api.minVersion && v >= broker.min, `${api.name} v${v} is in both ranges`);
    }
  });

  it("creates a 3-partition topic", async () => {
    const res = await cluster.send("any", CreateTopics, {
      topics: [{
        name: topic,
        numPartitions: PARTITIONS,
        replicationFactor: 1,
        assignments: [],
        configs: [],
      }],
      timeoutMs: 30_000,
      validateOnly: false,
    });
    assert.equal(res.topics.length, 1);
    assert.equal(res.topics[0].errorCode, 0, res.topics[0].errorMessage ?? "");
    assert.equal(res.topics[0].numPartitions, PARTITIONS);
    // The topic's leaders may take a moment to show in metadata; the cluster retries until they do.
    const info = await cluster.topic(topic);
    assert.equal(info.partitions.length, PARTITIONS);
    for (const p of info.partitions) assert.ok(p.leader >= 0, `partition ${p.partition} has a leader`);
    topicId = info.topicId;
    // Metadata can name a leader before it has taken the partition on: wait until each one answers.
    await waitForLeaders(cluster, topic, PARTITIONS);
  });

  it("produces 10,000 records with keys, headers and timestamps (acks=all)", async () => {
    const info = await cluster.topic(topic);
    for (let start = 0; start < TOTAL / PARTITIONS; start += PER_REQUEST) {
      // One Produce per leader carries every partition's batch.
      const byLeader = new Map<number, { index: number; records: Uint8Array }[]>();
      for (const p of info.partitions) {
        const slice = expected[p.partition].slice(start, start + PER_REQUEST);
        if (slice.length === 0) continue;
        const records = encodeRecordBatch({ records: slice as RecordInput[] });
        const list = byLeader.get(p.leader) ?? [];
        list.push({ index: p.partition, records });
        byLeader.set(p.leader, list);
      }
      await Promise.all([...byLeader].map(async ([leader, partitionData]) => {
        const res = await cluster.send(leader, Produce, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 30_000,
          topicData: [{ name: topic, topicId, partitionData }],
        });
        for (const t of res.responses) {
          for (const p of t.partitionResponses) {
            assert.equal(p.errorCode, 0, `produce to partition ${p.index}: ${p.errorMessage ?? ""}`);
            assert.equal(p.baseOffset, BigInt(start), `base offset of partition ${p.index}`);
          }
        }
      }));
    }
  });

  it("fetches every record back from each partition, byte for byte", async () => {
    const info = await cluster.topic(topic);
    for (const p of info.partitions) {
      const want = expected[p.partition];
      let offset = 0n;
      while (offset < BigInt(want.length)) {
        const res = await cluster.send(p.leader, Fetch, {
          maxWaitMs: 500,
          minBytes: 1,
          maxBytes: 8 * 1024 * 1024,
          isolationLevel: 0,
          topics: [{
            topic,
            topicId,
            partitions: [{ partition: p.partition, fetchOffset: offset, partitionMaxBytes: 1024 * 1024 }],
          }],
        });
        assert.equal(res.errorCode, 0);
        const part = res.responses[0].partitions[0];
        assert.equal(part.errorCode, 0, `fetch partition ${p.partition}`);
        assert.equal(part.highWatermark, BigInt(want.length));
        const before = offset;
        for (const batch of decodeRecordBatches(part.records ?? new Uint8Array(0))) {
          for (const r of batch.records) {
            if (r.offset < offset) continue;
            assert.equal(r.offset, offset, "offsets are contiguous");
            const w = want[Number(r.offset)];
            assert.deepEqual(r.key, w.key, `key at ${p.partition}/${r.offset}`);
            assert.deepEqual(r.value, w.value, `value at ${p.partition}/${r.offset}`);
            assert.deepEqual(r.headers, w.headers, `headers at ${p.partition}/${r.offset}`);
            assert.equal(r.timestamp, w.timestamp, `timestamp at ${p.partition}/${r.offset}`);
            offset++;
          }
        }
        assert.ok(offset > before, `fetch from ${before} made progress`);
      }
      assert.equal(offset, BigInt(want.length));
    }
  });

  it("ListOffsets earliest and latest agree with what was written", async () => {
    const info = await cluster.topic(topic);
    for (const [timestamp, name] of [[-2n, "earliest"], [-1n, "latest"]] as const) {
      const res = await cluster.send(info.partitions[0].leader, ListOffsets, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{
          name: topic,
          partitions: info.partitions.map((p) => ({ partitionIndex: p.partition, timestamp })),
        }],
      });
      const parts = res.topics[0].partitions.sort((a, b) => a.partitionIndex - b.partitionIndex);
      assert.equal(parts.length, PARTITIONS);
      for (const p of parts) {
        assert.equal(p.errorCode, 0, `${name} offset of partition ${p.partitionIndex}`);
        const want = name === "earliest" ? 0n : BigInt(expected[p.partitionIndex].length);
        assert.equal(p.offset, want, `${name} offset of partition ${p.partitionIndex}`);
      }
    }
  });

  it("deletes the topic", async () => {
    const res = await cluster.send("any", DeleteTopics, {
      topics: [{ name: topic, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
      topicNames: [topic],
      timeoutMs: 30_000,
    });
    assert.equal(res.responses.length, 1);
    assert.equal(res.responses[0].errorCode, 0, res.responses[0].errorMessage ?? "");
    // Metadata on the broker follows the controller shortly after.
    let name: string | undefined;
    for (let i = 0; i < 40 && name !== "UNKNOWN_TOPIC_OR_PARTITION"; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250));
      name = (await cluster.refreshMetadata([topic])).get(topic)?.name;
    }
    assert.equal(name, "UNKNOWN_TOPIC_OR_PARTITION");
  });
});
