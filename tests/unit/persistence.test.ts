// withPersistence marks an error with a record's persistence status, copying an error already marked with
// another status so that one error object failing several batches gives each its own.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withPersistence } from "../../src/producer/persistence.ts";
import { DeliveryTimeoutError } from "../../src/producer/errors.ts";
import { KafkaError } from "../../src/protocol/errors.ts";

describe("persistence status on errors", () => {
  it("marks an unmarked error in place", () => {
    const e = new DeliveryTimeoutError("late");
    const marked = withPersistence(e, "not_persisted");
    assert.equal(marked, e);
    assert.equal(marked.persisted, "not_persisted");
    assert.equal(withPersistence(e, "not_persisted"), e, "the same status keeps the same object");
  });

  it("copies an error marked with another status, keeping its class and fields", () => {
    const e = KafkaError.fromCode(7, { topic: "t", partition: 1 });
    const first = withPersistence(e, "not_persisted");
    const second = withPersistence(e, "possibly_persisted");
    assert.notEqual(second, first);
    assert.equal(first.persisted, "not_persisted");
    assert.equal(second.persisted, "possibly_persisted");
    assert.ok(second instanceof KafkaError);
    assert.equal((second as unknown as KafkaError).code, 7);
    assert.equal(second.message, e.message);
    assert.equal(second.name, e.name);
    assert.equal((second as unknown as KafkaError).retriable, e.retriable);
  });
});
