// A consumer group member killed with SIGKILL while it reads (classic protocol, and KIP-848 with a short
// session set on the group through the admin client): the surviving member takes its partitions once the
// session expires, nothing is missed, and records read twice are bounded by what the dead member had read
// and not committed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { Admin } from "../../src/admin/admin.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { clusterBootstrap } from "../helpers/cluster.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";
import { command, root } from "../examples/helpers.ts";

const PARTITIONS = 6;
const RECORDS = 6_000;
const MAX_POLL = 50;
const SESSION_MS = 6_000;

describe("a group member killed with SIGKILL (3 nodes)", () => {
  let cluster: Cluster;
  const topics: string[] = [];

  before(() => {
    cluster = new Cluster({ bootstrapServers: clusterBootstrap() });
  });
  after(async () => {
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
  });

  for (const protocol of ["classic", "consumer"] as const) {
    it(`${protocol} protocol: the survivor reads everything the dead member left`, async () => {
      const topic = uniqueTopic(`group-kill-${protocol}`);
      const groupId = uniqueTopic(`group-kill-${protocol}`);
      topics.push(topic);
      await createTopic(cluster, topic, PARTITIONS, 3);
      const producer = new Producer({ bootstrapServers: clusterBootstrap(), lingerMs: 5 });
      await producer.sendBatch(Array.from({ length: RECORDS }, (_, i) => ({ topic, value: String(i) })));
      await producer.close();

      if (protocol === "consumer") {
        // KIP-848: the session is the group's, 45 s by default; set a short one for this group.
        const admin = new Admin({ bootstrapServers: clusterBootstrap() });
        try {
          await admin.incrementalAlterConfigs([{
            resource: { type: "GROUP", name: groupId },
            ops: [
              { name: "consumer.session.timeout.ms", op: "SET", value: String(SESSION_MS) },
              { name: "consumer.heartbeat.interval.ms", op: "SET", value: "1000" },
            ],
          }]);
          const [cfg] = await admin.describeConfigs([{ type: "GROUP", name: groupId }]);
          const session = cfg.entries.find((e) => e.name === "consumer.session.timeout.ms")?.value;
          assert.equal(session, String(SESSION_MS), "the group's session timeout is set");
        } finally {
          await admin.close();
        }
      }

      const [cmd, args] = command(detectRuntime(), "tests/helpers/group-child.ts");
      const child = spawn(cmd, args, {
        cwd: root,
        env: { ...process.env, GROUP_ID: groupId, GROUP_TOPIC: topic, GROUP_PROTOCOL: protocol },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let childOut = "";
      let childErr = "";
      child.stdout!.on("data", (d) => (childOut += d.toString()));
      child.stderr!.on("data", (d) => (childErr += d.toString()));
      const exited = new Promise<string | null>((r) => child.on("exit", (_code, signal) => r(signal)));

      const survivor = new Consumer({
        bootstrapServers: clusterBootstrap(),
        groupId,
        groupProtocol: protocol,
        autoOffsetReset: "earliest",
        enableAutoCommit: false,
        maxPollRecords: MAX_POLL,
        ...(protocol === "classic" ? { sessionTimeoutMs: SESSION_MS, heartbeatIntervalMs: 1_000 } : {}),
      });
      survivor.subscribe([topic]);
      const readBySurvivor: number[] = [];
      let killedAt = -1;
      let takenOverMs = -1;
      const dec = new TextDecoder();
      const childReads = () => childOut.split("\n").filter((l) => l.startsWith("read ")).length;
      try {
        const deadline = performance.now() + 60_000;
        let seen = new Set<number>();
        while (performance.now() < deadline) {
          const records = await survivor.poll(200);
          for (const r of records) readBySurvivor.push(Number(dec.decode(r.value!)));
          if (records.length > 0) await survivor.commit();
          // Kill the member once both read, while it still has records to go.
          if (killedAt < 0 && childReads() >= 10 && readBySurvivor.length > 0) {
            child.kill("SIGKILL");
            killedAt = performance.now();
          }
          if (killedAt >= 0 && takenOverMs < 0 && survivor.assignment().length === PARTITIONS) {
            takenOverMs = Math.round(performance.now() - killedAt);
          }
          seen = new Set([...readBySurvivor, ...parseChild(childOut).read]);
          if (killedAt >= 0 && seen.size === RECORDS) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.ok(killedAt >= 0, `the member was killed while reading; its stderr: ${childErr}`);
        assert.equal(await exited, "SIGKILL", "the member died of SIGKILL");
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await survivor.close();
      }

      const dead = parseChild(childOut);
      const all = [...readBySurvivor, ...dead.read];
      const distinct = new Set(all);
      const missed = RECORDS - distinct.size;
      const dup = all.length - distinct.size;
      // Read twice: what the dead member had read and not committed, plus at most one poll per member
      // handed over when the member joined (the first rebalance).
      const bound = dead.inFlight + 2 * MAX_POLL;
      console.log(
        `${detectRuntime()} ${protocol}: ${
          JSON.stringify({ read: all.length, missed, dup, bound, inFlight: dead.inFlight, takenOverMs })
        }`,
      );
      assert.equal(missed, 0, "MISSED: records no member read");
      assert.ok(dup <= bound, `DUP ${dup} exceeds what was in flight (${bound})`);
      assert.ok(takenOverMs >= 0, "the survivor took every partition over");
    });
  }
});

/** The values a member printed, and how many it read after its last commit. */
function parseChild(out: string): { read: number[]; inFlight: number } {
  const read: number[] = [];
  let inFlight = 0;
  for (const line of out.split("\n")) {
    if (line.startsWith("read ")) {
      const values = line.slice(5).split(",").map(Number);
      read.push(...values);
      inFlight += values.length;
    } else if (line === "committed") inFlight = 0;
  }
  return { read, inFlight };
}
