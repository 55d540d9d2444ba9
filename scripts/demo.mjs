#!/usr/bin/env node
// Runs examples/demo.ts against the local broker (started here, and stopped at the end, when
// KAFKA_BOOTSTRAP is unset). Usage: npm run demo [-- --runtime node|deno|bun]
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.env.PATH = `${join(root, "node_modules", ".bin")}:${process.env.PATH}`;
const args = process.argv.slice(2);
const runtime = args[0] === "--runtime" ? args[1] : "node";
const commands = {
  node: ["node", ["examples/demo.ts"]],
  deno: ["deno", ["run", "-A", "examples/demo.ts"]],
  bun: ["bun", ["examples/demo.ts"]],
};
if (!commands[runtime]) {
  console.error(`unknown runtime ${JSON.stringify(runtime)}: use node, deno or bun`);
  process.exit(2);
}

const kafka = join(root, "scripts", "kafka");
let started = false;
if (!process.env.KAFKA_BOOTSTRAP) {
  const r = spawnSync(kafka, ["start"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  process.stdout.write(r.stdout);
  if (r.status !== 0) {
    console.error("could not start the local Kafka broker (see above)");
    process.exit(1);
  }
  started = true;
  const lines = r.stdout.toString().trim().split("\n");
  process.env.KAFKA_BOOTSTRAP = lines[lines.length - 1].trim();
}
let status = 1;
try {
  const [cmd, cmdArgs] = commands[runtime];
  status = spawnSync(cmd, cmdArgs, { cwd: root, stdio: "inherit", env: process.env }).status ?? 1;
} finally {
  if (started) spawnSync(kafka, ["stop"], { cwd: root, stdio: "inherit" });
}
process.exit(status);
