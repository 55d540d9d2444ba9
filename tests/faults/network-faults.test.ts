// Network faults between the client and every broker, injected by Toxiproxy (a real TCP proxy): latency,
// connections cut with a TCP reset after a request went out (mid-Produce, mid-Fetch), and a few seconds of
// silence with request timeouts set to match. The producer acknowledges every record exactly once (its
// retries are deduplicated by idempotence); the consumer reads every record once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { clusterBootstrap } from "../helpers/cluster.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { produceThroughFault, RunTracker } from "../helpers/fault-run.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";
import { type Toxic, Toxiproxy } from "../helpers/toxiproxy.ts";

const PARTITIONS = 6;
const RECORDS = 10_000;
const DELIVERY_TIMEOUT_MS = 30_000;

/** Each fault: the toxic, when it starts (records sent or read) and how long it stays. */
const FAULTS: { name: string; toxic: Toxic; forMs: number }[] = [
  {
    name: "latency of 100 ms (±50) on every answer",
    toxic: { name: "latency", type: "latency", attributes: { latency: 100, jitter: 50 } },
    forMs: 3_000,
  },
  {
    // Answers are cut with a TCP reset: the request reached the broker, its answer never comes back.
    name: "connections reset after the request went out",
    toxic: { name: "reset", type: "reset_peer", attributes: { timeout: 0 } },
    forMs: 1_000,
  },
  {
    name: "3 s of silence (nothing comes back, connections stay open)",
    toxic: { name: "silence", type: "timeout", attributes: { timeout: 0 } },
    forMs: 3_000,
  },
];

describe("network faults through Toxiproxy (3 nodes)", () => {
  let cluster: Cluster;
  let proxy: Toxiproxy;
  const topics: string[] = [];

  before(async () => {
    cluster = new Cluster({ bootstrapServers: clusterBootstrap() });
    proxy = await Toxiproxy.start(clusterBootstrap().split(","));
  });
  after(async () => {
    await proxy.stop();
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  /** Applies the fault for its time; resolves once it is removed. */
  async function inject(f: (typeof FAULTS)[number]): Promise<void> {
    await proxy.add(f.toxic);
    await new Promise((r) => setTimeout(r, f.forMs));
    await proxy.remove(f.toxic.name);
  }

  for (const f of FAULTS) {
    it(`producer: ${f.name}`, async () => {
      const topic = uniqueTopic("net-produce");
      topics.push(topic);
      await createTopic(cluster, topic, PARTITIONS, 3, [{ name: "min.insync.replicas", value: "2" }]);
      const producer = new Producer({
        bootstrapServers: proxy.bootstrap,
        adapter: proxy.adapter(),
        lingerMs: 5,
        deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
        requestTimeoutMs: 2_000,
        connectTimeoutMs: 2_000,
      });
      const tracker = new RunTracker(DELIVERY_TIMEOUT_MS, 5);
      await produceThroughFault({
        producer,
        tracker,
        topic,
        total: RECORDS,
        perSecond: 3_000,
        settleMs: DELIVERY_TIMEOUT_MS + 10_000,
        fault: () => inject(f),
      });
      const m = producer.metrics();
      const c = await tracker.verify(cluster, topic, PARTITIONS);
      console.log(`${detectRuntime()} producer, ${f.name}: ${JSON.stringify(c)}; retries ${m.retries}`);
      assert.equal(c.hung, 0, "HUNG");
      assert.equal(c.lost, 0, "LOST");
      assert.equal(c.dup, 0, "DUP");
      assert.equal(c.early, 0, "records failed with delivery time left");
      assert.equal(c.acked, RECORDS, `every record acknowledged; failures ${JSON.stringify(c.failedBy)}`);
      assert.equal(c.read, RECORDS, "each record in the log once");
    });
  }

  for (const f of FAULTS) {
    it(`consumer: ${f.name}`, async () => {
      const topic = uniqueTopic("net-fetch");
      topics.push(topic);
      await createTopic(cluster, topic, PARTITIONS, 3);
      const producer = new Producer({ bootstrapServers: clusterBootstrap(), lingerMs: 5 });
      await producer.sendBatch(Array.from({ length: RECORDS }, (_, i) => ({ topic, value: String(i) })));
      await producer.close();

      // Small fetches per partition, read slowly, so that the fault lands in the middle of fetching.
      const consumer = new Consumer({
        bootstrapServers: proxy.bootstrap,
        adapter: proxy.adapter(),
        autoOffsetReset: "earliest",
        maxPartitionFetchBytes: 4096,
        fetchMaxWaitMs: 200,
        requestTimeoutMs: 2_000,
        connectTimeoutMs: 2_000,
      });
      consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
      const copies = new Map<number, number>();
      let read = 0;
      let faulted: Promise<void> | undefined;
      const deadline = performance.now() + 30_000;
      try {
        while (copies.size < RECORDS && performance.now() < deadline) {
          for (const r of await consumer.poll(500, 200)) {
            const i = Number(new TextDecoder().decode(r.value!));
            copies.set(i, (copies.get(i) ?? 0) + 1);
            read++;
          }
          if (read >= RECORDS / 5 && !faulted) faulted = inject(f);
          await new Promise((r) => setTimeout(r, 10));
        }
      } finally {
        try {
          await faulted;
        } finally {
          await consumer.close();
        }
      }
      const dup = read - copies.size;
      console.log(
        `${detectRuntime()} consumer, ${f.name}: ${JSON.stringify({ read, distinct: copies.size, dup })}`,
      );
      assert.ok(faulted, "the fault was injected while reading");
      assert.equal(copies.size, RECORDS, "MISSED: records never read");
      assert.equal(dup, 0, "DUP: records read twice");
    });
  }
});
