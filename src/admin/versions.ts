/**
 * What the brokers speak: the ApiVersions ranges per API, and the broker release inferred from them
 * (kafka-python's `check_version`).
 *
 * The rules ({@link VERSION_RULES}), newest first: a broker is at least the release of the first rule
 * whose API version it lists within its min..max range. Each rule names an API version that first shipped
 * in that release. Anything older that answers ApiVersions is 0.10.0. Kafka 3.4 changed no API that
 * brokers list to clients, so a 3.4 broker reads as 3.3; releases after 4.2 read as 4.2 until a rule for
 * them is added.
 */
import type { VersionRange } from "../client/connection.ts";
import { API_BY_KEY } from "../protocol/messages/index.ts";
import type { ApiVersionInfo, BrokerVersion } from "./types.ts";

/** One rule of {@link inferBrokerVersion}: brokers of `version` and later list `apiKey` at `apiVersion`. */
export interface VersionRule {
  /** The release, e.g. `[4, 1]`. */
  version: readonly number[];
  /** The API key that gives it away. */
  apiKey: number;
  /** The version of that API first shipped in the release. */
  apiVersion: number;
}

const rule = (version: readonly number[], apiKey: number, apiVersion: number): VersionRule => ({
  version,
  apiKey,
  apiVersion,
});

/** The rules of {@link inferBrokerVersion}, newest release first. */
export const VERSION_RULES: readonly VersionRule[] = [
  rule([4, 2], 8, 10), // OffsetCommit v10 (topic ids)
  rule([4, 1], 0, 13), // Produce v13 (topic ids)
  rule([4, 0], 3, 13), // Metadata v13
  rule([3, 9], 1, 17), // Fetch v17
  rule([3, 8], 0, 11), // Produce v11
  rule([3, 7], 1, 16), // Fetch v16
  rule([3, 6], 24, 4), // AddPartitionsToTxn v4
  rule([3, 5], 1, 15), // Fetch v15
  rule([3, 3], 29, 3), // DescribeAcls v3
  rule([3, 2], 11, 9), // JoinGroup v9
  rule([3, 1], 1, 13), // Fetch v13
  rule([3, 0], 2, 7), // ListOffsets v7
  rule([2, 8], 0, 9), // Produce v9
  rule([2, 7], 1, 12), // Fetch v12
  rule([2, 6], 48, 0), // DescribeClientQuotas v0
  rule([2, 5], 29, 2), // DescribeAcls v2
  rule([2, 4], 0, 8), // Produce v8
  rule([2, 3], 1, 11), // Fetch v11
  rule([2, 2], 2, 5), // ListOffsets v5
  rule([2, 1], 1, 10), // Fetch v10
  rule([2, 0], 1, 8), // Fetch v8
  rule([1, 1], 1, 7), // Fetch v7
  rule([1, 0], 3, 5), // Metadata v5
  rule([0, 11], 3, 4), // Metadata v4
  rule([0, 10, 2], 9, 2), // OffsetFetch v2
  rule([0, 10, 1], 3, 2), // Metadata v2
];

function apiName(key: number): string {
  return API_BY_KEY.get(key)?.name ?? `UNKNOWN_${key}`;
}

/** The oldest release consistent with a broker's ApiVersions ranges (see the rules above). */
export function inferBrokerVersion(ranges: ReadonlyMap<number, VersionRange>): BrokerVersion {
  for (const r of VERSION_RULES) {
    const range = ranges.get(r.apiKey);
    if (range && range.min <= r.apiVersion && r.apiVersion <= range.max) {
      return {
        version: r.version,
        text: r.version.join("."),
        evidence: `${apiName(r.apiKey)} v${r.apiVersion}`,
      };
    }
  }
  return { version: [0, 10, 0], text: "0.10.0", evidence: "ApiVersions answered" };
}

/** Compares release tuples. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Each API the broker lists, with this client's range and the version requests use. */
export function describeApiVersions(ranges: ReadonlyMap<number, VersionRange>): ApiVersionInfo[] {
  return [...ranges].sort((a, b) => a[0] - b[0]).map(([apiKey, range]) => {
    const api = API_BY_KEY.get(apiKey);
    const lo = api ? Math.max(api.minVersion, range.min) : 0;
    const hi = api ? Math.min(api.maxVersion, range.max) : -1;
    return {
      apiKey,
      name: apiName(apiKey),
      brokerMin: range.min,
      brokerMax: range.max,
      clientMin: api ? api.minVersion : null,
      clientMax: api ? api.maxVersion : null,
      negotiated: api && lo <= hi ? hi : null,
    };
  });
}
