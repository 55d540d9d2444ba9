// The README's "Quick start", "Using it", "Transactions and exactly-once" and "Parallel consumption" blocks,
// as users copy them, run against the test broker on the runtime running this file. Only the import
// specifier, the broker address and the topic name are rewritten.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Admin } from "../../src/admin/admin.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { readTopic, root, run } from "./helpers.ts";

const readme = readFileSync(join(root, "README.md"), "utf8");
const dir = mkdtempSync(join(tmpdir(), "kafka-ts-readme-"));
const topics: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  const admin = new Admin({ bootstrapServers: bootstrap() });
  await admin.deleteTopics(topics).catch(() => {});
  await admin.close();
});

/** The first TypeScript block of the README section under `heading`. */
function block(heading: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  assert.ok(section, `README.md has no "## ${heading}" section`);
  const m = /^```ts\n([\s\S]*?)^```$/m.exec(section);
  assert.ok(m, `README.md's "${heading}" section has no \`\`\`ts block`);
  return m[1];
}

/** Replaces `pattern` in `code`, which must match exactly once, so that a changed README fails loudly. */
function replaceOnce(code: string, pattern: RegExp, by: string): string {
  const hits = code.match(new RegExp(pattern.source, "gm"))?.length ?? 0;
  assert.equal(hits, 1, `expected one ${pattern} in the README block, found ${hits}`);
  return code.replace(pattern, by);
}

/** Runs a README block against the test broker on this runtime; resolves with its output. */
function runBlock(name: string, code: string, topic: string): Promise<string> {
  let script = replaceOnce(
    code,
    /from "@kafka-ts\/client"/,
    `from "${pathToFileURL(join(root, "mod.ts")).href}"`,
  );
  script = replaceOnce(
    script,
    /^const bootstrapServers = "[^"]*";$/m,
    `const bootstrapServers = "${bootstrap()}";`,
  );
  script = replaceOnce(script, /^const topic = "[^"]*";$/m, `const topic = "${topic}";`);
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, script);
  // Deno finds the project's import map through --config, the file being outside the checkout; --check makes
  // it type-check the block as well, as users' editors would.
  return run(detectRuntime(), file, { denoFlags: ["--check", "--config", join(root, "deno.json")] });
}

for (const heading of ["Quick start", "Using it", "Transactions and exactly-once", "Parallel consumption"]) {
  test(`README "${heading}" runs on ${detectRuntime()}`, async () => {
    const topic = uniqueTopic("readme");
    topics.push(topic);
    const stdout = await runBlock(heading.replace(" ", "-"), block(heading), topic);
    assert.notEqual(stdout.trim(), "", "the block printed nothing");
    const stored = await readTopic(topic, await describePartitions(topic));
    assert.ok(stored.length > 0, `the block wrote nothing to ${topic}`);
  });
}

test(`a README block that throws fails its test on ${detectRuntime()}`, async () => {
  const topic = uniqueTopic("readme-throws");
  topics.push(topic);
  const code = `${block("Quick start")}\nthrow new Error("the README block failed");\n`;
  await assert.rejects(runBlock("throws", code, topic), /the README block failed/);
});

async function describePartitions(topic: string): Promise<number> {
  const admin = new Admin({ bootstrapServers: bootstrap() });
  try {
    const [t] = await admin.describeTopics([topic]);
    return t.partitions.length;
  } finally {
    await admin.close();
  }
}
