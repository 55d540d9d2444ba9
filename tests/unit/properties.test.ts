// Java / librdkafka style properties become client options: values are read from their text, TLS and SASL
// settings become the tls and sasl objects, and a key that does not map cleanly is refused by name.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  Admin,
  adminOptionsFromProperties,
  Consumer,
  consumerOptionsFromProperties,
  Producer,
  producerOptionsFromProperties,
  type Properties,
  UnknownOptionError,
} from "../../mod.ts";

const servers = { "bootstrap.servers": "127.0.0.1:1" };

function throwsExactly(make: () => unknown, type: new (...args: never[]) => Error, message: string): void {
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${e}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}

describe("properties to options", () => {
  it("producer properties, converted from their text", () => {
    const o = producerOptionsFromProperties({
      "bootstrap.servers": " broker1:9092, broker2:9092 ,",
      "client.id": "billing",
      "acks": "all",
      "linger.ms": "5",
      "batch.size": "65536",
      "buffer.memory": "1048576",
      "max.block.ms": "0",
      "max.in.flight.requests.per.connection": "5",
      "delivery.timeout.ms": "30000",
      "max.request.size": "2097152",
      "compression.type": "GZIP",
      "enable.idempotence": "true",
      "request.timeout.ms": "15000",
      "retries": "3",
      "retry.backoff.ms": "50",
      "retry.backoff.max.ms": "500",
      "metadata.max.age.ms": "60000",
      "socket.connection.setup.timeout.ms": "2000",
      "reconnect.backoff.ms": "100",
      "reconnect.backoff.max.ms": "2000",
    });
    assert.deepEqual(o, {
      bootstrapServers: ["broker1:9092", "broker2:9092"],
      clientId: "billing",
      acks: "all",
      lingerMs: 5,
      batchSize: 65536,
      bufferMemory: 1048576,
      maxBlockMs: 0,
      maxInFlightRequestsPerConnection: 5,
      deliveryTimeoutMs: 30000,
      maxRequestSize: 2097152,
      compression: "gzip",
      idempotent: true,
      requestTimeoutMs: 15000,
      retries: 3,
      retryBackoffMs: 50,
      retryBackoffMaxMs: 500,
      metadataMaxAgeMs: 60000,
      connectTimeoutMs: 2000,
      reconnectBackoffMs: 100,
      reconnectBackoffMaxMs: 2000,
    });
    assert.ok(new Producer(o) instanceof Producer);
  });

  it("acks in each spelling; numbers and booleans may be given as such", () => {
    const acks = (v: string | number) => producerOptionsFromProperties({ ...servers, acks: v }).acks;
    assert.equal(acks("all"), "all");
    assert.equal(acks("-1"), -1);
    assert.equal(acks("1"), 1);
    assert.equal(acks("0"), 0);
    assert.equal(acks(1), 1);
    const o = producerOptionsFromProperties({ ...servers, "linger.ms": 20, "enable.idempotence": false });
    assert.equal(o.lingerMs, 20);
    assert.equal(o.idempotent, false);
    // librdkafka's names for the same settings.
    const r = producerOptionsFromProperties({
      "metadata.broker.list": "a:1",
      "queue.buffering.max.ms": "7",
      "compression.codec": "zstd",
      "message.timeout.ms": "9000",
    });
    assert.deepEqual(r, {
      bootstrapServers: ["a:1"],
      lingerMs: 7,
      compression: "zstd",
      deliveryTimeoutMs: 9000,
    });
  });

  it("consumer properties, with librdkafka's offset-reset words and Java's assignor classes", () => {
    const o = consumerOptionsFromProperties({
      ...servers,
      "group.id": "billing",
      "group.instance.id": "billing-1",
      "group.protocol": "CLASSIC",
      "auto.offset.reset": "smallest",
      "enable.auto.commit": "FALSE",
      "auto.commit.interval.ms": "1000",
      "fetch.min.bytes": "1",
      "fetch.max.wait.ms": "100",
      "max.partition.fetch.bytes": "1048576",
      "fetch.max.bytes": "5242880",
      "isolation.level": "read_committed",
      "check.crcs": "false",
      "max.poll.records": "100",
      "session.timeout.ms": "10000",
      "heartbeat.interval.ms": "1000",
      "max.poll.interval.ms": "60000",
      "partition.assignment.strategy":
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor, RangeAssignor,roundrobin",
      "client.rack": "rack-1",
    });
    assert.deepEqual(o, {
      bootstrapServers: ["127.0.0.1:1"],
      groupId: "billing",
      groupInstanceId: "billing-1",
      groupProtocol: "classic",
      autoOffsetReset: "earliest",
      enableAutoCommit: false,
      autoCommitIntervalMs: 1000,
      fetchMinBytes: 1,
      fetchMaxWaitMs: 100,
      maxPartitionFetchBytes: 1048576,
      fetchMaxBytes: 5242880,
      isolationLevel: "read_committed",
      checkCrcs: false,
      maxPollRecords: 100,
      sessionTimeoutMs: 10000,
      heartbeatIntervalMs: 1000,
      maxPollIntervalMs: 60000,
      partitionAssignmentStrategy: ["cooperative-sticky", "range", "roundrobin"],
      rackId: "rack-1",
    });
    assert.ok(new Consumer(o) instanceof Consumer);
    assert.equal(
      consumerOptionsFromProperties({ ...servers, "auto.offset.reset": "largest" }).autoOffsetReset,
      "latest",
    );
    assert.equal(
      consumerOptionsFromProperties({ ...servers, "auto.offset.reset": "error" }).autoOffsetReset,
      "none",
    );
  });

  it("admin properties", () => {
    const o = adminOptionsFromProperties({
      ...servers,
      "client.id": "ops",
      "request.timeout.ms": "5000",
      "default.api.timeout.ms": "20000",
    });
    assert.deepEqual(o, {
      bootstrapServers: ["127.0.0.1:1"],
      clientId: "ops",
      requestTimeoutMs: 5000,
      defaultApiTimeoutMs: 20000,
    });
    assert.ok(new Admin(o) instanceof Admin);
  });

  it("security.protocol, ssl.* and sasl.* become tls and sasl", () => {
    const sslOnly = consumerOptionsFromProperties({
      ...servers,
      "security.protocol": "ssl",
      "ssl.ca.pem": "CA",
      "ssl.certificate.pem": "CERT",
      "ssl.key.pem": "KEY",
    });
    assert.deepEqual(sslOnly.tls, { ca: "CA", cert: "CERT", key: "KEY" });
    assert.equal(sslOnly.sasl, undefined);

    const java = producerOptionsFromProperties({
      ...servers,
      "security.protocol": "SASL_SSL",
      "ssl.truststore.type": "PEM",
      "ssl.truststore.certificates": "CA",
      "ssl.endpoint.identification.algorithm": "https",
      "sasl.mechanism": "SCRAM-SHA-512",
      "sasl.username": "alice",
      "sasl.password": "secret",
    });
    assert.deepEqual(java.tls, { ca: "CA" });
    assert.deepEqual(java.sasl, { mechanism: "SCRAM-SHA-512", username: "alice", password: "secret" });
    assert.ok(new Producer(java) instanceof Producer);

    const plain = adminOptionsFromProperties({
      ...servers,
      "security.protocol": "SASL_PLAINTEXT",
      "sasl.mechanisms": "plain",
      "sasl.username": "bob",
      "sasl.password": "pw",
    });
    assert.equal(plain.tls, undefined);
    assert.deepEqual(plain.sasl, { mechanism: "PLAIN", username: "bob", password: "pw" });

    const noVerify = adminOptionsFromProperties({
      ...servers,
      "security.protocol": "SSL",
      "enable.ssl.certificate.verification": "false",
    });
    assert.deepEqual(noVerify.tls, { rejectUnauthorized: false });
    assert.deepEqual(adminOptionsFromProperties({ ...servers, "security.protocol": "SSL" }).tls, {});
  });
});

describe("properties that do not map are refused", () => {
  it("an unknown key, with the key meant when it is close", () => {
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "linger.msec": "5" }),
      UnknownOptionError,
      '"linger.msec" is not a Producer property; did you mean "linger.ms"?',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, linger_ms: "5" }),
      UnknownOptionError,
      'linger_ms is not a Producer property; did you mean "linger.ms"?',
    );
    throwsExactly(
      () => consumerOptionsFromProperties({ ...servers, "security.protocoll": "SSL" }),
      UnknownOptionError,
      '"security.protocoll" is not a Consumer property; did you mean "security.protocol"?',
    );
    throwsExactly(
      () => adminOptionsFromProperties({ ...servers, "interceptor.classes": "x" }),
      UnknownOptionError,
      '"interceptor.classes" is not an Admin property this client knows',
    );
  });

  it("another client's property says whose it is", () => {
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "group.id": "g" }),
      UnknownOptionError,
      '"group.id" is a Consumer property, not a Producer property',
    );
    throwsExactly(
      () => consumerOptionsFromProperties({ ...servers, "linger.ms": "5" }),
      UnknownOptionError,
      '"linger.ms" is a Producer property, not a Consumer property',
    );
  });

  it("transactions, and settings only code can give", () => {
    assert.deepEqual(
      producerOptionsFromProperties({
        ...servers,
        "transactional.id": "tx",
        "transaction.timeout.ms": "90000",
        "allow.auto.create.topics": "false",
      }),
      {
        bootstrapServers: ["127.0.0.1:1"],
        transactionalId: "tx",
        transactionTimeoutMs: 90_000,
        allowAutoTopicCreation: false,
      },
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "key.serializer": "org.example.KeySerializer" }),
      UnknownOptionError,
      '"key.serializer" cannot come from properties; give keySerializer in code',
    );
    throwsExactly(
      () => consumerOptionsFromProperties({ ...servers, "value.deserializer": "org.example.V" }),
      UnknownOptionError,
      '"value.deserializer" cannot come from properties; give valueDeserializer in code',
    );
  });

  it("values that do not read as their option's type", () => {
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "linger.ms": "five" }),
      TypeError,
      '"linger.ms" must be an integer, got "five"',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "linger.ms": "-5" }),
      RangeError,
      '"linger.ms" must be an integer >= 0, got -5',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "enable.idempotence": "yes" }),
      TypeError,
      '"enable.idempotence" must be true or false, got "yes"',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, acks: "2" }),
      RangeError,
      'acks must be one of 0, 1, "all", -1, got "2"',
    );
    throwsExactly(
      () => consumerOptionsFromProperties({ ...servers, "partition.assignment.strategy": "StickyAssignor" }),
      TypeError,
      '"partition.assignment.strategy"[0] must be "range", "roundrobin", "cooperative-sticky" or an Assignor, ' +
        'got string "stickyassignor"',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "linger.ms": null } as unknown as Properties),
      TypeError,
      '"linger.ms" must be a string, number or boolean, got object',
    );
  });

  it("TLS and SASL settings that the protocol would ignore, or that cannot be met", () => {
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "ssl.ca.pem": "CA" }),
      TypeError,
      '"ssl.ca.pem" needs "security.protocol" SSL or SASL_SSL, but it is PLAINTEXT',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "security.protocol": "SSL", "sasl.username": "a" }),
      TypeError,
      '"sasl.username" needs "security.protocol" SASL_PLAINTEXT or SASL_SSL, but it is SSL',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "security.protocol": "SASL_SSL" }),
      TypeError,
      '"sasl.mechanism" is required with SASL_SSL',
    );
    throwsExactly(
      () =>
        producerOptionsFromProperties({
          ...servers,
          "security.protocol": "SASL_SSL",
          "sasl.mechanism": "OAUTHBEARER",
        }),
      TypeError,
      '"sasl.mechanism" OAUTHBEARER needs a token provider: give sasl.oauthBearerProvider in code',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "security.protocol": "TLS" }),
      RangeError,
      '"security.protocol" must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "TLS"',
    );
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "ssl.keystore.type": "JKS" }),
      RangeError,
      '"ssl.keystore.type": only PEM is supported; give the PEM text in ssl.ca.pem, ssl.certificate.pem and ' +
        "ssl.key.pem",
    );
  });

  it("two keys for one option, and a missing bootstrap.servers", () => {
    throwsExactly(
      () => producerOptionsFromProperties({ ...servers, "linger.ms": "5", "queue.buffering.max.ms": "5" }),
      TypeError,
      '"queue.buffering.max.ms" and "linger.ms" both set lingerMs; keep one',
    );
    throwsExactly(
      () => consumerOptionsFromProperties({ "group.id": "g" }),
      TypeError,
      '"bootstrap.servers" is required',
    );
    throwsExactly(
      () => consumerOptionsFromProperties("group.id=g" as unknown as Properties),
      TypeError,
      "properties must be an object of property names to values",
    );
  });
});
