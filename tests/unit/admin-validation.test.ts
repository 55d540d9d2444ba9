// Bad arguments to the admin client fail at the call, naming the field, before any connection is opened.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Admin } from "../../src/admin/admin.ts";
import type { AclBinding } from "../../src/admin/types.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";

let connects = 0;
const adapter: SocketAdapter = {
  connect() {
    connects++;
    return Promise.reject(new Error("the test adapter never connects"));
  },
};

const admin = new Admin({ bootstrapServers: "127.0.0.1:1", adapter, retries: 0 });

async function fails(
  call: () => Promise<unknown>,
  type: typeof TypeError | typeof RangeError,
  field: RegExp,
) {
  const before = connects;
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.match((e as Error).message, field);
    return true;
  });
  assert.equal(connects, before, "nothing may be sent for bad input");
}

const acl: AclBinding = {
  resourceType: "TOPIC",
  resourceName: "t",
  patternType: "LITERAL",
  principal: "User:alice",
  host: "*",
  operation: "READ",
  permissionType: "ALLOW",
};

describe("admin input validation", () => {
  it("rejects bad options at construction", () => {
    assert.throws(
      () => new Admin({ bootstrapServers: "127.0.0.1:1", operationTimeoutMs: -1 }),
      /operationTimeoutMs/,
    );
    assert.throws(() => new Admin({ bootstrapServers: [] }), /bootstrapServers/);
  });

  it("checks topics to create", async () => {
    await fails(() => admin.createTopics([]), RangeError, /topics must not be empty/);
    await fails(() => admin.createTopics([{ name: "" }]), RangeError, /topics\[0\]\.name must not be empty/);
    await fails(() => admin.createTopics([{ name: "a b" }]), RangeError, /topics\[0\]\.name/);
    await fails(() => admin.createTopics([{ name: ".." }]), RangeError, /topics\[0\]\.name/);
    await fails(() => admin.createTopics([{ name: "x".repeat(250) }]), RangeError, /249/);
    await fails(() => admin.createTopics([{ name: "t", numPartitions: 0 }]), RangeError, /numPartitions/);
    await fails(() => admin.createTopics([{ name: "t", numPartitions: 1.5 }]), TypeError, /numPartitions/);
    await fails(
      () => admin.createTopics([{ name: "t", replicationFactor: 0 }]),
      RangeError,
      /replicationFactor/,
    );
    await fails(
      () => admin.createTopics([{ name: "t", numPartitions: 2, replicaAssignment: [[1]] }]),
      TypeError,
      /replicaAssignment or numPartitions/,
    );
    await fails(
      () => admin.createTopics([{ name: "t", replicaAssignment: [[1, 1]] }]),
      RangeError,
      /more than once/,
    );
    await fails(
      () => admin.createTopics([{ name: "t", replicaAssignment: [[]] }]),
      RangeError,
      /replicaAssignment\[0\]/,
    );
    await fails(
      () => admin.createTopics([{ name: "t", configs: { "retention.ms": 5 as unknown as string } }]),
      TypeError,
      /configs\["retention\.ms"\]/,
    );
    await fails(
      () => admin.createTopics([{ name: "t" }, { name: "t" }]),
      RangeError,
      /t appears more than once/,
    );
    await fails(() => admin.createTopics([{ name: "t" }], { timeoutMs: -5 }), RangeError, /timeoutMs/);
  });

  it("checks topic names of other topic calls", async () => {
    await fails(() => admin.deleteTopics([""]), RangeError, /topics\[0\]/);
    await fails(() => admin.describeTopics([]), RangeError, /topics must not be empty/);
    await fails(() => admin.describeTopics("t" as unknown as string[]), TypeError, /topics must be an array/);
    await fails(
      () => admin.createPartitions([{ topic: "t", count: 0 }]),
      RangeError,
      /partitions\[0\]\.count/,
    );
    await fails(
      () => admin.createPartitions([{ topic: "", count: 2 }]),
      RangeError,
      /partitions\[0\]\.topic/,
    );
  });

  it("checks config resources and operations", async () => {
    await fails(
      () => admin.describeConfigs([{ type: "TOPICS" as "TOPIC", name: "t" }]),
      RangeError,
      /resources\[0\]\.type must be one of/,
    );
    await fails(() => admin.describeConfigs([{ type: "BROKER", name: "one" }]), RangeError, /broker id/);
    await fails(
      () => admin.describeConfigs([{ type: "TOPIC", name: "" }]),
      RangeError,
      /resources\[0\]\.name/,
    );
    const resource = { type: "TOPIC", name: "t" } as const;
    await fails(
      () => admin.incrementalAlterConfigs([{ resource, ops: [{ name: "retention.ms", op: "SET" }] }]),
      TypeError,
      /changes\[0\]\.ops\[0\]\.value/,
    );
    await fails(
      () => admin.incrementalAlterConfigs([{ resource, ops: [{ name: "a", op: "DELETE", value: "x" }] }]),
      TypeError,
      /value must be absent for DELETE/,
    );
    await fails(
      () =>
        admin.incrementalAlterConfigs([{ resource, ops: [{ name: "a", op: "PUT" as "SET", value: "x" }] }]),
      RangeError,
      /ops\[0\]\.op must be one of SET, DELETE, APPEND, SUBTRACT/,
    );
    await fails(
      () => admin.incrementalAlterConfigs([{ resource, ops: [] }]),
      RangeError,
      /ops must not be empty/,
    );
  });

  it("checks groups and offsets", async () => {
    await fails(() => admin.describeGroups([""]), RangeError, /groupIds\[0\]/);
    await fails(() => admin.deleteGroups([]), RangeError, /groupIds/);
    await fails(() => admin.listConsumerGroupOffsets(""), RangeError, /groupId/);
    await fails(
      () => admin.listConsumerGroupOffsets("g", [{ topic: "t", partition: -1 }]),
      RangeError,
      /partitions\[0\]\.partition/,
    );
    await fails(
      () =>
        admin.alterConsumerGroupOffsets("g", [{ topic: "t", partition: 0, offset: 5 as unknown as bigint }]),
      TypeError,
      /offsets\[0\]\.offset must be a bigint/,
    );
    await fails(
      () => admin.alterConsumerGroupOffsets("g", [{ topic: "t", partition: 0, offset: -1n }]),
      RangeError,
      /offsets\[0\]\.offset/,
    );
    await fails(() => admin.deleteConsumerGroupOffsets("g", []), RangeError, /partitions must not be empty/);
    await fails(() => admin.listGroups({ states: [""] }), RangeError, /states\[0\]/);
  });

  it("checks records and offset lookups", async () => {
    await fails(
      () => admin.deleteRecords([{ topic: "t", partition: 0, beforeOffset: -2n }]),
      RangeError,
      /partitions\[0\]\.beforeOffset/,
    );
    await fails(
      () => admin.listOffsets([{ topic: "t", partition: 0, spec: "newest" as "latest" }]),
      TypeError,
      /partitions\[0\]\.spec/,
    );
    await fails(
      () => admin.listOffsets([{ topic: "t", partition: 0, spec: { timestamp: -1 } }]),
      RangeError,
      /partitions\[0\]\.spec\.timestamp/,
    );
    await fails(
      () =>
        admin.listOffsets([{ topic: "t", partition: 0, spec: "latest" }], {
          isolationLevel: "committed" as "read_committed",
        }),
      RangeError,
      /isolationLevel/,
    );
    await fails(
      () =>
        admin.listOffsets([{ topic: "t", partition: 0, spec: "latest" }, {
          topic: "t",
          partition: 0,
          spec: "earliest",
        }]),
      RangeError,
      /t:0 appears more than once/,
    );
  });

  it("checks ACLs and filters", async () => {
    await fails(() => admin.createAcls([]), RangeError, /acls must not be empty/);
    await fails(
      () => admin.createAcls([{ ...acl, resourceType: "ANY" as "TOPIC" }]),
      RangeError,
      /acls\[0\]\.resourceType/,
    );
    await fails(
      () => admin.createAcls([{ ...acl, patternType: "MATCH" as "LITERAL" }]),
      RangeError,
      /acls\[0\]\.patternType/,
    );
    await fails(
      () => admin.createAcls([{ ...acl, operation: "ANY" as "READ" }]),
      RangeError,
      /acls\[0\]\.operation/,
    );
    await fails(() => admin.createAcls([{ ...acl, principal: "alice" }]), RangeError, /acls\[0\]\.principal/);
    await fails(() => admin.createAcls([{ ...acl, host: "" }]), RangeError, /acls\[0\]\.host/);
    await fails(() => admin.describeAcls({ operation: "READS" as "READ" }), RangeError, /filter\.operation/);
    await fails(
      () => admin.deleteAcls([{ permissionType: "MAYBE" as "ALLOW" }]),
      RangeError,
      /filters\[0\]\.permissionType/,
    );
  });

  it("checks node ids", async () => {
    await fails(() => admin.apiVersions(-1), RangeError, /nodeId/);
    await fails(() => admin.checkVersion(1.5), TypeError, /nodeId/);
  });
});
