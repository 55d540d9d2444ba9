#!/usr/bin/env node
// Builds the npm package: compiles mod.ts and src/ to ESM JavaScript plus .d.ts in dist/ with the
// TypeScript compiler (relative ".ts" imports rewritten to ".js"), then copies the files the compiled
// code imports that are not TypeScript (precompiled WebAssembly for the Workers entry).
// Node does not strip types inside node_modules, so the npm package must carry JavaScript.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

const tsc = join(root, "node_modules", ".bin", "tsc");
const built = spawnSync(tsc, ["-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
if (built.status !== 0) {
  console.error("build: tsc failed (see above)");
  process.exit(built.status ?? 1);
}

// Non-TypeScript assets under src/ (e.g. .wasm) go to the same place in dist/.
const copied = [];
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (name.endsWith(".wasm")) {
      const to = join(dist, relative(root, path));
      cpSync(path, to);
      copied.push(relative(root, to));
    }
  }
}
copyAssets(join(root, "src"));

if (!existsSync(join(dist, "mod.js")) || !existsSync(join(dist, "mod.d.ts"))) {
  console.error("build: dist/mod.js or dist/mod.d.ts is missing");
  process.exit(1);
}
console.log(`build: dist/ written${copied.length ? ` (assets: ${copied.join(", ")})` : ""}`);
