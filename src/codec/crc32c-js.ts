/**
 * CRC32C (Castagnoli) in plain JavaScript, slicing by 16: sixteen 256-entry tables let each step fold
 * sixteen input bytes with table look-ups alone. It needs no WebAssembly, so it runs where compiling
 * WebAssembly at run time is forbidden (Cloudflare Workers), and on small inputs it beats the WebAssembly
 * version, whose per-call overhead dominates below a few KiB.
 */

/** The reflected CRC32C polynomial. */
export const CASTAGNOLI = 0x82f63b78;

function buildTable(): Int32Array {
  const t = new Int32Array(16 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i];
    for (let k = 1; k < 16; k++) {
      c = t[c & 0xff] ^ (c >>> 8);
      t[k * 256 + i] = c;
    }
  }
  return t;
}

/** Table `k` (entries `k*256 .. k*256+255`) is the CRC of a byte followed by `k` zero bytes. */
const TABLE = buildTable();

/** CRC32C of `data` as an unsigned 32-bit number, computed in JavaScript. */
export function crc32cJs(data: Uint8Array): number {
  const t = TABLE;
  const n = data.length;
  const end = n - (n & 15);
  let c = -1;
  let i = 0;
  for (; i < end; i += 16) {
    const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
    c = t[3840 + (a & 0xff)] ^ t[3584 + ((a >>> 8) & 0xff)] ^ t[3328 + ((a >>> 16) & 0xff)] ^
      t[3072 + (a >>> 24)] ^ t[2816 + data[i + 4]] ^ t[2560 + data[i + 5]] ^ t[2304 + data[i + 6]] ^
      t[2048 + data[i + 7]] ^ t[1792 + data[i + 8]] ^ t[1536 + data[i + 9]] ^ t[1280 + data[i + 10]] ^
      t[1024 + data[i + 11]] ^ t[768 + data[i + 12]] ^ t[512 + data[i + 13]] ^ t[256 + data[i + 14]] ^
      t[data[i + 15]];
  }
  for (; i < n; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
