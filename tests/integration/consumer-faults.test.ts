// A consumer with small fetches reads every record once through connections reset in the middle of fetch
// answers, and once nobody reads, the fetched bytes it holds (buffered answers and the size limits of
// fetches in flight) come back to 0: failed fetches leave nothing counted behind.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { resetMidFetch } from "../helpers/reset-adapter.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";

const PARTITIONS = 6;
const RECORDS = 10_000;

describe("consumer through connection resets", () => {
  let cluster: Cluster;
  const topics: string[] = [];

  before(() => {
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  it("reads every record with a 16 KiB fetchMaxBytes and holds no bytes at the end", async () => {
    const topic = uniqueTopic("reset-fetch");
    topics.push(topic);
    await createTopic(cluster, topic, PARTITIONS, 1);
    const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 5 });
    await producer.sendBatch(Array.from({ length: RECORDS }, (_, i) => ({ topic, value: String(i) })));
    await producer.close();

    const faults = resetMidFetch(5);
    const consumer = new Consumer({
      bootstrapServers: bootstrap(),
      adapter: faults.adapter,
      autoOffsetReset: "earliest",
      fetchMaxBytes: 16 * 1024,
      maxPartitionFetchBytes: 4096,
      fetchMaxWaitMs: 200,
      requestTimeoutMs: 2_000,
      connectTimeoutMs: 2_000,
    });
    const copies = new Map<number, number>();
    let read = 0;
    let buffered = -1;
    try {
      consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
      const deadline = performance.now() + 30_000;
      while (copies.size < RECORDS && performance.now() < deadline) {
        for (const r of await consumer.poll(500, 200)) {
          const i = Number(new TextDecoder().decode(r.value!));
          copies.set(i, (copies.get(i) ?? 0) + 1);
          read++;
        }
      }
      // With nobody reading, the long polls in flight come back and are not sent again.
      const settled = performance.now() + 10_000;
      while ((buffered = consumer.metrics().bufferedBytes) > 0 && performance.now() < settled) {
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await consumer.close();
    }
    console.log(`${detectRuntime()}: read ${read} (${copies.size} distinct), ${faults.resets()} resets`);
    assert.ok(faults.resets() > 0, "connections were reset mid-fetch");
    assert.equal(copies.size, RECORDS, "MISSED: records never read");
    assert.equal(read, RECORDS, "DUP: records read twice");
    assert.equal(buffered, 0, "bufferedBytes once every record is read and no reader waits");
  });
});
