/** Group options with defaults filled in and bad values refused by name. */
import { resolveAssignor } from "./assignors/index.ts";
import type { Assignor, GroupOptions } from "./types.ts";

/** Every option with its value. */
export interface ResolvedGroupOptions {
  groupId: string;
  groupInstanceId: string | null;
  groupProtocol: "classic" | "consumer";
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  assignors: Assignor[];
  /** True when every assignor is cooperative (the Java client's rule); eager otherwise. */
  cooperative: boolean;
  groupRemoteAssignor: string | null;
  rackId: string | null;
  metadataMaxAgeMs: number;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name}: expected a positive integer, got ${v}`);
  return v;
}

/** Fills defaults (those of the Java client) and checks types. */
export function resolveGroupOptions(o: GroupOptions): ResolvedGroupOptions {
  if (typeof o?.groupId !== "string" || o.groupId === "") {
    throw new TypeError("groupId: expected a non-empty string");
  }
  if (
    o.groupInstanceId !== undefined && (typeof o.groupInstanceId !== "string" || o.groupInstanceId === "")
  ) {
    throw new TypeError("groupInstanceId: expected a non-empty string");
  }
  const protocol = o.groupProtocol ?? "classic";
  if (protocol !== "classic" && protocol !== "consumer") {
    throw new TypeError(`groupProtocol: expected "classic" or "consumer", got ${JSON.stringify(protocol)}`);
  }
  const maxPollIntervalMs = positive("maxPollIntervalMs", o.maxPollIntervalMs, 300_000);
  const strategies = o.partitionAssignmentStrategy ?? ["range", "cooperative-sticky"];
  if (!Array.isArray(strategies) || strategies.length === 0) {
    throw new TypeError("partitionAssignmentStrategy: expected a non-empty array");
  }
  const assignors = strategies.map(resolveAssignor);
  return {
    groupId: o.groupId,
    groupInstanceId: o.groupInstanceId ?? null,
    groupProtocol: protocol,
    sessionTimeoutMs: positive("sessionTimeoutMs", o.sessionTimeoutMs, 45_000),
    rebalanceTimeoutMs: positive("rebalanceTimeoutMs", o.rebalanceTimeoutMs, maxPollIntervalMs),
    heartbeatIntervalMs: positive("heartbeatIntervalMs", o.heartbeatIntervalMs, 3_000),
    maxPollIntervalMs,
    assignors,
    cooperative: assignors.every((a) => a.protocol === "cooperative"),
    groupRemoteAssignor: o.groupRemoteAssignor ?? null,
    rackId: o.rackId ?? null,
    metadataMaxAgeMs: positive("metadataMaxAgeMs", o.metadataMaxAgeMs, 300_000),
  };
}
