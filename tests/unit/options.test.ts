// Client options are checked at construction: unknown ones are refused with the option to use instead,
// wrong types and values name the option, and every option the clients read is accepted.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  Admin,
  type AdminOptions,
  Consumer,
  type ConsumerOptions,
  Producer,
  type ProducerOptions,
  rangeAssignor,
  type SocketAdapter,
  UnknownOptionError,
} from "../../mod.ts";
import { PRODUCER_OPTIONS } from "../../src/producer/options.ts";
import { CONSUMER_OPTIONS } from "../../src/consumer/options.ts";
import { ADMIN_OPTIONS } from "../../src/admin/options.ts";

const bootstrapServers = "127.0.0.1:1";
const adapter: SocketAdapter = { connect: () => Promise.reject(new Error("this test never connects")) };

// Options as a user might pass them by mistake: the types do not allow them, so they go through `unknown`.
function producer(extra: Record<string, unknown>): Producer {
  return new Producer({ bootstrapServers, ...extra } as unknown as ProducerOptions);
}
function consumer(extra: Record<string, unknown>): Consumer {
  return new Consumer({ bootstrapServers, ...extra } as unknown as ConsumerOptions);
}
function admin(extra: Record<string, unknown>): Admin {
  return new Admin({ bootstrapServers, ...extra } as unknown as AdminOptions);
}

/** Asserts that `make` throws exactly this message with this error class. */
function throwsExactly(
  make: () => unknown,
  type: new (...args: never[]) => Error,
  message: string,
): void {
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${e}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe("unknown options", () => {
  it("a Java / librdkafka / kafka-python name names the option to use", () => {
    throwsExactly(
      () => consumer({ "auto.offset.reset": "earliest" }),
      UnknownOptionError,
      '"auto.offset.reset" is not a Consumer option; use autoOffsetReset',
    );
    throwsExactly(
      () => producer({ linger_ms: 5 }),
      UnknownOptionError,
      "linger_ms is not a Producer option; use lingerMs",
    );
    throwsExactly(
      () => producer({ "compression.type": "lz4" }),
      UnknownOptionError,
      '"compression.type" is not a Producer option; use compression',
    );
    throwsExactly(
      () => producer({ "enable.idempotence": true }),
      UnknownOptionError,
      '"enable.idempotence" is not a Producer option; use idempotent',
    );
    throwsExactly(
      () => admin({ "bootstrap.servers": "x:1" }),
      UnknownOptionError,
      '"bootstrap.servers" is not an Admin option; use bootstrapServers',
    );
  });

  it("a near typo gets a did-you-mean", () => {
    throwsExactly(
      () => consumer({ autoOffsetRest: "earliest" }),
      UnknownOptionError,
      "autoOffsetRest is not a Consumer option; did you mean autoOffsetReset?",
    );
    throwsExactly(
      () => producer({ lingerMS: 5, lingreMs: 5 }),
      UnknownOptionError,
      "lingerMS is not a Producer option; use lingerMs",
    );
    throwsExactly(
      () => producer({ lingreMs: 5 }),
      UnknownOptionError,
      "lingreMs is not a Producer option; did you mean lingerMs?",
    );
  });

  it("another client's option says whose it is", () => {
    throwsExactly(
      () => producer({ groupId: "g" }),
      UnknownOptionError,
      "groupId is a Consumer option, not a Producer option",
    );
    throwsExactly(
      () => consumer({ acks: "all" }),
      UnknownOptionError,
      "acks is a Producer option, not a Consumer option",
    );
    throwsExactly(
      () => admin({ lingerMs: 5 }),
      UnknownOptionError,
      "lingerMs is a Producer option, not an Admin option",
    );
    throwsExactly(
      () => producer({ "group.id": "g" }),
      UnknownOptionError,
      '"group.id" is not a Producer option; it is the Consumer option groupId',
    );
    throwsExactly(
      () => producer({ operationTimeoutMs: 5 }),
      UnknownOptionError,
      "operationTimeoutMs is an Admin option, not a Producer option",
    );
  });

  it("transaction settings under their Kafka names point to ours, and belong to the producer", () => {
    throwsExactly(
      () => producer({ "transactional.id": "tx-1" }),
      UnknownOptionError,
      '"transactional.id" is not a Producer option; use transactionalId',
    );
    throwsExactly(
      () => producer({ "transaction.timeout.ms": 5 }),
      UnknownOptionError,
      '"transaction.timeout.ms" is not a Producer option; use transactionTimeoutMs',
    );
    throwsExactly(
      () => consumer({ transactionalId: "tx-1" }),
      UnknownOptionError,
      "transactionalId is a Producer option, not a Consumer option",
    );
    throwsExactly(
      () => producer({ transactionalId: "" }),
      RangeError,
      'transactionalId must be a non-empty string, got ""',
    );
    throwsExactly(
      () => producer({ transactionTimeoutMs: 0 }),
      RangeError,
      "transactionTimeoutMs must be an integer from 1 to 2147483647, got 0",
    );
  });

  it("flat TLS and SASL settings point to the tls and sasl fields", () => {
    throwsExactly(
      () => producer({ "ssl.ca.location": "/etc/ca.pem" }),
      UnknownOptionError,
      '"ssl.ca.location" is not a Producer option; use tls.ca (PEM text)',
    );
    throwsExactly(
      () => consumer({ sasl_plain_username: "alice" }),
      UnknownOptionError,
      "sasl_plain_username is not a Consumer option; use sasl.username",
    );
  });

  it("an unrelated name is refused, named; the error carries the option and the suggestion", () => {
    throwsExactly(() => producer({ colour: "blue" }), UnknownOptionError, "colour is not a Producer option");
    // Names that objects inherit are not options either.
    throwsExactly(() => producer({ toString: "x" }), UnknownOptionError, "toString is not a Producer option");
    try {
      consumer({ "auto.offset.reset": "earliest" });
      assert.fail("expected a throw");
    } catch (e) {
      assert.ok(e instanceof TypeError);
      assert.ok(e instanceof UnknownOptionError);
      assert.equal(e.name, "UnknownOptionError");
      assert.equal(e.option, "auto.offset.reset");
      assert.equal(e.suggestion, "autoOffsetReset");
    }
  });

  it("unknown fields of tls and sasl are refused with their dotted names", () => {
    throwsExactly(
      () => producer({ tls: { caFile: "x" } }),
      UnknownOptionError,
      "tls.caFile is not a field of tls; its fields are ca, cert, key, serverName, rejectUnauthorized",
    );
    throwsExactly(
      () => producer({ tls: { serverNme: "kafka" } }),
      UnknownOptionError,
      "tls.serverNme is not a field of tls; did you mean tls.serverName?",
    );
    throwsExactly(
      () => consumer({ sasl: { mechanism: "PLAIN", user: "a", password: "b" } }),
      UnknownOptionError,
      "sasl.user is not a field of sasl; did you mean sasl.username?",
    );
  });
});

describe("option types and values", () => {
  it("a wrong type names the expected type", () => {
    throwsExactly(() => producer({ lingerMs: "5" }), TypeError, 'lingerMs must be a number, got string "5"');
    throwsExactly(
      () => consumer({ enableAutoCommit: "false" }),
      TypeError,
      'enableAutoCommit must be a boolean, got string "false"',
    );
    throwsExactly(
      () => producer({ onDelivery: {} }),
      TypeError,
      "onDelivery must be a function, got an object",
    );
    throwsExactly(
      () => consumer({ groupId: 7 }),
      TypeError,
      "groupId must be a non-empty string, got number 7",
    );
    throwsExactly(
      () => new Producer({ bootstrapServers: 9092 } as unknown as ProducerOptions),
      TypeError,
      'bootstrapServers must be a "host:port" string or an array of them, got number 9092',
    );
    throwsExactly(
      () => producer({ adapter: { open() {} } }),
      TypeError,
      "adapter.connect must be a function, got undefined",
    );
  });

  it("enums list their values", () => {
    throwsExactly(() => producer({ acks: 2 }), RangeError, 'acks must be one of 0, 1, "all", -1, got 2');
    throwsExactly(
      () => producer({ acks: true }),
      TypeError,
      'acks must be one of 0, 1, "all", -1, got boolean true',
    );
    throwsExactly(
      () => producer({ compression: "brotli" }),
      RangeError,
      'compression must be one of "none", "gzip", "snappy", "lz4", "zstd", got "brotli"',
    );
    throwsExactly(
      () => consumer({ isolationLevel: "committed" }),
      RangeError,
      'isolationLevel must be one of "read_uncommitted", "read_committed", got "committed"',
    );
  });

  it("integers and ranges", () => {
    throwsExactly(() => producer({ lingerMs: -1 }), RangeError, "lingerMs must be an integer >= 0, got -1");
    throwsExactly(() => producer({ lingerMs: 1.5 }), RangeError, "lingerMs must be an integer >= 0, got 1.5");
    throwsExactly(
      () => producer({ batchSize: 0 }),
      RangeError,
      "batchSize must be an integer from 1 to 2147483647, got 0",
    );
    throwsExactly(
      () => consumer({ fetchMaxWaitMs: NaN }),
      RangeError,
      "fetchMaxWaitMs must be an integer from 0 to 2147483647, got NaN",
    );
    throwsExactly(() => admin({ retries: -1 }), RangeError, "retries must be an integer >= 0, got -1");
    throwsExactly(
      () => admin({ operationTimeoutMs: -1 }),
      RangeError,
      "operationTimeoutMs must be an integer >= 0, got -1",
    );
    throwsExactly(
      () => admin({ defaultApiTimeoutMs: 0 }),
      RangeError,
      "defaultApiTimeoutMs must be an integer >= 1, got 0",
    );
  });

  it("nested fields are checked with dotted names", () => {
    throwsExactly(
      () => producer({ tls: { ca: 5 } }),
      TypeError,
      "tls.ca must be a PEM string or an array of them, got number 5",
    );
    throwsExactly(
      () => producer({ tls: { ca: ["a", 5] } }),
      TypeError,
      "tls.ca[1] must be a PEM string, got number 5",
    );
    throwsExactly(
      () => producer({ tls: { rejectUnauthorized: "no" } }),
      TypeError,
      'tls.rejectUnauthorized must be a boolean, got string "no"',
    );
    throwsExactly(() => producer({ tls: "yes" }), TypeError, 'tls must be an object, got string "yes"');
    assert.throws(() => consumer({ sasl: { mechanism: "GSSAPI" } }), /sasl\.mechanism/);
    throwsExactly(
      () => consumer({ rebalanceListener: { onAssigned: 1 } }),
      TypeError,
      "rebalanceListener.onAssigned must be a function, got number 1",
    );
    throwsExactly(
      () => consumer({ partitionAssignmentStrategy: ["sticky"] }),
      TypeError,
      'partitionAssignmentStrategy[0] must be "range", "roundrobin", "cooperative-sticky" or an Assignor, got string "sticky"',
    );
  });

  it("options and bootstrapServers are required", () => {
    throwsExactly(
      () => new Admin(null as unknown as AdminOptions),
      TypeError,
      "options must be an object, got null",
    );
    throwsExactly(() => new Admin({} as AdminOptions), TypeError, "bootstrapServers is required");
  });

  it("undefined means the default", () => {
    assert.ok(producer({ lingerMs: undefined, acks: undefined, tls: undefined }) instanceof Producer);
    assert.ok(consumer({ groupId: undefined, tls: { ca: undefined } }) instanceof Consumer);
  });
});

// Every option each client reads, with a value of its type; `Required<...>` makes a new option without a
// sample fail to type-check, and the table comparison below makes a new option without a check fail here.
const cluster = {
  bootstrapServers: ["127.0.0.1:1", "127.0.0.1:2"],
  clientId: "options-test",
  adapter,
  tls: {
    ca: ["-----BEGIN CERTIFICATE-----"],
    cert: "c",
    key: "k",
    serverName: "kafka",
    rejectUnauthorized: true,
  },
  sasl: { mechanism: "SCRAM-SHA-512" as const, username: "alice", password: "secret" },
  connectTimeoutMs: 5000,
  requestTimeoutMs: 30_000,
  metadataMaxAgeMs: 0,
  retries: 0,
  retryBackoffMs: 0,
  retryBackoffMaxMs: 1000,
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 1000,
};
const producerSample: Required<ProducerOptions> = {
  ...cluster,
  acks: "all",
  lingerMs: 0,
  batchSize: 16384,
  bufferMemory: 1 << 20,
  maxBlockMs: 0,
  maxInFlightRequestsPerConnection: 5,
  deliveryTimeoutMs: 120_000,
  maxRequestSize: 1 << 20,
  compression: "gzip",
  idempotent: true,
  transactionalId: "options-test",
  transactionTimeoutMs: 60_000,
  allowAutoTopicCreation: true,
  partitioner: () => 0,
  keySerializer: () => null,
  valueSerializer: () => null,
  onDelivery: () => {},
};
const consumerSample: Required<ConsumerOptions> = {
  ...cluster,
  autoOffsetReset: "earliest",
  enableAutoCommit: false,
  autoCommitIntervalMs: 1000,
  defaultApiTimeoutMs: 30_000,
  fetchMinBytes: 0,
  fetchMaxWaitMs: 0,
  maxPartitionFetchBytes: 1 << 20,
  fetchMaxBytes: 1 << 20,
  fetchBufferBytes: 1 << 20,
  isolationLevel: "read_committed",
  checkCrcs: true,
  maxPollRecords: 1,
  keyDeserializer: (b) => b,
  valueDeserializer: (b) => b,
  onCommit: () => {},
  rebalanceListener: { onAssigned() {} },
  consumerTimeoutMs: 1000,
  partitionEof: true,
  onPartitionEof: () => {},
  groupId: "g",
  groupInstanceId: "i",
  groupProtocol: "consumer",
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
  maxPollIntervalMs: 60_000,
  partitionAssignmentStrategy: ["range", "roundrobin", "cooperative-sticky", rangeAssignor],
  groupRemoteAssignor: "uniform",
  rackId: "rack-1",
};
const adminSample: Required<AdminOptions> = {
  ...cluster,
  operationTimeoutMs: 0,
  defaultApiTimeoutMs: 60_000,
};

describe("every option the clients read is accepted", () => {
  it("each client's table holds exactly its options", () => {
    assert.deepEqual(Object.keys(PRODUCER_OPTIONS).sort(), Object.keys(producerSample).sort());
    assert.deepEqual(Object.keys(CONSUMER_OPTIONS).sort(), Object.keys(consumerSample).sort());
    assert.deepEqual(Object.keys(ADMIN_OPTIONS).sort(), Object.keys(adminSample).sort());
  });

  it("all options at once, and the other spellings of values the clients take", () => {
    assert.ok(new Producer(producerSample) instanceof Producer);
    assert.ok(new Consumer(consumerSample) instanceof Consumer);
    assert.ok(new Admin(adminSample) instanceof Admin);
    const oauth = { mechanism: "OAUTHBEARER" as const, oauthBearerProvider: () => "token" };
    const partitioner = { partition: () => 0 };
    assert.ok(new Producer({ bootstrapServers: "a:1,b:2", acks: -1, sasl: oauth, partitioner, tls: {} }));
    assert.ok(new Producer({ bootstrapServers: "a:1", acks: 1, idempotent: false, compression: "none" }));
    assert.ok(new Consumer({ bootstrapServers: "a:1", autoOffsetReset: "none", groupProtocol: "classic" }));
  });

  it("every option named in the README's options table", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("### Options, next to the clients you know"));
    const rows = section.slice(0, section.indexOf("\n\n", section.indexOf("| ---"))).split("\n").slice(3);
    const nested: Record<string, readonly string[]> = {
      tls: Object.keys(cluster.tls),
      sasl: [...Object.keys(cluster.sasl), "oauthBearerProvider"],
    };
    let count = 0;
    for (const row of rows) {
      // "`sasl.mechanism`, `username`, `password`": bare names after a dotted one are its fields.
      let parent: string | undefined;
      for (const [, name] of row.split("|")[1].matchAll(/`([^`]+)`/g)) {
        count++;
        const [head, field] = name.includes(".") ? name.split(".") : [parent, name];
        if (name.includes(".")) parent = head;
        const known = head !== undefined
          ? nested[head]?.includes(field) === true
          : [PRODUCER_OPTIONS, CONSUMER_OPTIONS, ADMIN_OPTIONS].some((t) => Object.hasOwn(t, name));
        assert.ok(known, `${name} from the README is an option of some client`);
      }
    }
    assert.ok(count > 20, `found ${count} options in the README's table`);
  });
});
