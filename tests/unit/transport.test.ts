// Each runtime's default socket adapter and the Connection's failure paths, against small local TCP peers.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { defaultAdapter, detectRuntime } from "../../src/transport/runtime.ts";
import { ConnectionError, type Socket, type SocketAdapter } from "../../src/transport/socket.ts";
import { Connection } from "../../src/client/connection.ts";
import { MalformedResponseError } from "../../src/protocol/reader.ts";
import { RequestTimeoutError } from "../../src/client/errors.ts";

const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

function listen(onConn: (s: net.Socket) => void): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer(onConn);
    servers.push(srv);
    srv.listen(0, "127.0.0.1", () => resolve((srv.address() as net.AddressInfo).port));
  });
}

async function readAll(sock: Socket, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let have = 0;
  const reader = sock.readable.getReader();
  while (have < n) {
    const { value, done } = await reader.read();
    if (done) break;
    out.set(value, have);
    have += value.length;
  }
  reader.releaseLock();
  assert.equal(have, n);
  return out;
}

describe(`socket adapter (${detectRuntime()})`, () => {
  it("echoes 4 MiB written in pieces, byte for byte", async () => {
    const port = await listen((s) => s.pipe(s));
    const sock = await (await defaultAdapter()).connect({ host: "127.0.0.1", port });
    const data = new Uint8Array(4 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    const reading = readAll(sock, data.length);
    for (let off = 0; off < data.length; off += 300_000) await sock.write(data.subarray(off, off + 300_000));
    const back = await reading;
    assert.ok(back.every((b, i) => b === data[i]), "echoed bytes differ");
    await sock.close();
    await sock.closed;
  });

  it("writev sends the pieces of each call in order, interleaved with plain writes", async () => {
    const port = await listen((s) => s.pipe(s));
    const sock = await (await defaultAdapter()).connect({ host: "127.0.0.1", port });
    assert.equal(typeof sock.writev, "function", "the runtime's adapter gathers pieces");
    const data = new Uint8Array(3 * 1024 * 1024 + 17);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 10)) & 0xff;
    const reading = readAll(sock, data.length);
    const writes: Promise<void>[] = [];
    // Uneven pieces, some tiny, some larger than a socket buffer, without waiting between calls.
    let off = 0;
    for (let call = 0; off < data.length; call++) {
      if (call % 3 === 2) {
        writes.push(sock.write(data.subarray(off, off + 5000)));
        off += 5000;
        continue;
      }
      const pieces: Uint8Array[] = [];
      for (const size of [3, 400_000, 1, 70_000, 250_000]) {
        pieces.push(data.subarray(off, off + size));
        off += size;
      }
      writes.push(sock.writev!(pieces));
    }
    await Promise.all(writes);
    const back = await reading;
    assert.ok(back.every((b, i) => b === data[i]), "echoed bytes differ");
    await sock.close();
  });

  it("refused connections fail with ConnectionError", async () => {
    const port = await listen(() => {});
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    await assert.rejects((await defaultAdapter()).connect({ host: "127.0.0.1", port }), ConnectionError);
  });

  it("the readable ends when the peer closes", async () => {
    const port = await listen((s) => s.end("bye"));
    const sock = await (await defaultAdapter()).connect({ host: "127.0.0.1", port });
    const reader = sock.readable.getReader();
    const chunks: number[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(...value);
    }
    assert.equal(new TextDecoder().decode(Uint8Array.from(chunks)), "bye");
    await sock.closed;
  });
});

describe("Connection failure paths", () => {
  it("fails, not hangs, when the peer closes in the middle of a response", async () => {
    const port = await listen((s) =>
      s.once("data", () => {
        // A frame that promises 100 bytes, then only 6 of them.
        s.end(Uint8Array.from([0, 0, 0, 100, 0, 0, 0, 0, 1, 2]));
      })
    );
    const adapter = await defaultAdapter();
    await assert.rejects(
      Connection.connect({ host: "127.0.0.1", port, adapter, connectTimeoutMs: 5000 }),
      (e: Error) => e instanceof ConnectionError && /middle of a response/.test(e.message),
    );
  });

  it("a frame with an unknown correlation id fails the connection with MalformedResponseError", async () => {
    const port = await listen((s) =>
      s.once("data", () => s.write(Uint8Array.from([0, 0, 0, 4, 0, 0, 0x30, 0x39])))
    );
    const adapter = await defaultAdapter();
    await assert.rejects(
      Connection.connect({ host: "127.0.0.1", port, adapter, connectTimeoutMs: 5000 }),
      (e: Error) => e instanceof MalformedResponseError && /correlation id 12345/.test(e.message),
    );
  });

  it("a negative frame size is treated as corrupt", async () => {
    const port = await listen((s) =>
      s.once("data", () => s.write(Uint8Array.from([0xff, 0xff, 0xff, 0xf0])))
    );
    const adapter = await defaultAdapter();
    await assert.rejects(
      Connection.connect({ host: "127.0.0.1", port, adapter, connectTimeoutMs: 5000 }),
      (e: Error) => e instanceof MalformedResponseError && /frame of -16 bytes/.test(e.message),
    );
  });

  it("a broker that never answers times out within the connect timeout", async () => {
    const port = await listen(() => {});
    const adapter = await defaultAdapter();
    const t0 = performance.now();
    await assert.rejects(
      Connection.connect({ host: "127.0.0.1", port, adapter, connectTimeoutMs: 300 }),
      RequestTimeoutError,
    );
    assert.ok(performance.now() - t0 < 5000, "gave up long after the timeout");
  });

  it("a user adapter that never connects is aborted by the connect timeout", async () => {
    let aborted = false;
    const stuck: SocketAdapter = {
      connect: (o) =>
        new Promise<Socket>((_, reject) =>
          o.signal?.addEventListener("abort", () => {
            aborted = true;
            reject(o.signal!.reason);
          })
        ),
    };
    await assert.rejects(
      Connection.connect({ host: "192.0.2.1", port: 9092, adapter: stuck, connectTimeoutMs: 200 }),
      (e: Error) => e instanceof ConnectionError && /timed out after 200 ms/.test(e.message),
    );
    assert.ok(aborted, "the adapter saw the abort signal");
  });
});
