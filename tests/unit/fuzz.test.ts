// Decoders fed truncated, mutated and random frames (seeded) end in a result or a clear error: never a
// crash, a hang or a read out of range. scripts/fuzz.ts runs the same generator over a million frames.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ALL_APIS, API_BY_KEY } from "../../src/protocol/messages/index.ts";
import { MalformedResponseError } from "../../src/protocol/reader.ts";
import { crc32cReady, initCrc32c } from "../../src/codec/crc32c.ts";
import { Connection } from "../../src/client/connection.ts";
import type { Socket, SocketAdapter } from "../../src/transport/socket.ts";
import { Metadata } from "../../src/protocol/messages/metadata.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { decodeFrame, fixtures, fromHex, fuzz, isClearError, prng } from "../helpers/fuzz.ts";

describe("decoders under bad input", () => {
  it("has captured frames of the foundation APIs", () => {
    const names = new Set(fixtures.map((f) => f.api));
    for (
      const api of [
        "ApiVersions",
        "Metadata",
        "CreateTopics",
        "Produce",
        "Fetch",
        "ListOffsets",
        "DeleteTopics",
      ]
    ) {
      assert.ok(names.has(api), `a captured ${api} frame`);
    }
  });

  for (const f of fixtures) {
    const api = API_BY_KEY.get(f.key)!;
    const frame = fromHex(f.response);

    it(`${f.api} v${f.version}: the captured response decodes and uses every byte`, async () => {
      if (!crc32cReady()) await initCrc32c();
      const r = decodeFrame(api, f.version, frame);
      assert.equal(r.remaining, 0);
    });

    it(`${f.api} v${f.version}: every truncation is a clear error`, async () => {
      if (!crc32cReady()) await initCrc32c();
      for (let len = 0; len < frame.length; len++) {
        assert.throws(
          () => decodeFrame(api, f.version, frame.subarray(0, len)),
          (e: unknown) => isClearError(e),
          `${f.api} v${f.version} cut to ${len} of ${frame.length} bytes`,
        );
      }
    });

    it(`${f.api} v${f.version}: 2,000 mutated copies decode or fail clearly`, async () => {
      if (!crc32cReady()) await initCrc32c();
      const rand = prng(f.key * 1000 + f.version);
      for (let i = 0; i < 2000; i++) {
        const copy = frame.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let j = 0; j < flips; j++) {
          copy[4 + Math.floor(rand() * (copy.length - 4))] = Math.floor(rand() * 256);
        }
        try {
          decodeFrame(api, f.version, copy);
        } catch (e) {
          if (!isClearError(e)) assert.fail(`${f.api} v${f.version} mutation ${i}: ${(e as Error).stack}`);
        }
      }
    });
  }

  it("30,000 frames of the mixed generator (seed 1) decode or fail clearly", async () => {
    if (!crc32cReady()) await initCrc32c();
    const r = fuzz(1, 30_000);
    assert.deepEqual(r.bugs, []);
    assert.equal(r.decoded + r.failedClearly, 30_000);
  });

  it("random frames for every API and version decode or fail clearly", () => {
    const rand = prng(7);
    let decoded = 0;
    let failed = 0;
    for (const api of ALL_APIS) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        for (let i = 0; i < 40; i++) {
          const bytes = Uint8Array.from(
            { length: 4 + Math.floor(rand() * 96) },
            () => Math.floor(rand() * 256),
          );
          // Small numbers are where real frames live: bias some bytes to zero so decoding gets further.
          for (let j = 0; j < bytes.length; j++) if (rand() < 0.5) bytes[j] = 0;
          try {
            decodeFrame(api, v, bytes);
            decoded++;
          } catch (e) {
            if (!isClearError(e)) assert.fail(`${api.name} v${v} random frame ${i}: ${(e as Error).stack}`);
            failed++;
          }
        }
      }
    }
    assert.ok(failed > 0 && decoded + failed > 10_000, `${decoded} decoded, ${failed} failed`);
  });
});

describe("a connection fed a corrupt answer", () => {
  it("fails the request with MalformedResponseError and closes", async () => {
    const apiVersions = fixtures.find((f) => f.api === "ApiVersions")!;
    const answer = fromHex(apiVersions.response);
    const rand = prng(99);
    // An in-memory broker: a real ApiVersions answer, then garbage for whatever comes next.
    const adapter: SocketAdapter = {
      connect(): Promise<Socket> {
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        let resolveClosed!: () => void;
        const closed = new Promise<void>((r) => (resolveClosed = r));
        const readable = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
        let n = 0;
        return Promise.resolve({
          readable,
          write(bytes: Uint8Array): Promise<void> {
            const correlationId = new DataView(bytes.buffer, bytes.byteOffset).getInt32(8);
            const body = n++ === 0
              ? answer.slice(4)
              : Uint8Array.from({ length: 40 }, () => Math.floor(rand() * 256));
            const w = new Writer();
            w.int32(body.length + 4).int32(correlationId).raw(body);
            controller.enqueue(w.finish());
            return Promise.resolve();
          },
          close(): Promise<void> {
            resolveClosed();
            return closed;
          },
          closed,
        });
      },
    };
    const conn = await Connection.connect({ host: "in-memory", port: 1, adapter });
    await assert.rejects(
      conn.send(Metadata, { topics: null }, { version: 12 }),
      (e: unknown) => e instanceof MalformedResponseError,
    );
    await conn.closed;
    assert.equal(conn.isClosed, true);
  });
});
