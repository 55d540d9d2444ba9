/**
 * lz4 compression (Kafka compression type 3): the LZ4 frame format, implemented here.
 *
 * Since KIP-57 Kafka exchanges standard LZ4 frames (magic `04 22 4d 18`, header checksum over the frame
 * descriptor only). `compress` writes what Java's `KafkaLZ4BlockOutputStream` writes: independent blocks of
 * at most 64 KiB, no block checksums, no content size, no content checksum, and a block stored
 * uncompressed when compressing would not make it smaller.
 *
 * `decompress` reads any LZ4 frame as the format defines it: 64 KiB to 4 MiB blocks, linked or
 * independent, with or without block checksums, content size and content checksum (checksums are
 * verified with xxHash32), several frames in a row, and skippable frames. Dictionaries are not supported
 * (Kafka never uses them).
 *
 * The block compressor is a greedy hash-table matcher like the reference "fast" mode; the decompressor
 * checks every length and offset, so corrupt input throws an `Error` instead of reading or writing out of
 * bounds.
 */
import type { CompressionCodec } from "./codec.ts";
import { readU32LE as readU32 } from "./bytes.ts";

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames use magics 0x184D2A50..0x184D2A5F. */
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;

// Frame descriptor flag bits.
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BD_RESERVED = 0x8f;
/** The high bit of a block size marks a block stored uncompressed. */
const BLOCK_UNCOMPRESSED = 0x80000000;

/** Kafka's block size: 64 KiB (block size id 4). */
const BLOCK_SIZE = 64 * 1024;
const BLOCK_SIZE_ID = 4;

// Block format constants.
const MIN_MATCH = 4;
/** The last match must start at least 12 bytes before the end of the block. */
const MF_LIMIT = 12;
/** The last 5 bytes of a block are always literals. */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65535;
const HASH_LOG = 14;
/** How fast the matcher skips ahead through data that does not match (as in the reference "fast" mode). */
const SKIP_TRIGGER = 6;

/** Hash table for the compressor: position + 1 of the last occurrence of a 4-byte hash, 0 for none. */
const table = new Int32Array(1 << HASH_LOG);

// xxHash32 primes.
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function read32(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

function writeU32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function xxRound(acc: number, input: number): number {
  return Math.imul(rotl((acc + Math.imul(input, P2)) | 0, 13), P1);
}

/** xxHash32 of `b` with seed 0, as an unsigned 32-bit number (the checksum of the LZ4 frame format). */
export function xxhash32(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = -P1 | 0;
    const limit = n - 16;
    while (i <= limit) {
      v1 = xxRound(v1, read32(b, i));
      v2 = xxRound(v2, read32(b, i + 4));
      v3 = xxRound(v3, read32(b, i + 8));
      v4 = xxRound(v4, read32(b, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + n) | 0;
  while (i + 4 <= n) {
    h = Math.imul(rotl((h + Math.imul(read32(b, i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < n) {
    h = Math.imul(rotl((h + Math.imul(b[i], P5)) | 0, 11), P1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The largest compressed size of a block of `n` bytes. */
function blockBound(n: number): number {
  return n + ((n / 255) | 0) + 16;
}

/** Writes an LZ4 length extension (the part of a length beyond the token's 15) and returns the new position. */
function writeLength(dst: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    dst[op++] = 255;
    rest -= 255;
  }
  dst[op++] = rest;
  return op;
}

function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  if (n < 32) {
    for (let k = 0; k < n; k++) dst[to + k] = src[from + k];
  } else {
    dst.set(src.subarray(from, from + n), to);
  }
}

/**
 * Compresses `src[start, end)` as one independent LZ4 block into `dst` at `op` (which must have
 * `blockBound(end - start)` bytes free) and returns the position after it. The hash table holds absolute
 * positions, so entries below `start` (from earlier blocks) are ignored.
 */
function compressBlock(src: Uint8Array, start: number, end: number, dst: Uint8Array, op: number): number {
  let anchor = start;
  if (end - start >= MF_LIMIT + 1) {
    const mfLimit = end - MF_LIMIT;
    const matchLimit = end - LAST_LITERALS;
    const shift = 32 - HASH_LOG;
    let ip = start;
    table[Math.imul(read32(src, ip), P1) >>> shift] = ip + 1;
    ip++;
    outer: for (;;) {
      // Find a match: a 4-byte sequence seen before, within this block and 64 KiB back.
      let ref = 0;
      let attempts = 1 << SKIP_TRIGGER;
      let step = 1;
      let found = false;
      while (!found) {
        if (ip > mfLimit) break outer;
        const seq = read32(src, ip);
        const h = Math.imul(seq, P1) >>> shift;
        ref = table[h] - 1;
        table[h] = ip + 1;
        found = ref >= start && ip - ref <= MAX_OFFSET && read32(src, ref) === seq;
        if (!found) {
          ip += step;
          step = attempts++ >> SKIP_TRIGGER;
        }
      }
      // Extend it backwards over pending literals, then forwards.
      while (ip > anchor && ref > start && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let mEnd = ip + MIN_MATCH;
      let r = ref + MIN_MATCH;
      while (mEnd < matchLimit && src[mEnd] === src[r]) {
        mEnd++;
        r++;
      }
      // Emit the sequence: token, literal length, literals, offset, match length.
      const litLen = ip - anchor;
      const matchLen = mEnd - ip - MIN_MATCH;
      const tokenPos = op++;
      let token: number;
      if (litLen >= 15) {
        token = 0xf0;
        op = writeLength(dst, op, litLen - 15);
      } else {
        token = litLen << 4;
      }
      copyBytes(src, anchor, dst, op, litLen);
      op += litLen;
      const offset = ip - ref;
      dst[op++] = offset;
      dst[op++] = offset >>> 8;
      if (matchLen >= 15) {
        token |= 0x0f;
        op = writeLength(dst, op, matchLen - 15);
      } else {
        token |= matchLen;
      }
      dst[tokenPos] = token;
      ip = mEnd;
      anchor = ip;
      if (ip > mfLimit) break;
      // Remember a position inside the match, which helps the next search.
      table[Math.imul(read32(src, ip - 2), P1) >>> shift] = ip - 1;
    }
  }
  // The remaining bytes go out as literals.
  const litLen = end - anchor;
  if (litLen >= 15) {
    dst[op++] = 0xf0;
    op = writeLength(dst, op, litLen - 15);
  } else {
    dst[op++] = litLen << 4;
  }
  copyBytes(src, anchor, dst, op, litLen);
  return op + litLen;
}

/**
 * Decompresses the LZ4 block `src[sp, sEnd)` into `dst` at `op`, writing no further than `dLimit`; matches
 * may reach back to `windowStart`. Returns the position after the output; throws on corrupt input.
 */
function decompressBlock(
  src: Uint8Array,
  sp: number,
  sEnd: number,
  dst: Uint8Array,
  op: number,
  dLimit: number,
  windowStart: number,
): number {
  for (;;) {
    if (sp >= sEnd) throw new Error("lz4 block is truncated");
    const token = src[sp++];
    // Literals.
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (sp >= sEnd) throw new Error("lz4 block is truncated in a literal length");
        b = src[sp++];
        litLen += b;
      } while (b === 255);
    }
    if (litLen > sEnd - sp) throw new Error("lz4 block literals run past the end of the block");
    if (litLen > dLimit - op) throw new Error("lz4 block decompresses to more than its maximum size");
    copyBytes(src, sp, dst, op, litLen);
    sp += litLen;
    op += litLen;
    if (sp === sEnd) return op; // the last sequence has literals only
    // Match.
    if (sEnd - sp < 2) throw new Error("lz4 block is truncated in a match offset");
    const offset = src[sp] | (src[sp + 1] << 8);
    sp += 2;
    if (offset === 0 || offset > op - windowStart) {
      throw new Error(`lz4 block has a bad match offset ${offset}`);
    }
    let matchLen = (token & 0x0f) + MIN_MATCH;
    if (matchLen === 15 + MIN_MATCH) {
      let b: number;
      do {
        if (sp >= sEnd) throw new Error("lz4 block is truncated in a match length");
        b = src[sp++];
        matchLen += b;
      } while (b === 255);
    }
    if (matchLen > dLimit - op) throw new Error("lz4 block decompresses to more than its maximum size");
    let m = op - offset;
    if (matchLen < 32 || offset < matchLen) {
      // Short, or overlapping (a repeating pattern): byte by byte, which repeats the pattern correctly.
      const end = op + matchLen;
      while (op < end) dst[op++] = dst[m++];
    } else {
      dst.copyWithin(op, m, m + matchLen);
      op += matchLen;
    }
  }
}

/** Compresses `data` into one LZ4 frame laid out as Kafka's Java client writes it. */
function compressFrame(data: Uint8Array): Uint8Array {
  const n = data.length;
  const blocks = Math.ceil(n / BLOCK_SIZE);
  const out = new Uint8Array(7 + blocks * 4 + blocks * blockBound(BLOCK_SIZE) + 4);
  writeU32(out, 0, FRAME_MAGIC);
  out[4] = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENT;
  out[5] = BLOCK_SIZE_ID << 4;
  out[6] = (xxhash32(out.subarray(4, 6)) >>> 8) & 0xff;
  let op = 7;
  table.fill(0);
  for (let pos = 0; pos < n; pos += BLOCK_SIZE) {
    const end = Math.min(pos + BLOCK_SIZE, n);
    // Positions in the hash table are absolute, so entries from earlier blocks are below `pos` and ignored.
    const size = compressBlock(data, pos, end, out, op + 4) - op - 4;
    if (size < end - pos) {
      writeU32(out, op, size);
      op += 4 + size;
    } else {
      writeU32(out, op, (end - pos) | BLOCK_UNCOMPRESSED);
      out.set(data.subarray(pos, end), op + 4);
      op += 4 + end - pos;
    }
  }
  writeU32(out, op, 0); // end mark
  return out.subarray(0, op + 4);
}

/** What the header of one frame says. */
interface FrameHeader {
  flags: number;
  blockMax: number;
  /** Declared content size, or -1. */
  contentSize: number;
  /** Position of the first block. */
  blocksStart: number;
}

function readFrameHeader(data: Uint8Array, pos: number): FrameHeader {
  if (data.length - pos < 7) throw new Error(`lz4 frame header at byte ${pos} is truncated`);
  const flags = data[pos + 4];
  const bd = data[pos + 5];
  if ((flags & FLG_VERSION_MASK) !== FLG_VERSION_01) {
    throw new Error(`lz4 frame at byte ${pos} has unsupported version ${flags >>> 6}`);
  }
  if ((flags & FLG_RESERVED) !== 0 || (bd & BD_RESERVED) !== 0) {
    throw new Error(`lz4 frame at byte ${pos} sets reserved descriptor bits`);
  }
  if ((flags & FLG_DICT_ID) !== 0) throw new Error("lz4 frames with a dictionary are not supported");
  const sizeId = (bd >>> 4) & 7;
  if (sizeId < 4) throw new Error(`lz4 frame at byte ${pos} has a bad block size id ${sizeId}`);
  const descriptorLength = (flags & FLG_CONTENT_SIZE) !== 0 ? 10 : 2;
  if (data.length - pos < 4 + descriptorLength + 1) {
    throw new Error(`lz4 frame header at byte ${pos} is truncated`);
  }
  let contentSize = -1;
  if ((flags & FLG_CONTENT_SIZE) !== 0) {
    contentSize = readU32(data, pos + 6) + readU32(data, pos + 10) * 2 ** 32;
  }
  const checksum = data[pos + 4 + descriptorLength];
  if (((xxhash32(data.subarray(pos + 4, pos + 4 + descriptorLength)) >>> 8) & 0xff) !== checksum) {
    throw new Error(`lz4 frame at byte ${pos} has a bad header checksum`);
  }
  return { flags, blockMax: 1 << (2 * sizeId + 8), contentSize, blocksStart: pos + 4 + descriptorLength + 1 };
}

/**
 * Walks every frame once to check the structure and find an upper bound of the decompressed size: a block
 * never decompresses to more than the frame's block size, nor to more than 255 times its own size.
 */
function decompressedBound(data: Uint8Array): number {
  let pos = 0;
  let total = 0;
  while (pos < data.length) {
    if (data.length - pos < 8) throw new Error(`lz4 data is truncated at byte ${pos}`);
    const magic = readU32(data, pos);
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      const size = readU32(data, pos + 4);
      if (size > data.length - pos - 8) throw new Error(`lz4 skippable frame at byte ${pos} is truncated`);
      pos += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Error(`lz4 data at byte ${pos} is not an LZ4 frame (bad magic)`);
    const h = readFrameHeader(data, pos);
    const blockChecksum = (h.flags & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
    let frameBound = 0;
    pos = h.blocksStart;
    for (;;) {
      if (data.length - pos < 4) throw new Error(`lz4 frame is truncated at byte ${pos}`);
      const word = readU32(data, pos);
      pos += 4;
      if (word === 0) break;
      const size = word & ~BLOCK_UNCOMPRESSED;
      if (size > h.blockMax) {
        throw new Error(`lz4 block at byte ${pos - 4} is larger than the frame's block size`);
      }
      if (size + blockChecksum > data.length - pos) {
        throw new Error(`lz4 block at byte ${pos - 4} is truncated`);
      }
      frameBound += (word & BLOCK_UNCOMPRESSED) !== 0 ? size : Math.min(h.blockMax, size * 255);
      pos += size + blockChecksum;
    }
    if ((h.flags & FLG_CONTENT_CHECKSUM) !== 0) {
      if (data.length - pos < 4) throw new Error("lz4 frame is truncated in its content checksum");
      pos += 4;
    }
    if (h.contentSize > frameBound) {
      throw new Error(`lz4 frame declares ${h.contentSize} bytes but its blocks hold at most ${frameBound}`);
    }
    total += h.contentSize >= 0 ? h.contentSize : frameBound;
  }
  return total;
}

function decompressFrames(data: Uint8Array): Uint8Array {
  if (data.length === 0) throw new Error("lz4 data is empty");
  const out = new Uint8Array(decompressedBound(data));
  let op = 0;
  let pos = 0;
  while (pos < data.length) {
    const magic = readU32(data, pos);
    if (magic !== FRAME_MAGIC) { // skippable (checked by decompressedBound)
      pos += 8 + readU32(data, pos + 4);
      continue;
    }
    const h = readFrameHeader(data, pos);
    const independent = (h.flags & FLG_BLOCK_INDEPENDENT) !== 0;
    const blockChecksum = (h.flags & FLG_BLOCK_CHECKSUM) !== 0;
    const frameStart = op;
    pos = h.blocksStart;
    for (;;) {
      const word = readU32(data, pos);
      pos += 4;
      if (word === 0) break;
      const size = word & ~BLOCK_UNCOMPRESSED;
      if (blockChecksum && xxhash32(data.subarray(pos, pos + size)) !== readU32(data, pos + size)) {
        throw new Error(`lz4 block at byte ${pos - 4} has a bad checksum`);
      }
      if ((word & BLOCK_UNCOMPRESSED) !== 0) {
        if (size > out.length - op) throw new Error("lz4 frame holds more than its declared content size");
        out.set(data.subarray(pos, pos + size), op);
        op += size;
      } else {
        const limit = Math.min(out.length, op + h.blockMax);
        op = decompressBlock(data, pos, pos + size, out, op, limit, independent ? op : frameStart);
      }
      pos += size + (blockChecksum ? 4 : 0);
    }
    if (h.contentSize >= 0 && op - frameStart !== h.contentSize) {
      throw new Error(`lz4 frame declares ${h.contentSize} bytes but holds ${op - frameStart}`);
    }
    if ((h.flags & FLG_CONTENT_CHECKSUM) !== 0) {
      if (xxhash32(out.subarray(frameStart, op)) !== readU32(data, pos)) {
        throw new Error("lz4 frame has a bad content checksum");
      }
      pos += 4;
    }
  }
  return op === out.length ? out : out.subarray(0, op);
}

/**
 * The lz4 codec: writes one LZ4 frame as Kafka's Java client does (independent 64 KiB blocks, no
 * checksums but the header's); reads any LZ4 frames.
 */
export const lz4Codec: CompressionCodec = {
  compress: compressFrame,
  decompress: decompressFrames,
};
