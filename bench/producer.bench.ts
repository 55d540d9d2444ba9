/**
 * The producer's per-record path without the network: partitioning, record preparation, encoding into a
 * batch at append time, and a whole batch from `send`-style records to header and CRC.
 * Run with `deno bench -A bench/producer.bench.ts`; profile one case with `deno bench -A --filter <name>`.
 */
import { initCrc32c } from "../src/codec/crc32c.ts";
import { Accumulator, type PartitionState } from "../src/producer/accumulator.ts";
import { DefaultPartitioner, murmur2 } from "../src/producer/partitioner.ts";
import { RecordPreparer } from "../src/producer/record.ts";
import { PartitionRouter } from "../src/producer/router.ts";
import { RecordBatchBuilder } from "../src/protocol/record-batch.ts";
import type { TopicInfo } from "../src/client/cluster.ts";

await initCrc32c();

const N = 1000;
const value1k = new Uint8Array(1024).fill(97);
const value100 = new Uint8Array(100).fill(97);
const keys = Array.from({ length: N }, (_, i) => new TextEncoder().encode(`user-${i}`));
const info = {
  name: "events",
  partitions: [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, leader: 1 })),
} as unknown as TopicInfo;
const header = { compression: 0, producerId: 1n, producerEpoch: 0, baseSequence: 0, isTransactional: false };

Deno.bench({
  name: "murmur2 of 1000 short keys",
  group: "partitioner",
  fn: () => {
    for (let i = 0; i < N; i++) murmur2(keys[i]);
  },
});

Deno.bench({
  name: "route 1000 unkeyed records (sticky)",
  group: "partitioner",
  fn: () => {
    const acc = new Accumulator();
    const router = new PartitionRouter(new DefaultPartitioner(), acc, 256 * 1024);
    const prepared = { key: null, value: value100, headers: undefined, timestamp: 0, bytes: 121 };
    for (let i = 0; i < N; i++) router.route(info, undefined, prepared, "record");
  },
});

Deno.bench({
  name: "prepare 1000 records (bytes values)",
  group: "prepare",
  fn: () => {
    const p = new RecordPreparer<Uint8Array | string | null, Uint8Array | string | null>({
      keySerializer: undefined,
      valueSerializer: undefined,
      maxRequestSize: 1 << 20,
      bufferMemory: 32 << 20,
    });
    for (let i = 0; i < N; i++) p.prepare({ topic: "events", value: value1k }, "record");
  },
});

for (const [label, value] of [["1 KiB", value1k], ["100 B", value100]] as const) {
  Deno.bench({
    name: `encode 1000 x ${label} at append, then build`,
    group: `append ${label}`,
    baseline: true,
    fn: () => {
      const b = new RecordBatchBuilder(N * (value.length + 16));
      const now = Date.now();
      for (let i = 0; i < N; i++) b.append(null, value, undefined, now);
      b.build(header);
    },
  });

  Deno.bench({
    name: `prepare, route and append 1000 x ${label} through the accumulator`,
    group: `append ${label}`,
    fn: () => {
      const acc = new Accumulator();
      const router = new PartitionRouter(new DefaultPartitioner(), acc, 256 * 1024);
      const p = new RecordPreparer<Uint8Array | string | null, Uint8Array | string | null>({
        keySerializer: undefined,
        valueSerializer: undefined,
        maxRequestSize: 1 << 20,
        bufferMemory: 32 << 20,
      });
      const ack = { settle() {} };
      const states: PartitionState[] = [];
      for (let i = 0; i < N; i++) {
        const prepared = p.prepare({ topic: "events", value }, "record");
        const partition = router.route(info, undefined, prepared, "record");
        const s = acc.state("events", partition);
        if (!states.includes(s)) states.push(s);
        acc.append(s, prepared, prepared.bytes, ack, i, 256 * 1024, 120_000);
      }
      for (const s of states) for (const batch of s.queue) batch.builder.build(header);
    },
  });
}
