// Runs the examples as their users do: each as a child process of the runtime it is written for.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { Cluster } from "../../src/client/cluster.ts";
import type { KafkaRecord } from "../../src/protocol/record-batch.ts";
import type { RuntimeName } from "../../src/transport/runtime.ts";
import { bootstrap } from "../helpers/broker.ts";
import { readPartition } from "../helpers/topics.ts";

/** The checkout's root: examples run from there, as their comments tell users to. */
export const root: string = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The runtime's binary: the project's own (node_modules/.bin) when present, else the one on PATH. */
function bin(name: string): string {
  const local = join(root, "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
}

/** How to run an example. */
export interface RunOptions {
  /** Its command-line arguments. */
  args?: readonly string[];
  /** Environment on top of this process's, which gets KAFKA_BOOTSTRAP set to the test broker. */
  env?: Record<string, string>;
  /** Flags for `deno run` besides `-A`. */
  denoFlags?: readonly string[];
  /** {@link run} kills it and fails after this long. Default 60 s. */
  timeoutMs?: number;
}

/** The command that runs a TypeScript file on `runtime`, as the examples' comments give it. */
export function command(runtime: RuntimeName, file: string, options: RunOptions = {}): [string, string[]] {
  const { args = [], denoFlags = [] } = options;
  if (runtime === "deno") return [bin("deno"), ["run", "-A", ...denoFlags, file, ...args]];
  return [bin(runtime), [file, ...args]];
}

/** A running example. */
export interface Running {
  readonly child: ChildProcess;
  /** Standard output so far. */
  stdout(): string;
  /** Waits until a line of standard output matches, and returns the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

/** Starts `file` on `runtime`, from the checkout's root. */
export function start(runtime: RuntimeName, file: string, options: RunOptions = {}): Running {
  const [cmd, cmdArgs] = command(runtime, file, options);
  const child = spawn(cmd, cmdArgs, {
    cwd: root,
    env: { ...process.env, KAFKA_BOOTSTRAP: bootstrap(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout!.on("data", (d: Uint8Array) => {
    out += new TextDecoder().decode(d);
    for (const l of listeners) l();
  });
  child.stderr!.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
  const exited = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => {
      child.on("error", (e) => {
        err += String(e);
        resolve({ code: null, signal: null, stdout: out, stderr: err });
      });
      child.on("close", (code, signal) => {
        resolve({ code, signal, stdout: out, stderr: err });
        for (const l of listeners) l();
      });
    },
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const line of out.split("\n")) {
            const m = line.match(pattern);
            if (m) return finish(() => resolve(m));
          }
          if (done) {
            finish(() => reject(new Error(`${file} exited before printing ${pattern}:\n${out}\n${err}`)));
          }
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(new Error(`${file} printed no ${pattern} in ${timeoutMs} ms:\n${out}\n${err}`))
            ),
          timeoutMs,
        );
        const finish = (f: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          f();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs `file` on `runtime` to its end and returns its standard output. Fails unless it exits with 0 in time. */
export async function run(runtime: RuntimeName, file: string, options: RunOptions = {}): Promise<string> {
  const p = start(runtime, file, options);
  const timer = setTimeout(() => p.child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const r = await p.exited;
  clearTimeout(timer);
  assert.equal(r.code, 0, `${runtime} ${file} exited with ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Every record of every partition of `topic`, read through the protocol layer (no consumer involved). */
export async function readTopic(
  topic: string,
  partitions: number,
): Promise<(KafkaRecord & { partition: number })[]> {
  const cluster = new Cluster({ bootstrapServers: bootstrap() });
  try {
    const all = [];
    for (let p = 0; p < partitions; p++) {
      for (const r of await readPartition(cluster, topic, p, -1)) all.push({ ...r, partition: p });
    }
    return all;
  } finally {
    await cluster.close();
  }
}

/** Text of record bytes ("" for null). */
export function text(bytes: Uint8Array | null): string {
  return new TextDecoder().decode(bytes ?? new Uint8Array());
}
