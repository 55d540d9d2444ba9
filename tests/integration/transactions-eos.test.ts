// Exactly once through crashes: a consume-transform-produce child process (tests/helpers/eos-child.ts) on
// this test's runtime is killed with SIGKILL at random points and restarted until the input is done; the
// output read with read_committed holds every input exactly once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Producer } from "../../src/producer/producer.ts";
import { detectRuntime } from "../../src/transport/runtime.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { createTopic, suiteTopics } from "../helpers/topics.ts";
import { readTopic, values } from "../helpers/transactions.ts";
import { type Running, start } from "../examples/helpers.ts";

const INPUTS = 3000;
const KILLS = 6;

describe("exactly once through SIGKILL", () => {
  const suite = suiteTopics();

  for (const classic of [false, true]) {
    const protocol = classic ? "the classic protocol" : "KIP-890";
    it(`a ${detectRuntime()} pipeline on ${protocol} killed ${KILLS} times writes each of ${INPUTS} inputs once`, async () => {
      const input = uniqueTopic("eos-in");
      const output = uniqueTopic("eos-out");
      suite.track(input, output);
      await createTopic(suite.cluster, input, 3);
      await createTopic(suite.cluster, output, 3);
      const producer = new Producer({ bootstrapServers: bootstrap() });
      await producer.sendBatch(
        Array.from({ length: INPUTS }, (_, i) => ({ topic: input, key: `k${i % 50}`, value: `${i}` })),
      );
      await producer.close();

      const env = {
        EOS_INPUT: input,
        EOS_OUTPUT: output,
        EOS_GROUP: uniqueTopic("eos-group"),
        EOS_TRANSACTIONAL_ID: uniqueTopic("eos-txid"),
        EOS_CLASSIC: classic ? "1" : "0",
      };
      const file = "tests/helpers/eos-child.ts";
      let killedMidway = 0;
      for (let k = 0; k < KILLS; k++) {
        const child = start(detectRuntime(), file, { env });
        await child.waitFor(/^ready$/);
        await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
        const seen = (await readTopic(output, 3, "read_committed", bootstrap(), false)).length;
        if (seen < INPUTS) killedMidway++;
        await kill(child);
      }
      assert.ok(killedMidway >= 3, `only ${killedMidway} kills came before the input was done`);

      // The last worker runs until every input's output is committed.
      const last = start(detectRuntime(), file, { env });
      let committed = 0;
      try {
        const deadline = performance.now() + 60_000;
        while (committed < INPUTS && performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, 1000));
          committed = (await readTopic(output, 3, "read_committed", bootstrap(), false)).length;
        }
      } finally {
        await kill(last);
      }

      const out = values(await readTopic(output, 3, "read_committed"));
      const counts = new Map<string, number>();
      for (const v of out) counts.set(v, (counts.get(v) ?? 0) + 1);
      const missing = Array.from({ length: INPUTS }, (_, i) => `out-${i}`).filter((v) => !counts.has(v));
      const repeated = [...counts].filter(([, c]) => c > 1).map(([v]) => v);
      assert.deepEqual({ missing: missing.slice(0, 10), repeated: repeated.slice(0, 10) }, {
        missing: [],
        repeated: [],
      });
      assert.equal(out.length, INPUTS);
      // Killed transactions left aborted records behind, which read_committed skipped.
      const raw = (await readTopic(output, 3, "read_uncommitted")).length;
      assert.ok(raw > INPUTS, `no kill interrupted a transaction that had written records (${raw} records)`);
    });
  }
});

async function kill(r: Running): Promise<void> {
  r.child.kill("SIGKILL");
  const { signal, stderr } = await r.exited;
  assert.equal(signal, "SIGKILL", `the worker exited on its own: ${stderr}`);
}
