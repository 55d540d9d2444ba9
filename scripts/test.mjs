#!/usr/bin/env node
// Runs the whole suite (unit, integration and example tests) on Node, Deno and Bun against a real Kafka
// broker.
//
// When KAFKA_BOOTSTRAP is unset it starts the project's local broker (scripts/kafka) and stops it at the
// end. tests/cluster runs against a 3-node cluster (KAFKA_CLUSTER_BOOTSTRAP) and tests/security against
// the secured broker (`scripts/kafka start --security` on ports 9292-9296 and 9392, or
// KAFKA_SECURITY_PORT / KAFKA_SECURITY_CONTROLLER_PORT; run folder KAFKA_RUN_DIR + "-security"; or your own
// broker through KAFKA_SASL_PLAINTEXT_BOOTSTRAP, KAFKA_SASL_SSL_BOOTSTRAP, KAFKA_SSL_BOOTSTRAP,
// KAFKA_REAUTH_BOOTSTRAP, KAFKA_ACL_BOOTSTRAP and KAFKA_SECURITY_DIR). tests/acl runs in that phase too.
// Usage: npm test [-- --runtime node|deno|bun ...] [-- --unit] [-- files...]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
process.env.PATH = `${bin}:${process.env.PATH}`;

const args = process.argv.slice(2);
const runtimes = [];
const files = [];
let unitOnly = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--runtime") runtimes.push(args[++i]);
  else if (args[i] === "--unit") unitOnly = true;
  else files.push(args[i]);
}
if (runtimes.length === 0) runtimes.push("node", "deno", "bun");
for (const r of runtimes) {
  if (!["node", "deno", "bun"].includes(r)) {
    console.error(`unknown runtime ${JSON.stringify(r)}: use node, deno or bun`);
    process.exit(2);
  }
}

const all = files.length > 0 ? files : unitOnly ? ["tests/unit"] : [
  "tests/unit",
  "tests/integration",
  "tests/examples",
  "tests/package",
  "tests/workers",
  "tests/cluster",
  "tests/faults",
  "tests/security",
  "tests/acl",
];
// Fault tests need a 3-node cluster, TLS and SASL tests the secured broker; the rest share one
// single-node broker.
const isCluster = (t) => t.includes("tests/cluster");
// The fault suite (nodes killed and stopped, Toxiproxy) gets a fresh 3-node cluster of its own.
const isFaults = (t) => t.includes("tests/faults");
// The secured broker also has an ACL authorizer, which tests/acl needs.
const isSecurity = (t) => t.includes("tests/security") || t.includes("tests/acl");
// The secured broker gets its own ports and run folder, so it never collides with a plain one.
const securityRunDir = `${process.env.KAFKA_RUN_DIR ?? join(root, ".kafka", "run")}-security`;
const securityPort = process.env.KAFKA_SECURITY_PORT ?? "9292";
const securityControllerPort = process.env.KAFKA_SECURITY_CONTROLLER_PORT ?? "9392";
const phases = [
  {
    nodes: 1,
    env: "KAFKA_BOOTSTRAP",
    targets: all.filter((t) => !isCluster(t) && !isFaults(t) && !isSecurity(t)),
  },
  { nodes: 3, env: "KAFKA_CLUSTER_BOOTSTRAP", targets: all.filter(isCluster) },
  { nodes: 3, env: "KAFKA_CLUSTER_BOOTSTRAP", targets: all.filter(isFaults), faults: true },
  {
    nodes: 1,
    security: true,
    // Set all five to use a secured broker of your own (see `scripts/kafka help`).
    env: "KAFKA_SASL_PLAINTEXT_BOOTSTRAP",
    targets: all.filter(isSecurity),
  },
].filter((p) => p.targets.length > 0);
// Files that start each runtime themselves: Node runs them once, whatever --runtime says.
// runtime-specific.test.ts starts each example on the runtime it is written for; tests/package packs the npm
// tarball, installs it into a scratch project and uses it from each runtime; tests/workers drives workerd.
const once = ["tests/examples/runtime-specific.test.ts", "tests/package", "tests/workers"];
const strip = (t) => t.replace(/\/+$/, "");
const isOnce = (t) => once.some((o) => strip(t) === o || strip(t).startsWith(`${o}/`));
/** The targets without the run-once files (a folder holding one becomes the list of its other tests). */
function withoutOnce(targets) {
  return targets.flatMap((t) => {
    const dir = strip(t);
    if (isOnce(dir)) return [];
    if (!once.some((f) => f.startsWith(`${dir}/`))) return [t];
    return readdirSync(join(root, dir), { recursive: true })
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => `${dir}/${f}`)
      .filter((f) => !once.includes(f));
  });
}
/** The run-once files and folders among the targets (or inside a target folder). */
function onlyOnce(targets) {
  return targets.flatMap((t) => isOnce(t) ? [t] : once.filter((f) => f.startsWith(`${strip(t)}/`)));
}
const kafka = join(root, "scripts", "kafka");
const TOXIPROXY_VERSION = "v2.5.0";
// The environment of the broker this runner started (its KAFKA_RUN_DIR), or undefined.
let startedBroker;
// The variable naming the broker this runner started: cleared when it stops, so a later phase starts its own.
let startedEnvName;

function stopBroker() {
  if (!startedBroker) return;
  const env = startedBroker;
  startedBroker = undefined;
  spawnSync(kafka, ["stop"], { stdio: "inherit", cwd: root, env });
  if (startedEnvName) delete process.env[startedEnvName];
  startedEnvName = undefined;
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    stopBroker();
    process.exit(130);
  });
}

/** Starts the local broker (1 or 3 nodes) unless the environment names one; returns false on failure. */
function ensureBroker(phase) {
  if (process.env[phase.env]) return true;
  if (process.env.KAFKA_HARNESS === "testcontainers") {
    console.error("KAFKA_HARNESS=testcontainers needs a Docker engine; none is configured here");
    return false;
  }
  const args = phase.security
    ? ["start", "--security", "--port", securityPort, "--controller-port", securityControllerPort]
    : phase.nodes === 1
    ? ["start"]
    : ["start", "--nodes", String(phase.nodes)];
  const env = phase.security ? { ...process.env, KAFKA_RUN_DIR: securityRunDir } : process.env;
  const started = spawnSync(kafka, args, { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(started.stdout);
  if (started.status !== 0) {
    console.error("could not start the local Kafka broker (see above)");
    return false;
  }
  startedBroker = env;
  startedEnvName = phase.env;
  const lines = started.stdout.toString().trim().split("\n");
  process.env[phase.env] = lines[lines.length - 1].trim();
  // The secured broker prints its listeners as NAME=value lines before the bootstrap line.
  for (const line of lines) {
    const m = /^(KAFKA_[A-Z_]+)=(.+)$/.exec(line.trim());
    if (m) process.env[m[1]] = m[2];
  }
  return true;
}

/** The Toxiproxy server binary: TOXIPROXY_SERVER, or .kafka/toxiproxy/server, built with `go install` if missing. */
function ensureToxiproxy() {
  if (process.env.TOXIPROXY_SERVER) return process.env.TOXIPROXY_SERVER;
  const dir = join(root, ".kafka", "toxiproxy");
  const binary = join(dir, "server");
  if (existsSync(binary)) return binary;
  console.log("building Toxiproxy (go install github.com/Shopify/toxiproxy/v2/cmd/server)");
  const built = spawnSync("go", [
    "install",
    `github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}`,
  ], {
    cwd: root,
    env: { ...process.env, GOBIN: dir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (built.status !== 0 || !existsSync(binary)) {
    console.error("could not build Toxiproxy: the network fault tests need Go (see above)");
    return undefined;
  }
  return binary;
}

// A runner that hangs (a test waiting on a cluster that never came back) is stopped and counted as failed,
// so that the suite always ends.
const RUNNER_TIMEOUT_MS = Number(process.env.KAFKA_TEST_RUNNER_TIMEOUT_MS ?? 20 * 60_000);

function run(cmd, cmdArgs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const timer = setTimeout(() => {
      console.error(`\n${cmd} ran longer than ${RUNNER_TIMEOUT_MS / 60_000} min: stopping it`);
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }, RUNNER_TIMEOUT_MS);
    child.on("close", () => clearTimeout(timer));
    let out = "";
    const tee = (stream, sink) =>
      stream.on("data", (d) => {
        sink.write(d);
        out += d.toString();
      });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

// deno and bun colour their output; strip ANSI codes before matching.
const plain = (out) => out.replace(new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g"), "");

// The part of a failed runner's output that names the failures, repeated in the summary so that the end of a
// long log says what failed and why.
function failureExcerpt(runtime, out) {
  const text = plain(out);
  const lines = text.split("\n");
  let picked;
  if (runtime === "node") {
    const at = lines.findIndex((l) => l.startsWith("✖ failing tests:"));
    picked = at >= 0 ? lines.slice(at) : lines.filter((l) => l.includes("✖"));
  } else if (runtime === "deno") {
    const at = lines.findIndex((l) => l.trim() === "ERRORS");
    picked = at >= 0 ? lines.slice(at) : [];
  } else {
    // bun prints each error above its "(fail)" line.
    picked = lines.flatMap((l, i) =>
      l.startsWith("(fail)") ? [...lines.slice(Math.max(0, i - 12), i + 1), ""] : []
    );
  }
  const MAX = 80;
  return picked.length > MAX ? [...picked.slice(0, MAX), `... (${picked.length - MAX} more lines)`] : picked;
}

// Each runner reports its own counts; read them back for one summary line.
function counts(runtime, out) {
  const text = plain(out);
  const last = (re) => {
    let m, v;
    while ((m = re.exec(text)) !== null) v = Number(m[1]);
    return v;
  };
  if (runtime === "node") return { pass: last(/^ℹ pass (\d+)$/gm), fail: last(/^ℹ fail (\d+)$/gm) };
  if (runtime === "deno") {
    const m = /(?:ok|FAILED) \| \d+ passed \((\d+) steps?\) \| \d+ failed(?: \((\d+) steps?\))?/.exec(text);
    if (m) return { pass: Number(m[1]), fail: Number(m[2] ?? 0) };
    return { pass: last(/\| (\d+) passed/g), fail: last(/\| (\d+) failed/g) };
  }
  return { pass: last(/^\s*(\d+) pass$/gm), fail: last(/^\s*(\d+) fail$/gm) };
}

async function main() {
  // The broker jars also carry Kafka's message definitions, which the unit tests compare against.
  const fetched = spawnSync(kafka, ["fetch"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (fetched.status !== 0) {
    console.error("could not fetch the Kafka jars (see above)");
    process.exit(1);
  }
  const needsPeers = phases.some((p) => p.targets.some((t) => !t.includes("tests/unit")));
  if (needsPeers) {
    // kafka-python and kcat, the real peers of the cross-client tests.
    const peers = spawnSync(join(root, "scripts", "peers"), [], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (peers.status !== 0) {
      console.error("could not install the peer clients (see above)");
      process.exit(1);
    }
  }

  if (phases.some((p) => p.faults)) {
    // Toxiproxy, the TCP fault proxy of the network fault tests, built once from the Go module proxy.
    const built = ensureToxiproxy();
    if (!built) process.exit(1);
    process.env.TOXIPROXY_SERVER = built;
  }

  const results = [];
  try {
    for (const phase of phases) {
      const needsBroker = phase.targets.some((t) => !t.includes("tests/unit"));
      if (needsBroker) {
        if (!ensureBroker(phase)) {
          const what = phase.security
            ? "secured broker"
            : `broker (${phase.nodes} node${phase.nodes > 1 ? "s" : ""})`;
          results.push({ runtime: what, code: 1 });
          continue;
        }
        console.log(`broker: ${process.env[phase.env]}`);
      }
      const perRuntime = withoutOnce(phase.targets);
      const onceTargets = onlyOnce(phase.targets);
      const runs = [
        ...(perRuntime.length > 0 ? runtimes.map((r) => [r, perRuntime]) : []),
        ...(onceTargets.length > 0 ? [["node", onceTargets]] : []),
      ];
      for (const [runtime, targets] of runs) {
        console.log(`\n=== ${runtime}: ${targets.join(" ")} ===`);
        const cmd = runtime === "node"
          ? ["node", [
            "--test",
            "--test-reporter=spec",
            ...targets.map((t) => t.endsWith(".ts") ? t : `${t}/**/*.test.ts`),
          ]]
          : runtime === "deno"
          ? ["deno", ["test", "-A", "--no-check", ...targets]]
          : ["bun", [
            "test",
            "--timeout",
            "300000",
            ...targets.map((t) => (t.startsWith(".") ? t : `./${t}`)),
          ]];
        const startedAt = performance.now();
        const { code, out } = await run(cmd[0], cmd[1]);
        const seconds = Math.round((performance.now() - startedAt) / 1000);
        results.push({
          runtime: `${runtime} (${targets.join(" ")})`,
          code,
          seconds,
          ...counts(runtime, out),
          failures: code === 0 ? [] : failureExcerpt(runtime, out),
        });
      }
      if (needsBroker) stopBroker();
    }
  } finally {
    stopBroker();
  }

  for (const r of results) {
    if (!r.failures || r.failures.length === 0) continue;
    console.log(`\n--- what failed: ${r.runtime} ---`);
    for (const line of r.failures) console.log(line);
  }
  console.log("\n=== summary ===");
  let pass = 0;
  let fail = 0;
  let ok = true;
  for (const r of results) {
    const status = r.code === 0 ? "ok" : "FAILED";
    const took = r.seconds === undefined ? "" : `, ${r.seconds} s`;
    console.log(
      `${r.runtime}: ${status} (${r.pass ?? "?"} passed, ${r.fail ?? "?"} failed, exit ${r.code}${took})`,
    );
    pass += r.pass ?? 0;
    fail += r.fail ?? 0;
    if (r.code !== 0 || r.pass === undefined || r.pass === 0) ok = false;
  }
  if (!ok && fail === 0) fail = 1; // a runner that crashed or ran nothing still counts as a failure
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  stopBroker();
  process.exit(1);
});
