// The 3-node cluster of the fault tests: where it is, and stopping and starting its nodes.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../scripts/kafka", import.meta.url));

/** KAFKA_CLUSTER_BOOTSTRAP: the 3-node cluster. A fault test without one fails; it never skips. */
export function clusterBootstrap(): string {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const b = env.KAFKA_CLUSTER_BOOTSTRAP;
  assert.ok(
    b,
    "KAFKA_CLUSTER_BOOTSTRAP is not set: run the suite with `npm test`, which starts a 3-node cluster",
  );
  return b;
}

function kafka(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(script, args, { timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`scripts/kafka ${args.join(" ")} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Stops broker `nodeId` (its data stays). */
export function stopNode(nodeId: number): Promise<string> {
  return kafka(["stop-node", String(nodeId)]);
}

/** Starts broker `nodeId` again and waits until it is ready. */
export function startNode(nodeId: number): Promise<string> {
  return kafka(["start-node", String(nodeId)]);
}
