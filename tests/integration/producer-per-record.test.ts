// One call per record: produce() with callbacks, send() not awaited through a full buffer, and a writable
// stream aborted with records still in open batches.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import type { RecordMetadata } from "../../src/producer/types.ts";
import { ProducerClosedError } from "../../src/producer/errors.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, readPartition, suiteTopics } from "../helpers/topics.ts";
import { apiKeyOf, wrapSockets } from "../helpers/reset-adapter.ts";

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

  // Requests reference large batches instead of copying them, and a finished batch's buffer is reused:
  // every byte must still arrive as sent, whether the socket gathers the pieces or takes whole frames.
  describe("large batches go out by reference", () => {
    const RECORDS = 800;
    const valueOf = (i: number) => {
      const v = new Uint8Array(2048);
      for (let j = 0; j < v.length; j++) v[j] = (i * 31 + j * 7) & 0xff;
      new DataView(v.buffer).setUint32(0, i);
      return v;
    };
    async function produceAndCheck(name: string, options: Record<string, unknown>): Promise<void> {
      const t = await topic(name, 2);
      // 64 KiB batches, about 25 per partition.
      const producer = new Producer({ bootstrapServers: bootstrap(), batchSize: 64 * 1024, ...options });
      try {
        // In waves: the batches of a wave are built into the buffers the previous wave's batches freed.
        for (let i = 0; i < RECORDS; i++) {
          producer.send({ topic: t, partition: i % 2, value: valueOf(i) });
          if (i % 100 === 99) await producer.flush();
        }
      } finally {
        await producer.close();
      }
      for (const partition of [0, 1]) {
        const back = await readPartition(suite.cluster, t, partition, RECORDS / 2);
        assert.equal(back.length, RECORDS / 2);
        for (let k = 0; k < back.length; k++) {
          assert.deepEqual(
            back[k].value,
            valueOf(2 * k + partition),
            `record ${k} of partition ${partition}`,
          );
        }
      }
    }

    it("through the runtime's socket, which gathers the pieces", () => produceAndCheck("by-ref", {}));

    it("with acks=0, where a batch is done once a socket that holds on to the pieces has them", () => {
      // Accepts at once and writes 20 ms later, as a runtime may under backpressure: were the buffers of
      // batches "done" at acceptance reused, what finally went out would be other batches' bytes.
      const adapter = wrapSockets((socket) => {
        let queue = Promise.resolve();
        const later = (write: () => Promise<void>) => {
          queue = queue.then(() => new Promise((r) => setTimeout(r, 20))).then(write);
          return Promise.resolve();
        };
        return {
          close: () => queue.then(() => socket.close()),
          write: (bytes) => later(() => socket.write(bytes)),
          writev: (chunks) => later(() => socket.writev!(chunks)),
        };
      });
      return produceAndCheck("by-ref-acks0", { acks: 0, adapter });
    });

    it("through an adapter without writev, which is handed whole frames", async () => {
      let produceFrames = 0;
      const torn: number[] = [];
      const adapter = wrapSockets((socket) => ({
        write(bytes) {
          const size = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0);
          if (size + 4 !== bytes.length) torn.push(bytes.length);
          if (apiKeyOf(bytes) === 0) produceFrames++;
          return socket.write(bytes);
        },
      }));
      await produceAndCheck("by-ref-joined", { adapter });
      assert.deepEqual(torn, [], "every write is one whole frame");
      assert.ok(produceFrames > 0);
    });
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
