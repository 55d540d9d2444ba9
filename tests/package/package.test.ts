// The npm package as users get it: packed with `npm pack`, installed by `npm install` into a scratch
// project, then imported by name on plain Node (no loader), on Deno (the tarball's node_modules) and on
// Bun; type-checked from a TypeScript user file; and used for a produce/consume round trip with
// compression against the broker. Runs once, from Node, in its own phase of `npm test`.
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { bootstrap } from "../helpers/broker.ts";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const bin = join(root, "node_modules", ".bin");
const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"];

let scratch = "";
let tarball = "";
let packed: string[] = [];

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: 300_000,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe("the packed npm package", () => {
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), "kafka-ts-package-"));
    // `npm pack` runs the build (prepack), so the tarball holds what a publish would.
    const out = ok(run("npm", ["pack", "--json", "--pack-destination", scratch], root), "npm pack");
    const info = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    tarball = join(scratch, info[0].filename);
    packed = info[0].files.map((f) => f.path).sort();

    const project = join(scratch, "project");
    ok(run("mkdir", ["-p", project], scratch), "mkdir");
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "scratch", private: true, type: "module" }),
    );
    ok(
      run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], project),
      "npm install of the tarball",
    );
    for (const f of ["roundtrip.mjs", "user.ts"]) copyFileSync(join(here, "user", f), join(project, f));
    // The user's tsconfigs, pointed at this project's Node types (a Node user has @types/node).
    for (const kind of ["nodenext", "bundler"]) {
      const cfg = JSON.parse(readFileSync(join(here, "user", `tsconfig.${kind}.json`), "utf8"));
      cfg.compilerOptions.typeRoots = [join(root, "node_modules", "@types")];
      writeFileSync(join(project, `tsconfig.${kind}.json`), JSON.stringify(cfg));
    }
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test("holds the compiled JavaScript, its types and the docs, nothing else", () => {
    for (const f of packed) {
      assert.ok(
        f.startsWith("dist/") || ["package.json", "README.md", "LICENSE"].includes(f),
        `unexpected file in the tarball: ${f}`,
      );
      assert.ok(!f.endsWith(".ts") || f.endsWith(".d.ts"), `TypeScript source in the tarball: ${f}`);
    }
    for (const f of ["dist/mod.js", "dist/mod.d.ts", "package.json", "README.md", "LICENSE"]) {
      assert.ok(packed.includes(f), `${f} is missing from the tarball`);
    }
    // Every relative import of the compiled code points at a file that ships.
    for (const f of packed.filter((p) => p.endsWith(".js"))) {
      const code = readFileSync(join(scratch, "project", "node_modules", "@kafka-ts", "client", f), "utf8");
      // Static imports and re-exports at the start of a line (doc comments start with "*"), and import().
      const specifiers = [
        ...code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']/gm),
        ...code.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g),
      ];
      assert.ok(f !== "dist/mod.js" || specifiers.length > 0, "found no imports in dist/mod.js");
      for (const m of specifiers) {
        const target = join(dirname(f), m[1]);
        assert.ok(packed.includes(target), `${f} imports ${m[1]}, which is not in the tarball`);
      }
    }
  });

  test("type-checks a user's file with tsc (moduleResolution nodenext and bundler)", () => {
    const project = join(scratch, "project");
    for (const kind of ["nodenext", "bundler"]) {
      ok(run(join(bin, "tsc"), ["-p", `tsconfig.${kind}.json`], project), `tsc (${kind})`);
    }
  });

  test("bundles for Cloudflare Workers from the workerd condition with no node: import", () => {
    const project = join(scratch, "project");
    writeFileSync(
      join(project, "worker.mjs"),
      'import { Producer } from "@kafka-ts/client";\nexport default { fetch: () => new Response(typeof Producer) };\n',
    );
    const out = join(scratch, "worker-bundle");
    ok(
      run(join(bin, "esbuild"), [
        "worker.mjs",
        "--bundle",
        "--format=esm",
        "--platform=neutral",
        "--conditions=workerd,worker,browser",
        "--main-fields=browser,module,main",
        "--external:cloudflare:*",
        "--loader:.wasm=copy",
        "--asset-names=[name]",
        `--outdir=${out}`,
      ], project),
      "esbuild of a Worker",
    );
    const code = readFileSync(join(out, "worker.js"), "utf8");
    assert.doesNotMatch(code, /["']node:/, "the Worker bundle imports a node: module");
    assert.match(code, /["']cloudflare:sockets["']/, "the Worker bundle does not use cloudflare:sockets");
    assert.match(code, /zstd\.wasm["']/, "the Worker bundle does not import zstd's precompiled module");
    assert.doesNotMatch(code, /ZSTD_WASM_BASE64/, "the Worker bundle carries the embedded zstd bytes");
    assert.ok(readFileSync(join(out, "zstd.wasm")).length > 100_000, "zstd.wasm was not copied");
  });

  const runtimes: [string, string[]][] = [
    ["node", ["roundtrip.mjs"]],
    ["deno", ["run", "-A", "roundtrip.mjs"]],
    ["bun", ["roundtrip.mjs"]],
  ];
  for (const [runtime, args] of runtimes) {
    test(`${runtime}: imports the package by name and round-trips records with every codec`, () => {
      const project = join(scratch, "project");
      if (runtime === "node") {
        // The Node the suite brings; no loader, no type stripping involved.
        const v = ok(run("node", ["--version"], project), "node --version");
        assert.match(v, /^v24\./);
      }
      const topic = `package-${runtime}-${Date.now()}`;
      const out = ok(run(runtime, [...args, bootstrap(), topic, ...CODECS], project), `${runtime} roundtrip`);
      const { sent, got } = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
        sent: string[];
        got: string[];
      };
      assert.equal(sent.length, CODECS.length * 50);
      assert.deepEqual(got, sent);
    });
  }
});
