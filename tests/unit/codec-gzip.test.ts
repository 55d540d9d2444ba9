// gzip: fflate and node:zlib (installed by the Node, Deno and Bun set-up) read each other's output, keep the
// trailer's limit, and hand back plain Uint8Arrays.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync, gzipSync } from "fflate";
import { defaultAdapter, detectRuntime } from "../../src/transport/runtime.ts";
import { createGzipCodec, type GzipBinding, gzipCodec, useGzipBinding } from "../../src/codec/gzip.ts";

/**
 * The binding the runtime set-up installed (the module is loaded once). Asked for only after the test that
 * the set-up installs it: importing the module installs it too.
 */
async function installed(): Promise<GzipBinding> {
  return (await import("../../src/transport/gzip-zlib.ts")).zlibGzipBinding;
}

/** Half text, half noise: compresses, but not to nothing. */
function sample(n: number): Uint8Array {
  const text = '{"user":12345,"event":"page_view","path":"/products/42"}';
  const out = new Uint8Array(n);
  let seed = 11;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = (seed >>> 24) < 128 ? seed & 0xff : text.charCodeAt(i % text.length);
  }
  return out;
}

describe("gzip codec", () => {
  it("reads fflate's output and writes what fflate reads, at any size", async () => {
    await defaultAdapter(); // the runtime set-up done, as before any client's first batch
    for (const n of [0, 1, 100, 4096, 300_000]) {
      const data = sample(n);
      assert.deepEqual(gzipCodec.decompress(gzipSync(data, { level: 6 })), data, `decompress ${n}`);
      assert.deepEqual(gunzipSync(gzipCodec.compress(data)), data, `compress ${n}`);
      const level1 = createGzipCodec(1);
      assert.deepEqual(gunzipSync(level1.compress(data)), data, `compress level 1, ${n}`);
    }
  });

  it("goes through node:zlib once the runtime's adapter is loaded, and gives plain Uint8Arrays", async () => {
    await defaultAdapter();
    const data = sample(50_000);
    const packed = gzipCodec.compress(data);
    const unpacked = gzipCodec.decompress(packed);
    assert.equal(Object.getPrototypeOf(packed), Uint8Array.prototype);
    assert.equal(Object.getPrototypeOf(unpacked), Uint8Array.prototype);
    const zlib = await import("node:zlib");
    assert.deepEqual(packed, new Uint8Array(zlib.gzipSync(data, { level: 6 })));
    assert.notDeepEqual(packed, gzipSync(data, { level: 6, mtime: 0 }), "fflate writes other bytes");
    // Node and Deno read on the reader's turn, zlib there being quicker than a stream ahead of it.
    assert.equal(typeof gzipCodec.decompressAsync, detectRuntime() === "bun" ? "function" : "undefined");
  });

  it("compresses off the JavaScript thread: zlib's thread pool on Node, CompressionStream on Bun", async () => {
    await defaultAdapter();
    const runtime = detectRuntime();
    if (runtime === "deno") {
      // Deno's stream compresses on the JavaScript thread, slower than its node:zlib there.
      assert.equal(gzipCodec.compressAsync, undefined);
      return;
    }
    const data = sample(100_000);
    assert.deepEqual(gunzipSync(await gzipCodec.compressAsync!(data)), data);
    // Which path it is: take the stream away.
    const stream = globalThis.CompressionStream;
    globalThis.CompressionStream = class {
      constructor() {
        throw new Error("no CompressionStream");
      }
    } as unknown as typeof CompressionStream;
    try {
      // A throw or a rejection: the producer takes either as the asynchronous path failing.
      const packed = (async () => await gzipCodec.compressAsync!(data))();
      if (runtime === "node") assert.deepEqual(gunzipSync(await packed), data);
      else await assert.rejects(packed, /no CompressionStream/);
    } finally {
      globalThis.CompressionStream = stream;
    }
  });

  it("refuses data that inflates past what its trailer declares, on every path", async () => {
    await defaultAdapter();
    const packed = gzipSync(sample(20_000), { level: 6 });
    const n = packed.length;
    // Declare 1,000 bytes: small enough to pass the ratio check, too small for the data.
    const short = packed.slice();
    short.set([0xe8, 0x03, 0, 0], n - 4);
    // Declare 30,000: more than the data gives.
    const long = packed.slice();
    long.set([0x30, 0x75, 0, 0], n - 4);
    const nodeBinding = await installed();
    // zlib's checks, then fflate's, as on a runtime without the binding.
    const fflate = (d: Uint8Array) => {
      useGzipBinding(undefined);
      try {
        return gzipCodec.decompress(d);
      } finally {
        useGzipBinding(nodeBinding);
      }
    };
    for (const decompress of [gzipCodec.decompress, fflate]) {
      assert.throws(() => decompress(short), /inflates|larger|Cannot create|buffer/i);
      assert.throws(() => decompress(long), /inflates|unexpected end|incorrect|check/i);
      assert.deepEqual(decompress(packed), sample(20_000));
    }
  });

  it("falls back to fflate without a binding", async () => {
    await defaultAdapter();
    const nodeBinding = await installed();
    const data = sample(50_000);
    const packed = gzipCodec.compress(data);
    useGzipBinding(undefined);
    try {
      assert.deepEqual(gzipCodec.compress(data), gzipSync(data, { level: 6, mtime: 0 }));
      assert.deepEqual(gzipCodec.decompress(packed), data);
    } finally {
      useGzipBinding(nodeBinding);
    }
  });
});
