// poll's two forms, positional and options object, and their checks, without a broker.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pollArgs } from "../../src/consumer/read-poll.ts";
import type { PollOptions } from "../../src/consumer/types.ts";

describe("poll arguments", () => {
  it("the positional form keeps its defaults; the options form adds waitForAll", () => {
    assert.deepEqual(pollArgs(1000, undefined, 500), { timeoutMs: 1000, maxRecords: 500, waitForAll: false });
    assert.deepEqual(pollArgs(20, 3, 500), { timeoutMs: 20, maxRecords: 3, waitForAll: false });
    assert.deepEqual(pollArgs({}, undefined, 500), { timeoutMs: 1000, maxRecords: 500, waitForAll: false });
    assert.deepEqual(
      pollArgs({ maxRecords: 100, timeoutMs: 5000, waitForAll: true }, undefined, 500),
      { timeoutMs: 5000, maxRecords: 100, waitForAll: true },
    );
  });

  it("names the bad field", () => {
    assert.throws(() => pollArgs(-1, undefined, 500), /timeoutMs must be a number >= 0/);
    assert.throws(() => pollArgs({ timeoutMs: Number.NaN }, undefined, 500), /timeoutMs/);
    assert.throws(() => pollArgs(10, 0, 500), /maxRecords must be an integer >= 1/);
    assert.throws(() => pollArgs({ maxRecords: 1.5 }, undefined, 500), /maxRecords/);
    assert.throws(
      () => pollArgs({ waitForAll: 1 } as unknown as PollOptions, undefined, 500),
      /waitForAll must be a boolean/,
    );
  });
});
