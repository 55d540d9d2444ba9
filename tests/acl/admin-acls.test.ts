// ACL round trip against a broker with an authorizer (KAFKA_ACL_BOOTSTRAP): create, describe with filters,
// delete, and describe again. The plain test broker has no authorizer; the secured one
// (`scripts/kafka start --security`) has StandardAuthorizer with User:ANONYMOUS as a super user, so this
// plaintext client may do everything.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Admin } from "../../src/admin/admin.ts";
import { AdminBatchError } from "../../src/admin/batch.ts";
import type { AclBinding } from "../../src/admin/types.ts";
import { KafkaError } from "../../src/protocol/errors.ts";
import { uniqueTopic } from "../helpers/broker.ts";
import { eventually } from "../helpers/eventually.ts";

/** KAFKA_ACL_BOOTSTRAP: a broker with an authorizer. Without one this test fails; it never skips. */
function aclBootstrap(): string {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
  const b = env.KAFKA_ACL_BOOTSTRAP;
  assert.ok(
    b,
    "KAFKA_ACL_BOOTSTRAP is not set: it must name a broker with an authorizer (see the comment above)",
  );
  return b;
}

const key = (b: AclBinding) =>
  [b.resourceType, b.resourceName, b.patternType, b.principal, b.host, b.operation, b.permissionType].join(
    "|",
  );
const sorted = (bs: AclBinding[]) => bs.map(key).sort();

describe("ACLs against a broker with an authorizer", () => {
  let admin: Admin;
  const principal = `User:${uniqueTopic("acl-user")}`;

  before(() => {
    admin = new Admin({ bootstrapServers: aclBootstrap() });
  });
  after(async () => {
    await admin.deleteAcls([{ principal }]).catch(() => {});
    await admin.close();
  });

  it("creates ACLs, finds them with filters, deletes them by filter, and they are gone", async () => {
    const topic = uniqueTopic("acl-topic");
    const prefix = topic.slice(0, topic.lastIndexOf("-"));
    const read: AclBinding = {
      resourceType: "TOPIC",
      resourceName: topic,
      patternType: "LITERAL",
      principal,
      host: "*",
      operation: "READ",
      permissionType: "ALLOW",
    };
    const write: AclBinding = { ...read, resourceName: prefix, patternType: "PREFIXED", operation: "WRITE" };
    const group: AclBinding = {
      ...read,
      resourceType: "GROUP",
      resourceName: "billing",
      host: "10.0.0.1",
      permissionType: "DENY",
    };
    await admin.createAcls([read, write, group]);

    await eventually(async () => {
      assert.deepEqual(sorted(await admin.describeAcls({ principal })), sorted([read, write, group]));
    });
    // MATCH finds the literal ACL and the prefixed one that covers the topic's name.
    assert.deepEqual(
      sorted(
        await admin.describeAcls({
          principal,
          resourceType: "TOPIC",
          resourceName: topic,
          patternType: "MATCH",
        }),
      ),
      sorted([read, write]),
    );
    assert.deepEqual(await admin.describeAcls({ principal, operation: "WRITE" }), [write]);
    assert.deepEqual(await admin.describeAcls({ principal, permissionType: "DENY" }), [group]);
    assert.deepEqual(await admin.describeAcls({ principal, host: "10.0.0.2" }), []);

    const deleted = await admin.deleteAcls([
      { principal, resourceType: "GROUP" },
      { principal, operation: "WRITE", patternType: "PREFIXED" },
    ]);
    assert.deepEqual(deleted.map((d) => d.deleted), [[group], [write]]);
    assert.deepEqual(deleted[0].filter, { principal, resourceType: "GROUP" });
    await eventually(async () => assert.deepEqual(await admin.describeAcls({ principal }), [read]));

    const [rest] = await admin.deleteAcls([{ principal }]);
    assert.deepEqual(rest.deleted, [read]);
    await eventually(async () => assert.deepEqual(await admin.describeAcls({ principal }), []));
    // A filter that matches nothing deletes nothing, and is not an error.
    const [none] = await admin.deleteAcls([{ principal }]);
    assert.deepEqual(none.deleted, []);
  });

  it("reports a rejected ACL on its own, next to the ones created", async () => {
    const ok: AclBinding = {
      resourceType: "TOPIC",
      resourceName: uniqueTopic("acl-ok"),
      patternType: "LITERAL",
      principal,
      host: "*",
      operation: "DESCRIBE",
      permissionType: "ALLOW",
    };
    // The cluster resource is always named "kafka-cluster"; the broker refuses any other name.
    const bad: AclBinding = { ...ok, resourceType: "CLUSTER", resourceName: "not-the-cluster" };
    let failure: unknown;
    try {
      await admin.createAcls([ok, bad]);
    } catch (e) {
      failure = e;
    }
    assert.ok(failure instanceof AdminBatchError, String(failure));
    assert.equal(failure.outcomes.get("0")?.ok, true);
    const o = failure.outcomes.get("1");
    assert.ok(o && !o.ok && o.error instanceof KafkaError, String(o));
    await eventually(async () => assert.deepEqual(await admin.describeAcls({ principal }), [ok]));
  });
});
