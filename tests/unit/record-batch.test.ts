import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { crc32c, initCrc32c } from "../../src/codec/crc32c.ts";
import {
  type CompressionCodec,
  compressionName,
  CompressionType,
  compressionTypeFromName,
  getCodec,
  hasCodec,
  registerCodec,
  unregisterCodec,
  UnsupportedCompressionError,
} from "../../src/codec/compression.ts";
import {
  CorruptRecordError,
  decodeRecordBatches,
  encodeRecordBatch,
  type EncodeRecordBatchInput,
  RECORD_BATCH_OVERHEAD,
  type RecordInput,
  TimestampType,
  varintSize,
} from "../../src/protocol/record-batch.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { concatBytes } from "../../src/codec/bytes.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array | null): string | null => (b === null ? null : dec.decode(b));

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function fromHex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** Recomputes and patches the CRC of the batch starting at `at`, after a deliberate edit. */
function fixCrc(data: Uint8Array, at = 0): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const end = at + 12 + view.getInt32(at + 8);
  view.setUint32(at + 17, crc32c(data.subarray(at + 21, end)));
}

function roundTrip(input: EncodeRecordBatchInput) {
  const encoded = encodeRecordBatch(input);
  const batches = decodeRecordBatches(encoded);
  assert.equal(batches.length, 1);
  return { encoded, batch: batches[0] };
}

describe("RecordBatch v2", () => {
  before(async () => {
    await initCrc32c();
  });

  it("encodes a one-record batch byte for byte", () => {
    const encoded = encodeRecordBatch({
      records: [{
        key: bytes("key"),
        value: bytes("value"),
        headers: [{ key: "h", value: new Uint8Array([1]) }],
        timestamp: 1_700_000_000_000,
      }],
    });
    // The record, 19 bytes:
    //   24                length 18 (zigzag 36)
    //   00                attributes
    //   00                timestampDelta 0
    //   00                offsetDelta 0
    //   06 6b6579         key length 3, "key"
    //   0a 76616c7565     value length 5, "value"
    //   02                1 header
    //   02 68             header key length 1, "h"
    //   02 01             header value length 1, 0x01
    const record = "24 00 00 00 06 6b6579 0a 76616c7565 02 02 68 02 01";
    // Header fields after the CRC; 1_700_000_000_000 = 0x0000018b_cfe56800.
    const afterCrc = [
      "0000", //              attributes: no compression, CreateTime, not transactional, not control
      "00000000", //          lastOffsetDelta 0
      "0000018bcfe56800", //  baseTimestamp
      "0000018bcfe56800", //  maxTimestamp
      "ffffffffffffffff", //  producerId -1
      "ffff", //              producerEpoch -1
      "ffffffff", //          baseSequence -1
      "00000001", //          1 record
    ].join("") + record;
    const covered = fromHex(afterCrc);
    assert.equal(covered.length, 40 + 19);
    const crc = crc32c(covered).toString(16).padStart(8, "0");
    const expected = [
      "0000000000000000", //  baseOffset 0
      "00000044", //          batchLength 68 = 61 - 12 + 19
      "ffffffff", //          partitionLeaderEpoch -1
      "02", //                magic 2
      crc,
    ].join("") + hex(covered);
    assert.equal(hex(encoded), expected.replace(/\s+/g, ""));

    const [batch] = decodeRecordBatches(encoded);
    assert.equal(batch.baseOffset, 0n);
    assert.equal(batch.records.length, 1);
    const r = batch.records[0];
    assert.equal(r.offset, 0n);
    assert.equal(r.timestamp, 1_700_000_000_000);
    assert.equal(text(r.key), "key");
    assert.equal(text(r.value), "value");
    assert.deepEqual(r.headers, [{ key: "h", value: new Uint8Array([1]) }]);
  });

  it("round-trips keys, null keys, tombstones, empty values and headers", () => {
    const records: RecordInput[] = [
      { key: bytes("a"), value: bytes("one"), timestamp: 1000 },
      { key: null, value: bytes("no key"), timestamp: 1001 },
      { key: bytes("gone"), value: null, timestamp: 1002 },
      { key: bytes("empty"), value: new Uint8Array(0), timestamp: 1003 },
      { value: bytes("key omitted"), timestamp: 1004 },
      {
        key: bytes("h"),
        value: bytes("with headers"),
        timestamp: 1005,
        headers: [
          { key: "trace", value: bytes("1") },
          { key: "trace", value: bytes("2") },
          { key: "nothing", value: null },
          { key: "", value: new Uint8Array(0) },
          { key: "clé ключ 键 🔑", value: bytes("unicode") },
        ],
      },
    ];
    const { batch } = roundTrip({ records, baseOffset: 500n });
    assert.equal(batch.baseOffset, 500n);
    assert.equal(batch.lastOffsetDelta, 5);
    assert.equal(batch.baseTimestamp, 1000);
    assert.equal(batch.maxTimestamp, 1005);
    assert.equal(batch.compression, CompressionType.none);
    assert.equal(batch.timestampType, TimestampType.createTime);
    assert.equal(batch.isTransactional, false);
    assert.equal(batch.isControl, false);
    assert.equal(batch.producerId, -1n);
    assert.equal(batch.producerEpoch, -1);
    assert.equal(batch.baseSequence, -1);
    assert.equal(batch.partitionLeaderEpoch, -1);
    const rs = batch.records;
    assert.deepEqual(rs.map((r) => r.offset), [500n, 501n, 502n, 503n, 504n, 505n]);
    assert.deepEqual(rs.map((r) => r.timestamp), [1000, 1001, 1002, 1003, 1004, 1005]);
    assert.deepEqual(rs.map((r) => text(r.key)), ["a", null, "gone", "empty", null, "h"]);
    assert.deepEqual(rs.map((r) => text(r.value)), [
      "one",
      "no key",
      null,
      "",
      "key omitted",
      "with headers",
    ]);
    assert.ok(rs[3].value instanceof Uint8Array && rs[3].value.length === 0);
    for (let i = 0; i < 5; i++) assert.deepEqual(rs[i].headers, []);
    assert.deepEqual(rs[5].headers.map((h) => [h.key, text(h.value)]), [
      ["trace", "1"],
      ["trace", "2"],
      ["nothing", null],
      ["", ""],
      ["clé ключ 键 🔑", "unicode"],
    ]);
  });

  it("encodes lone surrogates in header keys as U+FFFD, like TextEncoder", () => {
    const key = "a\ud800b\udc00";
    const { batch } = roundTrip({
      records: [{ value: null, headers: [{ key, value: null }], timestamp: 0 }],
    });
    assert.equal(batch.records[0].headers[0].key, dec.decode(enc.encode(key)));
  });

  it("returns payloads as views of the input, without copies", () => {
    const { encoded, batch } = roundTrip({
      records: [{ key: bytes("k"), value: bytes("v"), headers: [{ key: "x", value: bytes("y") }] }],
    });
    const r = batch.records[0];
    assert.equal(r.key!.buffer, encoded.buffer);
    assert.equal(r.value!.buffer, encoded.buffer);
    assert.equal(r.headers[0].value!.buffer, encoded.buffer);
  });

  it("keeps producer fields, flags and the leader epoch", () => {
    const { batch } = roundTrip({
      records: [{ value: bytes("x"), timestamp: 5 }],
      baseOffset: 1n << 40n,
      producerId: 123456789012n,
      producerEpoch: 7,
      baseSequence: 42,
      isTransactional: true,
      isControl: true,
      partitionLeaderEpoch: 9,
    });
    assert.equal(batch.baseOffset, 1n << 40n);
    assert.equal(batch.records[0].offset, 1n << 40n);
    assert.equal(batch.producerId, 123456789012n);
    assert.equal(batch.producerEpoch, 7);
    assert.equal(batch.baseSequence, 42);
    assert.equal(batch.isTransactional, true);
    assert.equal(batch.isControl, true);
    assert.equal(batch.partitionLeaderEpoch, 9);
  });

  it("handles timestamps: defaults, negative and large deltas, log-append time", () => {
    const t0 = Date.now();
    const { batch: d } = roundTrip({ records: [{ value: null }, { value: null }] });
    const t1 = Date.now();
    assert.ok(d.baseTimestamp >= t0 && d.baseTimestamp <= t1);
    assert.equal(d.records[0].timestamp, d.records[1].timestamp);

    const { batch: fixed } = roundTrip({ records: [{ value: null }], now: 1234 });
    assert.equal(fixed.records[0].timestamp, 1234);

    const ts = [1_700_000_000_000, 1_699_999_999_000, 0, 4_102_444_800_000, 1_700_000_000_001];
    const { batch } = roundTrip({ records: ts.map((timestamp) => ({ value: null, timestamp })) });
    assert.equal(batch.baseTimestamp, ts[0]);
    assert.equal(batch.maxTimestamp, 4_102_444_800_000);
    assert.deepEqual(batch.records.map((r) => r.timestamp), ts);

    const { batch: lat } = roundTrip({
      records: [{ value: null, timestamp: 10 }, { value: null, timestamp: 30 }],
      timestampType: TimestampType.logAppendTime,
    });
    assert.equal(lat.timestampType, TimestampType.logAppendTime);
    assert.deepEqual(lat.records.map((r) => r.timestamp), [30, 30]);
  });

  it("sizes varints correctly around every width boundary", () => {
    const w = new Writer();
    for (
      const v of [
        0,
        1,
        -1,
        63,
        64,
        -64,
        -65,
        8191,
        8192,
        -8193,
        1048575,
        1048576,
        134217727,
        134217728,
        2 ** 31 - 1,
        -(2 ** 31),
      ]
    ) {
      const start = w.offset;
      w.varint(v);
      assert.equal(varintSize(v), w.offset - start, `varint ${v}`);
    }
    const lengths = [0, 1, 63, 64, 65, 8190, 8191, 8192, 8193, 1048575, 1048576, 1048577];
    const records = lengths.map((n, i) => ({
      key: new Uint8Array(n).fill(i),
      value: new Uint8Array(lengths[lengths.length - 1 - i]),
    }));
    const { batch } = roundTrip({ records, now: 0 });
    assert.deepEqual(batch.records.map((r) => r.key!.length), lengths);
    assert.deepEqual(batch.records.map((r) => r.value!.length), [...lengths].reverse());
    assert.equal(batch.records[3].key![10], 3);
  });

  it("handles large timestamp deltas that need a varlong", () => {
    const ts = [0, 2 ** 40, -(2 ** 40), 2 ** 52, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
    const { batch } = roundTrip({ records: ts.map((timestamp) => ({ value: null, timestamp })) });
    assert.deepEqual(batch.records.map((r) => r.timestamp), ts);
  });

  it("round-trips 10,000 records", () => {
    const records: RecordInput[] = [];
    for (let i = 0; i < 10_000; i++) {
      records.push({
        key: bytes(`key-${i}`),
        value: bytes(`value-${i}-${"x".repeat(i % 50)}`),
        timestamp: 1_700_000_000_000 + i,
        headers: i % 3 === 0 ? [{ key: "n", value: bytes(String(i)) }] : undefined,
      });
    }
    const { batch } = roundTrip({ records, baseOffset: 1_000_000n });
    assert.equal(batch.records.length, 10_000);
    assert.equal(batch.lastOffsetDelta, 9_999);
    for (let i = 0; i < 10_000; i += 997) {
      const r = batch.records[i];
      assert.equal(r.offset, 1_000_000n + BigInt(i));
      assert.equal(r.timestamp, 1_700_000_000_000 + i);
      assert.equal(text(r.key), `key-${i}`);
      assert.equal(text(r.value), `value-${i}-${"x".repeat(i % 50)}`);
      assert.equal(r.headers.length, i % 3 === 0 ? 1 : 0);
    }
  });

  it("round-trips a gzip-compressed batch", () => {
    const records: RecordInput[] = [];
    for (let i = 0; i < 1000; i++) {
      records.push({
        key: i % 7 === 0 ? null : bytes(`k${i}`),
        value: i % 11 === 0 ? null : bytes(`compressible value ${i % 10} `.repeat(5)),
        headers: [{ key: "idx", value: bytes(String(i)) }],
        timestamp: 1_700_000_000_000 + i * 3,
      });
    }
    const plain = encodeRecordBatch({ records, now: 0 });
    const { encoded, batch } = roundTrip({ records, compression: CompressionType.gzip, baseOffset: 77n });
    assert.ok(encoded.length < plain.length / 4, `gzip ${encoded.length} vs plain ${plain.length}`);
    assert.equal(new DataView(encoded.buffer, encoded.byteOffset).getInt16(21) & 7, 1);
    assert.equal(batch.compression, CompressionType.gzip);
    assert.equal(batch.records.length, 1000);
    for (let i = 0; i < 1000; i++) {
      const r = batch.records[i];
      assert.equal(r.offset, 77n + BigInt(i));
      assert.equal(r.timestamp, 1_700_000_000_000 + i * 3);
      assert.equal(text(r.key), i % 7 === 0 ? null : `k${i}`);
      assert.equal(text(r.value), i % 11 === 0 ? null : `compressible value ${i % 10} `.repeat(5));
      assert.equal(text(r.headers[0].value), String(i));
    }
  });

  it("decodes several batches back to back, mixing compression", () => {
    const a = encodeRecordBatch({
      records: [{ value: bytes("a0") }, { value: bytes("a1") }],
      baseOffset: 0n,
    });
    const b = encodeRecordBatch({ records: [{ value: bytes("b0") }], baseOffset: 2n, compression: 1 });
    const c = encodeRecordBatch({
      records: [{ value: bytes("c0") }, { value: bytes("c1") }],
      baseOffset: 3n,
    });
    const batches = decodeRecordBatches(concat(a, b, c));
    assert.deepEqual(batches.map((x) => x.baseOffset), [0n, 2n, 3n]);
    assert.deepEqual(batches.map((x) => x.sizeInBytes), [a.length, b.length, c.length]);
    assert.deepEqual(batches.flatMap((x) => x.records.map((r) => text(r.value))), [
      "a0",
      "a1",
      "b0",
      "c0",
      "c1",
    ]);
    assert.deepEqual(batches.flatMap((x) => x.records.map((r) => r.offset)), [0n, 1n, 2n, 3n, 4n]);
  });

  it("decodes empty input to no batches", () => {
    assert.deepEqual(decodeRecordBatches(new Uint8Array(0)), []);
  });

  it("ignores a trailing partial batch and never reads out of range", () => {
    const a = encodeRecordBatch({ records: [{ key: bytes("k"), value: bytes("first") }] });
    const b = encodeRecordBatch({
      records: [{ value: bytes("second"), headers: [{ key: "h", value: null }] }, { value: null }],
      compression: CompressionType.gzip,
    });
    const c = encodeRecordBatch({ records: [{ value: bytes("third") }] });
    const all = concat(a, b, c);
    const ends = [a.length, a.length + b.length, all.length];
    for (let cut = 0; cut <= all.length; cut++) {
      const complete = ends.filter((e) => e <= cut).length;
      let batches;
      try {
        batches = decodeRecordBatches(all.subarray(0, cut));
      } catch (err) {
        assert.ok(err instanceof CorruptRecordError, `cut ${cut}: ${err}`);
        continue;
      }
      assert.equal(batches.length, complete, `cut ${cut}`);
    }
  });

  it("rejects a flipped byte anywhere in the CRC-covered region", () => {
    const enc1 = encodeRecordBatch({
      records: [
        {
          key: bytes("key"),
          value: bytes("value"),
          headers: [{ key: "h", value: bytes("v") }],
          timestamp: 9,
        },
        { key: null, value: null, timestamp: 10 },
      ],
    });
    for (let i = 21; i < enc1.length; i++) {
      const bad = enc1.slice();
      bad[i] ^= 0x10;
      assert.throws(() => decodeRecordBatches(bad), (err: unknown) => {
        assert.ok(err instanceof CorruptRecordError, `byte ${i}: ${err}`);
        assert.match(err.message, /CRC/);
        return true;
      });
    }
    for (let i = 17; i < 21; i++) {
      const bad = enc1.slice();
      bad[i] ^= 0x01;
      assert.throws(() => decodeRecordBatches(bad), /CRC/);
    }
  });

  it("checkCrc: false skips the CRC and nothing else", () => {
    const data = encodeRecordBatch({ records: [{ value: bytes("value") }] });
    data[data.length - 3] ^= 0x20; // inside the value: "valUe"
    assert.throws(() => decodeRecordBatches(data), /CRC/);
    const [batch] = decodeRecordBatches(data, { checkCrc: false });
    assert.equal(new TextDecoder().decode(batch.records[0].value!), "valUe");
    const badMagic = encodeRecordBatch({ records: [{ value: bytes("x") }] });
    badMagic[16] = 1;
    assert.throws(() => decodeRecordBatches(badMagic, { checkCrc: false }), /magic 1/);
  });

  it("rejects a corrupt batch even after good ones", () => {
    const good = encodeRecordBatch({ records: [{ value: bytes("ok") }] });
    const bad = encodeRecordBatch({ records: [{ value: bytes("bad") }] });
    bad[bad.length - 1] ^= 1;
    assert.throws(() => decodeRecordBatches(concat(good, bad)), CorruptRecordError);
  });

  it("rejects magic values other than 2, naming the magic", () => {
    for (const magic of [0, 1, 3, -1]) {
      const data = encodeRecordBatch({ records: [{ value: bytes("x") }] });
      data[16] = magic & 0xff;
      assert.throws(() => decodeRecordBatches(data), (err: unknown) => {
        assert.ok(err instanceof CorruptRecordError);
        assert.match(err.message, new RegExp(`magic ${magic}\\b`));
        return true;
      });
    }
  });

  it("rejects a batch length below the header size", () => {
    const data = encodeRecordBatch({ records: [{ value: bytes("x") }] });
    new DataView(data.buffer).setInt32(8, 10);
    assert.throws(() => decodeRecordBatches(data), CorruptRecordError);
    new DataView(data.buffer).setInt32(8, -5);
    assert.throws(() => decodeRecordBatches(data), CorruptRecordError);
  });

  it("rejects inconsistent lengths inside a batch even with a valid CRC", () => {
    const base = encodeRecordBatch({
      records: [{ key: bytes("key"), value: bytes("value"), timestamp: 1 }, {
        value: bytes("z"),
        timestamp: 1,
      }],
    });
    const view = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset, d.byteLength);

    // Record count larger than the records.
    let d = base.slice();
    view(d).setInt32(57, 3);
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), CorruptRecordError);

    // Record count far larger than the bytes could hold: fails fast.
    d = base.slice();
    view(d).setInt32(57, 0x7fffffff);
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), /more than its/);

    // Negative record count.
    d = base.slice();
    view(d).setInt32(57, -1);
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), CorruptRecordError);

    // Record count smaller than the records: bytes left over.
    d = base.slice();
    view(d).setInt32(57, 1);
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), /after its 1 records/);

    // First record's length one byte too long, then one byte too short.
    for (const delta of [2, -2]) {
      d = base.slice();
      d[RECORD_BATCH_OVERHEAD] += delta; // zigzag: +-2 is a length change of +-1
      fixCrc(d);
      assert.throws(() => decodeRecordBatches(d), CorruptRecordError);
    }

    // Key length pointing past the record.
    d = base.slice();
    d[RECORD_BATCH_OVERHEAD + 4] = 0x7e; // zigzag 63
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), CorruptRecordError);
  });

  it("survives random garbage with a valid CRC without crashing or hanging", () => {
    const base = encodeRecordBatch({
      records: [
        {
          key: bytes("key"),
          value: bytes("value"),
          headers: [{ key: "h", value: bytes("v") }],
          timestamp: 3,
        },
        { key: null, value: bytes("second"), headers: [{ key: "h2", value: null }], timestamp: 4 },
      ],
    });
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let round = 0; round < 2000; round++) {
      const d = base.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) {
        const i = RECORD_BATCH_OVERHEAD + Math.floor(rand() * (d.length - RECORD_BATCH_OVERHEAD));
        d[i] = Math.floor(rand() * 256);
      }
      fixCrc(d);
      try {
        decodeRecordBatches(d);
      } catch (err) {
        assert.ok(err instanceof CorruptRecordError, `round ${round}: ${err}`);
      }
    }
    for (let round = 0; round < 2000; round++) {
      const d = new Uint8Array(Math.floor(rand() * 200));
      for (let i = 0; i < d.length; i++) d[i] = Math.floor(rand() * 256);
      try {
        decodeRecordBatches(d);
      } catch (err) {
        assert.ok(err instanceof CorruptRecordError, `garbage round ${round}: ${err}`);
      }
    }
  });

  it("reports undecodable compressed data as corrupt", () => {
    const d = encodeRecordBatch({ records: [{ value: bytes("hello hello hello") }], compression: 1 });
    d[RECORD_BATCH_OVERHEAD + 12] ^= 0xff;
    d[d.length - 1] = 0x7f; // gzip trailer: implausible size
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), (err: unknown) => {
      assert.ok(err instanceof CorruptRecordError);
      assert.match(err.message, /decompress/);
      return true;
    });
  });

  it("fails clearly for compression types without a codec", () => {
    assert.throws(
      () => encodeRecordBatch({ records: [{ value: null }], compression: CompressionType.snappy }),
      (err: unknown) => {
        assert.ok(err instanceof UnsupportedCompressionError);
        assert.equal(err.message, "snappy compression is not available yet");
        return true;
      },
    );
    const d = encodeRecordBatch({ records: [{ value: bytes("x") }] });
    d[22] = (d[22] & ~7) | CompressionType.zstd;
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), /zstd compression is not available yet/);
    d[22] = (d[22] & ~7) | 6;
    fixCrc(d);
    assert.throws(() => decodeRecordBatches(d), /unknown compression type 6/);
  });

  it("rejects bad encoder input naming the field", () => {
    assert.throws(() => encodeRecordBatch({ records: [] }), RangeError);
    assert.throws(
      () => encodeRecordBatch({ records: [{ value: null, timestamp: 1.5 }] }),
      /records\[0\]\.timestamp/,
    );
    assert.throws(
      // @ts-expect-error: deliberately wrong type
      () => encodeRecordBatch({ records: [{ value: null }, { value: "text" }] }),
      /records\[1\]\.value/,
    );
    assert.throws(
      // @ts-expect-error: deliberately wrong type
      () => encodeRecordBatch({ records: [{ value: null, headers: [{ key: 1, value: null }] }] }),
      /records\[0\]\.headers\[0\]\.key/,
    );
  });
});

describe("compression registry", () => {
  it("maps names and ids", () => {
    assert.equal(compressionName(1), "gzip");
    assert.equal(compressionName(4), "zstd");
    assert.equal(compressionName(9), "unknown(9)");
    assert.equal(compressionTypeFromName("lz4"), 3);
    assert.throws(() => compressionTypeFromName("brotli"), RangeError);
  });

  it("has none and gzip by default, and nothing else", () => {
    assert.equal(hasCodec(CompressionType.none), true);
    assert.equal(hasCodec(CompressionType.gzip), true);
    for (const t of [CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
      assert.equal(hasCodec(t), false);
      assert.throws(() => getCodec(t), new RegExp(`^UnsupportedCompressionError|${compressionName(t)}`));
    }
    const data = bytes("round trip me ".repeat(20));
    const gz = getCodec(CompressionType.gzip);
    assert.deepEqual(gz.decompress(gz.compress(data)), data);
  });

  it("accepts a registered codec and uses it for batches", () => {
    let calls = 0;
    // A stand-in codec: reverses bytes (its own inverse).
    const reverse: CompressionCodec = {
      compress: (d) => {
        calls++;
        return d.slice().reverse();
      },
      decompress: (d) => {
        calls++;
        return d.slice().reverse();
      },
    };
    registerCodec(CompressionType.lz4, reverse);
    try {
      const encoded = encodeRecordBatch({
        records: [{ value: bytes("v") }],
        compression: CompressionType.lz4,
      });
      const [batch] = decodeRecordBatches(encoded);
      assert.equal(batch.compression, CompressionType.lz4);
      assert.equal(text(batch.records[0].value), "v");
      assert.equal(calls, 2);
    } finally {
      unregisterCodec(CompressionType.lz4);
    }
    assert.equal(hasCodec(CompressionType.lz4), false);
    assert.throws(() => registerCodec(CompressionType.none, reverse), RangeError);
  });
});
