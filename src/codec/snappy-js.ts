/**
 * Raw snappy blocks in plain JavaScript: the fallback where hysnappy's WebAssembly cannot be compiled
 * (Cloudflare Workers). Written from the format description (google/snappy `format_description.txt`):
 *
 * ```text
 * varint                    uncompressed length
 * elements, by the low 2 bits of their tag byte:
 *   00 literal              length-1 in the upper 6 bits, or (60..63) in the next 1..4 bytes, then the bytes
 *   01 copy, 1-byte offset  length 4..11 in bits 2-4, offset bits 8-10 in bits 5-7, then offset bits 0-7
 *   10 copy, 2-byte offset  length-1 in the upper 6 bits, then the offset (16 bits, little-endian)
 *   11 copy, 4-byte offset  length-1 in the upper 6 bits, then the offset (32 bits, little-endian)
 * ```
 *
 * The compressor works like the reference one: input in 64 KiB fragments, each with a hash table of
 * 4-byte sequences, greedy matches, and a look-up step that grows while nothing matches, so incompressible
 * input passes quickly.
 */

/** Input is compressed in fragments of this size; copies never reach across them. */
const FRAGMENT_SIZE = 1 << 16;
/** Fragments shorter than this are written as one literal. */
const MIN_MATCH_INPUT = 15;
const MAX_HASH_BITS = 14;

/** Scratch hash table, reused by every call (compression is synchronous, never re-entered). */
const table = new Uint16Array(1 << MAX_HASH_BITS);

/** The most a raw block of `n` input bytes can take. */
function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

function load32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function writeLiteral(src: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const n = to - from - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n;
    out[op++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[op++] = 62 << 2;
    out[op++] = n;
    out[op++] = n >>> 8;
    out[op++] = n >>> 16;
  } else {
    out[op++] = 63 << 2;
    out[op++] = n;
    out[op++] = n >>> 8;
    out[op++] = n >>> 16;
    out[op++] = n >>> 24;
  }
  if (to - from < 16) {
    for (let i = from; i < to; i++) out[op++] = src[i];
    return op;
  }
  out.set(src.subarray(from, to), op);
  return op + (to - from);
}

/** One copy of `length` (4..64) bytes at `offset` (< 65536). */
function writeCopyUpTo64(offset: number, length: number, out: Uint8Array, op: number): number {
  if (length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 | ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}

function writeCopy(offset: number, length: number, out: Uint8Array, op: number): number {
  // Long matches go out in 64-byte pieces, leaving at least 4 for the last one.
  while (length >= 68) {
    op = writeCopyUpTo64(offset, 64, out, op);
    length -= 64;
  }
  if (length > 64) {
    op = writeCopyUpTo64(offset, 60, out, op);
    length -= 60;
  }
  return writeCopyUpTo64(offset, length, out, op);
}

/** Compresses `src[start, end)` (at most 64 KiB) to `out` at `op`; returns the new end of the output. */
function compressFragment(src: Uint8Array, start: number, end: number, out: Uint8Array, op: number): number {
  const length = end - start;
  if (length < MIN_MATCH_INPUT) return length > 0 ? writeLiteral(src, start, end, out, op) : op;
  let hashBits = 8;
  while (hashBits < MAX_HASH_BITS && 1 << hashBits < length) hashBits++;
  const shift = 32 - hashBits;
  table.fill(0, 0, 1 << hashBits);
  const ipLimit = end - MIN_MATCH_INPUT;
  let nextEmit = start;
  let ip = start + 1;
  let nextHash = Math.imul(load32(src, ip), 0x1e35a7bd) >>> shift;
  for (;;) {
    // Look for a 4-byte match, stepping further apart the longer nothing matches.
    let skip = 32;
    let nextIp = ip;
    let candidate: number;
    do {
      ip = nextIp;
      const hash = nextHash;
      nextIp = ip + (skip++ >>> 5);
      if (nextIp > ipLimit) return nextEmit < end ? writeLiteral(src, nextEmit, end, out, op) : op;
      nextHash = Math.imul(load32(src, nextIp), 0x1e35a7bd) >>> shift;
      candidate = start + table[hash];
      table[hash] = ip - start;
    } while (load32(src, ip) !== load32(src, candidate));

    op = writeLiteral(src, nextEmit, ip, out, op);
    // Emit copies for as long as the next position matches at once.
    let current: number;
    do {
      const base = ip;
      let matched = 4;
      while (ip + matched + 4 <= end && load32(src, candidate + matched) === load32(src, ip + matched)) {
        matched += 4;
      }
      while (ip + matched < end && src[candidate + matched] === src[ip + matched]) matched++;
      ip += matched;
      op = writeCopy(base - candidate, matched, out, op);
      nextEmit = ip;
      if (ip >= ipLimit) return nextEmit < end ? writeLiteral(src, nextEmit, end, out, op) : op;
      table[Math.imul(load32(src, ip - 1), 0x1e35a7bd) >>> shift] = ip - 1 - start;
      const hash = Math.imul(load32(src, ip), 0x1e35a7bd) >>> shift;
      candidate = start + table[hash];
      table[hash] = ip - start;
      current = load32(src, ip);
    } while (current === load32(src, candidate));
    nextHash = Math.imul(load32(src, ++ip), 0x1e35a7bd) >>> shift;
  }
}

/** `input` compressed to one raw snappy block. */
export function snappyCompressJs(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(maxCompressedLength(input.length));
  let op = 0;
  let n = input.length;
  while (n >= 0x80) {
    out[op++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[op++] = n;
  for (let pos = 0; pos < input.length; pos += FRAGMENT_SIZE) {
    op = compressFragment(input, pos, Math.min(pos + FRAGMENT_SIZE, input.length), out, op);
  }
  return out.slice(0, op);
}

/**
 * The raw snappy block `input` uncompressed; `outputLength` is the length its header declares (the
 * caller has read and checked it). Throws on any malformed element, and when the output does not come to
 * exactly `outputLength` bytes.
 */
export function snappyUncompressJs(input: Uint8Array, outputLength: number): Uint8Array {
  const out = new Uint8Array(outputLength);
  let ip = 0;
  // Skip the length header.
  while (ip < input.length && input[ip] >= 0x80) ip++;
  ip++;
  let op = 0;
  const end = input.length;
  while (ip < end) {
    const tag = input[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = len - 59;
        if (ip + bytes > end) throw new Error("snappy literal length is truncated");
        len = 0;
        for (let i = 0; i < bytes; i++) len += input[ip + i] * 2 ** (8 * i);
        ip += bytes;
      }
      len++;
      if (len > end - ip) throw new Error("snappy literal runs past the end of the block");
      if (len > outputLength - op) throw new Error("snappy literal runs past the declared length");
      if (len < 16) {
        for (let i = 0; i < len; i++) out[op++] = input[ip++];
      } else {
        out.set(input.subarray(ip, ip + len), op);
        op += len;
        ip += len;
      }
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= end) throw new Error("snappy copy is truncated");
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | input[ip++];
    } else if (kind === 2) {
      if (ip + 2 > end) throw new Error("snappy copy is truncated");
      len = (tag >>> 2) + 1;
      offset = input[ip] | (input[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > end) throw new Error("snappy copy is truncated");
      len = (tag >>> 2) + 1;
      offset = (input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16) | (input[ip + 3] << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op) throw new Error(`snappy copy offset ${offset} is out of range`);
    if (len > outputLength - op) throw new Error("snappy copy runs past the declared length");
    let from = op - offset;
    if (offset >= len && len >= 16) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      // Short, or overlapping (a run): byte by byte, so the copy reads what it just wrote.
      for (let i = 0; i < len; i++) out[op++] = out[from++];
    }
  }
  if (op !== outputLength) {
    throw new Error(`snappy block holds ${op} bytes, not the ${outputLength} its header declares`);
  }
  return out;
}
