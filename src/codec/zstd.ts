/**
 * zstd compression (Kafka compression type 4), using libzstd compiled to WebAssembly (@bokuweb/zstd-wasm).
 *
 * Instantiating the WebAssembly module is asynchronous (it is read from the package's own files, never
 * fetched from the network), so call `initZstd()` once at start-up; after that the codec is synchronous.
 *
 * `compress` writes one standard zstd frame (with its content size) at Kafka's default level 3.
 * `decompress` accepts what other clients write too: frames without a content size (Java and librdkafka
 * compress as a stream, which leaves it out), several frames in a row, and skippable frames. It walks the
 * frame and block headers first, so it knows an upper bound of the output before libzstd runs and never
 * asks it for more memory than the data can really need.
 */
import {
  compressUsingDict,
  createCCtx,
  decompress as zstdDecompress,
  init as zstdInit,
} from "@bokuweb/zstd-wasm";
import { concatBytes, readU32LE as readU32 } from "./bytes.ts";
import type { CompressionCodec } from "./compression.ts";

const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames use magics 0x184D2A50..0x184D2A5F. */
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;
/** A zstd block never decompresses to more than 128 KiB. */
const MAX_BLOCK_SIZE = 128 * 1024;
/**
 * The most one call compresses or decompresses to. libzstd's WebAssembly heap is limited to 2 GiB and
 * holds the input and the output at once; Kafka record batches are far smaller.
 */
const MAX_SIZE = 512 * 1024 * 1024;
/** No dictionary: compressing "with" an empty one is plain compression on a context we keep. */
const NO_DICT = new Uint8Array(0);
/** Kafka's default zstd level (`compression.zstd.level`). */
const DEFAULT_LEVEL = 3;

let ready = false;
let pending: Promise<void> | null = null;

/** Loads the zstd WebAssembly module. Safe to call many times; later calls share the first. */
export function initZstd(): Promise<void> {
  if (pending === null) {
    pending = zstdInit().then(
      () => {
        ready = true;
      },
      (err: unknown) => {
        pending = null; // allow a later retry
        throw err;
      },
    );
  }
  return pending;
}

/** Whether `initZstd()` has completed, i.e. the zstd codec may be used. */
export function zstdReady(): boolean {
  return ready;
}

function checkReady(): void {
  if (!ready) {
    throw new Error(
      "zstd used before initZstd() completed: await initZstd() (or registerDefaultCodecs()) once",
    );
  }
}

/** One zstd frame found in the input: where it ends and how large its output can be. */
interface Frame {
  start: number;
  end: number;
  /** The exact output size when the header declares it, else an upper bound from the block headers. */
  bound: number;
}

/** Walks the frames of `data`, checking their structure and sizing their output. */
function scanFrames(data: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let pos = 0;
  let total = 0;
  while (pos < data.length) {
    if (data.length - pos < 8) throw new Error(`zstd data is truncated at byte ${pos}`);
    const start = pos;
    const magic = readU32(data, pos);
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      const size = readU32(data, pos + 4);
      if (size > data.length - pos - 8) throw new Error(`zstd skippable frame at byte ${pos} is truncated`);
      pos += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new Error(`zstd data at byte ${pos} is not a zstd frame (bad magic)`);
    pos += 4;
    const fhd = data[pos++];
    if ((fhd & 0x08) !== 0) throw new Error(`zstd frame at byte ${start} sets a reserved header bit`);
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >>> 6;
    const dictIdSize = [0, 1, 2, 4][fhd & 3];
    const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    const headerRest = (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
    if (data.length - pos < headerRest) throw new Error(`zstd frame header at byte ${start} is truncated`);
    let windowSize = Infinity;
    if (!singleSegment) {
      const wd = data[pos++];
      const windowBase = 2 ** (10 + (wd >>> 3));
      windowSize = windowBase + (windowBase / 8) * (wd & 7);
    }
    pos += dictIdSize;
    let contentSize = -1;
    if (fcsSize === 1) contentSize = data[pos];
    else if (fcsSize === 2) contentSize = (data[pos] | (data[pos + 1] << 8)) + 256;
    else if (fcsSize === 4) contentSize = readU32(data, pos);
    else if (fcsSize === 8) contentSize = readU32(data, pos) + readU32(data, pos + 4) * 2 ** 32;
    pos += fcsSize;
    if (singleSegment) windowSize = contentSize;
    const blockMax = Math.min(windowSize, MAX_BLOCK_SIZE);

    let bound = 0;
    for (;;) {
      if (data.length - pos < 3) throw new Error(`zstd frame is truncated at byte ${pos}`);
      const header = data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16);
      pos += 3;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new Error(`zstd block at byte ${pos - 3} has the reserved block type`);
      if (size > blockMax) throw new Error(`zstd block at byte ${pos - 3} is larger than the frame allows`);
      const stored = type === 1 ? 1 : size; // an RLE block stores one byte
      if (stored > data.length - pos) throw new Error(`zstd block at byte ${pos - 3} is truncated`);
      bound += type === 2 ? blockMax : size;
      pos += stored;
      if ((header & 1) !== 0) break;
    }
    if ((fhd & 0x04) !== 0) {
      if (data.length - pos < 4) throw new Error("zstd frame is truncated in its checksum");
      pos += 4;
    }
    if (contentSize > bound) {
      throw new Error(`zstd frame declares ${contentSize} bytes but its blocks hold at most ${bound}`);
    }
    if (contentSize >= 0) bound = contentSize;
    total += bound;
    if (total > MAX_SIZE) throw new Error(`zstd data may decompress to more than ${MAX_SIZE} bytes`);
    frames.push({ start, end: pos, bound });
  }
  return frames;
}

function decompressFrame(data: Uint8Array, frame: Frame): Uint8Array {
  try {
    // libzstd sizes its output from the frame's content size when present, otherwise from this bound.
    return zstdDecompress(data.subarray(frame.start, frame.end), {
      defaultHeapSize: Math.max(frame.bound, 1),
    });
  } catch (err) {
    throw new Error(
      `corrupt zstd frame at byte ${frame.start}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** A zstd codec at the given level (Kafka's default, 3, unless told; negative levels are faster). */
export function createZstdCodec(level: number = DEFAULT_LEVEL): CompressionCodec {
  if (!Number.isInteger(level) || level < -131072 || level > 22) {
    throw new RangeError(`zstd level must be an integer from -131072 to 22, got ${level}`);
  }
  // One compression context for the codec's life: making and freeing one per batch costs more than
  // compressing a 16 KiB batch.
  let cctx: number | undefined;
  return {
    compress(data: Uint8Array): Uint8Array {
      checkReady();
      if (data.length > MAX_SIZE) throw new RangeError(`zstd input of ${data.length} bytes is too large`);
      cctx ??= createCCtx();
      return compressUsingDict(cctx, data, NO_DICT, level);
    },
    decompress(data: Uint8Array): Uint8Array {
      checkReady();
      if (data.length === 0) throw new Error("zstd data is empty");
      const frames = scanFrames(data);
      if (frames.length === 1) return decompressFrame(data, frames[0]);
      return concatBytes(frames.map((f) => decompressFrame(data, f)));
    },
  };
}

/** The default zstd codec (level 3). Requires a completed `initZstd()`. */
export const zstdCodec: CompressionCodec = createZstdCodec();
