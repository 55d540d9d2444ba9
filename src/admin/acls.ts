/** ACLs: describe, create and delete (DescribeAcls, CreateAcls, DeleteAcls), sent to any broker. */
import { KafkaError } from "../protocol/errors.ts";
import { CreateAcls } from "../protocol/messages/create-acls.ts";
import { DeleteAcls } from "../protocol/messages/delete-acls.ts";
import { DescribeAcls } from "../protocol/messages/describe-acls.ts";
import { type Outcome, runBatch, settle } from "./batch.ts";
import type { AdminContext } from "./context.ts";
import type {
  AclBinding,
  AclBindingFilter,
  AclOperation,
  AclPatternType,
  AclPermissionType,
  AclResourceType,
  DeletedAcls,
} from "./types.ts";
import * as v from "./validate.ts";

// Kafka's codes, in the order of its enums (0 is UNKNOWN).
const RESOURCE_TYPES = [
  "UNKNOWN",
  "ANY",
  "TOPIC",
  "GROUP",
  "CLUSTER",
  "TRANSACTIONAL_ID",
  "DELEGATION_TOKEN",
  "USER",
] as const satisfies readonly AclResourceType[];
const PATTERN_TYPES = [
  "UNKNOWN",
  "ANY",
  "MATCH",
  "LITERAL",
  "PREFIXED",
] as const satisfies readonly AclPatternType[];
const OPERATIONS = [
  "UNKNOWN",
  "ANY",
  "ALL",
  "READ",
  "WRITE",
  "CREATE",
  "DELETE",
  "ALTER",
  "DESCRIBE",
  "CLUSTER_ACTION",
  "DESCRIBE_CONFIGS",
  "ALTER_CONFIGS",
  "IDEMPOTENT_WRITE",
  "CREATE_TOKENS",
  "DESCRIBE_TOKENS",
  "TWO_PHASE_COMMIT",
] as const satisfies readonly AclOperation[];
const PERMISSIONS = ["UNKNOWN", "ANY", "DENY", "ALLOW"] as const satisfies readonly AclPermissionType[];

function code<T extends string>(table: readonly T[], value: T): number {
  return table.indexOf(value);
}

function name<T extends string>(table: readonly T[], c: number): T {
  return table[c] ?? table[0];
}

function binding(
  r: { resourceType: number; resourceName: string; patternType: number },
  a: { principal: string; host: string; operation: number; permissionType: number },
): AclBinding {
  return {
    resourceType: name(RESOURCE_TYPES, r.resourceType) as AclBinding["resourceType"],
    resourceName: r.resourceName,
    patternType: name(PATTERN_TYPES, r.patternType) as AclBinding["patternType"],
    principal: a.principal,
    host: a.host,
    operation: name(OPERATIONS, a.operation) as AclBinding["operation"],
    permissionType: name(PERMISSIONS, a.permissionType) as AclBinding["permissionType"],
  };
}

/** Checks one ACL to create and turns it into the wire form. */
export function checkBinding(b: AclBinding, field: string): {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
} {
  v.object(b, field);
  const concrete = <T extends string>(table: readonly T[], x: unknown, f: string, not: readonly string[]) =>
    v.oneOf(x, f, table.filter((t) => !not.includes(t)));
  return {
    resourceType: code(
      RESOURCE_TYPES,
      concrete(RESOURCE_TYPES, b.resourceType, `${field}.resourceType`, ["UNKNOWN", "ANY"]),
    ),
    resourceName: v.nonEmptyString(b.resourceName, `${field}.resourceName`),
    resourcePatternType: code(
      PATTERN_TYPES,
      concrete(PATTERN_TYPES, b.patternType, `${field}.patternType`, ["UNKNOWN", "ANY", "MATCH"]),
    ),
    principal: checkPrincipal(b.principal, `${field}.principal`),
    host: v.nonEmptyString(b.host, `${field}.host`),
    operation: code(OPERATIONS, concrete(OPERATIONS, b.operation, `${field}.operation`, ["UNKNOWN", "ANY"])),
    permissionType: code(
      PERMISSIONS,
      concrete(PERMISSIONS, b.permissionType, `${field}.permissionType`, ["UNKNOWN", "ANY"]),
    ),
  };
}

function checkPrincipal(p: unknown, field: string): string {
  const s = v.nonEmptyString(p, field);
  if (!/^[^:]+:.*$/.test(s)) {
    throw new RangeError(`${field} must look like "User:name", got ${JSON.stringify(s)}`);
  }
  return s;
}

/** Checks a filter and turns it into the wire form (absent fields match anything). */
export function checkFilter(f: AclBindingFilter, field: string): {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
} {
  v.object(f, field);
  const pick = <T extends string>(table: readonly T[], x: unknown, f2: string) =>
    code(table, x === undefined ? ("ANY" as T) : v.oneOf(x, f2, table.filter((t) => t !== "UNKNOWN")));
  const optStr = (x: unknown, f2: string) => (x === undefined || x === null ? null : v.string(x, f2));
  return {
    resourceTypeFilter: pick(RESOURCE_TYPES, f.resourceType, `${field}.resourceType`),
    resourceNameFilter: optStr(f.resourceName, `${field}.resourceName`),
    patternTypeFilter: pick(PATTERN_TYPES, f.patternType, `${field}.patternType`),
    principalFilter: f.principal === undefined || f.principal === null
      ? null
      : checkPrincipal(f.principal, `${field}.principal`),
    hostFilter: optStr(f.host, `${field}.host`),
    operation: pick(OPERATIONS, f.operation, `${field}.operation`),
    permissionType: pick(PERMISSIONS, f.permissionType, `${field}.permissionType`),
  };
}

/** DescribeAcls: the ACLs that match `filter`; an error rejects with that KafkaError. */
export async function describeAcls(ctx: AdminContext, filter: AclBindingFilter = {}): Promise<AclBinding[]> {
  const req = checkFilter(filter, "filter");
  return await ctx.retried(async () => {
    const res = await ctx.send("any", DescribeAcls, req);
    if (res.errorCode !== 0) {
      throw new KafkaError(res.errorCode, { api: "DescribeAcls", brokerMessage: res.errorMessage });
    }
    return res.resources.flatMap((r) => r.acls.map((a) => binding(r, a)));
  });
}

/** CreateAcls; outcomes keyed by the ACL's index in `acls`. */
export async function createAcls(ctx: AdminContext, acls: readonly AclBinding[]): Promise<void> {
  const checked = v.nonEmptyArray(acls, "acls").map((b, i) => ({ i, wire: checkBinding(b, `acls[${i}]`) }));
  const key = (c: { i: number }) => String(c.i);
  const outcomes = await runBatch(checked, key, async (pending) => {
    const res = await ctx.send("any", CreateAcls, { creations: pending.map((c) => c.wire) });
    // One result per creation, in request order.
    return new Map(pending.map((c, j): [string, Outcome<void>] => {
      const r = res.results[j];
      if (!r) return [key(c), { ok: false, error: new Error(`CreateAcls: no result for acls[${c.i}]`) }];
      return [
        key(c),
        r.errorCode === 0 ? { ok: true, value: undefined } : {
          ok: false,
          error: new KafkaError(r.errorCode, { api: "CreateAcls", brokerMessage: r.errorMessage }),
        },
      ];
    }));
  }, ctx.retry);
  settle("createAcls", checked, key, outcomes);
}

/** DeleteAcls; one result per filter, outcomes keyed by the filter's index. */
export async function deleteAcls(
  ctx: AdminContext,
  filters: readonly AclBindingFilter[],
): Promise<DeletedAcls[]> {
  const checked = v.nonEmptyArray(filters, "filters").map((f, i) => ({
    i,
    filter: f,
    wire: checkFilter(f, `filters[${i}]`),
  }));
  const key = (c: { i: number }) => String(c.i);
  const outcomes = await runBatch(checked, key, async (pending) => {
    const res = await ctx.send("any", DeleteAcls, { filters: pending.map((c) => c.wire) });
    return new Map(pending.map((c, j): [string, Outcome<DeletedAcls>] => {
      const r = res.filterResults[j];
      if (!r) return [key(c), { ok: false, error: new Error(`DeleteAcls: no result for filters[${c.i}]`) }];
      const failed = r.errorCode !== 0 ? r : r.matchingAcls.find((m) => m.errorCode !== 0);
      if (failed) {
        const error = new KafkaError(failed.errorCode, {
          api: "DeleteAcls",
          brokerMessage: failed.errorMessage,
        });
        return [key(c), { ok: false, error }];
      }
      return [key(c), {
        ok: true,
        value: { filter: c.filter, deleted: r.matchingAcls.map((m) => binding(m, m)) },
      }];
    }));
  }, ctx.retry);
  return settle("deleteAcls", checked, key, outcomes);
}
