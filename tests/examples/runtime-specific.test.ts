// The examples written for one runtime, each run on that runtime whichever runtime runs this file. The suite
// runs this file once (see scripts/test.mjs), so each of these examples runs once per suite run.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Admin } from "../../src/admin/admin.ts";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime, type RuntimeName } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { readTopic, run, start, text } from "./helpers.ts";
import { eventually } from "../helpers/eventually.ts";

test("examples/deno.ts on deno: prints exactly the records it wrote, read back in a group", async () => {
  const topic = uniqueTopic("ex-deno");
  const group = uniqueTopic("ex-deno-group");
  const admin = new Admin({ bootstrapServers: bootstrap() });
  try {
    const stdout = await run("deno", "examples/deno.ts", {
      args: ["20"],
      env: { KAFKA_TOPIC: topic, KAFKA_GROUP: group },
    });
    const printed = stdout.split("\n").filter((l) => /^\d+\/\d+ /.test(l)).sort();
    const stored = (await readTopic(topic, 3))
      .map((r) => `${r.partition}/${r.offset} ${text(r.key)} = ${text(r.value)}`).sort();
    assert.equal(stored.length, 20);
    assert.deepEqual(printed, stored);
    const keys = stored.map((l) => l.split(" ")[1]).sort();
    assert.deepEqual(keys, Array.from({ length: 20 }, (_, i) => `key-${i}`).sort());
    const [described] = await admin.describeGroups([group]);
    assert.equal(described.members.length, 0, "the example's consumer is still in its group");
    const committed = await admin.listConsumerGroupOffsets(group);
    assert.ok(committed.length > 0, "the example committed no offsets on close");
  } finally {
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.deleteGroups([group]).catch(() => {});
    await admin.close();
  }
});

for (const runtime of ["node", "bun"] as const) {
  test(`examples/node-pipeline.ts on ${runtime}: the file holds the records written, one line each`, async () => {
    const topic = uniqueTopic(`ex-pipeline-${runtime}`);
    const dir = mkdtempSync(join(tmpdir(), "kafka-ts-pipeline-"));
    const file = join(dir, "records.jsonl");
    const admin = new Admin({ bootstrapServers: bootstrap() });
    try {
      await run(runtime, "examples/node-pipeline.ts", { args: ["20", file], env: { KAFKA_TOPIC: topic } });
      const lines = readFileSync(file, "utf8").split("\n");
      assert.equal(lines.pop(), "", "the file ends with a newline");
      const stored = await readTopic(topic, 3);
      assert.equal(stored.length, 20);
      assert.equal(lines.length, stored.length);
      const expected = stored.map((r) => ({
        partition: r.partition,
        offset: String(r.offset),
        key: text(r.key),
        value: JSON.parse(text(r.value)),
      }));
      const sortKey = (r: { partition: number; offset: string }) =>
        `${r.partition}/${r.offset.padStart(9, "0")}`;
      const got = lines.map((l) => JSON.parse(l)).sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      expected.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
      assert.deepEqual(got, expected);
      assert.deepEqual(
        got.map((r) => r.value.order).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await admin.deleteTopics([topic]).catch(() => {});
      await admin.close();
    }
  });
}

/** Reads Server-Sent Events from a response body until `count` have arrived. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number): Promise<Map<string, string>> {
  const events = new Map<string, string>(); // id -> data
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (events.size < count) {
    const { value, done } = await reader.read();
    assert.ok(!done, `the event stream ended after ${events.size} of ${count} events`);
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(event)?.[1];
      const data = /^data: (.*)$/m.exec(event)?.[1];
      assert.ok(
        id !== undefined && data !== undefined,
        `an event without id or data: ${JSON.stringify(event)}`,
      );
      assert.ok(!events.has(id), `event ${id} came twice`);
      events.set(id, data);
    }
  }
  reader.releaseLock();
  return events;
}

describe("Server-Sent Events examples", () => {
  const servers: [RuntimeName, string][] = [["deno", "examples/sse-deno.ts"], ["bun", "examples/sse-bun.ts"]];
  for (const [runtime, file] of servers) {
    test(`${file} on ${runtime}: events carry the records; a client that leaves closes its consumer`, async () => {
      const topic = uniqueTopic(`ex-sse-${runtime}`);
      const admin = new Admin({ bootstrapServers: bootstrap() });
      await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 1 }]);
      const producer = new Producer({ bootstrapServers: bootstrap() });
      const server = start(runtime, file, { env: { KAFKA_TOPIC: topic, PORT: "0" } });
      const request = new AbortController();
      let group: string | undefined;
      try {
        const written = await producer.sendBatch(
          Array.from({ length: 10 }, (_, i) => ({ topic, key: `k${i}`, value: `value ${i}` })),
        );
        const [, url] = await server.waitFor(/^listening on (http:\/\/\S+) /);
        // The time-out fails a server that never sends the events, instead of waiting forever.
        const response = await fetch(url, {
          signal: AbortSignal.any([request.signal, AbortSignal.timeout(30_000)]),
        });
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
        const events = await readEvents(response.body!, written.length);
        const expected = new Map(written.map((m, i) => [
          `${m.partition}-${m.offset}`,
          JSON.stringify({
            partition: m.partition,
            offset: String(m.offset),
            key: `k${i}`,
            value: `value ${i}`,
          }),
        ]));
        assert.deepEqual(events, expected);

        group = (await server.waitFor(/^client connected: consumer of group (\S+)$/))[1];
        const [before] = await admin.describeGroups([group]);
        assert.equal(before.members.length, 1, "the client's consumer is not in its group");

        request.abort(); // the client goes away
        await eventually(async () => {
          const [after] = await admin.describeGroups([group!]);
          assert.equal(after.members.length, 0, `group ${group} still has members after the client left`);
        }, 15_000);
        await server.waitFor(/^client gone: consumer of group \S+ closed$/);

        server.child.kill("SIGTERM");
        const exit = await server.exited;
        assert.match(exit.stdout, /^server stopped$/m);
        // Deno's node:child_process reports a child that handled the signal and exited 0 as killed by it.
        const code = exit.signal === "SIGTERM" && detectRuntime() === "deno" ? 0 : exit.code;
        assert.equal(code, 0, `${file} exited with ${exit.code ?? exit.signal}:\n${exit.stderr}`);
      } finally {
        request.abort();
        server.child.kill("SIGKILL");
        await producer.close();
        await admin.deleteTopics([topic]).catch(() => {});
        if (group) await admin.deleteGroups([group]).catch(() => {});
        await admin.close();
      }
    });
  }
});
