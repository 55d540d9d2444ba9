import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { initCrc32c } from "../../src/codec/crc32c.ts";
import { CompressionType } from "../../src/codec/compression.ts";
import {
  decodeRecordBatches,
  encodeRecordBatch,
  RecordBatchBuilder,
  type RecordInput,
} from "../../src/protocol/record-batch.ts";

const enc = new TextEncoder();
const header = { compression: 0, producerId: 7n, producerEpoch: 3, baseSequence: 11, isTransactional: true };

function records(): RecordInput[] {
  const out: RecordInput[] = [];
  for (let i = 0; i < 300; i++) {
    out.push({
      key: i % 3 === 0 ? null : enc.encode(`k${i}`),
      value: i % 7 === 0 ? null : enc.encode("v".repeat(i)),
      headers: i % 5 === 0
        ? [{ key: i % 10 === 0 ? "trace-\u00e9" : "trace", value: enc.encode(`${i}`) }]
        : [],
      // Out of order on purpose: deltas may be negative and the max is not the last.
      timestamp: 1_700_000_000_000 + ((i * 37) % 101) - 50,
    });
  }
  return out;
}

describe("RecordBatchBuilder", () => {
  before(() => initCrc32c());

  it("builds the same bytes as encodeRecordBatch, growing past its first capacity", () => {
    const rs = records();
    const b = new RecordBatchBuilder(16);
    for (const r of rs) b.append(r.key ?? null, r.value, r.headers, r.timestamp!);
    assert.equal(b.count, rs.length);
    const built = b.build(header);
    const expected = encodeRecordBatch({ records: rs, ...header });
    assert.deepEqual(built, expected);
    assert.equal(b.sizeInBytes, expected.length);
  });

  it("compresses the records at build time", () => {
    const rs = records();
    const b = new RecordBatchBuilder(1 << 16);
    for (const r of rs) b.append(r.key ?? null, r.value, r.headers, r.timestamp!);
    const [batch] = decodeRecordBatches(b.build({ ...header, compression: CompressionType.gzip }));
    assert.equal(batch.compression, CompressionType.gzip);
    assert.equal(batch.records.length, rs.length);
    assert.equal(batch.baseSequence, 11);
    assert.deepEqual(batch.records.map((r) => r.timestamp), rs.map((r) => r.timestamp));
  });

  it("retain keeps the chosen records, renumbered, with their fields and timestamps", () => {
    const rs = records();
    const b = new RecordBatchBuilder(64);
    for (const r of rs) b.append(r.key ?? null, r.value, r.headers, r.timestamp!);
    b.retain((i) => i % 2 === 1);
    const kept = rs.filter((_, i) => i % 2 === 1);
    assert.equal(b.count, kept.length);
    assert.deepEqual(b.build(header), encodeRecordBatch({ records: kept, ...header }));
  });

  it("writes over a buffer another builder gave back, with nothing of the old batch left in what it builds", () => {
    const rs = records();
    const first = new RecordBatchBuilder(1 << 16);
    for (const r of rs) first.append(r.key ?? null, r.value, r.headers, r.timestamp!);
    first.build(header);
    const spare = first.takeBuffer();
    assert.equal(first.count, 0);
    const fewer = rs.slice(0, 40);
    const second = new RecordBatchBuilder(64, spare);
    for (const r of fewer) second.append(r.key ?? null, r.value, r.headers, r.timestamp!);
    const built = second.build(header);
    assert.equal(built.buffer, spare.buffer, "the given buffer is used");
    assert.deepEqual(built, encodeRecordBatch({ records: fewer, ...header }));
    // Too small a buffer is not used.
    const tiny = new Uint8Array(100);
    const small = new RecordBatchBuilder(1 << 20, tiny);
    small.append(null, enc.encode("x"), [], 0);
    assert.notEqual(small.build(header).buffer, tiny.buffer);
  });

  it("refuses to build an empty batch", () => {
    assert.throws(() => new RecordBatchBuilder(0).build(header), RangeError);
  });
});
