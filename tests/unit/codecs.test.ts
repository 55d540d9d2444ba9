import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CompressionCodec, CompressionType, getCodec } from "../../src/codec/compression.ts";
import { initCrc32c } from "../../src/codec/crc32c.ts";
import { registerDefaultCodecs } from "../../src/codec/defaults.ts";
import { lz4Codec, xxhash32 } from "../../src/codec/lz4.ts";
import { snappyCodec } from "../../src/codec/snappy.ts";
import { createZstdCodec, initZstd, zstdCodec, zstdReady } from "../../src/codec/zstd.ts";
import "../../src/codec/zstd-embedded.ts";
import { decodeRecordBatches, encodeRecordBatch, type RecordInput } from "../../src/protocol/record-batch.ts";
import { concatBytes } from "../../src/codec/bytes.ts";

// Test vectors were written by other implementations, in Python 3 with python-snappy 0.7, lz4 4.4 (the
// lz4.frame module over liblz4) and zstandard 0.25 (over libzstd); each vector names the call that made it.

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** Deterministic pseudo-random bytes (xorshift32), incompressible. */
function randomBytes(n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed | 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s;
  }
  return out;
}

/** JSON-like records with repetition, the shape of a record batch's payload. */
function compressibleBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  const events = ["page_view", "click", "purchase", "signup"];
  let o = 0;
  for (let i = 0; o < n; i++) {
    const rec = bytes(
      `{"id":${1_000_000 + i},"user":"user-${(i * 7919) % 5000}","event":"${events[i % 4]}",` +
        `"amount":${(i * 37) % 10000 / 100},"tags":["web","eu-west-${i % 3}"]}\n`,
    );
    const take = Math.min(rec.length, n - o);
    out.set(rec.subarray(0, take), o);
    o += take;
  }
  return out;
}

/** Python: b"".join(b"kafka record %d; " % (i % 50) for i in range(8000)), and the like for zstd. */
function numbered(prefix: string, modulo: number, count: number): Uint8Array {
  let s = "";
  for (let i = 0; i < count; i++) s += `${prefix} record ${i % modulo}; `;
  return bytes(s);
}

/** Runs `f` on corrupted variants of `valid`: each must throw an Error or return bytes, never hang or crash. */
function fuzz(codec: CompressionCodec, valid: Uint8Array): void {
  let s = 12345;
  const rand = (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  for (let round = 0; round < 300; round++) {
    const bad = valid.slice(0, round % 3 === 0 ? rand(valid.length) : valid.length);
    for (let k = 0; k < 1 + rand(4) && bad.length > 0; k++) bad[rand(bad.length)] = rand(256);
    try {
      const out = codec.decompress(bad);
      assert.ok(out instanceof Uint8Array);
    } catch (err) {
      assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
    }
  }
}

const codecs: Array<[string, () => CompressionCodec]> = [
  ["snappy", () => snappyCodec],
  ["lz4", () => lz4Codec],
  ["zstd", () => zstdCodec],
];

describe("compression codecs", () => {
  before(async () => {
    await initZstd();
  });

  for (const [name, codec] of codecs) {
    describe(`${name} round trips`, () => {
      const cases: Array<[string, Uint8Array]> = [
        ["empty input", new Uint8Array(0)],
        ["one byte", new Uint8Array([0x2a])],
        ["100 KiB of random bytes", randomBytes(100 * 1024)],
        ["1 MiB of compressible records", compressibleBytes(1024 * 1024)],
      ];
      for (const [what, data] of cases) {
        it(what, () => {
          const compressed = codec().compress(data);
          assert.deepEqual(codec().decompress(compressed), data);
        });
      }

      it("compresses compressible records to well under half", () => {
        const data = compressibleBytes(1024 * 1024);
        assert.ok(codec().compress(data).length < data.length / 2);
      });

      it("honours subarray views", () => {
        const data = compressibleBytes(70 * 1024);
        const padded = new Uint8Array(data.length + 20);
        padded.set(data, 7);
        const compressed = codec().compress(padded.subarray(7, 7 + data.length));
        const framed = new Uint8Array(compressed.length + 9);
        framed.set(compressed, 5);
        assert.deepEqual(codec().decompress(framed.subarray(5, 5 + compressed.length)), data);
      });

      it("throws an Error on corrupt input, and never hangs", () => {
        fuzz(codec(), codec().compress(compressibleBytes(40 * 1024)));
        fuzz(codec(), codec().compress(bytes("short input, short input")));
        assert.throws(() => codec().decompress(new Uint8Array(0)), Error);
        assert.throws(() => codec().decompress(bytes("this is not compressed data at all, no")), Error);
      });
    });
  }

  describe("snappy", () => {
    const XERIAL_HEADER = "82534e41505059000000000100000001";

    it("writes snappy-java's xerial framing", () => {
      const data = bytes("hello hello hello hello kafka");
      const out = snappyCodec.compress(data);
      assert.equal(Buffer.from(out.subarray(0, 16)).toString("hex"), XERIAL_HEADER);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      assert.equal(view.getInt32(16), out.length - 20); // one block, big-endian length
      assert.equal(out[20], data.length); // the raw block's varint uncompressed length
    });

    it("writes one block per 32 KiB of input", () => {
      const data = compressibleBytes(100 * 1024);
      const out = snappyCodec.compress(data);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      let pos = 16;
      const blocks: number[] = [];
      while (pos < out.length) {
        const size = view.getInt32(pos);
        // varint uncompressed length of the block
        let len = 0;
        for (let shift = 0, p = pos + 4;; shift += 7, p++) {
          len |= (out[p] & 0x7f) << shift;
          if (out[p] < 0x80) break;
        }
        blocks.push(len);
        pos += 4 + size;
      }
      assert.equal(pos, out.length);
      assert.deepEqual(blocks, [32768, 32768, 32768, 4096]);
    });

    it("empty input is the header alone", () => {
      assert.equal(Buffer.from(snappyCodec.compress(new Uint8Array(0))).toString("hex"), XERIAL_HEADER);
    });

    it("reads a raw snappy block without framing", () => {
      // snappy.compress(b"raw snappy block, raw snappy block, raw snappy block!")
      const raw = fromHex("354472617720736e6170707920626c6f636b2c208612000021");
      assert.equal(
        dec.decode(snappyCodec.decompress(raw)),
        "raw snappy block, raw snappy block, raw snappy block!",
      );
    });

    it("reads xerial data of several blocks", () => {
      // b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1) + b"".join(struct.pack(">i", len(c)) + c
      //   for c in map(snappy.compress, [b"hello kafka " * 3, b"snappy block two", b"\x00" * 40]))
      const xerial = fromHex(
        "82534e4150505900000000010000000100000011242c68656c6c6f206b61666b61205e0c0000000012103c736e" +
          "6170707920626c6f636b2074776f000000062800009a0100",
      );
      const expected = concat(bytes("hello kafka ".repeat(3)), bytes("snappy block two"), new Uint8Array(40));
      assert.deepEqual(snappyCodec.decompress(xerial), expected);
    });

    it("rejects truncated framing and impossible lengths", () => {
      const out = snappyCodec.compress(compressibleBytes(50 * 1024));
      assert.throws(() => snappyCodec.decompress(out.subarray(0, 12)), /too short/);
      assert.throws(() => snappyCodec.decompress(out.subarray(0, 18)), /truncated/);
      assert.throws(() => snappyCodec.decompress(out.subarray(0, out.length - 1)), /bad length/);
      // A raw block claiming 2^32 - 1 bytes from 6.
      assert.throws(() => snappyCodec.decompress(fromHex("ffffffff0f00")), /claims/);
    });
  });

  describe("lz4", () => {
    it("computes xxHash32", () => {
      assert.equal(xxhash32(new Uint8Array(0)), 0x02cc5d05);
      assert.equal(xxhash32(bytes("a")), 0x550d7456);
      assert.equal(xxhash32(bytes("abc")), 0x32d153ff);
      assert.equal(xxhash32(bytes("Nobody inspects the spammish repetition")), 0xe2293b2f);
      const ramp = new Uint8Array(1024);
      for (let i = 0; i < ramp.length; i++) ramp[i] = i;
      assert.equal(xxhash32(ramp), 0x58654d5a);
    });

    it("writes a frame as Kafka's Java client does", () => {
      const out = lz4Codec.compress(bytes("hello hello hello hello kafka"));
      // magic, FLG (version 1, independent blocks), BD (64 KiB blocks), header checksum
      assert.equal(Buffer.from(out.subarray(0, 7)).toString("hex"), "04224d18604082");
      assert.equal(Buffer.from(out.subarray(out.length - 4)).toString("hex"), "00000000"); // end mark
      assert.equal(
        Buffer.from(lz4Codec.compress(new Uint8Array(0))).toString("hex"),
        "04224d1860408200000000",
      );
    });

    it("stores incompressible blocks uncompressed, in 64 KiB blocks", () => {
      const data = randomBytes(100 * 1024);
      const out = lz4Codec.compress(data);
      const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      assert.equal(view.getUint32(7, true), (0x80000000 | 65536) >>> 0);
      assert.equal(view.getUint32(7 + 4 + 65536, true), (0x80000000 | (100 * 1024 - 65536)) >>> 0);
      assert.equal(out.length, 7 + 4 + 100 * 1024 + 4 + 4);
    });

    it("reads a frame with block checksums, content checksum and content size", () => {
      // lz4.frame.compress(data, block_checksum=True, content_checksum=True, store_size=True, block_linked=False)
      const frame = fromHex(
        "04224d187c404d000000000000004d25000000ff0b6c7a34206672616d65207769746820636865636b73756d73" +
          "2c201a001b5073756d732e191026ca00000000d4603957",
      );
      const expected = "lz4 frame with checksums, lz4 frame with checksums, lz4 frame with checksums.";
      assert.equal(dec.decode(lz4Codec.decompress(frame)), expected);
    });

    it("reads a frame with a content size", () => {
      // lz4.frame.compress(data, store_size=True, block_linked=False)
      const frame = fromHex(
        "04224d1868404d000000000000006725000000ff0b6c7a34206672616d65207769746820636865636b73756d73" +
          "2c201a001b5073756d732e00000000",
      );
      const expected = "lz4 frame with checksums, lz4 frame with checksums, lz4 frame with checksums.";
      assert.equal(dec.decode(lz4Codec.decompress(frame)), expected);
    });

    it("reads linked 64 KiB blocks with checksums", () => {
      // lz4.frame.compress(data, block_size=lz4.frame.BLOCKSIZE_MAX64KB, block_linked=True,
      //   block_checksum=True, content_checksum=True, store_size=False)
      const frame = fromBase64(LZ4_LINKED);
      assert.deepEqual(lz4Codec.decompress(frame), numbered("kafka", 50, 8000));
    });

    it("reads several frames in a row, and skips skippable frames", () => {
      const a = lz4Codec.compress(bytes("first, "));
      const b = lz4Codec.compress(bytes("second"));
      const skippable = fromHex("522a4d180300000001020304"); // magic 0x184D2A52, 3 bytes... plus one
      const data = concat(a, skippable.subarray(0, 11), b);
      assert.equal(dec.decode(lz4Codec.decompress(data)), "first, second");
    });

    it("verifies the checksums", () => {
      const frame = fromHex(
        "04224d187c404d000000000000004d25000000ff0b6c7a34206672616d65207769746820636865636b73756d73" +
          "2c201a001b5073756d732e191026ca00000000d4603957",
      );
      const badHeader = frame.slice();
      badHeader[14] ^= 1;
      assert.throws(() => lz4Codec.decompress(badHeader), /header checksum/);
      const badBlock = frame.slice();
      badBlock[25] ^= 1;
      assert.throws(() => lz4Codec.decompress(badBlock), /checksum/);
      const badContent = frame.slice();
      badContent[badContent.length - 1] ^= 1;
      assert.throws(() => lz4Codec.decompress(badContent), /content checksum/);
    });

    it("rejects bad offsets and overlong output", () => {
      const header = lz4Codec.compress(new Uint8Array(0)).subarray(0, 7);
      const block = (b: number[]) =>
        concat(
          header,
          new Uint8Array([b.length & 255, b.length >> 8, 0, 0]),
          new Uint8Array(b),
          new Uint8Array(4),
        );
      // One literal "a", then a match at offset 2 (before the start of the output).
      assert.throws(() => lz4Codec.decompress(block([0x10, 0x61, 0x02, 0x00])), /offset/);
      // A match length extension that runs past the 64 KiB block size.
      const long = [0x1f, 0x61, 0x01, 0x00, ...new Array(300).fill(255), 0];
      assert.throws(() => lz4Codec.decompress(block(long)), /more than/);
    });
  });

  describe("zstd", () => {
    it("reads a frame without a content size, with a checksum", () => {
      // zstandard.ZstdCompressor(level=3, write_content_size=False, write_checksum=True).compress(data)
      assert.deepEqual(zstdCodec.decompress(fromBase64(ZSTD_NO_SIZE)), numbered("zstd", 70, 12000));
    });

    it("reads a streamed frame (no content size, several blocks)", () => {
      // c = zstandard.ZstdCompressor(level=3).compressobj(); c.compress(data) + c.flush()
      assert.deepEqual(zstdCodec.decompress(fromBase64(ZSTD_STREAM)), numbered("zstd", 70, 12000));
    });

    it("reads two concatenated frames", () => {
      // ZstdCompressor().compress(b"first frame, ")
      //   + ZstdCompressor(write_content_size=False).compress(b"second frame")
      const two = fromHex(
        "28b52ffd200d6900006669727374206672616d652c2028b52ffd00006100007365636f6e64206672616d65",
      );
      assert.equal(dec.decode(zstdCodec.decompress(two)), "first frame, second frame");
    });

    it("reads frames around a skippable frame", () => {
      const a = zstdCodec.compress(bytes("a"));
      const b = zstdCodec.compress(bytes("b"));
      const skippable = fromHex("502a4d1802000000ffff");
      assert.equal(dec.decode(zstdCodec.decompress(concat(a, skippable, b))), "ab");
    });

    it("rejects a content size that its blocks cannot hold", () => {
      const frame = zstdCodec.compress(bytes("hello"));
      // Single-segment frame with a 1-byte content size: make it claim 200 bytes.
      assert.equal(frame[4] & 0xe0, 0x20);
      const bad = frame.slice();
      bad[5] = 200;
      assert.throws(() => zstdCodec.decompress(bad), /declares 200/);
    });

    it("accepts a level", () => {
      const data = compressibleBytes(200 * 1024);
      const fast = createZstdCodec(-5).compress(data);
      const strong = createZstdCodec(19).compress(data);
      assert.ok(strong.length < fast.length);
      assert.deepEqual(zstdCodec.decompress(fast), data);
      assert.throws(() => createZstdCodec(23), RangeError);
      assert.throws(() => createZstdCodec(1.5), RangeError);
    });

    it("is ready after initZstd()", () => {
      assert.equal(zstdReady(), true);
    });
  });

  describe("registerDefaultCodecs", () => {
    before(async () => {
      await initCrc32c();
      await registerDefaultCodecs();
      await registerDefaultCodecs(); // idempotent
    });

    it("registers snappy, lz4 and zstd", () => {
      assert.equal(getCodec(CompressionType.snappy), snappyCodec);
      assert.equal(getCodec(CompressionType.lz4), lz4Codec);
      assert.equal(getCodec(CompressionType.zstd), zstdCodec);
    });

    for (const compression of [CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
      it(`round-trips a record batch with compression ${compression}`, () => {
        const records: RecordInput[] = [];
        for (let i = 0; i < 500; i++) {
          records.push({
            key: bytes(`key-${i % 10}`),
            value: bytes(JSON.stringify({ id: i, event: "click", page: `/items/${i % 17}` })),
            headers: [{ key: "trace", value: bytes(String(i)) }],
            timestamp: 1_700_000_000_000 + i,
          });
        }
        const encoded = encodeRecordBatch({ records, compression });
        const [batch] = decodeRecordBatches(encoded);
        assert.equal(batch.compression, compression);
        assert.equal(batch.records.length, records.length);
        for (let i = 0; i < records.length; i++) {
          assert.deepEqual(batch.records[i].key, records[i].key);
          assert.deepEqual(batch.records[i].value, records[i].value);
        }
        const plain = encodeRecordBatch({ records });
        assert.ok(encoded.length < plain.length / 2, `${encoded.length} vs ${plain.length}`);
      });
    }
  });
});

// lz4.frame.compress(numbered("kafka", 50, 8000), block_size=BLOCKSIZE_MAX64KB, block_linked=True,
//   block_checksum=True, content_checksum=True, store_size=False)
const LZ4_LINKED =
  "BCJNGFRArvsBAAD5AWthZmthIHJlY29yZCAwOyAQABsxEAAbMhAAGzMQABs0EAAbNRAAGzYQABs3EAAbOBAAGzkQAB0xoQAMogAc" +
  "MaMAHDGkABwxpQAcMaYAHDGnABwxqAAcMakAHDGqABwyqgAcMqoAHDKqABwyqgAcMqoAHDKqABwyqgAcMqoAHDKqABwyqgAcM6oA" +
  "HDOqABwzqgAcM6oAHDOqABwzqgAcM6oAHDOqABwzqgAcM6oAHDSqABw0qgAcNKoAHDSqABw0qgAcNKoAHDSqABw0qgAcNKoAHDSq" +
  "AAypAAyoAAynAA2mAAv4AgykAAyjAAyiAAyhAAygAA9IA///////////////////////////////////////////////////////" +
  "////////////////////////////////////////////////////////////////////////////////////////////////////" +
  "////////////////////////////////////////////////////////////////////////////////////////////////////" +
  "/////////////////////////////////////////////////////////////////////////////////+9QZCAwOyCsn5YECgEA" +
  "AA+o/P//////////////////////////////////////////////////////////////////////////////////////////////" +
  "////////////////////////////////////////////////////////////////////////////////////////////////////" +
  "////////////////////////////////////////////////////////////////////////////////////////////////////" +
  "///////////////////////////////////////////////oUGQgMTsgprq+7v4AAADra2Fma2EgcmVjb3JkIDIQABszEAAbNBAA" +
  "GzUQABs2EAAbNxAAGzgQABs5EAAsMTARABwxEQAMowAcMaQAHDGlABwxpgAcMacAHDGoABwxqQAcMaoAHDKqABwyqgAcMqoAHDKq" +
  "ABwyqgAcMqoAHDKqABwyqgAcMqoAHDKqABwzqgAcM6oAHDOqABwzqgAcM6oAHDOqABwzqgAcM6oAHDOqABwzqgAcNKoAHDSqABw0" +
  "qgAcNKoAHDSqABw0qgAcNKoAHDSqABw0qgAcNKoADKkADKgADKcADaYAC9YCDKQADKMADKIADKEADKAAD0gD////////////HFAg" +
  "NDk7IKGL61IAAAAApxsZKg==";

// zstandard.ZstdCompressor(level=3, write_content_size=False, write_checksum=True).compress(numbered("zstd", 70, 12000))
const ZSTD_NO_SIZE =
  "KLUv/QRA9AQAUkgTFLA1ywEHbJRgvyG3ECFSSpm6NMkwJEmS5LZt2yZJkiT9/3+SJEnStm3bkiRJktu2bZskSZL0//9JkiQh" +
  "DATldIpCoDAOhOFwFAZAIiCAg6hAfP8MsKPSYgMSeAUBEn37//9v5fdZRGqDcu5zy+le7F7z3uu98L3+vQd8IXivJTImy4iIKERA" +
  "9CEPdYhDvqG5RueMmTMjT4cAbApNAAAIdAEARGcdCAG4ZPMi";

// c = zstandard.ZstdCompressor(level=3).compressobj(); c.compress(numbered("zstd", 70, 12000)) + c.flush()
const ZSTD_STREAM =
  "KLUv/QBY9AQAUkgTFLA1ywEHbJRgvyG3ECFSSpm6NMkwJEmS5LZt2yZJkiT9/3+SJEnStm3bkiRJktu2bZskSZL0//9JkiQh" +
  "DATldIpCoDAOhOFwFAZAIiCAg6hAfP8MsKPSYgMSeAUBEn37//9v5fdZRGqDcu5zy+le7F7z3uu98L3+vQd8IXivJTImy4iIKERA" +
  "9CEPdYhDvqG5RueMmTMjT4cAbApNAAAIdAEARGcdCAE=";
