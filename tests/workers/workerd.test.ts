// The client inside Cloudflare's workerd, headless, against the real broker: tests/workers/worker.ts
// (bundled from the Workers entry as a Worker's build would) creates a topic, produces with each codec and
// reads back in a consumer group; every record is checked here, and again by reading the topic from Node.
// examples/cloudflare-worker runs in the same workerd. Run once with Node, on the single-node broker.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";
import { Admin, Consumer } from "../../mod.ts";
import { crc32c, initCrc32c } from "../../src/codec/crc32c.ts";
import type { CompressionName } from "../../src/codec/compression.ts";
import { bootstrap } from "../helpers/broker.ts";
import { bundle, removeBundles } from "./bundle.ts";
import { startWorkerd, type Workerd } from "./workerd.ts";
import { type RoundTripRequest, type RoundTripResult, toBase64, type WireRecord } from "./wire.ts";

const CONDITIONS = ["workerd", "worker", "browser"];
/** The codecs the Worker produces and reads back with. */
const CODECS: CompressionName[] = ["none", "gzip", "snappy", "lz4", "zstd"];
const PARTITIONS = 3;
const RECORDS = 60;

const text = (s: string) => toBase64(new TextEncoder().encode(s));

/** Records with every shape a record can have: null and empty keys and values, binary bytes, headers. */
function makeRecords(codec: string): WireRecord[] {
  return Array.from({ length: RECORDS }, (_, i) => ({
    partition: i % PARTITIONS,
    key: i % 10 === 3 ? null : text(i % 10 === 4 ? "" : `key-${codec}-${i}`),
    value: i % 10 === 5 ? null : i % 10 === 6
      // 20 KB that does not compress: an uncompressed batch of it is large enough to go out in pieces
      // (Socket.writev), and a gzip one to be compressed and decompressed through workerd's zlib.
      ? toBase64(noise(i, 20_000))
      : text(`value ${i} with ${codec} `.repeat(1 + (i % 4))),
    headers: i % 3 === 0 ? [] : [
      { key: "n", value: text(String(i)) },
      { key: "null-header", value: null },
      { key: "n", value: text("repeated key") },
    ],
  }));
}

/** Bytes from a linear congruential generator seeded with `seed`. */
function noise(seed: number, length: number): Uint8Array {
  let x = seed >>> 0;
  return Uint8Array.from({ length }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
}

let workerd: Workerd;
/** A TLS echo server whose certificate (for localhost) only the Workers' trust store is given. */
let echoServer: tls.Server;
let echoPort: number;
const broker = bootstrap();
const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

before(async () => {
  const test = bundle("tests/workers/worker.ts", { conditions: CONDITIONS });
  const example = bundle("examples/cloudflare-worker/worker.ts", { conditions: CONDITIONS });
  const { cert, key } = selfSignedCert(test.dir);
  echoServer = tls.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (s) => s.pipe(s));
  await new Promise<void>((resolve) => echoServer.listen(0, "127.0.0.1", resolve));
  echoPort = (echoServer.address() as AddressInfo).port;
  workerd = await startWorkerd(
    [
      { name: "test", bundle: test, env: { KAFKA_BOOTSTRAP: broker } },
      { name: "example", bundle: example, env: { KAFKA_BOOTSTRAP: broker } },
    ],
    test.dir,
    cert,
  );
});
after(async () => {
  await workerd?.stop();
  echoServer?.close();
  removeBundles();
});

/** A certificate for localhost, made with openssl for this run. */
function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, "localhost.pem");
  const key = join(dir, "localhost.key");
  const r = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost",
    "-keyout",
    key,
    "-out",
    cert,
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, `openssl could not make a test certificate: ${r.error?.message ?? r.stderr}`);
  return { cert, key };
}

async function call(worker: string, path: string, init?: RequestInit): Promise<Response> {
  // A Worker that never answers fails the test instead of holding it.
  const res = await fetch(`${workerd.urls.get(worker)}${path}`, {
    ...init,
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) assert.fail(`${worker} ${path}: HTTP ${res.status}: ${await res.text()}\n${workerd.log()}`);
  return res;
}

/** Reads `count` records of `topic` from Node with the default entry, to check what the Worker wrote. */
async function readFromNode(topic: string, count: number): Promise<WireRecord[]> {
  const consumer = new Consumer({ bootstrapServers: broker, autoOffsetReset: "earliest" });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
  const out: WireRecord[] = [];
  try {
    let idle = 0;
    while (out.length < count && idle < 20) {
      const batch = await consumer.poll(1000);
      idle = batch.length === 0 ? idle + 1 : 0;
      for (const r of batch) {
        out.push({
          partition: r.partition,
          offset: String(r.offset),
          key: r.key === null ? null : toBase64(r.key),
          value: r.value === null ? null : toBase64(r.value),
          headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : toBase64(h.value) })),
        });
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

const byPosition = (a: WireRecord, b: WireRecord) =>
  a.partition - b.partition || Number(BigInt(a.offset!) - BigInt(b.offset!));

describe("client under workerd", () => {
  for (const codec of CODECS) {
    it(`creates a topic, produces with ${codec} and reads back in a consumer group`, async () => {
      const records = makeRecords(codec);
      const req: RoundTripRequest = {
        topic: `workerd-${codec}-${stamp}`,
        partitions: PARTITIONS,
        codec,
        groupId: `workerd-${codec}-${stamp}`,
        records,
      };
      const res = await call("test", "/roundtrip", { method: "POST", body: JSON.stringify(req) });
      const result = await res.json() as RoundTripResult;
      assert.equal(result.runtime, "workerd");
      assert.deepEqual(result.nativeGzip, { compress: true, decompress: true });

      // Each partition got consecutive offsets from 0, in the order the records were sent.
      assert.equal(result.sent.length, RECORDS);
      const next = new Map<number, bigint>();
      const expected: WireRecord[] = records.map((r, i) => {
        const meta = result.sent[i];
        assert.equal(meta.partition, r.partition, `record ${i} partition`);
        const offset = next.get(r.partition) ?? 0n;
        assert.equal(BigInt(meta.offset), offset, `record ${i} offset`);
        next.set(r.partition, offset + 1n);
        return { ...r, offset: meta.offset };
      }).sort(byPosition);

      // What the consumer group read in the Worker, record for record.
      assert.deepEqual([...result.read].sort(byPosition), expected);
      // And what is on the broker, read from Node.
      assert.deepEqual((await readFromNode(req.topic, RECORDS)).sort(byPosition), expected);
    });
  }

  it("refuses TLS options Workers cannot honour by name, and fails connections it cannot make", async () => {
    const cases = await (await call("test", "/adapter")).json() as Record<
      string,
      { name: string; message: string; retriable?: boolean }
    >;
    for (
      const [name, option] of [["ca", "tls.ca"], ["cert", "tls.cert"], ["noVerify", "tls.rejectUnauthorized"]]
    ) {
      assert.equal(cases[name].name, "TlsError", name);
      assert.equal(cases[name].retriable, false, name);
      assert.ok(cases[name].message.startsWith(`${option}`), cases[name].message);
    }
    assert.equal(cases.refused.name, "ConnectionError");
    assert.equal(cases.refused.retriable, true);
    assert.deepEqual(cases.aborted, { name: "Error", message: "given up" });
    assert.equal(cases.plaintext.name, "resolved");
    // A handshake that fails is a TlsError (not retried), not a refused connection.
    assert.equal(cases.tlsToPlaintext.name, "TlsError", cases.tlsToPlaintext.message);
  });

  it("speaks TLS through startTls, verifying the certificate against the host or tls.serverName", async () => {
    const echo = async (query: string) => await (await call("test", `/tls-echo?${query}`)).json();
    assert.deepEqual(await echo(`host=localhost&port=${echoPort}`), { echo: "ping over tls" });
    // Connected by address, verified against the name the certificate carries.
    assert.deepEqual(await echo(`host=127.0.0.1&port=${echoPort}&serverName=localhost`), {
      echo: "ping over tls",
    });
    // By address alone, or against another name, the certificate does not match: a TlsError, not retried.
    for (
      const q of [`host=127.0.0.1&port=${echoPort}`, `host=localhost&port=${echoPort}&serverName=other.test`]
    ) {
      const failed = await echo(q) as { name: string; retriable: boolean };
      assert.equal(failed.name, "TlsError", q);
      assert.equal(failed.retriable, false, q);
    }
  });

  it("computes CRC32C inside workerd as Node does (and reports its speed)", async (t) => {
    await initCrc32c();
    for (const size of [1024, 16384]) {
      const one = await (await call("test", `/crc?size=${size}&rounds=1`)).json() as { check: number };
      const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
      assert.equal(one.check, crc32c(data), `${size} bytes`);
      const rounds = size === 1024 ? 20_000 : 2_000;
      const speed = await (await call("test", `/crc?size=${size}&rounds=${rounds}`)).json() as {
        mbPerS: number;
      };
      t.diagnostic(`CRC32C in workerd, ${size} B: ${Math.round(speed.mbPerS)} MB/s`);
    }
  });

  it("runs examples/cloudflare-worker: produces the request body and reads it back", async () => {
    const topic = `workerd-example-${stamp}`;
    const admin = new Admin({ bootstrapServers: broker });
    try {
      await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
      await admin.listOffsets([{ topic, partition: 0, spec: "latest" }]);
    } finally {
      await admin.close();
    }
    const bodies = ["first", "second", "third"];
    const offsets: string[] = [];
    for (const body of bodies) {
      const res = await call("example", `/produce?topic=${topic}`, { method: "POST", body });
      const { partition, offset } = await res.json() as { partition: number; offset: string };
      assert.equal(partition, 0);
      offsets.push(offset);
    }
    assert.deepEqual(offsets, ["0", "1", "2"]);
    const res = await call("example", `/recent?topic=${topic}&count=2`);
    const recent = await res.json() as { offset: string; value: string }[];
    assert.deepEqual(recent, [{ offset: "1", value: "second" }, { offset: "2", value: "third" }]);
  });
});
