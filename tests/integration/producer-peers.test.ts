// What this producer writes, with every codec, read back by real peers: kcat (librdkafka) and kafka-python.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import type { CompressionName } from "../../src/codec/compression.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";
import { kcat, python } from "../helpers/peers.ts";

const COUNT = 2_000;

// kafka-python reads the topic and prints one JSON line per record: key, value and headers as hex.
const READ_WITH_KAFKA_PYTHON = `
import json, sys
from kafka import KafkaConsumer, TopicPartition
bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=20000)
c.assign([TopicPartition(topic, 0)])
c.seek_to_beginning()
n = 0
for m in c:
    print(json.dumps({"offset": m.offset, "key": m.key.hex() if m.key is not None else None,
        "value": m.value.hex() if m.value is not None else None, "timestamp": m.timestamp,
        "headers": [[k, v.hex() if v is not None else None] for k, v in m.headers]}))
    n += 1
    if n == count: break
c.close()
`;

const hex = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("");

describe("peers read what this producer writes", () => {
  let cluster: Cluster;
  const topics: string[] = [];

  before(async () => {
    await registerDefaultCodecs();
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"] as CompressionName[]) {
    it(`${codec}: kcat and kafka-python read every record`, async () => {
      const topic = uniqueTopic(`peers-${codec}`);
      topics.push(topic);
      await createTopic(cluster, topic, 1);
      const producer = new Producer({ bootstrapServers: bootstrap(), compression: codec, lingerMs: 20 });
      const records = Array.from({ length: COUNT }, (_, i) => ({
        topic,
        key: `k${i}`,
        // Repetitive text so that every codec really compresses.
        value: `value ${i} ${"abcdefgh".repeat(i % 40)} ünïcödé`,
        headers: [{ key: "i", value: String(i) }],
        timestamp: 1_700_000_000_000 + i,
      }));
      await producer.sendBatch(records);
      await producer.close();

      // kcat: key, value and header per line (values have no tabs or newlines).
      const out = await kcat([
        "-C",
        "-b",
        bootstrap(),
        "-t",
        topic,
        "-o",
        "beginning",
        "-e",
        "-q",
        "-f",
        "%k\t%s\t%h\n",
      ]);
      const lines = out.split("\n").filter((l) => l.length > 0);
      assert.equal(lines.length, COUNT, "kcat read every record");
      lines.forEach((line, i) => {
        assert.equal(line, `k${i}\t${records[i].value}\ti=${i}`, `kcat record ${i}`);
      });

      const py = await python(READ_WITH_KAFKA_PYTHON, [bootstrap(), topic, String(COUNT)]);
      const rows = py.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
      assert.equal(rows.length, COUNT, "kafka-python read every record");
      rows.forEach((r, i) => {
        assert.equal(r.offset, i);
        assert.equal(r.key, hex(`k${i}`), `kafka-python key ${i}`);
        assert.equal(r.value, hex(records[i].value), `kafka-python value ${i}`);
        assert.equal(r.timestamp, records[i].timestamp);
        assert.deepEqual(r.headers, [["i", hex(String(i))]]);
      });
    });
  }
});
