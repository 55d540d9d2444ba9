// The Worker that tests/workers/workerd.test.ts runs under workerd. It uses the client's Workers entry as a
// Worker would, driven by HTTP requests from the Node test:
//   POST /roundtrip  {topic, partitions, codec, groupId, records}: create the topic, produce the records
//                    with that codec, read them back in a consumer group; answer what was sent and read.
//   GET  /crc?size=N&rounds=R: time R CRC32C computations over N bytes inside workerd.
//   GET  /adapter: how the Workers socket adapter fails, one named case at a time.
//   GET  /tls-echo?host=H&port=P[&serverName=N]: a TLS round trip through the adapter to an echo server.
import {
  Admin,
  Consumer,
  type ConsumerRecord,
  defaultAdapter,
  detectRuntime,
  initCrc32c,
  Producer,
  type TlsOptions,
} from "../../workers.ts";
import { crc32c } from "../../src/codec/crc32c.ts";
import { gzipCodec } from "../../src/codec/gzip.ts";
import {
  fromBase64,
  type RoundTripRequest,
  type RoundTripResult,
  toBase64,
  type WireRecord,
} from "./wire.ts";

interface Env {
  KAFKA_BOOTSTRAP: string;
}

/** Reading gives up when no record arrives for this long, instead of waiting forever. */
const STALL_MS = 20_000;

async function roundTrip(env: Env, req: RoundTripRequest): Promise<RoundTripResult> {
  const bootstrapServers = env.KAFKA_BOOTSTRAP;
  const admin = new Admin({ bootstrapServers, clientId: "workerd-test" });
  try {
    await admin.createTopics([{ name: req.topic, numPartitions: req.partitions, replicationFactor: 1 }]);
    // A new topic's leaders may refuse writes for a moment; ListOffsets retries until each one answers.
    await admin.listOffsets(
      Array.from(
        { length: req.partitions },
        (_, partition) => ({ topic: req.topic, partition, spec: "latest" as const }),
      ),
    );
  } finally {
    await admin.close();
  }

  const producer = new Producer({
    bootstrapServers,
    clientId: "workerd-test",
    compression: req.codec,
    lingerMs: 5,
  });
  let sent;
  try {
    // All at once, so that records of one partition share batches and the codec really compresses.
    sent = await Promise.all(req.records.map((r) =>
      producer.send({
        topic: req.topic,
        partition: r.partition,
        key: r.key === null ? null : fromBase64(r.key),
        value: r.value === null ? null : fromBase64(r.value),
        headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : fromBase64(h.value) })),
      })
    ));
  } finally {
    await producer.close();
  }

  const consumer = new Consumer({
    bootstrapServers,
    clientId: "workerd-test",
    groupId: req.groupId,
    autoOffsetReset: "earliest",
    enableAutoCommit: false,
  });
  const read: WireRecord[] = [];
  try {
    consumer.subscribe([req.topic]);
    let last = Date.now();
    while (read.length < req.records.length && Date.now() - last < STALL_MS) {
      const batch: ConsumerRecord[] = await consumer.poll(1000);
      if (batch.length > 0) last = Date.now();
      for (const r of batch) read.push(toWire(r));
    }
    await consumer.commit();
  } finally {
    await consumer.close();
  }
  return {
    runtime: detectRuntime(),
    nativeGzip: {
      compress: gzipCodec.compressAsync !== undefined,
      decompress: gzipCodec.decompressAsync !== undefined,
    },
    sent: sent.map((m) => ({ partition: m.partition, offset: String(m.offset) })),
    read,
  };
}

function toWire(r: ConsumerRecord): WireRecord {
  return {
    partition: r.partition,
    offset: String(r.offset),
    key: r.key === null ? null : toBase64(r.key),
    value: r.value === null ? null : toBase64(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: h.value === null ? null : toBase64(h.value) })),
  };
}

/** workerd's clock moves only across I/O, so each reading follows a turn of the event loop. */
function tick(): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(Date.now()), 0));
}

async function crcSpeed(
  size: number,
  rounds: number,
): Promise<{ mbPerS: number; ms: number; check: number }> {
  const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
  // Loads the WebAssembly CRC32C where the bundle has one; crc32c() falls back to JavaScript otherwise.
  await initCrc32c().catch(() => {});
  let check = 0;
  const t0 = await tick();
  for (let i = 0; i < rounds; i++) check ^= crc32c(data);
  const ms = (await tick()) - t0;
  return { mbPerS: ms > 0 ? (size * rounds) / 1e6 / (ms / 1000) : Infinity, ms, check: check >>> 0 };
}

/** The error a promise rejected with, by name and message, or `"resolved"`. */
async function outcome(p: Promise<unknown>): Promise<{ name: string; message: string; retriable?: boolean }> {
  try {
    const value = await p;
    if (value && typeof value === "object" && "close" in value) {
      await (value as { close(): Promise<void> }).close();
    }
    return { name: "resolved", message: "" };
  } catch (e) {
    const err = e as Error & { retriable?: boolean };
    return { name: err.name, message: err.message, retriable: err.retriable };
  }
}

async function adapterCases(env: Env): Promise<Record<string, unknown>> {
  const adapter = await defaultAdapter();
  const [host, port] = [env.KAFKA_BOOTSTRAP.split(":")[0], Number(env.KAFKA_BOOTSTRAP.split(":")[1])];
  const tls = (t: TlsOptions) => outcome(adapter.connect({ host, port, tls: t }));
  const aborted = new AbortController();
  aborted.abort(new Error("given up"));
  const admin = new Admin({
    bootstrapServers: env.KAFKA_BOOTSTRAP,
    tls: {},
    retries: 0,
    connectTimeoutMs: 5000,
  });
  return {
    ca: await tls({ ca: "-----BEGIN CERTIFICATE-----" }),
    cert: await tls({ cert: "-----BEGIN CERTIFICATE-----", key: "-----BEGIN PRIVATE KEY-----" }),
    noVerify: await tls({ rejectUnauthorized: false }),
    refused: await outcome(adapter.connect({ host: "127.0.0.1", port: 1 })),
    aborted: await outcome(adapter.connect({ host, port, signal: aborted.signal })),
    plaintext: await outcome(adapter.connect({ host, port })),
    // TLS to a plaintext listener: the handshake fails, and the call says so rather than hanging.
    tlsToPlaintext: await outcome(admin.listTopics().finally(() => admin.close())),
  };
}

/** Writes a few bytes over TLS and reads them back; answers the echo or the error. */
async function tlsEcho(host: string, port: number, serverName?: string): Promise<Response> {
  try {
    const sock = await (await defaultAdapter()).connect({
      host,
      port,
      tls: serverName ? { serverName } : {},
    });
    try {
      await sock.write(new TextEncoder().encode("ping over tls"));
      const { value } = await sock.readable.getReader().read();
      return Response.json({ echo: new TextDecoder().decode(value) });
    } finally {
      await sock.close();
    }
  } catch (e) {
    const err = e as Error & { retriable?: boolean };
    return Response.json({ name: err.name, message: err.message, retriable: err.retriable });
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (request.method === "POST" && url.pathname === "/roundtrip") {
        return Response.json(await roundTrip(env, await request.json() as RoundTripRequest));
      }
      if (url.pathname === "/adapter") return Response.json(await adapterCases(env));
      if (url.pathname === "/tls-echo") {
        const q = url.searchParams;
        return await tlsEcho(q.get("host")!, Number(q.get("port")), q.get("serverName") ?? undefined);
      }
      if (url.pathname === "/crc") {
        const size = Number(url.searchParams.get("size") ?? 1024);
        const rounds = Number(url.searchParams.get("rounds") ?? 1000);
        return Response.json(await crcSpeed(size, rounds));
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      const err = e as Error;
      return new Response(`${err.name}: ${err.message}\n${err.stack ?? ""}`, { status: 500 });
    }
  },
};
