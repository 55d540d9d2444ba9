// Where compiling WebAssembly at run time is forbidden (Cloudflare Workers), CRC32C and snappy fall back to
// JavaScript and zstd runs from a module compiled ahead of time. A child process of the same runtime
// forbids compiling (as workerd does) before it loads any codec, then uses them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../../src/transport/runtime.ts";

const src = (path: string): string => new URL(`../../src/${path}`, import.meta.url).href;

const CHILD = `
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

// Compiled ahead of time, as a Workers bundle imports it.
const precompiled = new WebAssembly.Module(readFileSync(new URL(${
  JSON.stringify(src("codec/wasm/zstd.wasm"))
})));

// Importing a module loads nothing that compiles WebAssembly (and Node's TypeScript stripping, itself
// WebAssembly, must start before compiling is forbidden).
const { CompressionType, loadCodec } = await import(${JSON.stringify(src("codec/compression.ts"))});
const { crc32c, crc32cReady, initCrc32c } = await import(${JSON.stringify(src("codec/crc32c.ts"))});
const { snappyUsesJs } = await import(${JSON.stringify(src("codec/snappy.ts"))});
const { useZstdModule, zstdReady } = await import(${JSON.stringify(src("codec/zstd.ts"))});
await import(${JSON.stringify(src("codec/zstd-embedded.ts"))});
const { decodeRecordBatches, encodeRecordBatch } = await import(${
  JSON.stringify(src("protocol/record-batch.ts"))
});

// Forbid compiling from bytes, as workerd does; instantiating a compiled module stays allowed.
const Module = WebAssembly.Module;
const instantiate = WebAssembly.instantiate;
const forbidden = () => new Error("Wasm code generation disallowed by embedder");
function NoModule() { throw forbidden(); }
NoModule.prototype = Module.prototype;
Object.assign(NoModule, { imports: Module.imports, exports: Module.exports, customSections: Module.customSections });
WebAssembly.Module = NoModule;
WebAssembly.compile = () => Promise.reject(forbidden());
WebAssembly.compileStreaming = () => Promise.reject(forbidden());
WebAssembly.instantiateStreaming = () => Promise.reject(forbidden());
WebAssembly.instantiate = (source, imports) =>
  source instanceof Module ? instantiate(source, imports) : Promise.reject(forbidden());
assert.throws(() => new WebAssembly.Module(new Uint8Array(8)), /disallowed/);


// CRC32C: JavaScript, also for large inputs, and loading the WebAssembly one fails without harm.
assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
const big = new Uint8Array(100000).map((_, i) => (i * 31 + 7) & 0xff);
let ref = 0xffffffff;
for (const b of big) { ref ^= b; for (let k = 0; k < 8; k++) ref = (ref >>> 1) ^ (0x82f63b78 & -(ref & 1)); }
assert.equal(crc32c(big), (ref ^ 0xffffffff) >>> 0);
await assert.rejects(initCrc32c(), /disallowed/);
assert.equal(crc32cReady(), false);
assert.equal(crc32c(big), (ref ^ 0xffffffff) >>> 0);

// snappy: the JavaScript block codec inside the xerial framing, and it reads what snappy-java-style
// writers made (python-snappy blocks in xerial framing).
const snappy = await loadCodec(CompressionType.snappy);
const text = new TextEncoder().encode("snappy without webassembly, ".repeat(3000));
assert.deepEqual(snappy.decompress(snappy.compress(text)), text);
assert.equal(snappyUsesJs(), true);
const hex = "82534e4150505900000000010000000100000011242c68656c6c6f206b61666b61205e0c0000000012103c736e" +
  "6170707920626c6f636b2074776f000000062800009a0100";
const xerial = new Uint8Array(hex.length / 2).map((_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
assert.equal(new TextDecoder().decode(snappy.decompress(xerial).subarray(0, 52)), "hello kafka ".repeat(3) + "snappy block two");

// zstd: compiling the embedded bytes fails; a precompiled module handed over works, on a retry.
await assert.rejects(loadCodec(CompressionType.zstd), /disallowed/);
assert.equal(zstdReady(), false);
useZstdModule(precompiled);
const zstd = await loadCodec(CompressionType.zstd);
assert.equal(zstdReady(), true);
assert.deepEqual(zstd.decompress(zstd.compress(text)), text);

// Whole record batches, each codec, CRC included.
for (const type of [CompressionType.gzip, CompressionType.snappy, CompressionType.lz4, CompressionType.zstd]) {
  await loadCodec(type);
  const records = Array.from({ length: 50 }, (_, i) => ({ value: new TextEncoder().encode("record " + i) }));
  const [batch] = decodeRecordBatches(encodeRecordBatch({ records, compression: type }));
  assert.equal(batch.records.length, 50);
  assert.equal(new TextDecoder().decode(batch.records[49].value), "record 49");
}
console.log("fallbacks ok");
`;

/** Runs `script` in a fresh process of the runtime running this test. */
function runChild(script: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "kafka-ts-codecs-"));
  try {
    const file = join(dir, "child.mjs");
    writeFileSync(file, script);
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const args = detectRuntime() === "deno"
      ? ["run", "-A", "--no-check", "--config", join(root, "deno.json"), file]
      : [file];
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("codecs where WebAssembly cannot be compiled", () => {
  it("CRC32C and snappy fall back to JavaScript, zstd runs from a precompiled module", () => {
    const r = runChild(CHILD);
    assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /fallbacks ok/);
  });
});
