/** Reading and changing topic and broker configuration (DescribeConfigs, IncrementalAlterConfigs). */
import { ERR, KafkaError } from "../protocol/errors.ts";
import {
  DescribeConfigs,
  type DescribeConfigsResourceResult,
} from "../protocol/messages/describe-configs.ts";
import { IncrementalAlterConfigs } from "../protocol/messages/incremental-alter-configs.ts";
import { groupBy, type Outcome, perGroup, runBatch, settle } from "./batch.ts";
import type { AdminContext } from "./context.ts";
import type {
  AlterConfigOpType,
  AlterConfigsOptions,
  ConfigChanges,
  ConfigDescription,
  ConfigEntry,
  ConfigResource,
  ConfigResourceType,
  ConfigSource,
  ConfigType,
  DescribeConfigsOptions,
} from "./types.ts";
import * as v from "./validate.ts";

const RESOURCE_CODES: Record<ConfigResourceType, number> = {
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
};
const RESOURCE_TYPES = Object.keys(RESOURCE_CODES) as ConfigResourceType[];
const SOURCES: readonly ConfigSource[] = [
  "UNKNOWN",
  "DYNAMIC_TOPIC_CONFIG",
  "DYNAMIC_BROKER_CONFIG",
  "DYNAMIC_DEFAULT_BROKER_CONFIG",
  "STATIC_BROKER_CONFIG",
  "DEFAULT_CONFIG",
  "DYNAMIC_BROKER_LOGGER_CONFIG",
  "CLIENT_METRICS_CONFIG",
  "GROUP_CONFIG",
];
const TYPES: readonly ConfigType[] = [
  "UNKNOWN",
  "BOOLEAN",
  "STRING",
  "INT",
  "SHORT",
  "LONG",
  "DOUBLE",
  "LIST",
  "CLASS",
  "PASSWORD",
];
const OPS: readonly AlterConfigOpType[] = ["SET", "DELETE", "APPEND", "SUBTRACT"];

/** The key of a resource in outcomes: `TYPE:name`, e.g. `TOPIC:events` or `BROKER:1`. */
export function resourceKey(r: ConfigResource): string {
  return `${r.type}:${r.name}`;
}

function checkResource(r: ConfigResource, field: string): ConfigResource {
  v.object(r, field);
  const type = v.oneOf(r.type, `${field}.type`, RESOURCE_TYPES);
  const name = type === "TOPIC" ? v.topicName(r.name, `${field}.name`) : v.string(r.name, `${field}.name`);
  if ((type === "BROKER" || type === "BROKER_LOGGER") && name !== "" && !/^\d+$/.test(name)) {
    throw new RangeError(`${field}.name must be a broker id (or "" for the cluster default), got ${name}`);
  }
  if (type === "BROKER_LOGGER" && name === "") {
    throw new RangeError(`${field}.name must be a broker id for BROKER_LOGGER`);
  }
  return { type, name };
}

/**
 * Where a resource's request goes, as in the Java client: a broker's own configuration to that broker
 * (only it knows its static settings and loggers), everything else to any broker.
 */
function target(r: ConfigResource): number | "any" {
  return (r.type === "BROKER" || r.type === "BROKER_LOGGER") && r.name !== "" ? Number(r.name) : "any";
}

/** The resource of the request that an answer is about (answers need not come in request order). */
function asked(rs: readonly ConfigResource[], code: number, name: string): ConfigResource | undefined {
  return rs.find((r) => RESOURCE_CODES[r.type] === code && r.name === name);
}

function source(code: number): ConfigSource {
  return SOURCES[code] ?? "UNKNOWN";
}

function entry(c: DescribeConfigsResourceResult): ConfigEntry {
  return {
    name: c.name,
    value: c.value,
    source: source(c.configSource),
    isDefault: c.configSource === 5,
    readOnly: c.readOnly,
    sensitive: c.isSensitive,
    type: TYPES[c.configType] ?? "UNKNOWN",
    documentation: c.documentation && c.documentation.length > 0 ? c.documentation : null,
    synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: source(s.source) })),
  };
}

const unknownTopicIsFinal = (e: Error): boolean =>
  e instanceof KafkaError && e.code === ERR.UNKNOWN_TOPIC_OR_PARTITION;

function resourceError(api: string, r: ConfigResource, code: number, message: string | null): KafkaError {
  const where = r.type === "TOPIC" ? { topic: r.name } : { groupId: r.type === "GROUP" ? r.name : undefined };
  const brokerMessage = r.type === "TOPIC" || r.type === "GROUP"
    ? message
    : `${resourceKey(r)}${message ? `: ${message}` : ""}`;
  return new KafkaError(code, { api, ...where, brokerMessage });
}

/** DescribeConfigs per resource; outcomes keyed `TYPE:name`. */
export async function describeConfigs(
  ctx: AdminContext,
  resources: readonly ConfigResource[],
  options: DescribeConfigsOptions = {},
): Promise<ConfigDescription[]> {
  const checked = v.nonEmptyArray(resources, "resources").map((r, i) => checkResource(r, `resources[${i}]`));
  v.unique(checked, resourceKey, "resources");
  const names = options.names === undefined
    ? null
    : v.array(options.names, "names").map((n, i) => v.nonEmptyString(n, `names[${i}]`));
  const includeSynonyms = v.optionalBool(options.includeSynonyms, "includeSynonyms", false);
  const includeDocumentation = v.optionalBool(options.includeDocumentation, "includeDocumentation", false);
  const outcomes = await runBatch(
    checked,
    resourceKey,
    (pending) =>
      perGroup(groupBy(pending, target), resourceKey, async (node, rs) => {
        const res = await ctx.send(node, DescribeConfigs, {
          resources: rs.map((r) => ({
            resourceType: RESOURCE_CODES[r.type],
            resourceName: r.name,
            configurationKeys: names,
          })),
          includeSynonyms,
          includeDocumentation,
        });
        const out = new Map<string, Outcome<ConfigDescription>>();
        for (const r of res.results) {
          const resource = asked(rs, r.resourceType, r.resourceName);
          if (!resource) continue;
          out.set(
            resourceKey(resource),
            r.errorCode === 0
              ? { ok: true, value: { resource, entries: r.configs.map(entry) } }
              : { ok: false, error: resourceError("DescribeConfigs", resource, r.errorCode, r.errorMessage) },
          );
        }
        return out;
      }),
    { ...ctx.retry, final: unknownTopicIsFinal },
  );
  return settle("describeConfigs", checked, resourceKey, outcomes);
}

/** IncrementalAlterConfigs per resource; outcomes keyed `TYPE:name`. */
export async function incrementalAlterConfigs(
  ctx: AdminContext,
  changes: readonly ConfigChanges[],
  options: AlterConfigsOptions = {},
): Promise<void> {
  const checked = v.nonEmptyArray(changes, "changes").map((c, i) => {
    const field = `changes[${i}]`;
    v.object(c, field);
    const resource = checkResource(c.resource, `${field}.resource`);
    const configs = v.nonEmptyArray(c.ops, `${field}.ops`).map((o, j) => {
      const f = `${field}.ops[${j}]`;
      v.object(o, f);
      const name = v.nonEmptyString(o.name, `${f}.name`);
      const op = v.oneOf(o.op, `${f}.op`, OPS);
      if (op === "DELETE") {
        if (o.value !== undefined && o.value !== null) {
          throw new TypeError(`${f}.value must be absent for DELETE`);
        }
        return { name, configOperation: 1, value: null };
      }
      return { name, configOperation: OPS.indexOf(op), value: v.string(o.value, `${f}.value`) };
    });
    return { resource, configs };
  });
  v.unique(checked, (c) => resourceKey(c.resource), "changes");
  const validateOnly = v.optionalBool(options.validateOnly, "validateOnly", false);
  const key = (c: (typeof checked)[number]) => resourceKey(c.resource);
  const outcomes = await runBatch(
    checked,
    key,
    (pending) =>
      perGroup(groupBy(pending, (c) => target(c.resource)), key, async (node, cs) => {
        const res = await ctx.send(node, IncrementalAlterConfigs, {
          resources: cs.map((c) => ({
            resourceType: RESOURCE_CODES[c.resource.type],
            resourceName: c.resource.name,
            configs: c.configs,
          })),
          validateOnly,
        });
        const out = new Map<string, Outcome<void>>();
        for (const r of res.responses) {
          const resource = asked(cs.map((c) => c.resource), r.resourceType, r.resourceName);
          if (!resource) continue;
          out.set(
            resourceKey(resource),
            r.errorCode === 0 ? { ok: true, value: undefined } : {
              ok: false,
              error: resourceError("IncrementalAlterConfigs", resource, r.errorCode, r.errorMessage),
            },
          );
        }
        return out;
      }),
    { ...ctx.retry, final: unknownTopicIsFinal },
  );
  settle("incrementalAlterConfigs", checked, key, outcomes);
}
