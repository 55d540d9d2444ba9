// A consumer whose fetch budget holds fewer fetches than it has partition leaders reads every partition,
// through connections reset in the middle of fetch answers: the leaders take turns at the budget, so the
// ones long-polling at the end of empty partitions cannot keep it from a leader with records to fetch.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { clusterBootstrap } from "../helpers/cluster.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { resetMidFetch } from "../helpers/reset-adapter.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const RECORDS = 3_000;
const FETCH_BYTES = 8192;

describe("consumer fetch budget across partition leaders (3 nodes)", () => {
  let cluster: Cluster;
  let topic: string;

  before(async () => {
    cluster = new Cluster({ bootstrapServers: clusterBootstrap() });
    topic = uniqueTopic("fetch-budget");
    await createTopic(cluster, topic, 3, 1);
  });
  after(async () => {
    await deleteTopic(cluster, topic).catch(() => {});
    await cluster.close();
  });

  it("reads a partition whose leader comes last while two others long-poll", async () => {
    const leaders = (await cluster.topic(topic)).partitions.map((p) => p.leader);
    assert.equal(new Set(leaders).size, 3, `one partition per broker, got leaders ${leaders}`);
    const producer = new Producer({ bootstrapServers: clusterBootstrap(), lingerMs: 5 });
    await producer.sendBatch(
      Array.from(
        { length: RECORDS },
        (_, i) => ({ topic, partition: 2, value: String(i).padStart(100, "0") }),
      ),
    );
    await producer.close();

    // Partitions 0 and 1 are empty and come first; the budget holds two fetches, not three.
    const faults = resetMidFetch(7);
    const consumer = new Consumer({
      bootstrapServers: clusterBootstrap(),
      adapter: faults.adapter,
      autoOffsetReset: "earliest",
      fetchMaxBytes: FETCH_BYTES,
      maxPartitionFetchBytes: FETCH_BYTES,
      fetchBufferBytes: 2 * FETCH_BYTES,
      fetchMaxWaitMs: 200,
      requestTimeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    const seen = new Set<number>();
    let read = 0;
    let buffered = -1;
    try {
      consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
      const deadline = performance.now() + 30_000;
      while (seen.size < RECORDS && performance.now() < deadline) {
        for (const r of await consumer.poll(500, 200)) {
          seen.add(Number(new TextDecoder().decode(r.value!)));
          read++;
        }
      }
      // With nobody reading, the long polls in flight come back and are not sent again: nothing is held.
      const settled = performance.now() + 10_000;
      while ((buffered = consumer.metrics().bufferedBytes) > 0 && performance.now() < settled) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await consumer.close();
    }
    console.log(
      `${detectRuntime()}: read ${read} (${seen.size} distinct) of ${RECORDS}, ${faults.resets()} resets`,
    );
    assert.ok(faults.resets() > 0, "connections were reset mid-fetch");
    assert.equal(seen.size, RECORDS, "MISSED: records never read");
    assert.equal(read, RECORDS, "DUP: records read twice");
    assert.equal(buffered, 0, "bufferedBytes once every record is read and no reader waits");
  });
});
