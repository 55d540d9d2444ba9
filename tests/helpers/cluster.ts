// The 3-node cluster of the fault tests: where it is, and stopping and starting its nodes.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Cluster } from "../../src/client/cluster.ts";
import { DescribeQuorum } from "../../src/protocol/messages/describe-quorum.ts";

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
    execFile(script, args, { timeout: 240_000 }, (err, stdout, stderr) => {
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

/** The pid of each node that is alive, from `scripts/kafka status`. */
export async function nodePids(): Promise<Map<number, number>> {
  const out = await new Promise<string>((resolve) => {
    // status exits 1 when a node is down; its output still lists the others.
    execFile(script, ["status"], { timeout: 30_000 }, (_err, stdout) => resolve(stdout));
  });
  const pids = new Map<number, number>();
  for (const m of out.matchAll(/^node (\d+) .* pid (\d+)\s+alive/gm)) pids.set(Number(m[1]), Number(m[2]));
  return pids;
}

/** Kills broker `nodeId` with SIGKILL (no clean shutdown; its data stays for `startNode`). */
export async function killNode(nodeId: number): Promise<void> {
  const pid = (await nodePids()).get(nodeId);
  assert.ok(pid, `node ${nodeId} is alive`);
  const proc = (globalThis as { process?: { kill(pid: number, sig: string): void } }).process;
  assert.ok(proc, "a process API to send SIGKILL");
  proc.kill(pid, "SIGKILL");
  // Wait until it is gone, so that a following startNode finds its ports free.
  for (let i = 0; i < 100 && (await nodePids()).has(nodeId); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Stops every node, then starts them all again at once (a controller quorum needs a majority before any node
 * is ready).
 */
export async function restartAll(nodes = [1, 2, 3]): Promise<void> {
  await Promise.all(nodes.map((n) => stopNode(n)));
  // All at once: any majority forms the quorum, so a node slow to come back holds up none of the others.
  await Promise.all(nodes.map((n) => startNode(n)));
}

/** The node id of the active KRaft controller (the metadata quorum's leader), waiting up to 15 s for one. */
export async function activeController(cluster: Cluster): Promise<number> {
  let last = "";
  for (let i = 0; i < 75; i++) {
    const res = await cluster.send("any", DescribeQuorum, {
      topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }],
    });
    const p = res.topics[0]?.partitions[0];
    if (res.errorCode === 0 && p && p.errorCode === 0 && p.leaderId >= 0) return p.leaderId;
    last = `error ${res.errorCode}/${p?.errorCode}, leader ${p?.leaderId}`;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`no metadata quorum leader within 15 s (${last})`);
}
