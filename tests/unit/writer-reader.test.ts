import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { uuidFromBytes, uuidToBytes, Writer, ZERO_UUID } from "../../src/protocol/writer.ts";
import { MalformedResponseError, Reader } from "../../src/protocol/reader.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("Writer/Reader integers", () => {
  it("round-trips int8..int64 at their limits", () => {
    const w = new Writer(4);
    w.int8(-128).int8(127).int16(-32768).int16(32767).int32(-2147483648).int32(2147483647);
    w.uint32(0xffffffff).int64(-(2n ** 63n)).int64(2n ** 63n - 1n).float64(-0.5).bool(true).bool(false);
    const r = new Reader(w.finish());
    assert.equal(r.int8(), -128);
    assert.equal(r.int8(), 127);
    assert.equal(r.int16(), -32768);
    assert.equal(r.int16(), 32767);
    assert.equal(r.int32(), -2147483648);
    assert.equal(r.int32(), 2147483647);
    assert.equal(r.uint32(), 0xffffffff);
    assert.equal(r.int64(), -(2n ** 63n));
    assert.equal(r.int64(), 2n ** 63n - 1n);
    assert.equal(r.float64(), -0.5);
    assert.equal(r.bool(), true);
    assert.equal(r.bool(), false);
    assert.equal(r.remaining, 0);
  });

  it("writes big-endian", () => {
    assert.equal(hex(new Writer().int32(0x01020304).int16(-2).finish()), "01020304fffe");
    assert.equal(hex(new Writer().int64(-1n).finish()), "ffffffffffffffff");
  });
});

describe("varints", () => {
  const unsignedCases: Array<[number, string]> = [
    [0, "00"],
    [1, "01"],
    [127, "7f"],
    [128, "8001"],
    [300, "ac02"],
    [16383, "ff7f"],
    [16384, "808001"],
    [2097151, "ffff7f"],
    [2097152, "80808001"],
    [268435455, "ffffff7f"],
    [268435456, "8080808001"],
    [0xffffffff, "ffffffff0f"],
  ];
  for (const [v, bytes] of unsignedCases) {
    it(`unsigned varint ${v} is ${bytes}`, () => {
      const out = new Writer().uvarint(v).finish();
      assert.equal(hex(out), bytes);
      assert.equal(new Reader(out).uvarint(), v);
    });
  }

  const zigzagCases: Array<[number, string]> = [
    [0, "00"],
    [-1, "01"],
    [1, "02"],
    [-2, "03"],
    [63, "7e"],
    [-64, "7f"],
    [64, "8001"],
    [2147483647, "feffffff0f"],
    [-2147483648, "ffffffff0f"],
  ];
  for (const [v, bytes] of zigzagCases) {
    it(`zigzag varint ${v} is ${bytes}`, () => {
      const out = new Writer().varint(v).finish();
      assert.equal(hex(out), bytes);
      assert.equal(new Reader(out).varint(), v);
    });
  }

  const longCases: Array<[bigint, string]> = [
    [0n, "00"],
    [-1n, "01"],
    [1n, "02"],
    [2n ** 31n, "8080808010"],
    [-(2n ** 31n) - 1n, "8180808010"],
    [2n ** 63n - 1n, "feffffffffffffffff01"],
    [-(2n ** 63n), "ffffffffffffffffff01"],
  ];
  for (const [v, bytes] of longCases) {
    it(`zigzag varlong ${v} is ${bytes}`, () => {
      const out = new Writer().varlong(v).finish();
      assert.equal(hex(out), bytes);
      assert.equal(new Reader(out).varlong(), v);
    });
  }

  it("rejects a varint longer than 5 bytes and a varlong longer than 10", () => {
    assert.throws(
      () => new Reader(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint(),
      MalformedResponseError,
    );
    assert.throws(() => new Reader(new Uint8Array(11).fill(0xff)).uvarlong(), MalformedResponseError);
  });
});

describe("strings, bytes and arrays", () => {
  it("classic string: null, empty, ascii and multi-byte UTF-8", () => {
    const w = new Writer(2).string(null).string("").string("topic").string("héllo ✓ 😀");
    const out = w.finish();
    assert.equal(hex(out.subarray(0, 4)), "ffff0000");
    const r = new Reader(out);
    assert.equal(r.string(), null);
    assert.equal(r.string(), "");
    assert.equal(r.string(), "topic");
    assert.equal(r.string(), "héllo ✓ 😀");
    assert.equal(r.remaining, 0);
  });

  it("compact string: null is 0, empty is 1", () => {
    const out = new Writer().compactString(null).compactString("").compactString("ab").finish();
    assert.equal(hex(out), "0001036162");
    const r = new Reader(out);
    assert.equal(r.compactString(), null);
    assert.equal(r.compactString(), "");
    assert.equal(r.compactString(), "ab");
  });

  it("a long compact string needs a two-byte length", () => {
    const s = "x".repeat(200);
    const out = new Writer(8).compactString(s).finish();
    assert.equal(hex(out.subarray(0, 2)), "c901");
    assert.equal(new Reader(out).compactString(), s);
  });

  it("bytes: null, empty and data, read back as views", () => {
    const data = Uint8Array.from([1, 2, 3]);
    const out = new Writer().bytes(null).bytes(new Uint8Array(0)).bytes(data).compactBytes(null)
      .compactBytes(data).varintBytes(null).varintBytes(data).finish();
    const r = new Reader(out);
    assert.equal(r.bytes(), null);
    assert.deepEqual(r.bytes(), new Uint8Array(0));
    const view = r.bytes()!;
    assert.deepEqual(view, data);
    assert.equal(view.buffer, out.buffer, "bytes are a view, not a copy");
    assert.equal(r.compactBytes(), null);
    assert.deepEqual(r.compactBytes(), data);
    assert.equal(r.varintBytes(), null);
    assert.deepEqual(r.varintBytes(), data);
    assert.equal(r.remaining, 0);
  });

  it("array lengths: null, empty, classic and compact", () => {
    const out = new Writer().arrayLength(null).arrayLength(0).compactArrayLength(null).compactArrayLength(0)
      .compactArrayLength(2).finish();
    assert.equal(hex(out), "ffffffff00000000000103");
    const r = new Reader(Uint8Array.from([...out, 0, 0]));
    assert.equal(r.arrayLength(), -1);
    assert.equal(r.arrayLength(), 0);
    assert.equal(r.compactArrayLength(), -1);
    assert.equal(r.compactArrayLength(), 0);
    assert.equal(r.compactArrayLength(), 2);
  });

  it("an array count larger than the bytes left is an error, not a huge loop", () => {
    assert.throws(
      () => new Reader(Uint8Array.from([0x7f, 0xff, 0xff, 0xff])).arrayLength(),
      MalformedResponseError,
    );
    assert.throws(
      () => new Reader(Uint8Array.from([0xff, 0xff, 0x03])).compactArrayLength(),
      MalformedResponseError,
    );
  });

  it("a string longer than the frame is an error", () => {
    assert.throws(() => new Reader(Uint8Array.from([0x00, 0x05, 0x61])).string(), /truncated/);
    assert.throws(() => new Reader(Uint8Array.from([0xff, 0xfe])).string(), /negative string length/);
  });

  it("invalid UTF-8 is an error", () => {
    assert.throws(() => new Reader(Uint8Array.from([0x00, 0x02, 0xc3, 0x28])).string(), /invalid UTF-8/);
  });
});

describe("record batches by reference", () => {
  const batch = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * seed + 1) & 0xff);

  it("references large batches and copies small ones; chunks() and finish() hold the same bytes", () => {
    const big1 = batch(20_000, 3);
    const big2 = batch(70_000, 5);
    const small = batch(100, 7);
    const w = new Writer(8);
    const at = w.reserveInt32();
    w.int16(0).records(big1).compactRecords(small).string("between").compactRecords(big2).records(null);
    w.patchInt32(at, w.length - 4);
    const chunks = w.chunks();
    // The big batches are the caller's own arrays, not copies.
    assert.ok(chunks.includes(big1) && chunks.includes(big2));
    assert.ok(!chunks.includes(small));
    assert.equal(w.length, 4 + 2 + 4 + 20_000 + 1 + 100 + 9 + 3 + 70_000 + 4);
    const joined = w.finish();
    assert.equal(joined.length, w.length);
    assert.deepEqual(Array.from(joined), chunks.flatMap((c) => Array.from(c)));
    const r = new Reader(joined);
    assert.equal(r.int32(), w.length - 4);
    assert.equal(r.int16(), 0);
    assert.deepEqual(r.bytes(), big1);
    assert.deepEqual(r.compactBytes(), small);
    assert.equal(r.string(), "between");
    assert.deepEqual(r.compactBytes(), big2);
    assert.equal(r.bytes(), null);
    assert.equal(r.remaining, 0);
  });

  it("a patch after the buffer grew lands in what chunks() returns", () => {
    const w = new Writer(4);
    const at = w.reserveInt32();
    w.records(batch(16_384, 11));
    for (let i = 0; i < 1000; i++) w.int32(i); // grows the own buffer after the cut
    w.patchInt32(at, 0x01020304);
    const first = w.chunks()[0];
    assert.deepEqual(Array.from(first.subarray(0, 8)), [1, 2, 3, 4, 0, 0, 0x40, 0]);
  });
});

describe("uuid and tagged fields", () => {
  it("uuid round-trips through Kafka's base64 form", () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const id = uuidFromBytes(bytes);
    assert.equal(id.length, 22);
    assert.deepEqual(uuidToBytes(id), bytes);
    assert.equal(uuidFromBytes(new Uint8Array(16)), ZERO_UUID);
    const out = new Writer().uuid(id).finish();
    assert.equal(new Reader(out).uuid(), id);
    assert.throws(() => uuidToBytes("short"), /22-character/);
    assert.throws(() => uuidToBytes("AAAAAAAAAAAAAAAAAAAAA+"), /invalid character/);
  });

  it("tagged fields are written sorted by tag and read back", () => {
    const out = new Writer().taggedFields([
      { tag: 5, data: Uint8Array.from([9]) },
      { tag: 0, data: Uint8Array.from([1, 2]) },
    ]).finish();
    assert.equal(hex(out), "0200020102050109");
    const seen: Array<[number, string]> = [];
    new Reader(out).taggedFields((tag, r) => seen.push([tag, hex(r.raw(r.remaining))]));
    assert.deepEqual(seen, [[0, "0102"], [5, "09"]]);
    assert.equal(hex(new Writer().taggedFields().finish()), "00");
  });

  it("reserve and patch a size prefix", () => {
    const w = new Writer(2);
    const at = w.reserveInt32();
    w.string("abc");
    w.patchInt32(at, w.offset - 4);
    assert.equal(hex(w.finish()), "00000005" + "0003616263");
  });

  it("grows past its initial capacity without losing bytes", () => {
    const w = new Writer(1);
    for (let i = 0; i < 10_000; i++) w.int32(i);
    const r = new Reader(w.finish());
    for (let i = 0; i < 10_000; i++) assert.equal(r.int32(), i);
  });
});
