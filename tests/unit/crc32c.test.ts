import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { crc32c, crc32cReady, crc32cWasm, initCrc32c } from "../../src/codec/crc32c.ts";
import { crc32cJs } from "../../src/codec/crc32c-js.ts";

describe("crc32c", () => {
  before(async () => {
    await initCrc32c();
  });

  it("matches the standard check value", () => {
    assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  });

  it("matches the iSCSI test vectors (RFC 3720)", () => {
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    const ascending = new Uint8Array(32);
    for (let i = 0; i < 32; i++) ascending[i] = i;
    assert.equal(crc32c(ascending), 0x46dd794e);
    const descending = new Uint8Array(32);
    for (let i = 0; i < 32; i++) descending[i] = 31 - i;
    assert.equal(crc32c(descending), 0x113fdb5c);
  });

  it("is 0 for empty input", () => {
    assert.equal(crc32c(new Uint8Array(0)), 0);
  });

  it("returns an unsigned 32-bit number", () => {
    const v = crc32c(new Uint8Array(32).fill(0xff));
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
  });

  it("honours subarray views", () => {
    const buf = new Uint8Array(64).fill(0xaa);
    const digits = new TextEncoder().encode("123456789");
    buf.set(digits, 17);
    assert.equal(crc32c(buf.subarray(17, 26)), 0xe3069283);
  });

  it("gives the same result for input larger than the WASM staging buffer", () => {
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const a = crc32c(big);
    assert.equal(crc32c(big), a);
    assert.equal(a, referenceCrc32c(big));
    // A single flipped byte changes it.
    big[123456] ^= 1;
    assert.notEqual(crc32c(big), a);
  });

  it("is idempotent to initialize and reports readiness", async () => {
    await Promise.all([initCrc32c(), initCrc32c()]);
    assert.equal(crc32cReady(), true);
  });
});

describe("crc32c in JavaScript", () => {
  before(async () => {
    await initCrc32c();
  });

  it("matches the standard check value and the iSCSI vectors", () => {
    assert.equal(crc32cJs(new TextEncoder().encode("123456789")), 0xe3069283);
    assert.equal(crc32cJs(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32cJs(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32cJs(new Uint8Array(0)), 0);
  });

  it("agrees with the WebAssembly version and the bitwise reference on random input", () => {
    // Every length up to 200 covers each tail length of the 16-byte steps; then a few large ones, at odd
    // offsets into a larger buffer.
    const pool = randomBytes((1 << 20) + 64, 12345);
    const lengths: number[] = [];
    for (let n = 0; n <= 200; n++) lengths.push(n);
    lengths.push(1023, 1024, 8191, 8192, 16384 + 5, 65536 + 3, 1 << 20);
    for (const n of lengths) {
      const at = (n * 7) % 61;
      const data = pool.subarray(at, at + n);
      const js = crc32cJs(data);
      assert.equal(js, crc32cWasm(data), `length ${n}`);
      assert.equal(crc32c(data), js, `length ${n}`);
      if (n <= 200 || n === 8192) assert.equal(js, referenceCrc32c(data), `length ${n}`);
    }
  });

  it("reads words at every alignment and every tail length once inputs are long enough for it", () => {
    const pool = randomBytes(8192, 777);
    for (let at = 0; at < 4; at++) {
      for (let n = 2040; n <= 2080; n++) {
        const data = pool.subarray(at, at + n);
        assert.equal(crc32cJs(data), referenceCrc32c(data), `length ${n} at offset ${at}`);
      }
    }
  });
});

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Bitwise CRC32C, for cross-checking. */
function referenceCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc ^= data[i];
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
