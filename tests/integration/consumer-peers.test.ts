// What real peers write, with every codec, read back by this consumer: kafka-python (whose snappy batches
// are xerial-framed, as the Java client writes them) and kcat (librdkafka, raw snappy blocks). Every
// record must come back exactly: key, value bytes, headers, partition and order, nothing missing or extra.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "../../src/client/cluster.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerRecord } from "../../src/consumer/types.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { type CompressionName, CompressionType } from "../../src/codec/compression.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic, fetchPartition } from "../helpers/topics.ts";
import { kcat, python } from "../helpers/peers.ts";

const PARTITIONS = 3;
/** Records per partition, per peer and codec. */
const PER_PARTITION = 1000;
const CODECS: CompressionName[] = ["none", "gzip", "snappy", "lz4", "zstd"];

const enc = new TextEncoder();

interface Expected {
  partition: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: [string, Uint8Array | null][];
  /** Set by the writer for kafka-python; kcat stamps records itself. */
  timestamp?: number;
}

/** Bytes 0-255 from `start` on, `length` of them: NUL, newlines, invalid UTF-8, everything. */
function allBytes(start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, j) => (start + j) & 0xff);
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** Values of many shapes; text dominates so that every codec has something to compress. */
function value(i: number): Uint8Array {
  // Larger than a xerial block (32 KiB), so kafka-python's snappy batches hold several blocks.
  if (i % 101 === 0) return enc.encode(`large ${i} ${"0123456789abcdef".repeat(2500)}`);
  if (i % 3 === 0) return concat(enc.encode(`bin ${i}:`), allBytes(i, 256 + (i % 50)));
  return enc.encode(`value ${i} ${"abcdefgh".repeat(i % 40)} ünïcödé`);
}

/** Binary keys (a NUL, 0xff and a newline in each), some null. */
function key(i: number): Uint8Array | null {
  return i % 11 === 0 ? null : concat(enc.encode(`key-${i}`), Uint8Array.of(0, 0xff, 0x0a, i & 0xff));
}

/**
 * kafka-python's records: null keys, tombstones (never both: it refuses that), empty values, explicit
 * timestamps, and per-record headers with repeated and non-ASCII names and binary values.
 */
function pythonRecords(): Expected[] {
  return Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => {
    const k = key(i);
    const headers: [string, Uint8Array | null][] = [
      [],
      [["i", enc.encode(String(i))]],
      [["dup", enc.encode("a")], ["dup", enc.encode("b")], ["ünï", Uint8Array.of(0, 0xff, 0x0a)]],
      [["empty", new Uint8Array(0)]],
    ][i % 4] as [string, Uint8Array | null][];
    return {
      partition: i % PARTITIONS,
      key: k,
      value: k !== null && i % 13 === 0 ? null : i % 17 === 0 ? new Uint8Array(0) : value(i),
      headers,
      timestamp: 1_700_000_000_000 + i * 7,
    };
  });
}

// Sends JSON lines from standard input (hex bytes) to the given partitions, in order; waits for every ack.
const WRITE_WITH_KAFKA_PYTHON = `
import json, sys
from kafka import KafkaProducer
bootstrap, topic, codec = sys.argv[1], sys.argv[2], sys.argv[3]
p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == "none" else codec,
    acks="all", linger_ms=20, batch_size=64 * 1024)
h = lambda x: None if x is None else bytes.fromhex(x)
futures = []
for line in sys.stdin:
    r = json.loads(line)
    futures.append(p.send(topic, partition=r["p"], key=h(r["k"]), value=h(r["v"]), timestamp_ms=r["t"],
        headers=[(k, bytes.fromhex(v)) for k, v in r["h"]]))
p.flush()
for f in futures:
    f.get(timeout=30)
p.close()
`;
import { concatBytes } from "../../src/codec/bytes.ts";

const hex = (b: Uint8Array | null): string | null =>
  b === null ? null : Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

// kcat splits standard input at these byte strings. Their bytes are all distinct, so an occurrence can
// only start where the whole string matches; none of them is 0x00 or a backslash, which kcat's option
// parsing would misread.
const MESSAGE_DELIM = Uint8Array.of(0x1e, 0xfd, 0x1c, 0x9a, 0x07, 0xee);
const KEY_DELIM = Uint8Array.of(0x1f, 0xfc, 0x1d, 0x9b, 0x08);
const kcatDelim = (d: Uint8Array) => Array.from(d, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");

/** Headers kcat adds to every record of one run (one run per partition): repeated, null-valued, UTF-8. */
function kcatHeaders(partition: number): [string, Uint8Array | null][] {
  return [
    ["run", enc.encode(`p${partition}`)],
    ["dup", enc.encode("1")],
    ["dup", enc.encode("2")],
    ["nullvalue", null],
    ["ünï", enc.encode("ö=ü")],
  ];
}

/**
 * kcat's records: with -Z an empty key or value becomes null, so there are null keys and tombstones (some
 * both) but no empty values; headers are per run.
 */
function kcatRecords(): Expected[] {
  return Array.from({ length: PARTITIONS * PER_PARTITION }, (_, i) => ({
    partition: i % PARTITIONS,
    key: key(i),
    value: i % 13 === 0 ? null : value(i),
    headers: kcatHeaders(i % PARTITIONS),
  }));
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** One kcat run's standard input: key, key delimiter, value, message delimiter, for each record. */
function kcatInput(records: Expected[]): Uint8Array {
  return concat(...records.flatMap((r) => {
    const message = concat(r.key ?? new Uint8Array(0), KEY_DELIM, r.value ?? new Uint8Array(0));
    // The record must split back exactly as meant.
    assert.equal(indexOf(message, MESSAGE_DELIM), -1);
    assert.equal(indexOf(message, KEY_DELIM), r.key?.length ?? 0);
    return [message, MESSAGE_DELIM];
  }));
}

/** What the batches of a partition look like on the wire: compression type and the payload's start. */
interface RawBatch {
  compression: number;
  payloadStart: Uint8Array;
}

const XERIAL_MAGIC = Uint8Array.of(0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00); // \x82SNAPPY\0

describe("this consumer reads what peers write", () => {
  let cluster: Cluster;
  const topics: string[] = [];
  const open: Consumer[] = [];

  before(async () => {
    await registerDefaultCodecs();
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => {});
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  async function freshTopic(prefix: string): Promise<string> {
    const name = uniqueTopic(prefix);
    topics.push(name);
    // Without a time limit: the broker would otherwise delete kafka-python's records, whose timestamps
    // lie years back, whenever its retention check happens to run during the test.
    await createTopic(cluster, name, PARTITIONS, 1, [{ name: "retention.ms", value: "-1" }]);
    return name;
  }

  /** The batch headers of a whole partition, straight from the broker (no decoding). */
  async function rawBatches(topic: string, partition: number): Promise<RawBatch[]> {
    const out: RawBatch[] = [];
    let offset = 0n;
    for (let attempt = 0; attempt < 100; attempt++) {
      const p = await fetchPartition(cluster, topic, partition, offset, 0);
      assert.equal(p.errorCode, 0, `fetch ${topic}-${partition}`);
      const data = p.records ?? new Uint8Array(0);
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      let pos = 0;
      while (data.length - pos >= 61) {
        const end = pos + 12 + view.getInt32(pos + 8);
        if (end > data.length) break;
        out.push({
          compression: view.getInt16(pos + 21) & 0x07,
          payloadStart: data.slice(pos + 61, pos + 69),
        });
        offset = view.getBigInt64(pos) + BigInt(view.getInt32(pos + 23)) + 1n;
        pos = end;
      }
      if (offset >= p.highWatermark) return out;
    }
    assert.fail(`could not read ${topic}-${partition} to its end`);
  }

  /** Reads every partition from the beginning until `count` records came; fails after 30 s. */
  async function consumeAll(topic: string, count: number): Promise<ConsumerRecord[][]> {
    const c = new Consumer({ bootstrapServers: bootstrap(), autoOffsetReset: "earliest" });
    open.push(c);
    c.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
    const got: ConsumerRecord[][] = Array.from({ length: PARTITIONS }, () => []);
    let n = 0;
    const deadline = performance.now() + 30_000;
    while (n < count) {
      assert.ok(performance.now() < deadline, `read ${n} of ${count} records from ${topic}`);
      for (const r of await c.poll(500)) {
        assert.equal(r.topic, topic);
        got[r.partition].push(r);
        n++;
      }
    }
    // Nothing beyond what was written: no duplicates waiting, and the log ends where the records do.
    assert.deepEqual(await c.poll(300), []);
    const ends = await c.endOffsets(got.map((_, partition) => ({ topic, partition })));
    for (let p = 0; p < PARTITIONS; p++) assert.equal(ends.get(`${topic}:${p}`), BigInt(PER_PARTITION));
    await c.close();
    return got;
  }

  /** Every partition holds exactly the records meant for it, in the order they were written. */
  function assertRecords(
    got: ConsumerRecord[][],
    want: Expected[],
    timestamps: { from: number; to: number } | null,
  ): void {
    for (let p = 0; p < PARTITIONS; p++) {
      const mine = want.filter((w) => w.partition === p);
      assert.equal(got[p].length, mine.length, `partition ${p}: record count`);
      let lastTs = 0;
      mine.forEach((w, j) => {
        const r = got[p][j];
        const where = `partition ${p} offset ${j}`;
        assert.equal(r.partition, p, where);
        assert.equal(r.offset, BigInt(j), where);
        assert.deepEqual(r.key, w.key, `${where}: key`);
        assert.deepEqual(r.value, w.value, `${where}: value`);
        assert.deepEqual(r.headers.map((h) => [h.key, h.value]), w.headers, `${where}: headers`);
        assert.equal(r.timestampType, 0, `${where}: timestamp type`);
        if (timestamps === null) {
          assert.equal(r.timestamp, w.timestamp, `${where}: timestamp`);
        } else {
          // Stamped by the peer while it ran, in order.
          assert.ok(r.timestamp >= timestamps.from && r.timestamp <= timestamps.to, `${where}: timestamp`);
          assert.ok(r.timestamp >= lastTs, `${where}: timestamp order`);
          lastTs = r.timestamp;
        }
      });
    }
  }

  /** Every batch carries the codec (several batches per partition); snappy framing as the peer writes it. */
  async function assertBatches(topic: string, codec: CompressionName, xerial: boolean): Promise<void> {
    for (let p = 0; p < PARTITIONS; p++) {
      const batches = await rawBatches(topic, p);
      assert.ok(batches.length > 1, `partition ${p}: ${batches.length} batch(es)`);
      for (const b of batches) {
        assert.equal(b.compression, CompressionType[codec], `partition ${p}: compression`);
        if (codec === "snappy") {
          assert.equal(indexOf(b.payloadStart, XERIAL_MAGIC) === 0, xerial, `partition ${p}: xerial framing`);
        }
      }
    }
  }

  for (const codec of CODECS) {
    it(`${codec}: records kafka-python wrote come back exactly`, async () => {
      const topic = await freshTopic(`consumer-peers-py-${codec}`);
      const want = pythonRecords();
      const input = want.map((w) =>
        JSON.stringify({
          p: w.partition,
          k: hex(w.key),
          v: hex(w.value),
          t: w.timestamp,
          h: w.headers.map(([k, v]) => [k, hex(v)]),
        })
      ).join("\n");
      await python(WRITE_WITH_KAFKA_PYTHON, [bootstrap(), topic, codec], { input });
      // kafka-python frames snappy the way Kafka's Java client does (xerial).
      await assertBatches(topic, codec, true);
      assertRecords(await consumeAll(topic, want.length), want, null);
    });

    it(`${codec}: records kcat wrote come back exactly`, async () => {
      const topic = await freshTopic(`consumer-peers-kcat-${codec}`);
      const want = kcatRecords();
      const from = Date.now();
      for (let p = 0; p < PARTITIONS; p++) {
        const args = [
          "-P",
          "-b",
          bootstrap(),
          "-t",
          topic,
          "-p",
          String(p),
          "-K",
          kcatDelim(KEY_DELIM),
          "-D",
          kcatDelim(MESSAGE_DELIM),
          "-Z",
          // Several batches per partition, and no reordering on a retry.
          "-X",
          "batch.num.messages=200",
          "-X",
          "enable.idempotence=true",
          ...(codec === "none" ? [] : ["-z", codec]),
          ...kcatHeaders(p).flatMap((
            [k, v],
          ) => ["-H", v === null ? k : `${k}=${new TextDecoder().decode(v)}`]),
        ];
        await kcat(args, kcatInput(want.filter((w) => w.partition === p)));
      }
      const to = Date.now();
      // librdkafka writes raw snappy, without xerial framing.
      await assertBatches(topic, codec, false);
      assertRecords(await consumeAll(topic, want.length), want, { from, to });
    });
  }
});
