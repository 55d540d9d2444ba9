// Starts Cloudflare's workerd (the npm `workerd` package) headless, serving bundled Workers over HTTP on
// ports it picks itself and reports on a control pipe.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Readable } from "node:stream";
import type { Bundle } from "./bundle.ts";
import { tool } from "./bundle.ts";

/** One Worker to serve: a bundle, and text bindings for its `env`. */
export interface WorkerSpec {
  name: string;
  bundle: Bundle;
  env: Record<string, string>;
}

/** A running workerd: each Worker's base URL by name. */
export interface Workerd {
  urls: Map<string, string>;
  /** What workerd printed, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** The capnp config: one service and one listening socket per Worker, all on a loopback port of its own. */
/**
 * Embedded files are named relative to the config file, in `dir`. `trustedCa` (a PEM file) joins the
 * public CAs that the Workers' TLS trusts, as a broker's CA would be on the platform.
 */
function config(workers: WorkerSpec[], dir: string, trustedCa?: string): string {
  const services = workers.map((w) => `(name = "${w.name}", worker = .${w.name}Worker)`);
  const sockets = workers.map((w) =>
    `(name = "${w.name}", address = "127.0.0.1:0", http = (), service = "${w.name}")`
  );
  const defs = workers.map((w) => {
    const modules = [`(name = "worker.js", esModule = embed "${relative(dir, w.bundle.file)}")`];
    // A .wasm the bundle imports is served as a compiled WebAssembly module, as wrangler does.
    const wasm = join(w.bundle.dir, "zstd.wasm");
    if (existsSync(wasm)) modules.push(`(name = "zstd.wasm", wasm = embed "${relative(dir, wasm)}")`);
    const bindings = Object.entries(w.env).map(([k, v]) => `(name = "${k}", text = ${JSON.stringify(v)})`);
    return `const ${w.name}Worker :Workerd.Worker = (
  modules = [${modules.join(", ")}],
  compatibilityDate = "2025-09-01",
  bindings = [${bindings.join(", ")}],
  globalOutbound = "network",
);`;
  });
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${services.join(",\n    ")},
    # The default "internet" service reaches public addresses only; the test broker is on loopback.
    (name = "network", network = (allow = ["public", "private", "local"]${
    trustedCa
      ? `, tlsOptions = (trustBrowserCas = true, trustedCertificates = [embed "${relative(dir, trustedCa)}"])`
      : ""
  })),
  ],
  sockets = [${sockets.join(", ")}],
);
${defs.join("\n")}
`;
}

/** Starts workerd and waits until every Worker listens. Rejects (with workerd's output) if it cannot. */
export function startWorkerd(workers: WorkerSpec[], dir: string, trustedCa?: string): Promise<Workerd> {
  const file = join(dir, "config.capnp");
  writeFileSync(file, config(workers, dir, trustedCa));
  const child: ChildProcess = spawn(tool("workerd"), ["serve", file, "--control-fd=3"], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const urls = new Map<string, string>();
  const handle: Workerd = {
    urls,
    log: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      void handle.stop();
      reject(new Error(`workerd ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail("did not start within 30 s"), 30_000);
    child.once("error", (e) => {
      clearTimeout(timer);
      fail(`could not be run (is it installed in node_modules?): ${e.message}`);
    });
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      fail(`exited with ${code}`);
    };
    child.once("exit", onExit);
    let pending = "";
    (child.stdio[3] as Readable).on("data", (d: Buffer) => {
      pending += d.toString();
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const msg = JSON.parse(pending.slice(0, nl)) as { event?: string; socket?: string; port?: number };
        pending = pending.slice(nl + 1);
        if (msg.event === "listen" && msg.socket !== undefined) {
          urls.set(msg.socket, `http://127.0.0.1:${msg.port}`);
        }
      }
      if (urls.size === workers.length) {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(handle);
      }
    });
  });
}
