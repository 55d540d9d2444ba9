/**
 * libzstd in WebAssembly: instantiates the module (from the bytes embedded in `wasm/zstd-bytes.ts`, or from
 * a precompiled `WebAssembly.Module` handed over by the host) and wraps the few calls the zstd codec makes.
 *
 * The module is an emscripten build with minified import and export names; `scripts/embed-wasm.ts` checks
 * that the names below still match the embedded module. Input and output go through two scratch buffers in
 * the module's memory that are reused from call to call (allocating per batch costs more than a small
 * batch's compression), and are released after a call that needed more than `SCRATCH_KEEP` bytes.
 */

/** The module's exports, by their minified names. */
interface RawExports {
  f: WebAssembly.Memory;
  /** __wasm_call_ctors */
  g(): void;
  /** ZSTD_isError(code) */
  h(code: number): number;
  /** ZSTD_compressBound(srcSize) */
  i(size: number): number;
  /** ZSTD_createCCtx() */
  j(): number;
  /** ZSTD_compress_usingDict(cctx, dst, dstCapacity, src, srcSize, dict, dictSize, level) */
  l(
    cctx: number,
    dst: number,
    cap: number,
    src: number,
    n: number,
    dict: number,
    dn: number,
    lv: number,
  ): number;
  /** ZSTD_decompress(dst, dstCapacity, src, srcSize) */
  r(dst: number, cap: number, src: number, n: number): number;
  /** malloc(size) */
  s(size: number): number;
  /** free(ptr) */
  t(ptr: number): void;
}

/** libzstd's heap limit, as the emscripten build sets it. */
const MAX_HEAP = 2 ** 31;
/** Scratch buffers up to this size stay allocated between calls. */
const SCRATCH_KEEP = 4 * 1024 * 1024;

/** A few libzstd error codes (`ZSTD_ErrorCode`), for readable messages. */
const ERROR_NAMES: Record<number, string> = {
  1: "generic error",
  10: "unknown frame descriptor",
  12: "unsupported frame parameter",
  14: "frame requires too much memory",
  20: "corrupted data",
  22: "checksum mismatch",
  24: "literals header wrong",
  64: "out of memory",
  70: "output larger than expected",
  72: "input too small",
};

/** One instantiated libzstd and its scratch buffers. */
export class ZstdWasm {
  readonly #x: RawExports;
  #heap: Uint8Array;
  #inPtr = 0;
  #inCap = 0;
  #outPtr = 0;
  #outCap = 0;

  constructor(exports: RawExports) {
    this.#x = exports;
    this.#heap = new Uint8Array(exports.f.buffer);
  }

  /** A new compression context (kept by its codec for its life). */
  createCCtx(): number {
    const cctx = this.#x.j();
    if (cctx === 0) throw new Error("zstd could not allocate a compression context");
    return cctx;
  }

  /** `data` compressed to one frame at `level` with the context `cctx`. */
  compress(cctx: number, data: Uint8Array, level: number): Uint8Array {
    const x = this.#x;
    const bound = x.i(data.length);
    const src = this.#input(data);
    const dst = this.#output(bound);
    const r = x.l(cctx, dst, bound, src, data.length, 0, 0, level);
    return this.#result(r, dst, SCRATCH_KEEP < data.length);
  }

  /** The frames `data` decompressed; `capacity` bounds the output (libzstd fails when it is exceeded). */
  decompress(data: Uint8Array, capacity: number): Uint8Array {
    // One-shot ZSTD_decompress: keeping a decompression context measured no faster.
    const src = this.#input(data);
    const dst = this.#output(capacity);
    const r = this.#x.r(dst, capacity, src, data.length);
    return this.#result(r, dst, SCRATCH_KEEP < Math.max(data.length, capacity));
  }

  /** Copies `data` into the input scratch buffer; returns its address. */
  #input(data: Uint8Array): number {
    if (this.#inCap < data.length) {
      if (this.#inPtr !== 0) this.#x.t(this.#inPtr);
      this.#inPtr = this.#inCap = 0;
      this.#inPtr = this.#malloc(data.length);
      this.#inCap = data.length;
    }
    this.#view().set(data, this.#inPtr);
    return this.#inPtr;
  }

  /** An output scratch buffer of at least `size` bytes; returns its address. */
  #output(size: number): number {
    if (this.#outCap < size) {
      if (this.#outPtr !== 0) this.#x.t(this.#outPtr);
      this.#outPtr = this.#outCap = 0;
      this.#outPtr = this.#malloc(size);
      this.#outCap = size;
    }
    return this.#outPtr;
  }

  #malloc(size: number): number {
    const p = this.#x.s(Math.max(size, 1));
    if (p === 0) throw new Error(`zstd could not allocate ${size} bytes`);
    return p;
  }

  /** The heap, re-viewed when memory grew (which detaches the old buffer). */
  #view(): Uint8Array {
    const buf = this.#x.f.buffer;
    if (this.#heap.buffer !== buf) this.#heap = new Uint8Array(buf);
    return this.#heap;
  }

  /** A copy of the `r` output bytes at `dst`, or the libzstd error `r` stands for. */
  #result(r: number, dst: number, release: boolean): Uint8Array {
    try {
      if (this.#x.h(r) !== 0) {
        const code = -r;
        throw new Error(`libzstd: ${ERROR_NAMES[code] ?? `error ${code}`}`);
      }
      return this.#view().slice(dst, dst + (r >>> 0));
    } finally {
      if (release) this.#release();
    }
  }

  /** Frees the scratch buffers (after an unusually large call). */
  #release(): void {
    if (this.#inPtr !== 0) this.#x.t(this.#inPtr);
    if (this.#outPtr !== 0) this.#x.t(this.#outPtr);
    this.#inPtr =
      this.#outPtr =
      this.#inCap =
      this.#outCap =
        0;
  }
}

/** What the emscripten build imports (module "a"): exit, abort, timers (unused) and heap growth. */
function imports(memory: () => WebAssembly.Memory): WebAssembly.Imports {
  return {
    a: {
      // proc_exit: libzstd never exits; if it did, the call must not return.
      a: (code: number) => {
        throw new Error(`libzstd exited with code ${code}`);
      },
      // emscripten_runtime_keepalive_clear
      b: () => {},
      // abort
      c: () => {
        throw new Error("libzstd aborted");
      },
      // setitimer: no timers are used by the compression calls.
      d: () => 0,
      // emscripten_resize_heap(requestedSize): grow the memory, 20% beyond what is asked, up to 2 GiB.
      e: (requested: number) => {
        const mem = memory();
        const want = requested >>> 0;
        if (want > MAX_HEAP) return 0;
        const target = Math.min(MAX_HEAP, Math.max(want, Math.floor(mem.buffer.byteLength * 1.2)));
        const pages = Math.ceil((target - mem.buffer.byteLength) / 65536);
        try {
          mem.grow(pages);
          return 1;
        } catch {
          try {
            mem.grow(Math.ceil((want - mem.buffer.byteLength) / 65536));
            return 1;
          } catch {
            return 0;
          }
        }
      },
    },
  };
}

/** Instantiates libzstd from a compiled module, or from its bytes. */
export async function instantiateZstd(source: WebAssembly.Module | Uint8Array): Promise<ZstdWasm> {
  // The imports reach the memory through the exports, which exist only once instantiated.
  const memory: { current?: WebAssembly.Memory } = {};
  const imp = imports(() => memory.current!);
  const instance = source instanceof WebAssembly.Module
    ? await WebAssembly.instantiate(source, imp)
    : (await WebAssembly.instantiate(source as BufferSource, imp)).instance;
  const exports = instance.exports as unknown as RawExports;
  for (const name of ["g", "h", "i", "j", "l", "r", "s", "t"] as const) {
    if (typeof exports[name] !== "function") throw new Error(`the zstd module has no export "${name}"`);
  }
  if (!(exports.f instanceof WebAssembly.Memory)) throw new Error("the zstd module exports no memory");
  memory.current = exports.f;
  exports.g();
  return new ZstdWasm(exports);
}

/** Bytes from base64 (the embedded module). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
