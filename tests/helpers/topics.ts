// Topic set-up and read-back for integration tests, through the protocol layer (no consumer needed).
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { Cluster } from "../../src/client/cluster.ts";
import { initCrc32c } from "../../src/codec/crc32c.ts";
import { decodeRecordBatches, type KafkaRecord } from "../../src/protocol/record-batch.ts";
import { CreateTopics } from "../../src/protocol/messages/create-topics.ts";
import { DeleteTopics } from "../../src/protocol/messages/delete-topics.ts";
import { Fetch, type FetchResponse } from "../../src/protocol/messages/fetch.ts";
import { ListOffsets } from "../../src/protocol/messages/list-offsets.ts";
import { bootstrap, uniqueTopic } from "./broker.ts";

/** A suite's cluster connection and the topics it made, which are deleted when the suite ends. */
export interface SuiteTopics {
  /** The suite's connection to the test broker (open between the suite's before and after hooks). */
  readonly cluster: Cluster;
  /** Creates a topic named after `prefix`, unique to this run, and waits for its leaders. */
  create(prefix: string, partitions?: number): Promise<string>;
  /** Topics made some other way, to be deleted with the suite's. */
  track(...names: string[]): void;
}

/** Call inside a `describe`: opens a cluster connection before the suite, deletes its topics after it. */
export function suiteTopics(): SuiteTopics {
  let cluster: Cluster | undefined;
  const names: string[] = [];
  before(() => {
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    if (!cluster) return;
    for (const t of names) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });
  const suite: SuiteTopics = {
    get cluster(): Cluster {
      assert.ok(cluster, "the suite's cluster is open only while its tests run");
      return cluster;
    },
    track(...more) {
      names.push(...more);
    },
    async create(prefix, partitions = 1) {
      const n = uniqueTopic(prefix);
      names.push(n);
      await createTopic(suite.cluster, n, partitions);
      return n;
    },
  };
  return suite;
}

/**
 * Creates a topic and waits until every partition's leader answers for it: metadata can name a leader
 * a moment before that broker has taken the partition on.
 */
export async function createTopic(
  cluster: Cluster,
  name: string,
  partitions: number,
  replicationFactor = 1,
  configs: { name: string; value: string }[] = [],
): Promise<void> {
  const res = await cluster.send("any", CreateTopics, {
    topics: [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs }],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  assert.equal(res.topics[0].errorCode, 0, `create ${name}: ${res.topics[0].errorMessage ?? ""}`);
  await waitForLeaders(cluster, name, partitions);
}

/** Waits until the topic has `partitions` partitions and each one's leader answers ListOffsets for it. */
export async function waitForLeaders(cluster: Cluster, name: string, partitions: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    cluster.invalidate(name);
    const info = await cluster.topic(name);
    if (info.partitions.length === partitions && info.partitions.every((p) => p.leader >= 0)) {
      let ready = true;
      for (const p of info.partitions) {
        const res = await cluster.send(p.leader, ListOffsets, {
          replicaId: -1,
          topics: [{ name, partitions: [{ partitionIndex: p.partition, timestamp: -1n }] }],
        });
        if (res.topics[0].partitions[0].errorCode !== 0) ready = false;
      }
      if (ready) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`topic ${name} has no ready leaders after 10 s`);
}

export async function deleteTopic(cluster: Cluster, name: string): Promise<void> {
  await cluster.send("any", DeleteTopics, {
    topics: [{ name, topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
    topicNames: [name],
    timeoutMs: 30_000,
  });
}

/** One Fetch of one partition from its leader (up to 8 MiB), undecoded. */
export async function fetchPartition(
  cluster: Cluster,
  topic: string,
  partition: number,
  offset: bigint,
  maxWaitMs: number,
): Promise<FetchResponse["responses"][number]["partitions"][number]> {
  const info = await cluster.topic(topic);
  const res = await cluster.send(info.partitions[partition].leader, Fetch, {
    maxWaitMs,
    minBytes: maxWaitMs > 0 ? 1 : 0,
    maxBytes: 32 * 1024 * 1024,
    isolationLevel: 0,
    topics: [{
      topic,
      topicId: info.topicId,
      partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 8 * 1024 * 1024 }],
    }],
  });
  return res.responses[0].partitions[0];
}

/**
 * Reads a partition from offset 0 until `count` records are back (or `timeoutMs` passes); with
 * `count` -1, until the high watermark.
 */
export async function readPartition(
  cluster: Cluster,
  topic: string,
  partition: number,
  count: number,
  timeoutMs = 30_000,
): Promise<KafkaRecord[]> {
  await initCrc32c();
  const out: KafkaRecord[] = [];
  let offset = 0n;
  const deadline = performance.now() + timeoutMs;
  let end = -1n;
  while (count >= 0 ? out.length < count : offset < end || end < 0n) {
    assert.ok(
      performance.now() < deadline,
      `read ${out.length} of ${count} records from ${topic}-${partition}`,
    );
    cluster.invalidate(topic);
    const p = await fetchPartition(cluster, topic, partition, offset, 200);
    if (p.errorCode !== 0) continue; // a leader change: ask again
    end = p.highWatermark;
    for (const batch of decodeRecordBatches(p.records ?? new Uint8Array(0))) {
      for (const r of batch.records) {
        if (r.offset < offset) continue;
        out.push(r);
        offset = r.offset + 1n;
      }
    }
  }
  return out;
}
