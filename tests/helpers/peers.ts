// Runs the other Kafka clients (kafka-python, kcat) that cross-client tests compare against.
// `scripts/peers` installs them. Works under Node, Deno and Bun (node:child_process).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { concatBytes as concat } from "../../src/codec/bytes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The venv's interpreter that `scripts/peers` sets up. */
export const pythonPath: string = join(root, ".kafka", "venv", "bin", "python");
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
/** kcat from PATH, or the one named by KCAT. */
export const kcatPath: string = env.KCAT ?? "kcat";

/** Options for {@link run}. */
export interface RunOptions {
  /** Bytes or text for the child's standard input (closed after it). */
  input?: string | Uint8Array;
  /** Kill the child and fail after this many ms. Default 60 s. */
  timeoutMs?: number;
}

/** Runs a program; resolves with its standard output, fails with its standard error on a non-zero exit. */
export async function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<string> {
  return new TextDecoder().decode(await runBytes(cmd, args, options));
}

/** Like {@link run}, with standard output as bytes (for binary keys and values). */
export function runBytes(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Uint8Array> {
  const { input, timeoutMs = 60_000 } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (c: Uint8Array) => out.push(c));
    child.stderr.on("data", (c: Uint8Array) => err.push(c));
    child.on("error", (e: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(
        e.code === "ENOENT"
          ? new Error(`${cmd} not found: run scripts/peers to install the peer clients`)
          : e,
      );
    });
    child.on("close", (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      if (code === 0) return resolve(concat(out));
      const why = timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      const stderr = new TextDecoder().decode(concat(err)).trim();
      reject(new Error(`${cmd} ${args.join(" ").slice(0, 200)} ${why}:\n${stderr}`));
    });
    // A child that exits without reading its input must not fail the run with EPIPE.
    child.stdin.on("error", () => {});
    if (input !== undefined) child.stdin.write(input);
    child.stdin.end();
  });
}

/**
 * Runs a Python script with the venv's interpreter (kafka-python and its codecs importable); `args` land
 * in `sys.argv[1:]`. Resolves with standard output.
 */
export function python(script: string, args: string[] = [], options: RunOptions = {}): Promise<string> {
  if (!existsSync(pythonPath)) {
    return Promise.reject(new Error(`${pythonPath} is missing: run scripts/peers to install kafka-python`));
  }
  return run(pythonPath, ["-c", script, ...args], options);
}

/** Runs kcat with `args`, feeding it `input` on standard input. Resolves with standard output. */
export function kcat(args: string[], input?: string | Uint8Array, options: RunOptions = {}): Promise<string> {
  return run(kcatPath, args, { ...options, input });
}

/** Like {@link kcat}, with standard output as bytes. */
export function kcatBytes(
  args: string[],
  input?: string | Uint8Array,
  options: RunOptions = {},
): Promise<Uint8Array> {
  return runBytes(kcatPath, args, { ...options, input });
}
