// What a bundler makes of the two entries: the Workers entry reaches no `node:*` module and no other
// runtime's adapter, and has the default entry's API; the default entry, given an adapter of the user's,
// never loads the Node adapter at run time.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { bundle, removeBundles, root } from "./bundle.ts";

const OTHER_ADAPTERS = ["src/transport/node.ts", "src/transport/deno.ts", "src/transport/bun.ts"];

/** Every module specifier the bundled code still imports (static or dynamic) or requires. */
function importedSpecifiers(code: string): string[] {
  const found = new Set<string>();
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;
  for (let m; (m = re.exec(code)) !== null;) found.add(m[1]);
  return [...found];
}

after(removeBundles);

describe("Workers entry bundle", () => {
  const workers = bundle("workers.ts", { conditions: ["workerd", "worker", "browser"] });

  it("imports nothing but cloudflare:sockets (and its own .wasm files)", () => {
    const imported = importedSpecifiers(workers.code);
    // zstd comes as a precompiled module, imported from the package's own files.
    for (const wasm of imported.filter((s) => s.endsWith(".wasm"))) assert.match(wasm, /^\.\/[\w.-]+\.wasm$/);
    assert.deepEqual(imported.filter((s) => !s.endsWith(".wasm")), ["cloudflare:sockets"]);
    assert.doesNotMatch(workers.code, /["']node:/);
  });

  it("holds the Workers adapter and none of the others, nor run-time detection", () => {
    const inputs = workers.inputs.map((i) => i.replace(/\\/g, "/"));
    assert.ok(inputs.includes("src/transport/workers.ts"));
    for (const other of [...OTHER_ADAPTERS, "src/transport/runtime.ts"]) {
      assert.ok(!inputs.includes(other), `${other} is in the Workers bundle`);
    }
    assert.doesNotMatch(workers.code, /nodeAdapter|denoAdapter|bunAdapter|Deno\.connect|Bun\.connect/);
  });

  it("does not carry libzstd's embedded bytes, which the precompiled module replaces", () => {
    const inputs = workers.inputs.map((i) => i.replace(/\\/g, "/"));
    for (const unused of ["src/codec/wasm/zstd-bytes.ts", "src/codec/zstd-embedded.ts"]) {
      assert.ok(!inputs.includes(unused), `${unused} is in the Workers bundle`);
    }
    assert.doesNotMatch(workers.code, /ZSTD_WASM_BASE64/);
  });

  it("exports what mod.ts exports, and the Workers adapter", () => {
    const mod = bundle("mod.ts", { conditions: ["node"], platform: "node" });
    assert.deepEqual(
      workers.exports.filter((name) => name !== "workersAdapter").sort(),
      [...mod.exports].sort(),
    );
    assert.ok(workers.exports.includes("workersAdapter"));
  });
});

describe("default entry bundle with the user's own adapter", () => {
  // Split, so that each runtime's adapter is a chunk of its own that loads only when imported.
  const app = bundle("tests/workers/fixtures/admin-call.ts", {
    conditions: ["node"],
    platform: "node",
    splitting: true,
  });
  const nodeChunk = [...app.outputs].find(([, inputs]) => inputs.includes("src/transport/node.ts"))?.[0];

  function run(mode: string): { calls: string[]; error: string; loaded: string[] } {
    const hook = join(root, "tests/workers/fixtures/record-loads.ts");
    const r = spawnSync(process.execPath, ["--import", hook, app.file, mode], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    return { ...lines[0], ...lines[1] };
  }

  it("puts the Node adapter in a chunk of its own", () => {
    assert.ok(nodeChunk, "no chunk holds src/transport/node.ts");
    assert.ok(!app.code.includes("node:net"), "the entry chunk itself imports node:net");
  });

  it("never loads the Node adapter when an adapter is passed", () => {
    const { calls, error, loaded } = run("custom");
    assert.deepEqual(calls, ["127.0.0.1:1"]);
    assert.equal(error, "ConnectionError");
    assert.ok(!loaded.some((url) => url.endsWith(nodeChunk!.split("/").pop()!)), loaded.join("\n"));
    assert.ok(!loaded.includes("node:net"));
  });

  it("loads it when no adapter is passed (the check above can fail)", () => {
    const { calls, error, loaded } = run("default");
    assert.deepEqual(calls, []);
    assert.equal(error, "ConnectionError");
    assert.ok(loaded.some((url) => url.endsWith(nodeChunk!.split("/").pop()!)), loaded.join("\n"));
  });
});
