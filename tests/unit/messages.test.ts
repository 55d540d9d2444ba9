import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";
import { Writer } from "../../src/protocol/writer.ts";
import { MalformedResponseError, Reader } from "../../src/protocol/reader.ts";
import {
  ALL_APIS,
  API_BY_KEY,
  ApiVersions,
  Fetch,
  Metadata,
  type MetadataResponse,
} from "../../src/protocol/messages/index.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
/** Hex with spaces and line breaks allowed, for laying out golden bytes field by field. */
const bytes = (h: string) => {
  const s = h.replace(/\s+/g, "");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
};
const ascii = (s: string) => hex(new TextEncoder().encode(s));

function encode<Req>(api: { encodeRequest(w: Writer, r: Req, v: number): void }, req: Req, v: number) {
  const w = new Writer(8);
  api.encodeRequest(w, req, v);
  return hex(w.finish());
}

// The golden bytes below are laid out by hand from the protocol's field order
// (https://kafka.apache.org/protocol.html and the message definitions), not captured from the encoder.

describe("ApiVersions request", () => {
  it("v0-v2 have an empty body", () => {
    for (const v of [0, 1, 2]) assert.equal(encode(ApiVersions, {}, v), "");
  });

  it("v3 encodes the client software name and version as compact strings", () => {
    const expected = [
      "09" + ascii("kafka-ts"), // ClientSoftwareName: uvarint(8 + 1), then the UTF-8 bytes
      "06" + ascii("0.1.0"), // ClientSoftwareVersion: uvarint(5 + 1), then the bytes
      "00", // no tagged fields
    ].join("");
    assert.equal(expected, "096b61666b612d747306302e312e3000");
    assert.equal(
      encode(ApiVersions, { clientSoftwareName: "kafka-ts", clientSoftwareVersion: "0.1.0" }, 3),
      expected,
    );
  });

  it("v4 has the same layout as v3", () => {
    const req = { clientSoftwareName: "kafka-ts", clientSoftwareVersion: "0.1.0" };
    assert.equal(encode(ApiVersions, req, 4), "096b61666b612d747306302e312e3000");
  });

  it("omitted software name and version are written as empty strings", () => {
    assert.equal(encode(ApiVersions, {}, 3), "010100");
  });
});

describe("Metadata request", () => {
  const topicId2 = "AAAAAAAAAAAAAAAAAAAAAQ"; // 15 zero bytes then 0x01, URL-safe base64

  it("v13 with two topics", () => {
    const expected = bytes(`
      03                                  -- Topics: compact array, uvarint(2 + 1)
        00000000000000000000000000000000  --   [0].TopicId: omitted, so the zero UUID
        04 666f6f                         --   [0].Name: compact string "foo"
        00                                --   [0] tagged fields: none
        00000000000000000000000000000001  --   [1].TopicId
        04 626172                         --   [1].Name: "bar"
        00                                --   [1] tagged fields
      00                                  -- AllowAutoTopicCreation: false
                                          -- IncludeClusterAuthorizedOperations: only in v8-v10
      01                                  -- IncludeTopicAuthorizedOperations: true
      00                                  -- tagged fields
    `.replace(/--.*$/gm, ""));
    const req = {
      topics: [{ name: "foo" }, { topicId: topicId2, name: "bar" }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
    };
    assert.equal(Metadata.maxVersion, 13);
    assert.equal(encode(Metadata, req, 13), hex(expected));
  });

  it("v12 has the same body as v13", () => {
    const req = { topics: [{ name: "foo" }], allowAutoTopicCreation: true };
    const expected = "02" + "00".repeat(16) + "04666f6f00" + "01" + "00" + "00";
    assert.equal(encode(Metadata, req, 12), expected);
    assert.equal(encode(Metadata, req, 13), expected);
  });

  it("null topics means all topics; defaults fill the optional fields", () => {
    // Topics null: compact length 0; AllowAutoTopicCreation default true; topic operations default false.
    assert.equal(encode(Metadata, { topics: null }, 13), "00" + "01" + "00" + "00");
    // v4 (not flexible): int32 length -1, then AllowAutoTopicCreation; no tagged fields.
    assert.equal(encode(Metadata, { topics: null }, 4), "ffffffff" + "01");
  });

  it("v0 uses an int32 array length and int16 string lengths", () => {
    assert.equal(encode(Metadata, { topics: [{ name: "foo" }] }, 0), "00000001" + "0003666f6f");
  });

  it("v8-v10 carry IncludeClusterAuthorizedOperations", () => {
    const req = {
      topics: [],
      includeClusterAuthorizedOperations: true,
      includeTopicAuthorizedOperations: true,
    };
    // v8: int32 array length 0, AllowAutoTopicCreation, IncludeCluster..., IncludeTopic...
    assert.equal(encode(Metadata, req, 8), "00000000" + "01" + "01" + "01");
    // v10: TopicId appears only inside topics; compact length uvarint(0 + 1); tagged fields at the end.
    assert.equal(encode(Metadata, req, 10), "01" + "01" + "01" + "01" + "00");
  });
});

describe("Fetch request", () => {
  it("v12 writes the nested topics and a tagged ClusterId", () => {
    const expected = bytes(`
      ffffffff          -- ReplicaId (v0-v14): omitted, default -1
      000001f4          -- MaxWaitMs 500
      00000001          -- MinBytes 1
      00100000          -- MaxBytes 1048576
      01                -- IsolationLevel 1 (read committed)
      00000000          -- SessionId: default 0
      ffffffff          -- SessionEpoch: default -1
      02                -- Topics: compact array of 1
        04 666f6f       --   Topic "foo" (v0-v12)
        02              --   Partitions: compact array of 1
          00000000      --     Partition 0
          ffffffff      --     CurrentLeaderEpoch: default -1
          000000000000002a -- FetchOffset 42
          ffffffff      --     LastFetchedEpoch: default -1
          ffffffffffffffff -- LogStartOffset: default -1
          00010000      --     PartitionMaxBytes 65536
          00            --     tagged fields (ReplicaDirectoryId is v17+, HighWatermark v18+)
        00              --   topic tagged fields
      01                -- ForgottenTopicsData: empty compact array
      01                -- RackId: default ""
      01                -- tagged fields: one
        00 02 0263      --   tag 0 (ClusterId), 2 bytes: compact string "c"
    `.replace(/--.*$/gm, ""));
    const req = {
      clusterId: "c",
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 1,
      topics: [{ topic: "foo", partitions: [{ partition: 0, fetchOffset: 42n, partitionMaxBytes: 65536 }] }],
    };
    assert.equal(encode(Fetch, req, 12), hex(expected));
  });

  it("leaves out a tagged field at its default", () => {
    const req = { maxWaitMs: 0, minBytes: 0, maxBytes: 0, isolationLevel: 0, topics: [], clusterId: null };
    const out = encode(Fetch, req, 12);
    assert.ok(out.endsWith("01" + "01" + "01" + "00"), out); // ..., Forgotten, RackId, no tagged fields
  });
});

describe("ApiVersions response", () => {
  it("decodes v3 with tagged fields and skips an unknown tag", () => {
    const body = bytes(`
      0000                      -- ErrorCode 0
      03                        -- ApiKeys: compact array of 2
        0000 0003 000d 00       --   Produce 3-13, no tagged fields
        0012 0000 0004 00       --   ApiVersions 0-4
      00000064                  -- ThrottleTimeMs 100
      03                        -- tagged fields: three
        00 14                   --   tag 0 SupportedFeatures, 20 bytes:
          02                    --     compact array of 1
          0e ${ascii("kraft.version")} -- Name (13 bytes)
          0000 0001 00          --     MinVersion 0, MaxVersion 1, no tagged fields
        01 08 0000000000000005  --   tag 1 FinalizedFeaturesEpoch 5
        07 02 abcd              --   tag 7: unknown, skipped
    `.replace(/--.*$/gm, ""));
    const r = new Reader(body);
    const res = ApiVersions.decodeResponse(r, 3);
    assert.equal(r.remaining, 0);
    assert.deepEqual(res, {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 3, maxVersion: 13 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 100,
      supportedFeatures: [{ name: "kraft.version", minVersion: 0, maxVersion: 1 }],
      finalizedFeaturesEpoch: 5n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
  });

  it("decodes v0 and fills the fields it lacks with defaults", () => {
    const r = new Reader(bytes("0023 00000001 0012 0000 0003"));
    const res = ApiVersions.decodeResponse(r, 0);
    assert.equal(res.errorCode, 35);
    assert.deepEqual(res.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 3 }]);
    assert.equal(res.throttleTimeMs, 0);
    assert.equal(res.finalizedFeaturesEpoch, -1n);
    assert.deepEqual(res.supportedFeatures, []);
  });

  it("uses response header v0 at every version", () => {
    for (let v = ApiVersions.minVersion; v <= ApiVersions.maxVersion; v++) {
      assert.equal(ApiVersions.responseHeaderVersion(v), 0);
      assert.equal(ApiVersions.requestHeaderVersion(v), v >= 3 ? 2 : 1);
    }
  });
});

describe("Metadata response", () => {
  const body = bytes(`
    00000000                  -- ThrottleTimeMs 0
    02                        -- Brokers: compact array of 1
      00000001                --   NodeId 1
      0a ${ascii("localhost")} --  Host
      00002384                --   Port 9092
      00                      --   Rack: null
      00                      --   tagged fields
    04 616263                 -- ClusterId "abc"
    00000001                  -- ControllerId 1
    02                        -- Topics: compact array of 1
      0000                    --   ErrorCode 0
      04 666f6f               --   Name "foo"
      00000000000000000000000000000001 -- TopicId
      00                      --   IsInternal false
      02                      --   Partitions: compact array of 1
        0000                  --     ErrorCode 0
        00000000              --     PartitionIndex 0
        00000001              --     LeaderId 1
        00000005              --     LeaderEpoch 5
        02 00000001           --     ReplicaNodes [1]
        02 00000001           --     IsrNodes [1]
        01                    --     OfflineReplicas []
        00                    --     tagged fields
      80000000                --   TopicAuthorizedOperations: INT32_MIN (not requested)
      00                      --   tagged fields
    00                        -- tagged fields (no ClusterAuthorizedOperations in v12, no ErrorCode before v13)
  `.replace(/--.*$/gm, ""));

  const expected: MetadataResponse = {
    throttleTimeMs: 0,
    brokers: [{ nodeId: 1, host: "localhost", port: 9092, rack: null }],
    clusterId: "abc",
    controllerId: 1,
    topics: [{
      errorCode: 0,
      name: "foo",
      topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
      isInternal: false,
      partitions: [{
        errorCode: 0,
        partitionIndex: 0,
        leaderId: 1,
        leaderEpoch: 5,
        replicaNodes: [1],
        isrNodes: [1],
        offlineReplicas: [],
      }],
      topicAuthorizedOperations: -2147483648,
    }],
    clusterAuthorizedOperations: -2147483648,
    errorCode: 0,
  };

  it("decodes v12", () => {
    const r = new Reader(body);
    assert.deepEqual(Metadata.decodeResponse(r, 12), expected);
    assert.equal(r.remaining, 0);
  });

  it("decodes v13 with the top-level ErrorCode before the tagged fields", () => {
    const v13 = new Uint8Array(body.length + 2);
    v13.set(body.subarray(0, body.length - 1));
    v13.set([0x00, 0x29, 0x00], body.length - 1); // ErrorCode 41, tagged fields
    const r = new Reader(v13);
    assert.deepEqual(Metadata.decodeResponse(r, 13), { ...expected, errorCode: 41 });
    assert.equal(r.remaining, 0);
  });

  it("fails on truncated data with MalformedResponseError", () => {
    for (const cut of [1, 10, body.length - 1]) {
      assert.throws(
        () => Metadata.decodeResponse(new Reader(body.subarray(0, cut)), 12),
        MalformedResponseError,
      );
    }
  });

  it("rejects a null where the schema allows none", () => {
    // Brokers is not nullable: compact length 0 means null.
    assert.throws(
      () => Metadata.decodeResponse(new Reader(bytes("00000000 00")), 12),
      (e: unknown) => e instanceof MalformedResponseError && /brokers/.test(e.message),
    );
  });
});

describe("descriptors", () => {
  it("reject versions outside their range", () => {
    assert.throws(() => encode(Metadata, { topics: null }, 14), RangeError);
    assert.throws(
      () => encode(Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, isolationLevel: 0, topics: [] }, 3),
      RangeError,
    );
    assert.throws(() => Metadata.decodeResponse(new Reader(new Uint8Array(0)), -1), RangeError);
  });

  it("choose header versions from the flexible versions", () => {
    assert.equal(Metadata.flexibleFrom, 9);
    assert.equal(Metadata.requestHeaderVersion(8), 1);
    assert.equal(Metadata.requestHeaderVersion(9), 2);
    assert.equal(Metadata.responseHeaderVersion(8), 0);
    assert.equal(Metadata.responseHeaderVersion(9), 1);
  });

  it("are indexed by API key", () => {
    assert.equal(API_BY_KEY.size, ALL_APIS.length);
    assert.equal(API_BY_KEY.get(3), Metadata);
    assert.equal(API_BY_KEY.get(18), ApiVersions);
    assert.equal(API_BY_KEY.get(1), Fetch);
    for (
      const name of ["Produce", "ListOffsets", "CreateTopics", "DeleteTopics", "OffsetCommit", "JoinGroup"]
    ) {
      assert.ok(ALL_APIS.some((a) => a.name === name), name);
    }
  });
});

// The version ranges must match the message definitions the modules were generated from. They ship in the
// kafka-clients jar, which the broker script fetches into .kafka/lib; Maven's cache is the fallback.
function findJar(): string | null {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const lib = join(root, ".kafka", "lib");
  if (existsSync(lib)) {
    const jar = readdirSync(lib).find((n) => /^kafka-clients-[\d.]+\.jar$/.test(n));
    if (jar) return join(lib, jar);
  }
  const m2 = join(homedir(), ".m2/repository/org/apache/kafka/kafka-clients/4.3.0/kafka-clients-4.3.0.jar");
  return existsSync(m2) ? m2 : null;
}

/** Drops `//` comments outside strings (the definitions are JSON with comments). */
function stripComments(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|\/\/[^\n]*/g, (m) => (m.startsWith('"') ? m : ""));
}

describe("generated descriptors match Kafka's message definitions", () => {
  const jar = findJar();
  it("version ranges, flexible versions and the set of APIs", () => {
    assert.ok(jar, "kafka-clients jar not found: run scripts/kafka fetch");
    const files = unzipSync(new Uint8Array(readFileSync(jar as string)), {
      filter: (f) => f.name.startsWith("common/message/") && f.name.endsWith("Request.json"),
    });
    const requests = Object.values(files)
      .map((d) => JSON.parse(stripComments(new TextDecoder().decode(d))))
      .filter((m) => m.type === "request" && (m.listeners ?? []).includes("broker"));
    assert.equal(ALL_APIS.length, requests.length);
    for (const m of requests) {
      const api = API_BY_KEY.get(m.apiKey);
      assert.ok(api, `${m.name} (key ${m.apiKey}) has no descriptor`);
      assert.equal(`${api.name}Request`, m.name);
      const [lo, hi] = String(m.validVersions).split("-").map(Number);
      assert.equal(api.minVersion, lo, `${m.name} minVersion`);
      assert.equal(api.maxVersion, hi ?? lo, `${m.name} maxVersion`);
      const flex = /^(\d+)\+$/.exec(m.flexibleVersions ?? "none");
      assert.equal(api.flexibleFrom, flex ? Number(flex[1]) : Infinity, `${m.name} flexibleFrom`);
    }
  });
});
