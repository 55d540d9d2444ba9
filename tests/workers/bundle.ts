// Bundles an entry the way a Worker's build does (esbuild, the bundler wrangler uses), for the tests in
// this folder. esbuild runs as its command-line tool from node_modules/.bin, which the test runner puts on
// PATH.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root: string = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** One bundle: its code, the source files esbuild read, and the folder it was written to. */
export interface Bundle {
  dir: string;
  /** The entry's output file. */
  file: string;
  code: string;
  inputs: string[];
  /** The names the entry exports. */
  exports: string[];
  /** Every output file (chunks too, when split) with the source files it holds. */
  outputs: Map<string, string[]>;
}

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { inputs: Record<string, unknown>; exports: string[]; entryPoint?: string }>;
}

export interface BundleOptions {
  /** Export conditions, as for a Worker: workerd, worker, browser. */
  conditions: string[];
  /** Extra esbuild flags. */
  flags?: string[];
  /** `neutral` (the default) for Workers; `node` leaves `node:*` external. */
  platform?: "neutral" | "node";
  /** Splits dynamically imported modules into chunks of their own. */
  splitting?: boolean;
}

const made: string[] = [];

/** Deletes every bundle made so far. */
export function removeBundles(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Bundles `entry` (relative to the repository) into one ES module with `cloudflare:*` left external. */
export function bundle(entry: string, o: BundleOptions): Bundle {
  const dir = mkdtempSync(join(tmpdir(), "kafka-ts-bundle-"));
  made.push(dir);
  const meta = join(dir, "meta.json");
  const args = [
    entry,
    "--bundle",
    "--format=esm",
    `--platform=${o.platform ?? "neutral"}`,
    `--conditions=${o.conditions.join(",")}`,
    "--main-fields=browser,module,main",
    "--external:cloudflare:*",
    "--loader:.wasm=copy",
    "--asset-names=[name]",
    ...(o.splitting ? ["--splitting", `--outdir=${dir}`] : [`--outfile=${join(dir, "worker.js")}`]),
    `--metafile=${meta}`,
    "--log-level=warning",
    ...(o.flags ?? []),
  ];
  const r = spawnSync(tool("esbuild"), args, { cwd: root, encoding: "utf8" });
  if (r.error) throw new Error(`cannot run esbuild (is it installed in node_modules?): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`esbuild failed:\n${r.stderr}`);
  const m = JSON.parse(readFileSync(meta, "utf8")) as Metafile;
  const outputs = new Map<string, string[]>();
  let file = "";
  let exports: string[] = [];
  for (const [out, info] of Object.entries(m.outputs)) {
    outputs.set(join(root, out), Object.keys(info.inputs));
    if (info.entryPoint === entry) {
      file = join(root, out);
      exports = info.exports;
    }
  }
  return { dir, file, code: readFileSync(file, "utf8"), inputs: Object.keys(m.inputs), exports, outputs };
}

/** The path of a tool installed in node_modules/.bin, or the bare name (then PATH decides). */
export function tool(name: string): string {
  const local = join(root, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
}
