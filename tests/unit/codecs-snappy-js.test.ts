import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { snappyCompressor, snappyUncompressor } from "hysnappy";
import snappyjsPackage from "snappyjs";
import { snappyCompressJs, snappyUncompressJs } from "../../src/codec/snappy-js.ts";

/** snappyjs: raw snappy blocks. */
interface SnappyJs {
  compress(data: Uint8Array): Uint8Array;
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
}
const snappyjs = snappyjsPackage as SnappyJs;
const hyCompress = snappyCompressor();
const hyUncompress = snappyUncompressor();

const enc = new TextEncoder();

/** The uncompressed length a raw block declares. */
function declared(block: Uint8Array): number {
  let n = 0;
  for (let i = 0, shift = 0;; i++, shift += 7) {
    n += (block[i] & 0x7f) * 2 ** shift;
    if (block[i] < 0x80) return n;
  }
}

function randomBytes(n: number, seed: number): Uint8Array {
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

function jsonLines(n: number): Uint8Array {
  let text = "";
  for (let i = 0; text.length < n; i++) {
    text += `{"id":${i},"user":"user-${(i * 7919) % 500}","event":"${["view", "click", "buy"][i % 3]}"}\n`;
  }
  return enc.encode(text.slice(0, n));
}

/** Inputs that reach every element kind: short and long literals, near and far copies, runs. */
const inputs: [string, Uint8Array][] = [
  ["empty", new Uint8Array(0)],
  ["one byte", new Uint8Array([42])],
  ["14 bytes (below the match minimum)", enc.encode("abcdefghijklmn")],
  ["a run of zeros (overlapping copies)", new Uint8Array(5000)],
  ["a two-byte pattern", enc.encode("ab".repeat(3000))],
  ["JSON lines, 1 KiB", jsonLines(1024)],
  ["JSON lines, 200 KiB (several fragments)", jsonLines(200 * 1024)],
  ["random, 70 KiB (long literals)", randomBytes(70 * 1024, 7)],
  [
    "random with repeats 2 KiB apart",
    (() => {
      const r = randomBytes(40 * 1024, 9);
      for (let i = 2048; i < r.length; i++) if ((i >> 9) % 2 === 0) r[i] = r[i - 2048];
      return r;
    })(),
  ],
];

describe("snappy in JavaScript", () => {
  for (const [name, data] of inputs) {
    it(`round-trips and cross-decodes: ${name}`, () => {
      const ours = snappyCompressJs(data);
      assert.equal(declared(ours), data.length);
      assert.deepEqual(snappyUncompressJs(ours, data.length), data);
      // Our blocks read by hysnappy and snappyjs.
      assert.deepEqual(hyUncompress(ours, data.length), data);
      assert.deepEqual(new Uint8Array(snappyjs.uncompress(ours)), data);
      // Their blocks read by ours.
      assert.deepEqual(snappyUncompressJs(hyCompress(data), data.length), data);
      assert.deepEqual(snappyUncompressJs(snappyjs.compress(data), data.length), data);
    });
  }

  it("compresses about as well as hysnappy", () => {
    for (const data of [jsonLines(32 * 1024), new Uint8Array(32 * 1024)]) {
      const ours = snappyCompressJs(data).length;
      const theirs = hyCompress(data).length;
      assert.ok(ours <= theirs * 1.1 + 16, `ours ${ours} bytes, hysnappy ${theirs}`);
    }
    // Incompressible input grows by no more than the literal headers.
    const random = randomBytes(32 * 1024, 3);
    assert.ok(snappyCompressJs(random).length <= random.length + 16);
  });

  it("reads a block written by python-snappy", () => {
    // snappy.compress(b"raw snappy block, raw snappy block, raw snappy block!")
    const hex = "354472617720736e6170707920626c6f636b2c208612000021";
    const block = new Uint8Array(hex.length / 2).map((_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
    assert.equal(
      new TextDecoder().decode(snappyUncompressJs(block, declared(block))),
      "raw snappy block, raw snappy block, raw snappy block!",
    );
  });

  it("rejects malformed blocks", () => {
    // A copy before any output (offset 1 at position 0).
    assert.throws(() => snappyUncompressJs(new Uint8Array([4, 0x01, 0x01]), 4), /offset 1 is out of range/);
    // A copy with offset 0.
    assert.throws(() => snappyUncompressJs(new Uint8Array([5, 0x00, 0x61, 0x01, 0x00]), 5), /offset 0/);
    // A literal running past the block.
    assert.throws(() => snappyUncompressJs(new Uint8Array([3, 0x08, 0x61]), 3), /past the end/);
    // A literal running past the declared length.
    assert.throws(() => snappyUncompressJs(new Uint8Array([1, 0x04, 0x61, 0x62]), 1), /declared length/);
    // Output shorter than declared.
    assert.throws(() => snappyUncompressJs(new Uint8Array([3, 0x00, 0x61]), 3), /holds 1 bytes/);
    // A truncated copy.
    assert.throws(() => snappyUncompressJs(new Uint8Array([9, 0x00, 0x61, 0x02]), 9), /truncated/);
  });
});
