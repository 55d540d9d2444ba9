// One call per record: produce() with callbacks, send() not awaited through a full buffer, and a writable
// stream aborted with records still in open batches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import type { RecordMetadata } from "../../src/producer/types.ts";
import { ProducerClosedError } from "../../src/producer/errors.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, readPartition, suiteTopics } from "../helpers/topics.ts";

const dec = new TextDecoder();

describe("producer, one call per record", () => {
  const suite = suiteTopics();
  async function topic(name: string, partitions: number): Promise<string> {
    const t = uniqueTopic(name);
    suite.track(t);
    await createTopic(suite.cluster, t, partitions);
    return t;
  }

  it("produce() reports each record once through its callback and onDelivery; flush() waits", async () => {
    const t = await topic("produce-callback", 3);
    const reported: RecordMetadata[] = [];
    let delivered = 0;
    const producer = new Producer({ bootstrapServers: bootstrap(), onDelivery: () => delivered++ });
    try {
      for (let i = 0; i < 500; i++) {
        producer.produce({ topic: t, key: `k${i % 10}`, value: `v${i}` }, (err, md) => {
          assert.equal(err, null);
          reported.push(md!);
        });
      }
      producer.produce({ topic: t, value: "no callback" });
      assert.equal(await producer.flush(), 0);
      assert.equal(reported.length, 500);
      assert.equal(delivered, 501);
      // Offsets per partition are consecutive from 0 in produce order.
      const next = new Map<number, bigint>();
      for (const md of reported) {
        assert.equal(md.offset, next.get(md.partition) ?? 0n);
        next.set(md.partition, md.offset + 1n);
      }
    } finally {
      await producer.close();
    }
  });

  it("produce() throws at the call for bad input, naming the field, and after close", async () => {
    const t = await topic("produce-bad", 1);
    const producer = new Producer({ bootstrapServers: bootstrap() });
    assert.throws(
      () => producer.produce({ topic: t, value: 42 as unknown as string }),
      /record\.value must be/,
    );
    assert.throws(
      () => producer.produce({ topic: "", value: "x" }),
      /record\.topic must be a non-empty string/,
    );
    assert.throws(
      () => producer.produce({ topic: t, value: "x" }, "nope" as unknown as () => void),
      /callback must be a function/,
    );
    await producer.close();
    assert.throws(() => producer.produce({ topic: t, value: "x" }), ProducerClosedError);
  });

  it("send() per record, not awaited, through a buffer far smaller than the records: all written, in order", async () => {
    const t = await topic("send-flood", 2);
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      bufferMemory: 64 * 1024,
      batchSize: 16 * 1024,
    });
    const value = new Uint8Array(1000);
    const sends: Promise<RecordMetadata>[] = [];
    try {
      for (let i = 0; i < 3000; i++) {
        sends.push(producer.send({ topic: t, partition: i % 2, value, key: `${i}` }));
      }
      const mds = await Promise.all(sends);
      for (let i = 0; i < mds.length; i++) {
        assert.equal(mds[i].partition, i % 2);
        assert.equal(mds[i].offset, BigInt(Math.floor(i / 2)));
      }
      assert.equal(producer.metrics().bufferBytesInUse, 0);
    } finally {
      await producer.close();
    }
    const back = await readPartition(suite.cluster, t, 1, 1500);
    assert.deepEqual(back.slice(0, 3).map((r) => dec.decode(r.key!)), ["1", "3", "5"]);
  });

  it("an aborted writable drops its records from open batches and keeps the others'", async () => {
    const t = await topic("abort-mixed", 1);
    const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 60_000, batchSize: 1 << 20 });
    try {
      const warm = producer.send({ topic: t, value: "warm-up" });
      await producer.flush();
      await warm;
      const writer = producer.writable().getWriter();
      const kept: Promise<RecordMetadata>[] = [];
      for (let i = 0; i < 10; i++) {
        await writer.write({ topic: t, value: `stream-${i}` });
        kept.push(producer.send({ topic: t, value: `send-${i}` }));
      }
      await writer.abort(new Error("stop"));
      await producer.flush();
      const mds = await Promise.all(kept);
      assert.deepEqual(mds.map((m) => m.offset), Array.from({ length: 10 }, (_, i) => BigInt(i + 1)));
    } finally {
      await producer.close();
    }
    const back = await readPartition(suite.cluster, t, 0, 11);
    assert.deepEqual(
      back.map((r) => dec.decode(r.value!)),
      ["warm-up", ...Array.from({ length: 10 }, (_, i) => `send-${i}`)],
    );
  });
});
