// Decompressing ahead of the reader, without a broker: fetched gzip batches go through a codec whose
// `decompressAsync` the test controls, into the consumer's fetch buffer, and out through `take` in order.
// What is held ahead stays within the budget and is all given back; a batch that does not come back in time,
// or fails, is decompressed by the reader; a corrupt batch is still reported as one.
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CompressionCodec, CompressionType, registerCodec } from "../../src/codec/compression.ts";
import { gzipCodec } from "../../src/codec/gzip.ts";
import { Chunk, FetchBuffer } from "../../src/consumer/fetch-buffer.ts";
import { AHEAD_CONCURRENCY, STALL_MS } from "../../src/consumer/inflate-ahead.ts";
import { SubscriptionState } from "../../src/consumer/subscription-state.ts";
import type { ConsumerRecord } from "../../src/consumer/types.ts";
import { CorruptRecordError, encodeRecordBatch } from "../../src/protocol/record-batch.ts";

const BATCHES = 40;
const PER_BATCH = 20;

/** A value that compresses, but not to nothing: each batch stays over the 1 KiB worth decompressing ahead. */
function value(i: number): Uint8Array {
  let seed = i * 2654435761 >>> 0;
  return Uint8Array.from({ length: 600 }, (_, j) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return j % 3 === 0 ? 97 + (seed >>> 28) : 32 + (j % 7);
  });
}

/** `BATCHES` gzip batches of `PER_BATCH` records, offsets from 0, as a Fetch answer carries them. */
function fetched(): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let b = 0; b < BATCHES; b++) {
    parts.push(encodeRecordBatch({
      baseOffset: BigInt(b * PER_BATCH),
      compression: CompressionType.gzip,
      records: Array.from(
        { length: PER_BATCH },
        (_, i) => ({ value: value(b * PER_BATCH + i), timestamp: 1 }),
      ),
    }));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** gzip with counted calls and a `decompressAsync` of the test's making. */
function codec(decompressAsync: (d: Uint8Array) => Promise<Uint8Array>) {
  const calls = { sync: 0, async: 0 };
  const c: CompressionCodec = {
    compress: gzipCodec.compress,
    decompress: (d) => {
      calls.sync++;
      return gzipCodec.decompress(d);
    },
    decompressAsync: (d) => {
      calls.async++;
      return decompressAsync(d);
    },
  };
  registerCodec(CompressionType.gzip, c);
  return calls;
}

/** The fetch buffer of a consumer of one partition at offset 0, with one chunk of `data` in it. */
function setUp(data: Uint8Array, aheadBytes: number) {
  let wakes = 0;
  let woken: (() => void) | undefined;
  const subs = new SubscriptionState(false);
  const [s] = subs.add([{ topic: "t", partition: 0 }]);
  subs.initPosition(s, 0n, -1);
  const buffer = new FetchBuffer(subs, () => {
    wakes++;
    woken?.();
  }, aheadBytes);
  buffer.push(new Chunk(s, s.epoch, data, 0n, false, null, true, buffer.ahead));
  /** Waits for a wake, or `ms`. */
  const wake = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      woken = () => {
        clearTimeout(t);
        resolve();
      };
    });
  return { buffer, wake, wakes: () => wakes };
}

/** Takes records until `want` are out (or 10 s pass), waiting for wakes as a reader does. */
async function readAll(
  buffer: FetchBuffer,
  wake: (ms: number) => Promise<void>,
  want: number,
  onTake?: () => void,
): Promise<ConsumerRecord<Uint8Array | null, Uint8Array | null>[]> {
  const out: ConsumerRecord<Uint8Array | null, Uint8Array | null>[] = [];
  const until = performance.now() + 10_000;
  while (out.length < want && performance.now() < until) {
    const before = out.length;
    buffer.take(out, before + 30, undefined, undefined, (e) => {
      throw e;
    });
    onTake?.();
    // Nothing to take: wait to be woken, as a reader does (the buffer does not call back otherwise).
    if (out.length === before) await wake(1000);
    else await Promise.resolve();
  }
  return out;
}

function assertInOrder(out: ConsumerRecord<Uint8Array | null, Uint8Array | null>[]): void {
  assert.equal(out.length, BATCHES * PER_BATCH);
  out.forEach((r, i) => {
    assert.equal(r.offset, BigInt(i));
    assert.deepEqual(r.value, value(i), `value of ${i}`);
  });
}

describe("decompressing ahead of the reader", () => {
  afterEach(() => registerCodec(CompressionType.gzip, gzipCodec));

  it("hands batches over in order, within the budget, and gives all of it back", async () => {
    const calls = codec(async (d) => {
      await new Promise((r) => setTimeout(r, 1));
      return gzipCodec.decompress(d);
    });
    const budget = 64 * 1024;
    const { buffer, wake } = setUp(fetched(), budget);
    let maxUsed = 0;
    let maxPending = 0;
    const watch = () => {
      maxUsed = Math.max(maxUsed, buffer.ahead.used);
      maxPending = Math.max(maxPending, buffer.ahead.pending);
    };
    const out = await readAll(buffer, wake, BATCHES * PER_BATCH, watch);
    assertInOrder(out);
    assert.ok(calls.async >= BATCHES - 1, `${calls.async} batches decompressed ahead`);
    assert.equal(calls.sync, 0, "the reader waited for them rather than decompress them again");
    // One batch is about 12 KB decompressed: the budget plus what the batches under way turn out to be.
    assert.ok(maxUsed <= budget + AHEAD_CONCURRENCY * 13_000, `held ${maxUsed} ahead`);
    assert.ok(maxPending <= AHEAD_CONCURRENCY, `${maxPending} under way`);
    assert.equal(buffer.ahead.used, 0);
    assert.equal(buffer.ahead.pending, 0);
  });

  it("a batch that does not come back within STALL_MS is decompressed by the reader", async () => {
    const calls = codec(() => new Promise<Uint8Array>(() => {}));
    const { buffer, wake, wakes } = setUp(fetched(), 1024 * 1024);
    const started = performance.now();
    const out = await readAll(buffer, wake, BATCHES * PER_BATCH);
    assertInOrder(out);
    assert.ok(calls.sync >= BATCHES, "the reader decompressed every batch itself");
    assert.ok(wakes() > 0, "the stall timer woke the reader");
    assert.ok(performance.now() - started >= STALL_MS, "it waited for the first batch under way first");
    assert.equal(buffer.ahead.used, 0);
  });

  it("a batch whose decompression fails is left to the reader", async () => {
    let n = 0;
    const calls = codec((d) =>
      n++ % 2 === 0 ? Promise.reject(new Error("no zlib today")) : Promise.resolve(gzipCodec.decompress(d))
    );
    const { buffer, wake } = setUp(fetched(), 1024 * 1024);
    const out = await readAll(buffer, wake, BATCHES * PER_BATCH);
    assertInOrder(out);
    assert.ok(calls.sync >= BATCHES / 2 - 1, `${calls.sync} decompressed by the reader`);
    assert.equal(buffer.ahead.used, 0);
    assert.equal(buffer.ahead.pending, 0);
  });

  it("a corrupt batch is reported as one, after the records before it", async () => {
    codec((d) => Promise.resolve(gzipCodec.decompress(d)));
    const data = fetched();
    // A byte inside the third batch's compressed records: its CRC no longer matches.
    let at = 0;
    for (let b = 0; b < 2; b++) at += 12 + new DataView(data.buffer).getInt32(at + 8);
    data[at + 100] ^= 0xff;
    const { buffer, wake } = setUp(data, 1024 * 1024);
    const out: ConsumerRecord<Uint8Array | null, Uint8Array | null>[] = [];
    let corrupt: Error | undefined;
    for (let i = 0; i < 50 && corrupt === undefined; i++) {
      buffer.take(out, 1000, undefined, undefined, (e) => (corrupt = e));
      if (corrupt === undefined) await wake(100);
    }
    assert.ok(corrupt instanceof CorruptRecordError, `got ${corrupt}`);
    assert.match(corrupt.message, /CRC/);
    assert.equal(out.length, 2 * PER_BATCH);
    await new Promise((r) => setTimeout(r, 20)); // what was under way settles into a dropped chunk
    assert.equal(buffer.ahead.used, 0);
    assert.equal(buffer.ahead.pending, 0);
  });

  it("the budget is the consumer's fetchBufferBytes, and at most 32 MiB", () => {
    const subs = new SubscriptionState(false);
    assert.equal(new FetchBuffer(subs, () => {}, 3_000_000).ahead.limit, 3_000_000);
    assert.equal(new FetchBuffer(subs, () => {}, 1 << 30).ahead.limit, 32 * 1024 * 1024);
  });

  it("clearing the buffer gives back what its chunks held ahead", async () => {
    codec((d) => Promise.resolve(gzipCodec.decompress(d)));
    const { buffer } = setUp(fetched(), 1024 * 1024);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(buffer.ahead.used > 0, "batches were decompressed ahead");
    buffer.clear();
    assert.equal(buffer.ahead.used, 0);
    assert.equal(buffer.ahead.pending, 0);
  });
});
