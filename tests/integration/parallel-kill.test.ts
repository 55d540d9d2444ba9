// Parallel consumers in three processes share a 12-partition topic through the group (classic and
// KIP-848); one is killed with SIGKILL mid-run and started again (same static instance id). Every record
// is handled at least once; a record is handled twice only if the killed process handled it and its last
// commit did not cover it (below the committed offset, or among the done offsets in the commit's
// metadata); each process handles each key in order; and every partition's committed offset reaches its
// end (none stalls).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Admin } from "../../src/admin/admin.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, deleteTopic } from "../helpers/topics.ts";
import { decodeDone } from "../../src/consumer/parallel/metadata.ts";
import { type Running, start } from "../examples/helpers.ts";

const PARTITIONS = 12;
const KEYS = 120;
const RECORDS = 4800;
const MAX_IN_FLIGHT = 100;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe("parallel consumers in three processes, one killed", () => {
  let cluster: Cluster;
  const topics: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "kafka-ts-parallel-"));
  before(() => {
    cluster = new Cluster({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const t of topics) await deleteTopic(cluster, t).catch(() => {});
    await cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const protocol of ["classic", "consumer"] as const) {
    it(`${detectRuntime()}, ${protocol} protocol: at least once, duplicates bounded, keys in order`, async () => {
      const topic = uniqueTopic("parallel-kill");
      topics.push(topic);
      await createTopic(cluster, topic, PARTITIONS);
      const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 5 });
      const seq = new Map<number, number>();
      await producer.sendBatch(Array.from({ length: RECORDS }, (_, i) => {
        const k = i % KEYS;
        const n = seq.get(k) ?? 0;
        seq.set(k, n + 1);
        return { topic, key: `k${k}`, value: `k${k}:${n}` };
      }));
      await producer.close();
      if (protocol === "consumer") {
        // A KIP-848 group's session timeout is a group config: short, so the killed member's partitions
        // move (and its restart is let in) within seconds, not the broker's default 45 s.
        const admin = new Admin({ bootstrapServers: bootstrap() });
        await admin.incrementalAlterConfigs([{
          resource: { type: "GROUP", name: `g-${topic}` },
          ops: [
            { name: "consumer.session.timeout.ms", value: "6000", op: "SET" },
            { name: "consumer.heartbeat.interval.ms", value: "500", op: "SET" },
          ],
        }]);
        await admin.close();
      }
      const log = join(dir, `${topic}.log`);
      const env = {
        PAR_TOPIC: topic,
        PAR_GROUP: `g-${topic}`,
        PAR_PROTOCOL: protocol,
        PAR_LOG: log,
        PAR_CONCURRENCY: "8",
        PAR_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
        PAR_HANDLER_MS: "10",
      };
      const file = "tests/helpers/parallel-child.ts";
      const spawn = (i: number) =>
        start(detectRuntime(), file, { env: { ...env, PAR_INSTANCE: `member-${i}` } });
      const children: Running[] = [0, 1, 2].map(spawn);
      const all = () => {
        try {
          return readFileSync(log, "utf8").split("\n").filter((l) => l !== "");
        } catch {
          return [];
        }
      };
      const lines = () => all().filter((l) => !l.startsWith("commit "));
      try {
        await Promise.all(children.map((c) => c.waitFor(/^ready$/, 60_000)));
        // Kill, in the middle of the run, a process that is handling records.
        while (lines().length < RECORDS / 4) await sleep(20);
        const busy = new Set(lines().map((l) => l.split(" ")[0]));
        const index = children.findIndex((c) => busy.has(String(c.child.pid)));
        const victim = children[index];
        const killedPid = victim.child.pid!;
        victim.child.kill("SIGKILL");
        const gone = await victim.exited;
        assert.equal(gone.signal, "SIGKILL", gone.stderr);
        const handledAtKill = lines().length;
        assert.ok(handledAtKill < RECORDS, "the run was over before the kill");
        children[index] = spawn(index);
        await children[index].waitFor(/^ready$/, 60_000);

        // Wait until the group has committed every partition to its end.
        const admin = new Admin({ bootstrapServers: bootstrap() });
        const ends = await endOffsets(topic);
        const deadline = performance.now() + 90_000;
        let committed: Map<number, bigint> = new Map();
        for (;;) {
          const list = await admin.listConsumerGroupOffsets(`g-${topic}`);
          committed = new Map(list.filter((o) => o.topic === topic).map((o) => [o.partition, o.offset]));
          if ([...ends].every(([p, end]) => committed.get(p) === end)) break;
          assert.ok(
            performance.now() < deadline,
            `partitions stalled: committed ${[...committed]} of ${[...ends]}`,
          );
          await sleep(200);
        }
        await admin.close();

        const handled = lines().map((l) => {
          const [pid, partition, offset, key, n] = l.split(" ");
          return { pid, id: `${partition}:${offset}`, key, n: Number(n) };
        });
        const counts = new Map<string, number>();
        for (const h of handled) counts.set(h.id, (counts.get(h.id) ?? 0) + 1);
        assert.equal(counts.size, RECORDS, "every record handled at least once");
        const twice = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
        // Only records the killed process had handled may run twice, and only ones its last commit of their
        // partition did not cover.
        const byKilled = new Set(handled.filter((h) => h.pid === String(killedPid)).map((h) => h.id));
        const lastCommit = new Map<number, { offset: bigint; metadata: string }>();
        for (const l of all()) {
          const [word, pid, partition, offset, metadata] = l.split(" ");
          if (word !== "commit" || pid !== String(killedPid)) continue;
          lastCommit.set(Number(partition), { offset: BigInt(offset), metadata: metadata ?? "" });
        }
        const covered = (partition: number, offset: bigint) => {
          const c = lastCommit.get(partition);
          if (!c) return false;
          if (offset < c.offset) return true;
          const d = decodeDone(c.metadata);
          const i = Number(offset - c.offset);
          return d !== null && i < d.span && d.done[i] === 1;
        };
        for (const id of twice) {
          assert.ok(byKilled.has(id), `${id} handled twice but not by the killed process`);
          const [partition, offset] = id.split(":");
          assert.ok(
            !covered(Number(partition), BigInt(offset)),
            `${id} handled again after a commit covered it`,
          );
        }
        for (const [, c] of counts) assert.ok(c <= 2);
        // Each process handles each key in order.
        const last = new Map<string, number>();
        for (const h of handled) {
          const k = `${h.pid}/${h.key}`;
          assert.ok(
            (last.get(k) ?? -1) < h.n,
            `process ${h.pid} handled ${h.key}:${h.n} after ${last.get(k)}`,
          );
          last.set(k, h.n);
        }
      } finally {
        for (const c of children) c.child.kill("SIGTERM");
        await Promise.all(children.map((c) => c.exited));
      }
    });
  }
});

async function endOffsets(topic: string): Promise<Map<number, bigint>> {
  const { Consumer } = await import("../../src/consumer/consumer.ts");
  const c = new Consumer({ bootstrapServers: bootstrap() });
  const tps = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition }));
  const ends = await c.endOffsets(tps);
  await c.close();
  return new Map([...ends].map(([k, v]) => [Number(k.slice(k.lastIndexOf(":") + 1)), v]));
}
