/**
 * What the brokers speak: the ApiVersions ranges per API, and the broker release inferred from them
 * (kafka-python's `check_version`).
 *
 * The rules, newest first: a broker is at least the release of the first rule whose API version it lists
 * (within its min..max range). Each rule names an API version that first shipped in that release:
 *
 * | release | evidence                  | | release | evidence                 |
 * | ------- | ------------------------- |-| ------- | ------------------------ |
 * | 4.2     | OffsetCommit v10 (key 8)  | | 2.7     | Fetch v12                |
 * | 4.1     | Produce v13 (key 0)       | | 2.6     | DescribeClientQuotas v0  |
 * | 4.0     | Metadata v13 (key 3)      | | 2.5     | DescribeAcls v2          |
 * | 3.9     | Fetch v17 (key 1)         | | 2.4     | Produce v8               |
 * | 3.8     | Produce v11               | | 2.3     | Fetch v11                |
 * | 3.7     | Fetch v16                 | | 2.2     | ListOffsets v5           |
 * | 3.6     | AddPartitionsToTxn v4     | | 2.1     | Fetch v10                |
 * | 3.5     | Fetch v15                 | | 2.0     | Fetch v8                 |
 * | 3.3     | DescribeAcls v3           | | 1.1     | Fetch v7                 |
 * | 3.2     | JoinGroup v9              | | 1.0     | Metadata v5              |
 * | 3.1     | Fetch v13                 | | 0.11    | Metadata v4              |
 * | 3.0     | ListOffsets v7            | | 0.10.2  | OffsetFetch v2           |
 * | 2.8     | Produce v9                | | 0.10.1  | Metadata v2              |
 *
 * Anything older that answers ApiVersions is 0.10.0. 3.4 changed no API that brokers list to clients,
 * so a 3.4 broker reads as 3.3; releases after 4.2 read as 4.2 until a rule for them is added.
 */
import type { VersionRange } from "../client/connection.ts";
import { API_BY_KEY } from "../protocol/messages/index.ts";
import type { ApiVersionInfo, BrokerVersion } from "./types.ts";

interface Rule {
  version: readonly number[];
  apiKey: number;
  apiVersion: number;
}

const rule = (version: readonly number[], apiKey: number, apiVersion: number): Rule => ({
  version,
  apiKey,
  apiVersion,
});

/** The rules of {@link inferBrokerVersion}, newest release first. */
export const VERSION_RULES: readonly Rule[] = [
  rule([4, 2], 8, 10),
  rule([4, 1], 0, 13),
  rule([4, 0], 3, 13),
  rule([3, 9], 1, 17),
  rule([3, 8], 0, 11),
  rule([3, 7], 1, 16),
  rule([3, 6], 24, 4),
  rule([3, 5], 1, 15),
  rule([3, 3], 29, 3),
  rule([3, 2], 11, 9),
  rule([3, 1], 1, 13),
  rule([3, 0], 2, 7),
  rule([2, 8], 0, 9),
  rule([2, 7], 1, 12),
  rule([2, 6], 48, 0),
  rule([2, 5], 29, 2),
  rule([2, 4], 0, 8),
  rule([2, 3], 1, 11),
  rule([2, 2], 2, 5),
  rule([2, 1], 1, 10),
  rule([2, 0], 1, 8),
  rule([1, 1], 1, 7),
  rule([1, 0], 3, 5),
  rule([0, 11], 3, 4),
  rule([0, 10, 2], 9, 2),
  rule([0, 10, 1], 3, 2),
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
