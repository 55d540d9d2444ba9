/**
 * zstd compression (Kafka compression type 4), using libzstd compiled to WebAssembly.
 *
 * The WebAssembly bytes are embedded in the source (`wasm/zstd-bytes.ts`), so nothing is read from a file
 * or URL; the Deno, Bun and Node set-up (`zstd-embedded.ts`) points this module at them. Instantiating them
 * is asynchronous: `loadCodec(CompressionType.zstd)` does it on first use (the producer and consumer call it
 * for you), after which the codec is synchronous. Where compiling WebAssembly at run time is forbidden
 * (Cloudflare Workers), the host imports `wasm/zstd.wasm` as a precompiled module and hands it over with
 * `useZstdModule()` instead, and its bundle never holds the embedded bytes.
 *
 * `compress` writes one standard zstd frame (with its content size) at Kafka's default level 3.
 * `decompress` accepts what other clients write too: frames without a content size (Java and librdkafka
 * compress as a stream, which leaves it out), several frames in a row, and skippable frames. It walks the
 * frame and block headers first, so it knows an upper bound of the output before libzstd runs and never
 * asks it for more memory than the data can really need.
 */
import { concatBytes, readU32LE as readU32 } from "./bytes.ts";
import type { CompressionCodec } from "./codec.ts";
import { instantiateZstd, type ZstdWasm } from "./zstd-wasm.ts";

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
/** Kafka's default zstd level (`compression.zstd.level`). */
const DEFAULT_LEVEL = 3;

let zstd: ZstdWasm | null = null;
let pending: Promise<void> | null = null;
let precompiled: WebAssembly.Module | null = null;
let embedded: (() => Promise<Uint8Array>) | null = null;

/**
 * Makes the zstd codec instantiate libzstd from `module` (compiled ahead of time, e.g. `wasm/zstd.wasm`
 * imported by a Cloudflare Workers bundle) instead of compiling the embedded bytes. Call it before zstd is
 * first used; afterwards it has no effect.
 *
 * @example
 * ```ts ignore
 * import zstdModule from "./src/codec/wasm/zstd.wasm";
 * useZstdModule(zstdModule);
 * ```
 */
export function useZstdModule(module: WebAssembly.Module): void {
  if (!(module instanceof WebAssembly.Module)) throw new TypeError("module must be a WebAssembly.Module");
  precompiled = module;
}

/** Loads libzstd. Safe to call many times; later calls share the first; a failed load may be retried. */
export function initZstd(): Promise<void> {
  if (pending === null) {
    pending = (async () => {
      zstd = await instantiateZstd(precompiled ?? await embeddedBytes());
    })().catch((err: unknown) => {
      pending = null; // allow a later retry
      throw err;
    });
  }
  return pending;
}

/**
 * Where libzstd's bytes come from when no compiled module was given: set by `zstd-embedded.ts`, which the
 * Deno, Bun and Node entry imports and the Workers entry does not.
 */
export function useZstdBytes(load: () => Promise<Uint8Array>): void {
  embedded = load;
}

function embeddedBytes(): Promise<Uint8Array> {
  if (embedded === null) {
    throw new Error(
      "zstd has no WebAssembly to load: import the client from its main entry, or hand a compiled module " +
        "to useZstdModule()",
    );
  }
  return embedded();
}

/** Whether libzstd has loaded, i.e. the zstd codec may be used. */
export function zstdReady(): boolean {
  return zstd !== null;
}

function loaded(): ZstdWasm {
  if (zstd === null) {
    throw new Error("zstd used before it loaded: await loadCodec(CompressionType.zstd) first");
  }
  return zstd;
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

function decompressFrame(z: ZstdWasm, data: Uint8Array, frame: Frame): Uint8Array {
  try {
    return z.decompress(data.subarray(frame.start, frame.end), frame.bound);
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
      const z = loaded();
      if (data.length > MAX_SIZE) throw new RangeError(`zstd input of ${data.length} bytes is too large`);
      cctx ??= z.createCCtx();
      return z.compress(cctx, data, level);
    },
    decompress(data: Uint8Array): Uint8Array {
      const z = loaded();
      if (data.length === 0) throw new Error("zstd data is empty");
      const frames = scanFrames(data);
      if (frames.length === 1) return decompressFrame(z, data, frames[0]);
      return concatBytes(frames.map((f) => decompressFrame(z, data, f)));
    },
  };
}

/** The default zstd codec (level 3). Requires libzstd to have loaded (`loadCodec` or `initZstd()`). */
export const zstdCodec: CompressionCodec = createZstdCodec();
