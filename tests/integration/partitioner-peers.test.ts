// Our partitioner against the Java-compatible partitioners of other clients: kafka-python's murmur2
// partitioner computed locally, then records that kcat (librdkafka, murmur2_random) and kafka-python's
// KafkaProducer wrote to a real broker, read back with kcat.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DefaultPartitioner, murmur2 } from "../../src/producer/partitioner.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { kcat, kcatBytes, python } from "../helpers/peers.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Deterministic pseudo-random bytes. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16 & 0xff;
}

/** Text keys: ASCII of many lengths and UTF-8 with 2-, 3- and 4-byte characters (no ':' or newlines). */
function textKeys(count: number, seed: number): string[] {
  const rnd = prng(seed);
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./";
  const wide = ["é", "ß", "Ω", "日", "本", "語", "キ", "ー", "😀", "🚀", "€"];
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + (rnd() % 40);
    let k = i % 3 === 0 ? `key-${i}` : "";
    for (let j = 0; j < len; j++) {
      k += i % 4 === 1 && j % 3 === 0 ? wide[rnd() % wide.length] : alphabet[rnd() % alphabet.length];
    }
    keys.push(k);
  }
  return keys;
}

/** Binary keys of lengths 1..64, high bytes, zeros and 0xff included. */
function binaryKeys(count: number, seed: number): Uint8Array[] {
  const rnd = prng(seed);
  const keys: Uint8Array[] = [Uint8Array.of(0), Uint8Array.of(0xff), new Uint8Array(7).fill(0x80)];
  while (keys.length < count) {
    const k = new Uint8Array(1 + (rnd() % 64));
    for (let j = 0; j < k.length; j++) k[j] = rnd();
    keys.push(k);
  }
  return keys;
}

// kafka-python's own DefaultPartitioner over a stand-in for its cluster metadata.
const KAFKA_PYTHON_PARTITIONS = `
import sys, json
from kafka.partitioner.default import DefaultPartitioner, murmur2

class Cluster:
    def __init__(self, n): self.n = n
    def topics(self): return {"t"}
    def partitions_for_topic(self, topic): return set(range(self.n))
    def available_partitions_for_topic(self, topic): return set(range(self.n))

req = json.load(sys.stdin)
keys = [bytes.fromhex(k) for k in req["keys"]]
partitioner = DefaultPartitioner()
out = {"hash": [murmur2(k) & 0xffffffff for k in keys], "partitions": {}}
for n in req["counts"]:
    cluster = Cluster(n)
    out["partitions"][str(n)] = [partitioner.partition("t", k, k, None, None, cluster) for k in keys]
print(json.dumps(out))
`;

const ADMIN = `
import sys
from kafka.admin import KafkaAdminClient, NewTopic
action, bootstrap, topic = sys.argv[1:4]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="partitioner-peers")
try:
    if action == "create":
        admin.create_topics([NewTopic(topic, int(sys.argv[4]), 1)], wait_for_metadata=True)
    else:
        admin.delete_topics([topic])
finally:
    admin.close()
print("ok")
`;

const KAFKA_PYTHON_PRODUCE = `
import sys, json
from kafka import KafkaProducer
bootstrap, topic = sys.argv[1:3]
keys = [bytes.fromhex(k) for k in json.load(sys.stdin)]
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
futures = [producer.send(topic, key=k, value=b"py-%d" % i) for i, k in enumerate(keys)]
producer.flush()
print(json.dumps([f.get(timeout=30).partition for f in futures]))
producer.close()
`;

describe("partitioner vs kafka-python's DefaultPartitioner", () => {
  it("gives the same hash and partition for ~200 keys and 5 partition counts", async () => {
    const keys: Uint8Array[] = [
      new Uint8Array(0),
      ...textKeys(120, 7).map((k) => enc.encode(k)),
      ...binaryKeys(80, 11),
    ];
    const counts = [1, 3, 7, 12, 100];
    const out = JSON.parse(
      await python(KAFKA_PYTHON_PARTITIONS, [], { input: JSON.stringify({ keys: keys.map(hex), counts }) }),
    ) as { hash: number[]; partitions: Record<string, number[]> };
    assert.equal(out.hash.length, keys.length);
    const p = new DefaultPartitioner();
    let checked = 0;
    for (let i = 0; i < keys.length; i++) {
      assert.equal(murmur2(keys[i]) >>> 0, out.hash[i], `murmur2 of ${hex(keys[i])}`);
      for (const n of counts) {
        assert.equal(p.partition("t", keys[i], n), out.partitions[String(n)][i], `key ${hex(keys[i])}, ${n}`);
        checked++;
      }
    }
    assert.equal(checked, keys.length * counts.length);
  });
});

describe("partitioner vs records that kcat and kafka-python wrote to a broker", () => {
  const PARTITIONS = 6;

  it("puts every key on the partition the other clients chose", { timeout: 120_000 }, async () => {
    const broker = bootstrap();
    const topic = uniqueTopic("partitioner-peers");
    await python(ADMIN, ["create", broker, topic, String(PARTITIONS)]);
    try {
      await checkTopic(broker, topic, PARTITIONS);
    } finally {
      await python(ADMIN, ["delete", broker, topic]);
    }
  });
});

async function checkTopic(broker: string, topic: string, partitions: number): Promise<void> {
  const p = new DefaultPartitioner();
  // kcat: one "key:value" line per record; librdkafka's murmur2_random is the Java partitioner for keys.
  const kcatKeys = ["", ...textKeys(99, 3)];
  const lines = kcatKeys.map((k, i) => `${k}:kcat-${i}\n`).join("");
  await kcat(["-P", "-b", broker, "-t", topic, "-K:", "-X", "topic.partitioner=murmur2_random"], lines);

  const pyKeys = [new Uint8Array(0), ...binaryKeys(50, 5), ...textKeys(49, 9).map((k) => enc.encode(k))];
  const pyPartitions = JSON.parse(
    await python(KAFKA_PYTHON_PRODUCE, [broker, topic], { input: JSON.stringify(pyKeys.map(hex)) }),
  ) as number[];
  assert.equal(pyPartitions.length, pyKeys.length);
  for (let i = 0; i < pyKeys.length; i++) {
    assert.equal(
      p.partition(topic, pyKeys[i], partitions),
      pyPartitions[i],
      `kafka-python key ${hex(pyKeys[i])}`,
    );
  }

  // Read everything back: "<partition> <key length>:<key> <value length>:<value>\n", keys as raw bytes.
  const out = await kcatBytes(["-C", "-b", broker, "-t", topic, "-e", "-q", "-f", "%p %K:%k %S:%s\n"]);
  const records = parseRecords(out);
  assert.equal(records.length, kcatKeys.length + pyKeys.length, "every record read back");

  const expected = new Map<string, Uint8Array>();
  kcatKeys.forEach((k, i) => expected.set(`kcat-${i}`, enc.encode(k)));
  pyKeys.forEach((k, i) => expected.set(`py-${i}`, k));
  const used = new Set<number>();
  for (const r of records) {
    const value = dec.decode(r.value);
    const key = expected.get(value);
    assert.ok(key, `unexpected record ${value}`);
    assert.ok(r.key !== null, `${value} has a key`);
    assert.equal(hex(r.key), hex(key), `key of ${value}`);
    assert.equal(
      r.partition,
      p.partition(topic, r.key, partitions),
      `partition of ${value} (key ${hex(key)})`,
    );
    used.add(r.partition);
  }
  assert.equal(used.size, partitions, "keys spread over every partition");
}

interface ReadRecord {
  partition: number;
  key: Uint8Array | null;
  value: Uint8Array;
}

/** Parses kcat's "%p %K:%k %S:%s\n" output, where lengths tell where binary keys and values end. */
function parseRecords(out: Uint8Array): ReadRecord[] {
  const records: ReadRecord[] = [];
  let at = 0;
  const until = (stop: number): string => {
    const end = out.indexOf(stop, at);
    assert.ok(end >= 0, `truncated kcat output at byte ${at}`);
    const s = dec.decode(out.subarray(at, end));
    at = end + 1;
    return s;
  };
  const take = (n: number): Uint8Array => {
    const b = out.subarray(at, at + n);
    at += n;
    return b;
  };
  while (at < out.length) {
    const partition = Number(until(0x20));
    const keyLen = Number(until(0x3a));
    const key = keyLen < 0 ? null : take(keyLen);
    assert.equal(out[at++], 0x20, "space after the key");
    const valueLen = Number(until(0x3a));
    const value = take(Math.max(valueLen, 0));
    assert.equal(out[at++], 0x0a, "newline after the value");
    records.push({ partition, key, value });
  }
  return records;
}
