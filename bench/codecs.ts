/**
 * Compression codec benchmark: our codecs (src/codec/*) against the pure-JS and WebAssembly alternatives
 * that also run on Node, Deno and Bun without native addons, plus the runtimes' built-in `node:zlib` as a
 * reference point. Run it once per runtime, from the repository root:
 *
 *   node bench/codecs.ts
 *   deno run -A bench/codecs.ts
 *   bun bench/codecs.ts
 *
 * Payloads are the records section of real RecordBatch v2 encodings (what Kafka compresses) holding 1 KiB
 * JSON values: about 1 MiB (1000 records), and 15 records, which is what fits the Java producer's default
 * `batch.size` of 16 KiB. Throughput is MB/s (10^6 bytes) of uncompressed data, the best of several timed
 * rounds after a warm-up; ratio is uncompressed / compressed size. Every round trip, and every pairing of
 * an encoder with another library's decoder for the same format, is checked before timing; any mismatch
 * throws and the process exits non-zero.
 *
 * Prints one markdown table. Takes well under a minute per runtime.
 */
import process from "node:process";
import * as zlib from "node:zlib";
import { gunzipSync as fflateGunzipSync, gzipSync as fflateGzipSync } from "fflate";
import { decompress as fzstdDecompress } from "fzstd";
import { snappyCompressor, snappyUncompressor } from "hysnappy";
import lz4jsPackage from "lz4js";
import snappyjsPackage from "snappyjs";
import zstdCodecPackage from "zstd-codec";
import { initCrc32c } from "../src/codec/crc32c.ts";
import { gzipCodec } from "../src/codec/gzip.ts";
import "../src/transport/gzip-zlib.ts";
import { lz4Codec } from "../src/codec/lz4.ts";
import { snappyCodec } from "../src/codec/snappy.ts";
import { initZstd, zstdCodec } from "../src/codec/zstd.ts";
import "../src/codec/zstd-embedded.ts";
import { encodeRecordBatch, RECORD_BATCH_OVERHEAD, type RecordInput } from "../src/protocol/record-batch.ts";
import { detectRuntime } from "../src/transport/runtime.ts";

// ---- The alternatives' APIs (they ship no types, or we only use a corner of them) ----

/** snappyjs: raw snappy blocks (no framing). */
interface SnappyJs {
  compress(data: Uint8Array): Uint8Array;
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
}

/** lz4js: LZ4 frames. */
interface Lz4Js {
  compress(data: Uint8Array): Uint8Array;
  decompress(data: Uint8Array): Uint8Array;
}

/** zstd-codec's one-shot API; it signals failure by returning null. */
interface ZstdCodecSimple {
  compress(data: Uint8Array, level?: number): Uint8Array | null;
  decompress(data: Uint8Array): Uint8Array | null;
}

interface ZstdCodecPackage {
  ZstdCodec: { run(onReady: (binding: { Simple: new () => ZstdCodecSimple }) => void): void };
}

const snappyjs = snappyjsPackage as SnappyJs;
const lz4js = lz4jsPackage as Lz4Js;

// ---- Workload ----

const RECORD_VALUE_BYTES = 1024;

/** A deterministic pseudo-random source (an LCG), so every runtime compresses the same bytes. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
}

const EVENTS = ["page_view", "add_to_cart", "checkout", "search", "login", "logout"];
const TAGS = ["mobile", "desktop", "beta", "eu", "us", "returning", "new"];

/**
 * A 1 KiB JSON event, shaped like bench/compare/workload.ts `makeValue`'s template but different in every
 * record (ids, timestamps, session ids, line items): identical values would let every codec match whole
 * records and flatter the ratios.
 */
function jsonValue(i: number, rand: () => number): Uint8Array {
  const hex = (n: number) => Array.from({ length: n }, () => (rand() & 15).toString(16)).join("");
  const tags = [TAGS[rand() % TAGS.length], TAGS[rand() % TAGS.length]];
  const head = `{"user":${10000 + rand() % 90000},"event":"${EVENTS[rand() % EVENTS.length]}",` +
    `"path":"/products/${rand() % 5000}","ts":${1_700_000_000_000 + i * 37 + rand() % 20},` +
    `"session":"${hex(16)}","tags":${JSON.stringify(tags)},"items":[`;
  let body = head;
  let first = true;
  // Line items until close to 1 KiB (an item is ~45 bytes), then a trace id pads it to exactly 1 KiB.
  while (body.length < RECORD_VALUE_BYTES - 80) {
    body += `${first ? "" : ","}{"sku":"SKU-${rand() % 100000}","qty":${1 + rand() % 5},` +
      `"price":${(rand() % 100000) / 100}}`;
    first = false;
  }
  const tail = `],"trace":"`;
  const pad = RECORD_VALUE_BYTES - body.length - tail.length - 2;
  const text = `${body}${tail}${hex(pad)}"}`;
  if (text.length !== RECORD_VALUE_BYTES) throw new Error(`value is ${text.length} bytes`);
  return new TextEncoder().encode(text);
}

/** The records section (what Kafka compresses) of a batch of `count` keyed JSON records. */
function recordsSection(count: number): Uint8Array {
  const rand = lcg(count);
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const value = jsonValue(i, rand);
    records.push({ key: new TextEncoder().encode(`user-${rand() % 90000}`), value });
  }
  const batch = encodeRecordBatch({ records, now: 1_700_000_000_000 });
  return batch.slice(RECORD_BATCH_OVERHEAD);
}

// ---- Implementations ----

type Fn = (data: Uint8Array) => Uint8Array;

/** One library's take on one codec. `compress` is absent for decoders only; they decode ours' output. */
interface Impl {
  label: string;
  ours?: true;
  compress?: Fn;
  decompress: Fn;
}

interface Family {
  codec: "gzip" | "snappy" | "lz4" | "zstd";
  impls: Impl[];
  /** Decodes with one library what another encoded; each must give back the input. */
  crossChecks: { label: string; run: Fn }[];
}

/**
 * snappy-java's xerial framing, so snappyjs is measured in the format Kafka uses, as ours is. The header is
 * the magic "\x82SNAPPY\0", then version 1 and minimum compatible version 1 (big-endian int32s).
 */
const XERIAL_HEADER = new Uint8Array(16);
XERIAL_HEADER.set([0x82, ...new TextEncoder().encode("SNAPPY"), 0]);
new DataView(XERIAL_HEADER.buffer).setInt32(8, 1);
new DataView(XERIAL_HEADER.buffer).setInt32(12, 1);
const XERIAL_BLOCK = 32 * 1024;

function xerialCompress(data: Uint8Array, raw: Fn): Uint8Array {
  const blocks: Uint8Array[] = [];
  let total = XERIAL_HEADER.length;
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK) {
    const block = raw(data.subarray(pos, pos + XERIAL_BLOCK));
    blocks.push(block);
    total += 4 + block.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(XERIAL_HEADER);
  let o = XERIAL_HEADER.length;
  for (const block of blocks) {
    view.setInt32(o, block.length);
    out.set(block, o + 4);
    o += 4 + block.length;
  }
  return out;
}

function xerialDecompress(data: Uint8Array, raw: Fn): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let pos = XERIAL_HEADER.length; pos < data.length;) {
    const size = view.getInt32(pos);
    const part = raw(data.subarray(pos + 4, pos + 4 + size));
    parts.push(part);
    total += part.length;
    pos += 4 + size;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** snappy's raw block header: the uncompressed length as a varint (hysnappy needs it passed in). */
function snappyLength(block: Uint8Array): number {
  let value = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    value += (block[i] & 0x7f) * 2 ** shift;
    if (block[i] < 0x80) return value;
  }
  throw new Error("bad snappy length varint");
}

const ZSTD_LEVEL = 3;

async function loadZstdCodec(): Promise<ZstdCodecSimple> {
  const pkg = zstdCodecPackage as ZstdCodecPackage;
  return await new Promise((resolve) => pkg.ZstdCodec.run((binding) => resolve(new binding.Simple())));
}

function nonNull(label: string, out: Uint8Array | null): Uint8Array {
  if (out === null) throw new Error(`${label} failed`);
  return out;
}

async function families(): Promise<Family[]> {
  await initZstd();
  const rawSnappy = snappyCompressor();
  const rawUnsnappy = snappyUncompressor();
  const hysnappyRaw = {
    compress: rawSnappy,
    decompress: (d: Uint8Array) => rawUnsnappy(d, snappyLength(d)),
  };
  const snappyjsXerial: Impl = {
    label: "snappyjs (JS), xerial 32 KiB blocks",
    compress: (d) => xerialCompress(d, snappyjs.compress),
    decompress: (d) => xerialDecompress(d, (b) => snappyjs.uncompress(b)),
  };
  const zc = await loadZstdCodec();
  const zstdCodecImpl: Impl = {
    label: "zstd-codec (WASM), level 3",
    compress: (d) => nonNull("zstd-codec compress", zc.compress(d, ZSTD_LEVEL)),
    decompress: (d) => nonNull("zstd-codec decompress", zc.decompress(d)),
  };
  const zlibZstd: Impl = {
    label: "node:zlib zstd (runtime built-in), level 3",
    compress: (d) =>
      zlib.zstdCompressSync(d, { params: { [zlib.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }),
    decompress: (d) => zlib.zstdDecompressSync(d),
  };
  // Where node:zlib is missing (Workers) our gzip codec is fflate.
  const fflateGzip: Impl = {
    label: "fflate (JS), level 6",
    compress: (d) => fflateGzipSync(d, { level: 6, mtime: 0 }),
    decompress: (d) => fflateGunzipSync(d),
  };
  return [
    {
      codec: "gzip",
      impls: [
        { label: "node:zlib (set up by the runtime entry), level 6", ours: true, ...gzipCodec },
        fflateGzip,
      ],
      crossChecks: [
        { label: "ours decodes fflate", run: (d) => gzipCodec.decompress(fflateGzipSync(d)) },
        { label: "fflate decodes ours", run: (d) => fflateGunzipSync(gzipCodec.compress(d)) },
      ],
    },
    {
      codec: "snappy",
      impls: [{ label: "hysnappy (WASM), xerial 32 KiB blocks", ours: true, ...snappyCodec }, snappyjsXerial],
      crossChecks: [
        {
          label: "ours decodes snappyjs xerial",
          run: (d) => snappyCodec.decompress(snappyjsXerial.compress!(d)),
        },
        {
          label: "snappyjs xerial decodes ours",
          run: (d) => snappyjsXerial.decompress(snappyCodec.compress(d)),
        },
        {
          label: "hysnappy raw decodes snappyjs raw",
          run: (d) => hysnappyRaw.decompress(snappyjs.compress(d)),
        },
        {
          label: "snappyjs raw decodes hysnappy raw",
          run: (d) => snappyjs.uncompress(hysnappyRaw.compress(d)),
        },
        {
          label: "ours decodes a snappyjs raw block",
          run: (d) => snappyCodec.decompress(snappyjs.compress(d)),
        },
      ],
    },
    {
      codec: "lz4",
      impls: [
        { label: "src/codec/lz4.ts (TS), 64 KiB blocks", ours: true, ...lz4Codec },
        { label: "lz4js (JS), 4 MiB linked blocks", compress: lz4js.compress, decompress: lz4js.decompress },
      ],
      crossChecks: [
        { label: "ours decodes lz4js", run: (d) => lz4Codec.decompress(lz4js.compress(d)) },
        { label: "lz4js decodes ours", run: (d) => lz4js.decompress(lz4Codec.compress(d)) },
      ],
    },
    {
      codec: "zstd",
      impls: [
        { label: "@bokuweb/zstd-wasm (WASM), level 3", ours: true, ...zstdCodec },
        { label: "fzstd (JS), decompress only", decompress: (d) => fzstdDecompress(d) },
        zstdCodecImpl,
        zlibZstd,
      ],
      crossChecks: [
        { label: "fzstd decodes ours", run: (d) => fzstdDecompress(zstdCodec.compress(d)) },
        { label: "fzstd decodes zstd-codec", run: (d) => fzstdDecompress(zstdCodecImpl.compress!(d)) },
        { label: "fzstd decodes node:zlib", run: (d) => fzstdDecompress(zlibZstd.compress!(d)) },
        { label: "ours decodes zstd-codec", run: (d) => zstdCodec.decompress(zstdCodecImpl.compress!(d)) },
        { label: "zstd-codec decodes ours", run: (d) => zstdCodecImpl.decompress(zstdCodec.compress(d)) },
        { label: "ours decodes node:zlib", run: (d) => zstdCodec.decompress(zlibZstd.compress!(d)) },
        { label: "node:zlib decodes ours", run: (d) => zlibZstd.decompress(zstdCodec.compress(d)) },
      ],
    },
  ];
}

// ---- Measurement ----

function assertEqual(label: string, expected: Uint8Array, actual: Uint8Array): void {
  let same = expected.length === actual.length;
  for (let i = 0; same && i < expected.length; i++) same = expected[i] === actual[i];
  if (!same) {
    throw new Error(
      `${label}: round trip gave ${actual.length} bytes that differ from the ${expected.length} put in`,
    );
  }
}

const WARMUP_MS = 150;
const ROUND_MS = 100;
const ROUNDS = 7;

/** Keeps results reachable, so no engine can drop the calls being timed. */
let sink = 0;

/** MB/s of `bytes` per call of `fn`: the best of ROUNDS rounds after a warm-up that lets the JIT settle. */
function throughput(fn: () => Uint8Array, bytes: number): number {
  let calls = 0;
  const t0 = performance.now();
  while (calls < 3 || performance.now() - t0 < WARMUP_MS) {
    sink += fn().length;
    calls++;
  }
  const iterations = Math.max(1, Math.ceil(ROUND_MS / ((performance.now() - t0) / calls)));
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) sink += fn().length;
    best = Math.min(best, (performance.now() - start) / iterations);
  }
  return bytes / (best / 1000) / 1e6;
}

interface Row {
  payload: string;
  codec: string;
  label: string;
  ours: boolean;
  ratio: number | null;
  compress: number | null;
  decompress: number;
}

function runtimeDescription(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  const runtime = detectRuntime();
  const version = runtime === "deno"
    ? g.Deno!.version.deno
    : runtime === "bun"
    ? g.Bun!.version
    : process.versions.node;
  return `${runtime} ${version} (${process.platform} ${process.arch})`;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

function relative(value: number | null, base: number | null): string {
  return value === null || base === null ? "" : ` (${(value / base).toFixed(2)}×)`;
}

await initCrc32c();
const payloads = [
  { name: "1 MiB (1000 × 1 KiB)", data: recordsSection(1000) },
  { name: "16 KiB (15 × 1 KiB)", data: recordsSection(15) },
];
const all = await families();
const rows: Row[] = [];
let checks = 0;
const started = performance.now();

for (const { name, data } of payloads) {
  for (const family of all) {
    const reference = family.impls.find((impl) => impl.ours)!;
    const referenceCompressed = reference.compress!(data);
    for (const check of family.crossChecks) {
      assertEqual(`${family.codec}: ${check.label}`, data, check.run(data));
      checks++;
    }
    for (const impl of family.impls) {
      const compressFn = impl.compress;
      const compressed = compressFn === undefined ? referenceCompressed : compressFn(data);
      assertEqual(`${family.codec}: ${impl.label}`, data, impl.decompress(compressed));
      checks++;
      const compressRate = compressFn === undefined ? null : throughput(() => compressFn(data), data.length);
      const decompressRate = throughput(() => impl.decompress(compressed), data.length);
      // A final check on the output of a warmed-up decoder, in case tiering changed what it computes.
      assertEqual(`${family.codec}: ${impl.label} (after timing)`, data, impl.decompress(compressed));
      rows.push({
        payload: name,
        codec: family.codec,
        label: impl.label,
        ours: impl.ours === true,
        ratio: compressFn === undefined ? null : data.length / compressed.length,
        compress: compressRate,
        decompress: decompressRate,
      });
    }
  }
}

const lines = [
  `### ${runtimeDescription()}`,
  "",
  `Payloads: records sections of ${payloads.map((p) => `${p.data.length} B`).join(" and ")}. ` +
  `MB/s of uncompressed data (best of ${ROUNDS} rounds); (×) is relative to ours (**bold**).`,
  "",
  "| payload | codec | implementation | ratio | compress MB/s | decompress MB/s |",
  "|---|---|---|--:|--:|--:|",
];
for (const row of rows) {
  const base = rows.find((r) => r.ours && r.payload === row.payload && r.codec === row.codec)!;
  const label = row.ours ? `**ours: ${row.label}**` : row.label;
  const ratio = row.ratio === null ? "—" : row.ratio.toFixed(2);
  const compress = row.compress === null
    ? "—"
    : `${fmt(row.compress)}${row.ours ? "" : relative(row.compress, base.compress)}`;
  const decompress = `${fmt(row.decompress)}${row.ours ? "" : relative(row.decompress, base.decompress)}`;
  lines.push(`| ${row.payload} | ${row.codec} | ${label} | ${ratio} | ${compress} | ${decompress} |`);
}
lines.push(
  "",
  `${checks} round-trip and cross-decoding checks passed; ${
    ((performance.now() - started) / 1000).toFixed(0)
  } s.`,
);
console.log(lines.join("\n"));
if (sink < 0) console.log(sink); // never true; reads `sink` so it stays live
