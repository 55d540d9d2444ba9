import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  BufferExhaustedError,
  ClientClosedError,
  ConnectionError,
  ConsumerClosedError,
  DeliveryTimeoutError,
  ERR,
  errorByCode,
  KafkaClientError,
  KafkaError,
  type KafkaErrorName,
  MalformedResponseError,
  needsMetadataRefresh,
  ProducerClosedError,
  RequestTimeoutError,
  SaslError,
  TlsError,
  UnsupportedCompressionError,
  UnsupportedVersionError,
} from "../../mod.ts";
import { errorByName, KAFKA_ERRORS, throwIfError } from "../../src/protocol/errors.ts";

describe("error code table", () => {
  it("knows common codes with their retriability", () => {
    const cases: [number, string, boolean][] = [
      [-1, "UNKNOWN_SERVER_ERROR", false],
      [0, "NONE", false],
      [1, "OFFSET_OUT_OF_RANGE", false],
      [2, "CORRUPT_MESSAGE", true],
      [3, "UNKNOWN_TOPIC_OR_PARTITION", true],
      [6, "NOT_LEADER_OR_FOLLOWER", true],
      [7, "REQUEST_TIMED_OUT", true],
      [15, "COORDINATOR_NOT_AVAILABLE", true],
      [16, "NOT_COORDINATOR", true],
      [27, "REBALANCE_IN_PROGRESS", false],
      [35, "UNSUPPORTED_VERSION", false],
      [36, "TOPIC_ALREADY_EXISTS", false],
      [58, "SASL_AUTHENTICATION_FAILED", false],
      [74, "FENCED_LEADER_EPOCH", true],
      [90, "PRODUCER_FENCED", false],
      [100, "UNKNOWN_TOPIC_ID", true],
      [121, "INVALID_RECORD_STATE", false],
      [133, "SHARE_SESSION_LIMIT_REACHED", true],
    ];
    for (const [code, name, retriable] of cases) {
      const info = errorByCode(code);
      assert.equal(info.code, code);
      assert.equal(info.name, name, `code ${code}`);
      assert.equal(info.retriable, retriable, name);
      assert.ok(info.message.length > 0);
      assert.equal(errorByName(name), info);
    }
  });

  it("covers every code from -1 to 133 without gaps", () => {
    const codes = KAFKA_ERRORS.map((e) => e.code);
    assert.equal(codes.length, 135);
    for (let c = -1; c <= 133; c++) assert.ok(codes.includes(c), `missing code ${c}`);
  });

  it("has unique codes and names, in code order", () => {
    const codes = KAFKA_ERRORS.map((e) => e.code);
    const names = KAFKA_ERRORS.map((e) => e.name);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(codes, [...codes].sort((a, b) => a - b));
    for (const n of names) assert.match(n, /^[A-Z][A-Z0-9_]*$/);
  });

  it("names unknown codes and treats them as not retriable", () => {
    const info = errorByCode(999);
    assert.equal(info.name, "UNKNOWN_CODE_999");
    assert.equal(info.retriable, false);
    assert.equal(errorByCode(-7).name, "UNKNOWN_CODE_-7");
    assert.equal(errorByName("NO_SUCH_ERROR"), undefined);
  });
});

describe("KafkaError", () => {
  it("carries code, Kafka name, retriable and context", () => {
    const err = KafkaError.fromCode(6, { api: "Produce", topic: "orders", partition: 3 });
    assert.ok(err instanceof Error);
    assert.ok(err instanceof KafkaError);
    assert.equal(err.name, "NOT_LEADER_OR_FOLLOWER");
    assert.equal(err.code, 6);
    assert.equal(err.retriable, true);
    assert.deepEqual(err.context, { api: "Produce", topic: "orders", partition: 3 });
    assert.match(err.message, /NOT_LEADER_OR_FOLLOWER \(6\)/);
    assert.match(err.message, /Produce/);
    assert.match(err.message, /orders-3/);
    assert.match(String(err), /^NOT_LEADER_OR_FOLLOWER: /);
  });

  it("includes the broker's message when given", () => {
    const err = new KafkaError(36, {
      api: "CreateTopics",
      topic: "t",
      brokerMessage: "Topic 't' already exists.",
    });
    assert.equal(err.retriable, false);
    assert.match(err.message, /already exists/);
  });

  it("handles unknown codes", () => {
    const err = KafkaError.fromCode(4242);
    assert.equal(err.name, "UNKNOWN_CODE_4242");
    assert.equal(err.retriable, false);
    assert.equal(err.context, undefined);
  });

  it("has a stack trace", () => {
    assert.equal(typeof new KafkaError(1).stack, "string");
  });
});

describe("throwIfError", () => {
  it("does nothing for 0", () => {
    throwIfError(0);
    throwIfError(0, { api: "Fetch" });
  });

  it("throws a KafkaError otherwise", () => {
    assert.throws(() => throwIfError(3, { topic: "x", partition: 0 }), (err: unknown) => {
      assert.ok(err instanceof KafkaError);
      assert.equal(err.code, 3);
      assert.equal(err.name, "UNKNOWN_TOPIC_OR_PARTITION");
      assert.equal(err.retriable, true);
      return true;
    });
    assert.throws(() => throwIfError(1), { name: "OFFSET_OUT_OF_RANGE", code: 1, retriable: false });
  });
});

describe("errors by name and the client's error base class", () => {
  it("ERR names every code of the table", () => {
    for (const info of KAFKA_ERRORS) {
      assert.equal(ERR[info.name as KafkaErrorName], info.code, info.name);
    }
    assert.equal(Object.keys(ERR).length, KAFKA_ERRORS.length);
    assert.equal(ERR.NOT_LEADER_OR_FOLLOWER, 6);
    assert.equal(ERR.PRODUCER_FENCED, 90);
  });

  it("one set of codes means refresh metadata, then retry", () => {
    const refresh = KAFKA_ERRORS.filter((e) => needsMetadataRefresh(e.code)).map((e) => e.name).sort();
    assert.deepEqual(refresh, [
      "FENCED_LEADER_EPOCH",
      "INCONSISTENT_TOPIC_ID",
      "KAFKA_STORAGE_ERROR",
      "LEADER_NOT_AVAILABLE",
      "NETWORK_EXCEPTION",
      "NOT_LEADER_OR_FOLLOWER",
      "UNKNOWN_LEADER_EPOCH",
      "UNKNOWN_TOPIC_ID",
      "UNKNOWN_TOPIC_OR_PARTITION",
    ]);
    // Each of them is retriable: refreshing is only worth it before a retry.
    for (const name of refresh) assert.equal(errorByName(name)?.retriable, true, name);
  });

  it("every error the client raises shares one base class with retriable", () => {
    const errors: [KafkaClientError, boolean][] = [
      [new KafkaError(ERR.NOT_LEADER_OR_FOLLOWER), true],
      [new KafkaError(ERR.TOPIC_AUTHORIZATION_FAILED), false],
      [new ConnectionError("refused"), true],
      [new TlsError("bad certificate"), false],
      [new RequestTimeoutError("late"), true],
      [new UnsupportedVersionError("old"), false],
      [new ClientClosedError("closed"), false],
      [new DeliveryTimeoutError("late"), true],
      [new BufferExhaustedError("full"), true],
      [new ProducerClosedError("closed"), false],
      [new ConsumerClosedError("closed"), false],
      [new UnsupportedCompressionError(9, "unknown"), false],
      [new MalformedResponseError("short"), false],
      [new SaslError("wrong password"), false],
    ];
    for (const [e, retriable] of errors) {
      assert.ok(e instanceof KafkaClientError, e.name);
      assert.ok(e instanceof Error, e.name);
      assert.equal(e.retriable, retriable, e.name);
    }
  });
});
