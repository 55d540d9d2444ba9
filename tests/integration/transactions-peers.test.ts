// Transactions across clients: confluent-kafka's committed and aborted transactions read by our
// read_committed consumer, and ours read by confluent-kafka and by the Java console consumer, both
// read_committed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { python, run } from "../helpers/peers.ts";
import { createTopic, suiteTopics } from "../helpers/topics.ts";
import { readTopic, values } from "../helpers/transactions.ts";

/** Committed c-0..c-9, aborted a-0..a-4, committed c-10..c-14, each in one transaction of confluent-kafka. */
const CONFLUENT_PRODUCE = `
import sys
from confluent_kafka import Producer
bootstrap, topic, txid = sys.argv[1:4]
p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txid})
p.init_transactions(30)
def txn(values, commit):
    p.begin_transaction()
    for v in values:
        p.produce(topic, value=v.encode(), partition=0)
    if commit:
        p.commit_transaction(30)
    else:
        p.flush(30)
        p.abort_transaction(30)
txn(["c-%d" % i for i in range(10)], True)
txn(["a-%d" % i for i in range(5)], False)
txn(["c-%d" % i for i in range(10, 15)], True)
`;

/** Reads a partition from the start with read_committed until it has been quiet for 2 s; prints values. */
const CONFLUENT_CONSUME = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "peer-" + topic, "enable.auto.commit": False,
              "isolation.level": "read_committed", "auto.offset.reset": "earliest"})
c.assign([TopicPartition(topic, 0, 0)])
out, quiet_since, deadline = [], time.time(), time.time() + 30
while time.time() < deadline and (len(out) < want or time.time() - quiet_since < 2):
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    out.append(m.value().decode())
    quiet_since = time.time()
c.close()
print(json.dumps(out))
`;

describe("transactions across clients", () => {
  const suite = suiteTopics();

  async function topic(prefix: string): Promise<string> {
    const name = uniqueTopic(prefix);
    suite.track(name);
    await createTopic(suite.cluster, name, 1);
    return name;
  }

  it("our read_committed consumer reads confluent-kafka's committed transactions and none of its aborted one", async () => {
    const t = await topic("txn-from-confluent");
    await python(CONFLUENT_PRODUCE, [bootstrap(), t, uniqueTopic("confluent-txid")]);
    const committed = values(await readTopic(t, 1, "read_committed"));
    assert.deepEqual(committed, Array.from({ length: 15 }, (_, i) => `c-${i}`));
    const all = values(await readTopic(t, 1, "read_uncommitted"));
    assert.equal(all.length, 20);
    assert.deepEqual(all.filter((v) => v.startsWith("a-")), ["a-0", "a-1", "a-2", "a-3", "a-4"]);
  });

  it("confluent-kafka and the Java console consumer, read_committed, read only our committed transactions", async () => {
    const t = await topic("txn-to-peers");
    const producer = new Producer({
      bootstrapServers: bootstrap(),
      transactionalId: uniqueTopic("ours-txid"),
    });
    try {
      await producer.transaction((tx) =>
        tx.sendBatch(Array.from({ length: 10 }, (_, i) => ({ topic: t, partition: 0, value: `o-${i}` })))
      );
      producer.beginTransaction();
      await producer.sendBatch(
        Array.from({ length: 5 }, (_, i) => ({ topic: t, partition: 0, value: `x-${i}` })),
      );
      await producer.abortTransaction();
      await producer.transaction((tx) =>
        tx.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic: t, partition: 0, value: `o-${i + 10}` })))
      );
    } finally {
      await producer.close();
    }
    const want = Array.from({ length: 15 }, (_, i) => `o-${i}`);

    const fromConfluent = JSON.parse(await python(CONFLUENT_CONSUME, [bootstrap(), t, "15"]));
    assert.deepEqual(fromConfluent, want);

    // The aborted records sit between o-9 and o-10: a consumer that showed them would print them among
    // the first 15.
    const fromJava = await run("scripts/kafka", [
      "run-class",
      "org.apache.kafka.tools.consumer.ConsoleConsumer",
      "--bootstrap-server",
      bootstrap(),
      "--topic",
      t,
      "--from-beginning",
      "--isolation-level",
      "read_committed",
      "--max-messages",
      "15",
      "--timeout-ms",
      "30000",
    ], { timeoutMs: 90_000 });
    assert.deepEqual(fromJava.trim().split("\n"), want);
  });
});
