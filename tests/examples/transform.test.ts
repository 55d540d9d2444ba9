// examples/transform.ts on the runtime running this file (the suite runs it on Node, Deno and Bun): every input
// record comes out once, upper-cased, in the output topic, with a header naming the record it came from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Admin } from "../../src/admin/admin.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { readTopic, run, text } from "./helpers.ts";

test(`examples/transform.ts on ${detectRuntime()}: each input record is transformed exactly once`, async () => {
  const input = uniqueTopic("ex-transform-in");
  const output = uniqueTopic("ex-transform-out");
  const group = uniqueTopic("ex-transform-group");
  const count = 20;
  const admin = new Admin({ bootstrapServers: bootstrap() });
  try {
    const stdout = await run(detectRuntime(), "examples/transform.ts", {
      args: [String(count)],
      env: { KAFKA_TOPIC: input, KAFKA_OUTPUT_TOPIC: output, KAFKA_GROUP: group },
    });
    assert.match(stdout, new RegExp(`transformed ${count} records`));

    const inputs = await readTopic(input, 3);
    const outputs = await readTopic(output, 3);
    assert.equal(inputs.length, count);
    assert.equal(outputs.length, count);
    const bySource = new Map(inputs.map((r) => [`${input}/${r.partition}/${r.offset}`, r]));
    const used = new Set<string>();
    for (const out of outputs) {
      const source = out.headers.find((h) => h.key === "source");
      assert.ok(source, `output ${out.partition}/${out.offset} has no source header`);
      const from = text(source.value);
      const original = bySource.get(from);
      assert.ok(original, `output ${out.partition}/${out.offset} names ${from}, not an input record`);
      assert.ok(!used.has(from), `${from} was transformed twice`);
      used.add(from);
      assert.equal(text(out.key), text(original.key));
      assert.equal(text(out.value), text(original.value).toUpperCase());
      assert.notEqual(text(out.value), text(original.value)); // the transform did something
    }
    const [described] = await admin.describeGroups([group]);
    assert.equal(described.members.length, 0, "the example's consumer is still in its group");
  } finally {
    await admin.deleteTopics([input, output]).catch(() => {});
    await admin.deleteGroups([group]).catch(() => {});
    await admin.close();
  }
});
