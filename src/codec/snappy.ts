/**
 * snappy compression (Kafka compression type 2).
 *
 * Kafka's Java client writes snappy through snappy-java's `SnappyOutputStream`, whose "xerial" framing is
 * what brokers, librdkafka and kafka-python exchange:
 *
 * ```text
 * 82 53 4e 41 50 50 59 00   magic "\x82SNAPPY\0"
 * int32 BE                  version (1)
 * int32 BE                  minimum compatible version (1)
 * repeated:
 *   int32 BE                length of the block that follows
 *   bytes                   one raw snappy block (varint uncompressed length, then literals and copies)
 * ```
 *
 * `compress` writes that framing with one block per 32 KiB of input, as snappy-java does. `decompress`
 * reads it, and also accepts a single raw snappy block without framing, which some clients send.
 * (The official "snappy framing format", stream identifier `ff 06 00 00 73 4e 61 50 70 59`, is not used by
 * Kafka and is not accepted.)
 *
 * The raw block codec is hysnappy (WebAssembly, embedded in the package and instantiated synchronously on
 * first use), so this codec needs no set-up. Where compiling WebAssembly at run time is forbidden
 * (Cloudflare Workers) instantiating it throws, and our own JavaScript block codec (`snappy-js.ts`) takes
 * over; both write and read the same format.
 */
import { snappyCompressor, snappyUncompressor } from "hysnappy";
import type { CompressionCodec } from "./codec.ts";
import { snappyCompressJs, snappyUncompressJs } from "./snappy-js.ts";

/** snappy-java's magic header bytes. */
const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00] as const;
/** Magic (8 bytes), version (4) and minimum compatible version (4). */
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_MIN_COMPATIBLE_VERSION = 1;
/** Input bytes per block: snappy-java's default block size. */
const BLOCK_SIZE = 32 * 1024;
/**
 * A snappy element can expand to at most 64 bytes from 3 (a 2-byte-offset copy), so a block that claims
 * more than 22 times its own size is corrupt; refusing it early also bounds the allocation.
 */
const MAX_RATIO = 22;

type Compress = (input: Uint8Array) => Uint8Array;
type Uncompress = (input: Uint8Array, outputLength: number) => Uint8Array;

let compressRaw: Compress | null = null;
let uncompressRaw: Uncompress | null = null;

function rawCompressor(): Compress {
  if (compressRaw === null) {
    try {
      compressRaw = snappyCompressor();
    } catch {
      compressRaw = snappyCompressJs; // WebAssembly cannot be compiled here
    }
  }
  return compressRaw;
}

function rawUncompressor(): Uncompress {
  if (uncompressRaw === null) {
    try {
      uncompressRaw = snappyUncompressor();
    } catch {
      uncompressRaw = snappyUncompressJs; // WebAssembly cannot be compiled here
    }
  }
  return uncompressRaw;
}

/** Whether the raw block codec in use is the JavaScript fallback (after the first use). */
export function snappyUsesJs(): boolean {
  return compressRaw === snappyCompressJs || uncompressRaw === snappyUncompressJs;
}

function hasXerialHeader(data: Uint8Array): boolean {
  if (data.length < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) {
    if (data[i] !== XERIAL_MAGIC[i]) return false;
  }
  return true;
}

/**
 * The uncompressed length that the raw block `data[start, end)` declares in its leading varint; throws when
 * the varint is malformed or the length is impossible for a block of that size.
 */
function declaredLength(data: Uint8Array, start: number, end: number): number {
  let value = 0;
  let pos = start;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw new Error("snappy block is truncated in its length header");
    const b = data[pos++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) {
      if (value > (end - start) * MAX_RATIO) {
        throw new Error(`snappy block of ${end - start} bytes claims ${value} uncompressed bytes`);
      }
      return value;
    }
  }
  throw new Error("snappy block has a malformed length header");
}

function uncompressBlock(block: Uint8Array, length: number): Uint8Array {
  try {
    return rawUncompressor()(block, length);
  } catch (err) {
    throw new Error(`corrupt snappy block: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

function compressXerial(data: Uint8Array): Uint8Array {
  const compress = rawCompressor();
  const blocks: Uint8Array[] = [];
  let total = XERIAL_HEADER_SIZE;
  for (let pos = 0; pos < data.length; pos += BLOCK_SIZE) {
    const block = compress(data.subarray(pos, Math.min(pos + BLOCK_SIZE, data.length)));
    blocks.push(block);
    total += 4 + block.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  view.setInt32(8, XERIAL_VERSION);
  view.setInt32(12, XERIAL_MIN_COMPATIBLE_VERSION);
  let o = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    view.setInt32(o, block.length);
    out.set(block, o + 4);
    o += 4 + block.length;
  }
  return out;
}

function decompressXerial(data: Uint8Array): Uint8Array {
  if (data.length < XERIAL_HEADER_SIZE) {
    throw new Error(`snappy data of ${data.length} bytes is too short for its xerial header`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // Pass 1: find the blocks and the total uncompressed size, so the output is allocated once.
  const starts: number[] = [];
  const lengths: number[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new Error(`snappy xerial block header at byte ${pos} is truncated`);
    const size = view.getInt32(pos);
    pos += 4;
    if (size <= 0 || size > data.length - pos) {
      throw new Error(`snappy xerial block at byte ${pos - 4} has a bad length ${size}`);
    }
    const length = declaredLength(data, pos, pos + size);
    starts.push(pos);
    lengths.push(length);
    total += length;
    pos += size;
  }
  if (starts.length === 1) {
    return uncompressBlock(data.subarray(starts[0], data.length), lengths[0]);
  }
  // Pass 2: uncompress each block into place.
  const out = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < starts.length; i++) {
    const end = i + 1 < starts.length ? starts[i + 1] - 4 : data.length;
    out.set(uncompressBlock(data.subarray(starts[i], end), lengths[i]), o);
    o += lengths[i];
  }
  return out;
}

/**
 * The snappy codec: writes snappy-java's xerial framing (32 KiB blocks); reads that framing or a single
 * raw snappy block.
 */
export const snappyCodec: CompressionCodec = {
  compress: compressXerial,
  decompress(data: Uint8Array): Uint8Array {
    if (hasXerialHeader(data)) return decompressXerial(data);
    if (data.length === 0) throw new Error("snappy data is empty");
    return uncompressBlock(data, declaredLength(data, 0, data.length));
  },
};
