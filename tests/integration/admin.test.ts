// The admin client against a real broker: every call, and a describe after each change to prove it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Admin } from "../../src/admin/admin.ts";
import { AdminBatchError } from "../../src/admin/batch.ts";
import type { ConfigEntry } from "../../src/admin/types.ts";
import { Cluster } from "../../src/client/cluster.ts";
import { Producer } from "../../src/producer/producer.ts";
import { KafkaError } from "../../src/protocol/errors.ts";
import { Writer, ZERO_UUID } from "../../src/protocol/writer.ts";
import { JoinGroup } from "../../src/protocol/messages/join-group.ts";
import { SyncGroup } from "../../src/protocol/messages/sync-group.ts";
import { LeaveGroup } from "../../src/protocol/messages/leave-group.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { eventually } from "../helpers/eventually.ts";

/** The error of one item of a batch call, checked to be a KafkaError. */
function itemError(e: unknown, key: string): KafkaError {
  assert.ok(e instanceof AdminBatchError, `expected an AdminBatchError, got ${String(e)}`);
  const o = e.outcomes.get(key);
  assert.ok(o, `no outcome for ${key}; have ${[...e.outcomes.keys()].join(", ")}`);
  assert.ok(!o.ok, `${key} succeeded`);
  assert.ok(o.error instanceof KafkaError, `${key}: ${o.error}`);
  return o.error;
}

async function rejects(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail("expected the call to fail");
}

function entry(entries: ConfigEntry[], name: string): ConfigEntry {
  const e = entries.find((x) => x.name === name);
  assert.ok(e, `no config entry ${name}`);
  return e;
}

describe("admin client against a real broker", () => {
  let admin: Admin;
  const topics: string[] = [];

  before(() => {
    admin = new Admin({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    if (topics.length > 0) await admin.deleteTopics(topics).catch(() => {});
    await admin.close();
  });

  async function topic(prefix: string, numPartitions = 3, configs?: Record<string, string>): Promise<string> {
    const name = uniqueTopic(`admin-${prefix}`);
    topics.push(name);
    await admin.createTopics([{ name, numPartitions, replicationFactor: 1, configs }]);
    await eventually(async () => {
      const [t] = await admin.describeTopics([name]);
      assert.equal(t.partitions.length, numPartitions);
      assert.ok(t.partitions.every((p) => p.leader !== null));
    });
    return name;
  }

  it("describes the cluster: id, controller, brokers", async () => {
    const c = await admin.describeCluster();
    assert.ok(c.clusterId && c.clusterId.length > 0);
    assert.ok(c.brokers.length >= 1);
    assert.ok(c.controllerId !== null && c.brokers.some((b) => b.nodeId === c.controllerId));
    for (const b of c.brokers) assert.ok(b.host.length > 0 && b.port > 0);
  });

  it("creates topics with configs, then describes and lists them", async () => {
    const a = uniqueTopic("admin-create-a");
    const b = uniqueTopic("admin-create-b");
    topics.push(a, b);
    const created = await admin.createTopics([
      { name: a, numPartitions: 3, replicationFactor: 1, configs: { "retention.ms": "123456789" } },
      { name: b, numPartitions: 1, replicationFactor: 1 },
    ]);
    assert.deepEqual(created.map((t) => t.name), [a, b]);
    assert.equal(created[0].numPartitions, 3);
    assert.equal(created[0].replicationFactor, 1);
    assert.equal(created[0].configs["retention.ms"], "123456789");
    assert.notEqual(created[0].topicId, ZERO_UUID);

    const brokers = (await admin.describeCluster()).brokers.map((x) => x.nodeId);
    await eventually(async () => {
      const [da, db] = await admin.describeTopics([a, b]);
      assert.equal(da.name, a);
      assert.equal(da.topicId, created[0].topicId);
      assert.equal(da.isInternal, false);
      assert.deepEqual(da.partitions.map((p) => p.partition), [0, 1, 2]);
      for (const p of da.partitions) {
        assert.ok(p.leader !== null && brokers.includes(p.leader));
        assert.equal(p.replicas.length, 1);
        assert.deepEqual(p.isr, p.replicas);
        assert.ok(p.leaderEpoch >= 0);
      }
      assert.equal(db.partitions.length, 1);
    });

    const listed = await admin.listTopics();
    const names = listed.map((t) => t.name);
    assert.ok(names.includes(a) && names.includes(b));
    assert.ok(listed.every((t) => !t.isInternal));
    assert.equal(listed.find((t) => t.name === a)?.topicId, created[0].topicId);
    const withInternal = await admin.listTopics({ listInternal: true });
    assert.ok(withInternal.length >= listed.length);
  });

  it("reports each topic's own outcome when one of a batch fails", async () => {
    const existing = await topic("exists", 1);
    const fresh = uniqueTopic("admin-fresh");
    topics.push(fresh);
    const e = await rejects(
      admin.createTopics([{ name: existing, numPartitions: 1 }, { name: fresh, numPartitions: 2 }]),
    );
    assert.equal(itemError(e, existing).name, "TOPIC_ALREADY_EXISTS");
    const ok = (e as AdminBatchError).outcomes.get(fresh);
    assert.ok(ok?.ok && (ok.value as { numPartitions: number }).numPartitions === 2);
    assert.equal((e as AdminBatchError).errors.length, 1);
    await eventually(async () => assert.equal((await admin.describeTopics([fresh]))[0].partitions.length, 2));
  });

  it("validateOnly creates nothing; a replica assignment places partitions", async () => {
    const dry = uniqueTopic("admin-dry");
    const [v] = await admin.createTopics([{ name: dry, numPartitions: 2, replicationFactor: 1 }], {
      validateOnly: true,
    });
    assert.equal(v.name, dry);
    assert.ok(!(await admin.listTopics()).some((t) => t.name === dry));

    const node = (await admin.describeCluster()).brokers[0].nodeId;
    const placed = uniqueTopic("admin-placed");
    topics.push(placed);
    await admin.createTopics([{ name: placed, replicaAssignment: [[node], [node]] }]);
    await eventually(async () => {
      const [t] = await admin.describeTopics([placed]);
      assert.deepEqual(t.partitions.map((p) => p.replicas), [[node], [node]]);
    });
  });

  it("describes and deletes topics, with unknown topics failing on their own", async () => {
    const t = await topic("delete", 1);
    const missing = uniqueTopic("admin-missing");
    const e = await rejects(admin.describeTopics([t, missing]));
    assert.equal(itemError(e, missing).name, "UNKNOWN_TOPIC_OR_PARTITION");
    assert.ok((e as AdminBatchError).outcomes.get(t)?.ok);

    await admin.deleteTopics([t]);
    await eventually(async () => assert.ok(!(await admin.listTopics()).some((x) => x.name === t)));
    const gone = await rejects(admin.deleteTopics([missing]));
    assert.equal(itemError(gone, missing).name, "UNKNOWN_TOPIC_OR_PARTITION");
  });

  it("adds partitions, and refuses to shrink a topic", async () => {
    const t = await topic("partitions", 1);
    await admin.createPartitions([{ topic: t, count: 4 }]);
    await eventually(async () => assert.equal((await admin.describeTopics([t]))[0].partitions.length, 4));
    const e = await rejects(admin.createPartitions([{ topic: t, count: 2 }]));
    assert.equal(itemError(e, t).name, "INVALID_PARTITIONS");
  });

  it("changes topic configs with SET, APPEND, SUBTRACT and DELETE, as describeConfigs shows", async () => {
    const t = await topic("configs", 1);
    const resource = { type: "TOPIC", name: t } as const;
    const [before] = await admin.describeConfigs([resource], { includeSynonyms: true });
    assert.deepEqual(before.resource, resource);
    assert.equal(entry(before.entries, "cleanup.policy").value, "delete");
    assert.equal(entry(before.entries, "delete.retention.ms").isDefault, true);
    assert.equal(entry(before.entries, "delete.retention.ms").source, "DEFAULT_CONFIG");
    await admin.incrementalAlterConfigs([{
      resource,
      ops: [
        { name: "delete.retention.ms", op: "SET", value: "7200000" },
        { name: "cleanup.policy", op: "APPEND", value: "compact" },
      ],
    }]);
    // Brokers apply config changes once they read them back from the metadata log: poll.
    await eventually(async () => {
      const [now] = await admin.describeConfigs([resource], {
        names: ["delete.retention.ms", "cleanup.policy"],
      });
      assert.equal(now.entries.length, 2);
      assert.equal(entry(now.entries, "delete.retention.ms").value, "7200000");
      assert.equal(entry(now.entries, "delete.retention.ms").source, "DYNAMIC_TOPIC_CONFIG");
      assert.equal(entry(now.entries, "cleanup.policy").value, "delete,compact");
    });

    await admin.incrementalAlterConfigs([{
      resource,
      ops: [{ name: "delete.retention.ms", op: "DELETE" }, {
        name: "cleanup.policy",
        op: "SUBTRACT",
        value: "delete",
      }],
    }]);
    await eventually(async () => {
      const [now] = await admin.describeConfigs([resource], {
        names: ["delete.retention.ms", "cleanup.policy"],
      });
      assert.equal(entry(now.entries, "delete.retention.ms").isDefault, true);
      assert.equal(entry(now.entries, "cleanup.policy").value, "compact");
    });

    // validateOnly changes nothing.
    await admin.incrementalAlterConfigs([{
      resource,
      ops: [{ name: "delete.retention.ms", op: "SET", value: "1000" }],
    }], {
      validateOnly: true,
    });
    const [now] = await admin.describeConfigs([resource], { names: ["delete.retention.ms"] });
    assert.notEqual(entry(now.entries, "delete.retention.ms").value, "1000");

    const missing = uniqueTopic("admin-nocfg");
    const e = await rejects(admin.describeConfigs([resource, { type: "TOPIC", name: missing }]));
    assert.equal(itemError(e, `TOPIC:${missing}`).name, "UNKNOWN_TOPIC_OR_PARTITION");
    assert.ok((e as AdminBatchError).outcomes.get(`TOPIC:${t}`)?.ok);
    const bad = await rejects(admin.incrementalAlterConfigs([{
      resource,
      ops: [{ name: "delete.retention.ms", op: "SET", value: "not-a-number" }],
    }]));
    assert.equal(itemError(bad, `TOPIC:${t}`).name, "INVALID_CONFIG");
  });

  it("reads and changes a broker's dynamic config, at that broker", async () => {
    const node = (await admin.describeCluster()).brokers[0].nodeId;
    const resource = { type: "BROKER", name: String(node) } as const;
    const [cfg] = await admin.describeConfigs([resource]);
    assert.ok(cfg.entries.length > 50);
    assert.equal(entry(cfg.entries, "node.id").value, String(node));
    const name = "log.cleaner.backoff.ms";
    try {
      await admin.incrementalAlterConfigs([{ resource, ops: [{ name, op: "SET", value: "15001" }] }]);
      // The broker applies the change once it reads it back from the metadata log.
      await eventually(async () => {
        const [now] = await admin.describeConfigs([resource], { names: [name] });
        assert.equal(entry(now.entries, name).value, "15001");
        assert.equal(entry(now.entries, name).source, "DYNAMIC_BROKER_CONFIG");
      });
    } finally {
      await admin.incrementalAlterConfigs([{ resource, ops: [{ name, op: "DELETE" }] }]);
    }
    await eventually(async () => {
      const [back] = await admin.describeConfigs([resource], { names: [name] });
      assert.notEqual(entry(back.entries, name).source, "DYNAMIC_BROKER_CONFIG");
    });
  });

  it("commits, lists, changes and deletes a group's offsets, then deletes the group", async () => {
    const t = await topic("offsets", 3);
    const group = uniqueTopic("admin-group");
    await admin.alterConsumerGroupOffsets(group, [
      { topic: t, partition: 0, offset: 5n, metadata: "m0" },
      { topic: t, partition: 1, offset: 7n },
    ]);
    let offsets = await admin.listConsumerGroupOffsets(group);
    assert.deepEqual(offsets.map((o) => [o.topic, o.partition, o.offset, o.metadata]), [
      [t, 0, 5n, "m0"],
      [t, 1, 7n, ""],
    ]);

    await admin.alterConsumerGroupOffsets(group, [{ topic: t, partition: 0, offset: 11n }]);
    offsets = await admin.listConsumerGroupOffsets(group, [{ topic: t, partition: 0 }, {
      topic: t,
      partition: 2,
    }]);
    assert.deepEqual(offsets.map((o) => [o.partition, o.offset]), [[0, 11n], [2, -1n]]);

    const listed = await admin.listGroups();
    const g = listed.find((x) => x.groupId === group);
    assert.ok(g, "the group is listed");
    assert.equal(g.protocolType, "");
    assert.equal(g.state, "Empty");
    assert.ok((await admin.listGroups({ states: ["Empty"] })).some((x) => x.groupId === group));
    assert.ok(!(await admin.listGroups({ states: ["Stable"] })).some((x) => x.groupId === group));

    const [d] = await admin.describeGroups([group]);
    assert.equal(d.groupId, group);
    assert.equal(d.state, "Empty");
    assert.deepEqual(d.members, []);

    await admin.deleteConsumerGroupOffsets(group, [{ topic: t, partition: 1 }]);
    offsets = await admin.listConsumerGroupOffsets(group);
    assert.deepEqual(offsets.map((o) => [o.partition, o.offset]), [[0, 11n]]);

    const missing = uniqueTopic("admin-nogroup");
    const e = await rejects(admin.deleteGroups([group, missing]));
    assert.equal(itemError(e, missing).name, "GROUP_ID_NOT_FOUND");
    assert.ok((e as AdminBatchError).outcomes.get(group)?.ok);
    assert.ok(!(await admin.listGroups()).some((x) => x.groupId === group));
    const gone = await rejects(admin.describeGroups([group]));
    assert.equal(itemError(gone, group).name, "GROUP_ID_NOT_FOUND");
  });

  it("describes a live consumer group with decoded subscriptions and assignments", async () => {
    const t = await topic("members", 2);
    const group = uniqueTopic("admin-live");
    const cluster = new Cluster({ bootstrapServers: bootstrap() });
    // A member that joins by hand with the consumer protocol ("range"), and assigns itself both partitions.
    const subscription = new Writer().int16(0).arrayLength(1).string(t).bytes(null).finish();
    const assignment = new Writer().int16(0).arrayLength(1).string(t).arrayLength(2).int32(0).int32(1).bytes(
      null,
    )
      .finish();
    const { FindCoordinator } = await import("../../src/protocol/messages/find-coordinator.ts");
    const fc = await cluster.send("any", FindCoordinator, {
      key: group,
      keyType: 0,
      coordinatorKeys: [group],
    });
    const node = fc.coordinators.length > 0 ? fc.coordinators[0].nodeId : fc.nodeId;
    let memberId = "";
    try {
      const join = () =>
        cluster.send(node, JoinGroup, {
          groupId: group,
          sessionTimeoutMs: 10_000,
          rebalanceTimeoutMs: 10_000,
          memberId,
          protocolType: "consumer",
          protocols: [{ name: "range", metadata: subscription }],
        });
      let joined = await join();
      if (joined.errorCode === 79) { // MEMBER_ID_REQUIRED: join again with the id the broker gave
        memberId = joined.memberId;
        joined = await join();
      }
      assert.equal(joined.errorCode, 0);
      memberId = joined.memberId;
      const synced = await cluster.send(node, SyncGroup, {
        groupId: group,
        generationId: joined.generationId,
        memberId,
        protocolType: "consumer",
        protocolName: "range",
        assignments: [{ memberId, assignment }],
      });
      assert.equal(synced.errorCode, 0);

      const [d] = await admin.describeGroups([group]);
      assert.equal(d.state, "Stable");
      assert.equal(d.protocolType, "consumer");
      assert.equal(d.protocol, "range");
      assert.equal(d.members.length, 1);
      const m = d.members[0];
      assert.equal(m.memberId, memberId);
      assert.equal(m.clientId, "kafka-ts");
      assert.deepEqual(m.subscription?.topics, [t]);
      assert.deepEqual(m.assignment, [{ topic: t, partition: 0 }, { topic: t, partition: 1 }]);
      assert.deepEqual(m.rawAssignment, assignment);

      // An admin cannot commit for a group with live members.
      const e = await rejects(
        admin.alterConsumerGroupOffsets(group, [{ topic: t, partition: 0, offset: 1n }]),
      );
      assert.equal(itemError(e, `${t}:0`).name, "UNKNOWN_MEMBER_ID");
      const listed = await admin.listGroups({ states: ["Stable"] });
      assert.equal(listed.find((x) => x.groupId === group)?.protocolType, "consumer");
      const busy = await rejects(admin.deleteGroups([group]));
      assert.equal(itemError(busy, group).name, "NON_EMPTY_GROUP");
    } finally {
      if (memberId) {
        await cluster.send(node, LeaveGroup, {
          groupId: group,
          memberId,
          members: [{ memberId, groupInstanceId: null }],
        });
      }
      await cluster.close();
    }
    await admin.deleteGroups([group]);
  });

  it("lists offsets (earliest, latest, by timestamp) and deletes records, as listOffsets then shows", async () => {
    const t = await topic("records", 2);
    const producer = new Producer({ bootstrapServers: bootstrap(), lingerMs: 0 });
    const t0 = Date.now() - 60_000;
    try {
      for (let i = 0; i < 10; i++) {
        await producer.send({ topic: t, partition: 0, value: `v${i}`, timestamp: t0 + i * 1000 });
      }
    } finally {
      await producer.close();
    }
    const ask = (spec: "earliest" | "latest" | "maxTimestamp" | { timestamp: number }) =>
      admin.listOffsets([{ topic: t, partition: 0, spec }, { topic: t, partition: 1, spec }]);
    assert.deepEqual((await ask("earliest")).map((o) => o.offset), [0n, 0n]);
    assert.deepEqual((await ask("latest")).map((o) => o.offset), [10n, 0n]);
    const [byTime] = await ask({ timestamp: t0 + 6000 });
    assert.equal(byTime.offset, 6n);
    assert.equal(byTime.timestamp, t0 + 6000);
    const [max] = await ask("maxTimestamp");
    assert.equal(max.offset, 9n);
    const [none] = await ask({ timestamp: t0 + 3_600_000 });
    assert.equal(none.offset, -1n);

    const deleted = await admin.deleteRecords([{ topic: t, partition: 0, beforeOffset: 4n }]);
    assert.deepEqual(deleted, [{ topic: t, partition: 0, lowWatermark: 4n }]);
    assert.deepEqual((await ask("earliest")).map((o) => o.offset), [4n, 0n]);
    await admin.deleteRecords([{ topic: t, partition: 0, beforeOffset: -1n }]);
    assert.deepEqual((await ask("earliest")).map((o) => o.offset), [10n, 0n]);

    const e = await rejects(admin.deleteRecords([
      { topic: t, partition: 1, beforeOffset: 0n },
      { topic: t, partition: 0, beforeOffset: 99n },
    ]));
    assert.equal(itemError(e, `${t}:0`).name, "OFFSET_OUT_OF_RANGE");
    assert.ok((e as AdminBatchError).outcomes.get(`${t}:1`)?.ok);

    const missing = await rejects(admin.listOffsets([
      { topic: t, partition: 0, spec: "latest" },
      { topic: t, partition: 7, spec: "latest" },
    ]));
    assert.equal(itemError(missing, `${t}:7`).name, "UNKNOWN_TOPIC_OR_PARTITION");
    assert.ok((missing as AdminBatchError).outcomes.get(`${t}:0`)?.ok);
  });

  it("lists the broker's API versions and infers its release", async () => {
    const apis = await admin.apiVersions();
    const metadata = apis.find((a) => a.name === "Metadata");
    assert.ok(metadata && metadata.apiKey === 3);
    assert.ok(metadata.negotiated !== null && metadata.negotiated <= metadata.brokerMax);
    assert.ok(
      metadata.clientMax !== null && metadata.negotiated === Math.min(metadata.clientMax, metadata.brokerMax),
    );
    assert.ok(apis.find((a) => a.name === "CreateTopics"));
    const node = (await admin.describeCluster()).brokers[0].nodeId;
    assert.deepEqual(await admin.apiVersions(node), apis);

    const v = await admin.checkVersion();
    // The broker of the tests is Kafka 4.x; the rules know releases up to 4.2.
    assert.equal(v.version[0], 4);
    assert.ok(v.version[1] >= 2, `inferred ${v.text} from ${v.evidence}`);
    assert.equal(v.text, v.version.join("."));
    assert.deepEqual(await admin.checkVersion(node), v);
  });

  it("ACL calls on a broker without an authorizer fail with SECURITY_DISABLED", async () => {
    const e = await rejects(admin.describeAcls({ resourceType: "TOPIC" }));
    assert.ok(e instanceof KafkaError, String(e));
    assert.equal(e.name, "SECURITY_DISABLED");
    const c = await rejects(admin.createAcls([{
      resourceType: "TOPIC",
      resourceName: "t",
      patternType: "LITERAL",
      principal: "User:alice",
      host: "*",
      operation: "READ",
      permissionType: "ALLOW",
    }]));
    assert.equal(itemError(c, "0").name, "SECURITY_DISABLED");
    const d = await rejects(admin.deleteAcls([{ principal: "User:alice" }]));
    assert.equal(itemError(d, "0").name, "SECURITY_DISABLED");
  });
});
