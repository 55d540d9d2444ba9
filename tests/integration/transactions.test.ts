// Transactions against a real broker, with KIP-890's protocol (which Kafka 4 offers) and the classic one
// (forced through the test hook): visibility to read_committed, offsets committed with a transaction,
// fencing, the state machine's refusals, and the transaction() helper.
import { ApiTimeoutError } from "../../src/client/errors.ts";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { Producer } from "../../src/producer/producer.ts";
import {
  ProducerFencedError,
  TransactionAbortedError,
  TransactionStateError,
} from "../../src/producer/errors.ts";
import { FORCE_CLASSIC_TRANSACTIONS } from "../../src/producer/transactions.ts";
import type { ProducerOptions } from "../../src/producer/types.ts";
import { AddPartitionsToTxn } from "../../src/protocol/messages/add-partitions-to-txn.ts";
import { AddOffsetsToTxn } from "../../src/protocol/messages/add-offsets-to-txn.ts";
import { EndTxn } from "../../src/protocol/messages/end-txn.ts";
import { KafkaError } from "../../src/protocol/errors.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";
import { countingAdapter, endTxnAnswering, readTopic, values } from "../helpers/transactions.ts";

const PROTOCOLS = [
  { name: "KIP-890 (transaction.version 2)", classic: false },
  { name: "classic (AddPartitionsToTxn)", classic: true },
];

describe("transactions against a real broker", () => {
  let cluster: Cluster;
  const topics: string[] = [];
  const open: Producer[] = [];

  before(() => {
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const p of open) await p.close().catch(() => {});
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  async function topic(prefix: string, partitions = 3): Promise<string> {
    const name = uniqueTopic(prefix);
    topics.push(name);
    await createTopic(cluster, name, partitions);
    return name;
  }

  function producer(
    transactionalId: string,
    classic: boolean,
    extra: Partial<ProducerOptions> = {},
  ): Producer {
    const options = { bootstrapServers: bootstrap(), transactionalId, lingerMs: 2, ...extra };
    const p = new Producer(
      classic ? { ...options, [FORCE_CLASSIC_TRANSACTIONS]: true } as ProducerOptions : options,
    );
    open.push(p);
    return p;
  }

  for (const { name, classic } of PROTOCOLS) {
    describe(name, () => {
      it("commits records visible to read_committed and aborts records that only read_uncommitted sees", async () => {
        const t = await topic("txn-visibility");
        const counter = await countingAdapter();
        const p = producer(uniqueTopic("txid"), classic, { adapter: counter.adapter });
        await p.initTransactions();
        p.beginTransaction();
        await p.sendBatch(
          Array.from({ length: 30 }, (_, i) => ({ topic: t, key: `k${i}`, value: `committed-${i}` })),
        );
        await p.commitTransaction();
        p.beginTransaction();
        const aborted = Array.from(
          { length: 20 },
          (_, i) => p.send({ topic: t, key: `k${i}`, value: `aborted-${i}` }),
        );
        await Promise.all(aborted);
        await p.abortTransaction();
        p.beginTransaction();
        await p.send({ topic: t, partition: 0, value: "after-abort" });
        await p.commitTransaction();

        const committed = values(await readTopic(t, 3, "read_committed")).sort();
        const want = [...Array.from({ length: 30 }, (_, i) => `committed-${i}`), "after-abort"].sort();
        assert.deepEqual(committed, want);
        const all = values(await readTopic(t, 3, "read_uncommitted"));
        assert.equal(all.length, 51);
        assert.equal(all.filter((v) => v.startsWith("aborted-")).length, 20);

        // The classic protocol adds partitions and ends each transaction; KIP-890's never adds them.
        if (classic) assert.ok(counter.count(AddPartitionsToTxn.key) >= 3, "AddPartitionsToTxn sent");
        else assert.equal(counter.count(AddPartitionsToTxn.key), 0);
        assert.equal(counter.count(EndTxn.key), 3);
      });

      it("records sent before commitTransaction are committed, even those still waiting for metadata", async () => {
        const t = await topic("txn-commit-waits");
        const p = producer(uniqueTopic("txid"), classic);
        await p.initTransactions();
        p.beginTransaction();
        // The producer has no metadata for the new topic yet: these wait for it when the commit starts.
        const sends = Array.from({ length: 50 }, (_, i) => p.send({ topic: t, value: `early-${i}` }));
        await p.commitTransaction();
        const mds = await Promise.all(sends);
        assert.equal(mds.length, 50);
        const committed = values(await readTopic(t, 3, "read_committed"));
        assert.deepEqual(committed.sort(), Array.from({ length: 50 }, (_, i) => `early-${i}`).sort());
      });

      it("a record that cannot be sent (its topic is refused) fails the transaction, as in the Java client", async () => {
        const t = await topic("txn-refused-topic");
        const p = producer(uniqueTopic("txid"), classic);
        await p.initTransactions();
        p.beginTransaction();
        const good = p.send({ topic: t, value: "lost-with-the-transaction" });
        await assert.rejects(p.send({ topic: "not a valid topic!", value: "x" }), /INVALID_TOPIC_EXCEPTION/);
        await assert.rejects(p.commitTransaction(), /INVALID_TOPIC_EXCEPTION/);
        await p.abortTransaction();
        await good.catch(() => {}); // sent with the transaction, or dropped by the abort: either way not committed
        p.beginTransaction();
        await p.send({ topic: t, value: "next" });
        await p.commitTransaction();
        assert.deepEqual(values(await readTopic(t, 3, "read_committed")), ["next"]);
      });

      it("gzip batches (compressed asynchronously where the runtime can) are in the transaction they were sent in", async () => {
        const t = await topic("txn-gzip");
        const p = producer(uniqueTopic("txid"), classic, { compression: "gzip", batchSize: 64 * 1024 });
        await p.initTransactions();
        const big = (tag: string, i: number) => `${tag}-${i} ` + `${i * 7919} `.repeat(200);
        // Sends not awaited: commit and abort must wait for batches still being compressed.
        p.beginTransaction();
        const kept = Array.from({ length: 600 }, (_, i) => p.send({ topic: t, value: big("kept", i) }));
        await p.commitTransaction();
        await Promise.all(kept);
        p.beginTransaction();
        const dropped = Array.from({ length: 600 }, (_, i) => p.send({ topic: t, value: big("dropped", i) }));
        await Promise.all(dropped);
        await p.abortTransaction();
        const committed = values(await readTopic(t, 3, "read_committed"));
        assert.deepEqual(committed.sort(), Array.from({ length: 600 }, (_, i) => big("kept", i)).sort());
      });

      it("commits consumer offsets with the transaction, and not when it aborts", async () => {
        const t = await topic("txn-offsets");
        const groupId = uniqueTopic("txn-group");
        const counter = await countingAdapter();
        const p = producer(uniqueTopic("txid"), classic, { adapter: counter.adapter });
        const consumer = new Consumer({ bootstrapServers: bootstrap(), groupId, enableAutoCommit: false });
        try {
          await p.initTransactions();
          const group = consumer.groupMetadata();
          assert.deepEqual(group, { groupId, generationId: -1, memberId: "", groupInstanceId: null });
          p.beginTransaction();
          await p.send({ topic: t, value: "x" });
          await p.sendOffsetsToTransaction([{ topic: t, partition: 1, offset: 7n }], group);
          await p.abortTransaction();
          const tp = { topic: t, partition: 1 };
          assert.equal((await consumer.committed([tp])).get(`${t}:1`), null);

          p.beginTransaction();
          await p.sendOffsetsToTransaction([{ topic: t, partition: 1, offset: 42n, metadata: "m" }], group);
          await p.commitTransaction();
          // The coordinator writes the commit markers after EndTxn returns: the offsets show up soon after.
          let c = (await consumer.committed([tp])).get(`${t}:1`);
          for (let i = 0; i < 100 && !c; i++) {
            await new Promise((r) => setTimeout(r, 100));
            c = (await consumer.committed([tp])).get(`${t}:1`);
          }
          assert.equal(c?.offset, 42n);
          assert.equal(c?.metadata, "m");
          if (classic) assert.equal(counter.count(AddOffsetsToTxn.key), 2);
          else assert.equal(counter.count(AddOffsetsToTxn.key), 0);
        } finally {
          await consumer.close();
        }
      });

      it("fences a zombie: a second producer with the same id aborts the first one's transaction", async () => {
        const t = await topic("txn-zombie", 1);
        const id = uniqueTopic("txid");
        const first = producer(id, classic);
        await first.initTransactions();
        first.beginTransaction();
        await first.sendBatch([{ topic: t, value: "zombie-1" }, { topic: t, value: "zombie-2" }]);

        const second = producer(id, classic);
        await second.initTransactions(); // aborts the first one's open transaction
        await assert.rejects(first.commitTransaction(), ProducerFencedError);
        assert.throws(() => first.beginTransaction(), ProducerFencedError);
        await assert.rejects(first.send({ topic: t, value: "late" }), ProducerFencedError);
        await assert.rejects(first.initTransactions(), ProducerFencedError);

        second.beginTransaction();
        await second.send({ topic: t, value: "successor" });
        await second.commitTransaction();
        assert.deepEqual(values(await readTopic(t, 1, "read_committed")), ["successor"]);
        assert.equal((await readTopic(t, 1, "read_uncommitted")).length, 3);
        await first.close(); // still closes
      });

      it("a record the broker refuses fails the transaction; aborting it bumps the epoch and goes on", async () => {
        const t = await topic("txn-abortable", 1);
        const p = producer(uniqueTopic("txid"), classic, { maxRequestSize: 4_000_000 });
        await p.initTransactions();
        p.beginTransaction();
        const sent = p.send({ topic: t, value: "ok" });
        await assert.rejects(
          p.send({ topic: t, value: "x".repeat(2_000_000) }),
          /MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/,
        );
        await sent.catch(() => {});
        await assert.rejects(p.commitTransaction(), (e) => e instanceof TransactionStateError && e.abortable);
        await assert.rejects(p.send({ topic: t, value: "y" }), /call abortTransaction\(\)/);
        await p.abortTransaction();
        // Sequences start again under the new epoch: later transactions on the same partition go through.
        for (let i = 0; i < 3; i++) {
          p.beginTransaction();
          await p.sendBatch([{ topic: t, value: `recovered-${i}a` }, { topic: t, value: `recovered-${i}b` }]);
          await p.commitTransaction();
        }
        assert.deepEqual(values(await readTopic(t, 1, "read_committed")), [
          "recovered-0a",
          "recovered-0b",
          "recovered-1a",
          "recovered-1b",
          "recovered-2a",
          "recovered-2b",
        ]);
      });

      it("writable() inside a transaction: piped records commit with it", async () => {
        const t = await topic("txn-writable", 2);
        const p = producer(uniqueTopic("txid"), classic);
        await p.initTransactions();
        p.beginTransaction();
        const records = Array.from({ length: 500 }, (_, i) => ({ topic: t, key: `k${i}`, value: `w-${i}` }));
        await ReadableStream.from(records).pipeTo(p.writable());
        await p.commitTransaction();
        p.beginTransaction();
        await ReadableStream.from([{ topic: t, value: "dropped" }]).pipeTo(p.writable());
        await p.abortTransaction();
        assert.equal(
          values(await readTopic(t, 2, "read_committed")).sort().join(),
          records.map((r) => r.value).sort().join(),
        );
      });

      it("runs transaction(fn): commits what fn sent, aborts and rethrows when fn throws", async () => {
        const t = await topic("txn-helper", 1);
        const p = producer(uniqueTopic("txid"), classic);
        const n = await p.transaction(async (tx) => {
          await tx.sendBatch([{ topic: t, value: "a" }, { topic: t, value: "b" }]);
          return 2;
        });
        assert.equal(n, 2);
        const boom = new Error("boom");
        await assert.rejects(
          p.transaction(async (tx) => {
            await tx.send({ topic: t, value: "never" });
            throw boom;
          }),
          (e) => e === boom,
        );
        await p.transaction((tx) => tx.send({ topic: t, value: "c" }));
        assert.deepEqual(values(await readTopic(t, 1, "read_committed")), ["a", "b", "c"]);
      });
    });
  }

  it("refuses calls in the wrong state, naming it", async () => {
    const t = await topic("txn-states", 1);
    const p = producer(uniqueTopic("txid"), false);
    assert.throws(() => p.beginTransaction(), /not initialized: call initTransactions\(\) first/);
    await assert.rejects(p.send({ topic: t, value: "x" }), /not initialized/);
    await p.initTransactions();
    await assert.rejects(p.send({ topic: t, value: "x" }), (e) => {
      assert.ok(e instanceof TransactionStateError);
      assert.match(e.message, /cannot send outside a transaction: .* ready, with no transaction open/);
      return true;
    });
    await assert.rejects(p.commitTransaction(), /cannot commit the transaction: .* ready/);
    const group = { groupId: "g", generationId: -1, memberId: "", groupInstanceId: null };
    await assert.rejects(
      p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 1n }], group),
      /cannot send offsets outside a transaction: .* ready/,
    );
    await assert.rejects(p.initTransactions(), /cannot initialize transactions: .* ready/);
    p.beginTransaction();
    assert.throws(() => p.beginTransaction(), /cannot begin a transaction: .* in a transaction/);

    // A record to a partition that does not exist fails at the call, and the transaction goes on.
    await assert.rejects(p.send({ topic: t, partition: 5, value: "x" }), RangeError);
    await p.send({ topic: t, value: "kept" });
    await p.commitTransaction();
    assert.deepEqual(values(await readTopic(t, 1, "read_committed")), ["kept"]);
  });

  it("INVALID_TXN_STATE from the coordinator ends the producer, as in the Java client: only close() is left", async () => {
    const t = await topic("txn-invalid-state", 1);
    const { adapter, rewritten } = endTxnAnswering(48);
    const p = producer(uniqueTopic("txid"), false, { adapter });
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: t, value: "x" });
    const isInvalidTxnState = (e: unknown) => e instanceof KafkaError && e.code === 48 && !e.retriable;
    await assert.rejects(p.commitTransaction(), isInvalidTxnState);
    assert.equal(rewritten(), 1);
    // Not abortable: abort, a new transaction and sends all fail with the same error.
    await assert.rejects(p.abortTransaction(), isInvalidTxnState);
    assert.throws(() => p.beginTransaction(), isInvalidTxnState);
    await assert.rejects(p.send({ topic: t, value: "y" }), isInvalidTxnState);
    await p.close();
  });

  it("abortTransaction drops records not yet sent, and each gets a TransactionAbortedError", async () => {
    const t = await topic("txn-drop", 1);
    const reports: (Error | null)[] = [];
    const p = producer(uniqueTopic("txid"), false, {
      lingerMs: 60_000,
      batchSize: 1_000_000,
      onDelivery: (e) => reports.push(e),
    });
    await p.initTransactions();
    p.beginTransaction();
    const pending = Array.from({ length: 5 }, (_, i) => p.send({ topic: t, value: `held-${i}` }));
    await new Promise((r) => setTimeout(r, 50));
    await p.abortTransaction();
    for (const s of pending) await assert.rejects(s, TransactionAbortedError);
    assert.equal(reports.length, 5);
    assert.ok(reports.every((e) => e instanceof TransactionAbortedError));
    assert.equal((await readTopic(t, 1, "read_uncommitted")).length, 0);
  });

  it("offsets from a member whose generation has passed fail the transaction, which abort recovers", async () => {
    const t = await topic("txn-generation", 1);
    const groupId = uniqueTopic("txn-gen-group");
    const consumer = new Consumer({ bootstrapServers: bootstrap(), groupId, enableAutoCommit: false });
    const p = producer(uniqueTopic("txid"), false);
    try {
      consumer.subscribe([t]);
      const deadline = performance.now() + 30_000;
      while (consumer.assignment().length === 0 && performance.now() < deadline) await consumer.poll(100);
      const member = consumer.groupMetadata();
      assert.ok(member.generationId >= 1 && member.memberId !== "", JSON.stringify(member));
      await p.initTransactions();
      p.beginTransaction();
      await p.send({ topic: t, value: "fenced-offsets" });
      const stale = { ...member, generationId: member.generationId + 1 }; // as after a rebalance
      await assert.rejects(
        p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 1n }], stale),
        /ILLEGAL_GENERATION/,
      );
      await assert.rejects(p.commitTransaction(), (e) => e instanceof TransactionStateError && e.abortable);
      await p.abortTransaction();
      p.beginTransaction();
      await p.send({ topic: t, value: "next" });
      await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 2n }], consumer.groupMetadata());
      await p.commitTransaction();
      assert.deepEqual(values(await readTopic(t, 1, "read_committed")), ["next"]);
    } finally {
      await consumer.close();
    }
  });

  it("close() aborts an open transaction, so read_committed readers are not held up", async () => {
    const t = await topic("txn-close", 1);
    const p = producer(uniqueTopic("txid"), false);
    await p.initTransactions();
    p.beginTransaction();
    await p.send({ topic: t, value: "left open" });
    await p.close();
    const next = producer(uniqueTopic("txid"), false);
    await next.transaction((tx) => tx.send({ topic: t, value: "after" }));
    // An open transaction would pin the last stable offset before "after" until it timed out.
    assert.deepEqual(values(await readTopic(t, 1, "read_committed")), ["after"]);
    assert.deepEqual(values(await readTopic(t, 1, "read_uncommitted")), ["left open", "after"]);
  });

  it("a read_committed consumer waits for offsets a transaction holds, then starts from them", async () => {
    const t = await topic("txn-stable", 1);
    const groupId = uniqueTopic("txn-stable-group");
    const p = producer(uniqueTopic("txid"), false);
    await p.initTransactions();
    await p.transaction(async (tx) => {
      for (let i = 0; i < 10; i++) await tx.send({ topic: t, partition: 0, value: `v${i}` });
    });
    const tp = { topic: t, partition: 0 };
    const options = { bootstrapServers: bootstrap(), groupId, enableAutoCommit: false };
    const committed = new Consumer({
      ...options,
      isolationLevel: "read_committed",
      autoOffsetReset: "earliest",
      defaultApiTimeoutMs: 1_500,
    });
    const uncommitted = new Consumer({ ...options, autoOffsetReset: "earliest" });
    try {
      p.beginTransaction();
      await p.sendOffsetsToTransaction([{ topic: t, partition: 0, offset: 6n }], committed.groupMetadata());
      // While the transaction is open, a read_committed consumer gets no position from the group (the offset
      // may still become 6), so it reads nothing; a read_uncommitted one sees no commit and starts at 0.
      committed.assign([tp]);
      uncommitted.assign([tp]);
      assert.deepEqual((await uncommitted.poll(5000, 1)).map((r) => r.offset), [0n]);
      assert.deepEqual(await committed.poll(1500), []);
      // committed() retries the retriable UNSTABLE_OFFSET_COMMIT until its time is up, as the Java client does.
      const unstable = await committed.committed([tp]).then(() => undefined, (e) => e);
      assert.ok(unstable instanceof ApiTimeoutError, `expected an ApiTimeoutError, got ${String(unstable)}`);
      assert.match(String(unstable.cause), /UNSTABLE_OFFSET_COMMIT/);
      await p.commitTransaction();
      const first = await committed.poll(10_000, 1);
      assert.deepEqual(first.map((r) => [r.offset, values([r])[0]]), [[6n, "v6"]]);
      assert.equal((await committed.committed([tp])).get(`${t}:0`)?.offset, 6n);
    } finally {
      await committed.close();
      await uncommitted.close();
    }
  });

  it("rejects transactionalId with idempotent: false, naming both", () => {
    assert.throws(
      () => new Producer({ bootstrapServers: bootstrap(), transactionalId: "x", idempotent: false }),
      /transactional producer is idempotent: drop idempotent: false/,
    );
    assert.throws(
      () => new Producer({ bootstrapServers: bootstrap(), transactionalId: "x", acks: 1 }),
      /a transactional producer needs acks "all", got acks 1/,
    );
    assert.throws(
      () => new Producer({ bootstrapServers: bootstrap() }).beginTransaction(),
      /beginTransaction\(\) needs a transactional producer: set the transactionalId option/,
    );
  });
});
