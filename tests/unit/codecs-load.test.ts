// loadCodec: memoised, an application's own codec wins, a failed load can be retried. Each case runs in a
// fresh process, so no other test has loaded a codec before.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../../src/transport/runtime.ts";

const url = (path: string): string => JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);

const IMPORTS = `
import assert from "node:assert/strict";
const c = await import(${url("codec/compression.ts")});
const { CompressionType: T } = c;
`;
// What the Deno, Bun and Node set-up adds: libzstd's embedded bytes.
const PRELUDE = `${IMPORTS}await import(${url("codec/zstd-embedded.ts")});\n`;

function runChild(body: string, prelude = PRELUDE): void {
  const dir = mkdtempSync(join(tmpdir(), "kafka-ts-codecs-"));
  try {
    const file = join(dir, "child.mjs");
    writeFileSync(file, prelude + body + '\nconsole.log("child ok");\n');
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const args = detectRuntime() === "deno"
      ? ["run", "-A", "--no-check", "--config", join(root, "deno.json"), file]
      : [file];
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /child ok/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("loadCodec", () => {
  it("loads each bundled codec once, on first use", () => {
    runChild(`
      assert.equal(c.allCodecsLoaded(), false);
      for (const t of [T.snappy, T.lz4, T.zstd]) {
        assert.equal(c.hasCodec(t), false);
        assert.throws(() => c.getCodec(t), /compression is not available yet/);
      }
      const [a, b] = await Promise.all([c.loadCodec(T.lz4), c.loadCodec(T.lz4)]);
      assert.equal(a, b);
      assert.equal(c.getCodec(T.lz4), a);
      assert.equal(await c.loadCodec(T.lz4), a);
      assert.equal(c.hasCodec(T.snappy), false); // only what was asked for
      assert.equal(c.loadMissingCodecs(1 << T.lz4), null); // nothing missing: nothing to wait for
      await c.loadMissingCodecs((1 << T.snappy) | (1 << T.zstd));
      assert.equal(c.allCodecsLoaded(), true);
      const text = new TextEncoder().encode("hello ".repeat(100));
      for (const t of [T.gzip, T.snappy, T.lz4, T.zstd]) {
        const codec = c.getCodec(t);
        assert.deepEqual(codec.decompress(codec.compress(text)), text);
      }
      await assert.rejects(c.loadCodec(6), (e) => e instanceof c.UnsupportedCompressionError && /unknown/.test(e.message));
    `);
  });

  it("keeps a codec the application registered, before or during the load", () => {
    runChild(`
      const mine = { compress: (d) => d, decompress: (d) => d };
      c.registerCodec(T.snappy, mine);
      assert.equal(await c.loadCodec(T.snappy), mine);
      const loading = c.loadCodec(T.lz4);
      c.registerCodec(T.lz4, mine);
      assert.equal(await loading, mine);
      const { registerDefaultCodecs } = await import(${url("codec/defaults.ts")});
      await registerDefaultCodecs();
      assert.equal(c.getCodec(T.snappy), mine);
      assert.equal(c.getCodec(T.lz4), mine);
      assert.notEqual(c.getCodec(T.zstd), mine);
    `);
  });

  it("reports a failed load and loads on a later try", () => {
    runChild(`
      const { useZstdModule, zstdReady } = await import(${url("codec/zstd.ts")});
      // An empty module instantiates but lacks libzstd's exports.
      useZstdModule(new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])));
      await assert.rejects(c.loadCodec(T.zstd), /no export/);
      assert.throws(() => c.getCodec(T.zstd), /zstd compression failed to load: .*no export/);
      assert.equal(zstdReady(), false);
      const { readFileSync } = await import("node:fs");
      useZstdModule(new WebAssembly.Module(readFileSync(new URL(${url("codec/wasm/zstd.wasm")}))));
      const zstd = await c.loadCodec(T.zstd);
      assert.equal(zstdReady(), true);
      assert.equal(c.getCodec(T.zstd), zstd);
      const text = new TextEncoder().encode("retry ".repeat(100));
      assert.deepEqual(zstd.decompress(zstd.compress(text)), text);
    `);
  });

  it("without the embedded bytes or a compiled module (a Workers bundle before its set-up), zstd says so", () => {
    runChild(
      `
      await assert.rejects(c.loadCodec(T.zstd), /zstd has no WebAssembly to load/);
      const { useZstdModule } = await import(${url("codec/zstd.ts")});
      const { readFileSync } = await import("node:fs");
      useZstdModule(new WebAssembly.Module(readFileSync(new URL(${url("codec/wasm/zstd.wasm")}))));
      const zstd = await c.loadCodec(T.zstd);
      const text = new TextEncoder().encode("module ".repeat(100));
      assert.deepEqual(zstd.decompress(zstd.compress(text)), text);
    `,
      IMPORTS,
    );
  });
});
