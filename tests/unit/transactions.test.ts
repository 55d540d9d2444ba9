// The transaction state machine, the KIP-360 epoch bump and the checks of the transactional calls,
// without a broker.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { Accumulator } from "../../src/producer/accumulator.ts";
import { ProducerFencedError, TransactionStateError } from "../../src/producer/errors.ts";
import { Idempotence } from "../../src/producer/idempotence.ts";
import { Producer } from "../../src/producer/producer.ts";
import { fenced, TransactionState } from "../../src/producer/transaction-state.ts";
import { checkOffsets } from "../../src/producer/transaction-types.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";

const adapter: SocketAdapter = { connect: () => Promise.reject(new Error("this test never connects")) };
const bootstrapServers = "127.0.0.1:1";
const group = { groupId: "g", generationId: 3, memberId: "m", groupInstanceId: null };

describe("transaction state machine", () => {
  it("goes through a transaction's life and refuses calls out of turn, naming the state", () => {
    const s = new TransactionState();
    assert.equal(s.name, "uninitialized");
    assert.throws(
      () => s.checkSend(),
      /cannot send outside a transaction: .* not initialized: call initTransactions/,
    );
    assert.throws(() => s.to("in-transaction", "begin a transaction"), (e) => {
      assert.ok(e instanceof TransactionStateError);
      assert.equal(e.abortable, false);
      assert.equal(e.retriable, false);
      return /cannot begin a transaction: the transactional producer is not initialized/.test(e.message);
    });
    s.to("initializing", "initialize transactions");
    s.to("uninitialized", "retry initTransactions"); // InitProducerId timed out
    s.to("initializing", "initialize transactions");
    s.to("ready", "initialize transactions");
    assert.throws(() => s.to("committing", "commit the transaction"), /ready, with no transaction open/);
    s.to("in-transaction", "begin a transaction");
    s.checkSend();
    assert.throws(
      () => s.to("in-transaction", "begin a transaction"),
      /cannot begin a transaction: .* in a transaction/,
    );
    s.to("committing", "commit the transaction");
    assert.throws(() => s.checkSend(), /committing a transaction/);
    s.to("ready", "commit the transaction");
    s.to("in-transaction", "begin a transaction");
    s.to("aborting", "abort the transaction");
    s.to("initializing", "bump the producer epoch"); // KIP-360 after an abort
    s.to("ready", "abort the transaction");
  });

  it("an abortable error refuses everything but abort, which makes the producer usable again", () => {
    const s = new TransactionState();
    s.to("initializing", "x");
    s.to("ready", "x");
    assert.equal(s.abortable(new Error("not in a transaction")), false); // nothing to fail
    s.to("in-transaction", "x");
    const cause = new Error("MESSAGE_TOO_LARGE");
    assert.equal(s.abortable(cause), true);
    assert.equal(s.name, "abortable-error");
    assert.equal(s.error, cause);
    for (const f of [() => s.checkSend(), () => s.to("committing", "commit the transaction")]) {
      assert.throws(f, (e) => {
        assert.ok(e instanceof TransactionStateError);
        assert.equal(e.abortable, true);
        assert.equal(e.cause, cause);
        return /the transaction failed \(MESSAGE_TOO_LARGE\); call abortTransaction\(\)/.test(e.message);
      });
    }
    s.to("aborting", "abort the transaction");
    assert.equal(s.abortable(new Error("late")), false); // the abort goes on
    s.to("ready", "abort the transaction");
    assert.equal(s.error, undefined);
    s.to("in-transaction", "begin a transaction");
  });

  it("fencing is for good: every later call fails with the same ProducerFencedError", () => {
    const s = new TransactionState();
    s.to("initializing", "x");
    s.to("ready", "x");
    s.to("in-transaction", "x");
    const err = fenced("orders-1");
    assert.ok(err instanceof ProducerFencedError);
    assert.equal(err.retriable, false);
    assert.match(err.message, /another producer with transactionalId "orders-1" has started/);
    s.fatalError(err);
    s.fatalError(new Error("second")); // the first fatal error stays
    assert.equal(s.fatal, true);
    assert.equal(s.abortable(new Error("x")), false);
    for (const to of ["aborting", "ready", "in-transaction", "initializing"] as const) {
      assert.throws(() => s.to(to, "anything"), (e) => e === err);
    }
    assert.throws(() => s.checkSend(), (e) => e === err);
  });
});

describe("epoch bump (KIP-360)", () => {
  it("bumps the epoch of an idempotent producer, restarts sequences and hands back sent batches", () => {
    const cluster = new Cluster({ bootstrapServers, adapter });
    const acc = new Accumulator();
    const idem = new Idempotence(true, cluster, 1000);
    idem.producerId = 7n;
    idem.epoch = 4;
    const s = acc.state("t", 0);
    const rec = { key: null, value: null, timestamp: 0 };
    acc.append(s, rec, 30, null, 0, 10, 1000);
    acc.append(s, rec, 30, null, 0, 10, 1000);
    s.queue[0].encoded = new Uint8Array(1); // sent before, under epoch 4
    s.nextSequence = 9;
    s.acked = true;
    const failed: unknown[] = [];
    assert.equal(idem.bumpEpoch(acc.states(), (_st, b) => failed.push(b)), false);
    assert.equal(idem.producerId, 7n);
    assert.equal(idem.epoch, 5);
    assert.equal(s.nextSequence, 0);
    assert.equal(s.acked, false);
    assert.equal(failed.length, 1);
    assert.equal(s.queue.length, 1); // the batch never sent goes out under the new epoch

    idem.epoch = 32767; // exhausted: a new producer id is needed
    assert.equal(idem.bumpEpoch(acc.states(), () => {}), true);
    assert.equal(idem.producerId, -1n);
  });
});

describe("transactional calls check what they are given", () => {
  it("names the bad offset or group field", () => {
    assert.throws(() => checkOffsets("x" as never, group), /offsets must be an array/);
    assert.throws(() => checkOffsets([], null as never), /pass consumer.groupMetadata\(\)/);
    assert.throws(
      () => checkOffsets([], { ...group, groupId: "" }),
      /groupMetadata.groupId must be a non-empty/,
    );
    assert.throws(
      () => checkOffsets([{ topic: "t", partition: -1, offset: 0n }], group),
      /offsets\[0\]\.partition/,
    );
    assert.throws(
      () => checkOffsets([{ topic: "t", partition: 0, offset: 5 as never }], group),
      /offsets\[0\]\.offset/,
    );
    const byTopic = checkOffsets([
      { topic: "a", partition: 0, offset: 1n },
      { topic: "b", partition: 2, offset: 3n },
      { topic: "a", partition: 1, offset: 2n },
    ], group);
    assert.deepEqual([...byTopic.keys()], ["a", "b"]);
    assert.equal(byTopic.get("a")!.length, 2);
  });

  it("transactionalWritable needs a consumer in a group with auto-commit off", async () => {
    const producer = new Producer({ bootstrapServers, adapter, transactionalId: "tx" });
    const noGroup = new Consumer({ bootstrapServers, adapter });
    const autoCommit = new Consumer({ bootstrapServers, adapter, groupId: "g" });
    const ok = new Consumer({ bootstrapServers, adapter, groupId: "g", enableAutoCommit: false });
    assert.throws(
      () => producer.transactionalWritable({ consumer: noGroup }),
      /groupMetadata needs the groupId option/,
    );
    assert.throws(() => producer.transactionalWritable({ consumer: autoCommit }), /enableAutoCommit: false/);
    assert.throws(
      () => producer.transactionalWritable({ consumer: ok, commitEvery: { records: 0 } }),
      /commitEvery.records must be an integer >= 1, got 0/,
    );
    assert.throws(() => producer.transactionalWritable({} as never), /consumer must be the Consumer/);
    const plain = new Producer({ bootstrapServers, adapter });
    assert.throws(
      () => plain.transactionalWritable({ consumer: ok }),
      /transactionalWritable\(\) needs a transactional producer: set the transactionalId option/,
    );
    // Writing before initTransactions() is refused by name, and errors the stream.
    const sink = producer.transactionalWritable({ consumer: ok });
    const writer = sink.getWriter();
    await assert.rejects(
      writer.write({ input: { topic: "in", partition: 0, offset: 0n }, outputs: [] }),
      /cannot begin a transaction: .* not initialized/,
    );
    for (const c of [noGroup, autoCommit, ok]) await c.close();
    await producer.close();
    await plain.close();
  });

  it("transaction(fn) refuses a non-function before anything is sent", async () => {
    const producer = new Producer({ bootstrapServers, adapter, transactionalId: "tx" });
    await assert.rejects(producer.transaction("x" as never), /fn must be a function/);
    await producer.close();
  });
});
