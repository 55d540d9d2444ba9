// Decoder fuzzing shared by tests/unit/fuzz.test.ts (a slice, in CI) and scripts/fuzz.ts (a million frames):
// captured response frames mutated and truncated, and random frames for every API and version, from a
// seeded generator so that any failure names the seed and frame that reproduce it.
import { readdirSync, readFileSync } from "node:fs";
import { ALL_APIS, API_BY_KEY } from "../../src/protocol/messages/index.ts";
import type { ApiDescriptor } from "../../src/protocol/messages/api.ts";
import { MalformedResponseError, Reader } from "../../src/protocol/reader.ts";
import { CorruptRecordError, decodeRecordBatches } from "../../src/protocol/record-batch.ts";
import { UnsupportedCompressionError } from "../../src/codec/compression.ts";

/** A small seeded generator (mulberry32), so a failure names a seed that reproduces it. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fromHex = (h: string): Uint8Array =>
  Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

/** A request/response pair captured from a real broker. */
export interface Fixture {
  api: string;
  key: number;
  version: number;
  request: string;
  response: string;
}

const dir = new URL("../fixtures/frames/", import.meta.url);
/** Every captured frame, by file name. */
export const fixtures: Fixture[] = readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")));

/** Decodes a response frame (correlation id, header, body) as the connection does. */
export function decodeFrame(
  api: ApiDescriptor<unknown, unknown>,
  version: number,
  frame: Uint8Array,
): Reader {
  const r = new Reader(frame);
  r.int32();
  if (api.responseHeaderVersion(version) >= 1) r.taggedFields();
  const res = api.decodeResponse(r, version) as {
    responses?: { partitions?: { records?: Uint8Array | null }[] }[];
  };
  // Fetch answers carry record batches: decode those too.
  for (const t of res.responses ?? []) {
    for (const p of t.partitions ?? []) if (p.records) decodeRecordBatches(p.records);
  }
  return r;
}

/** The errors a bad frame may end in: anything else (a RangeError, a TypeError) is a decoder bug. */
export function isClearError(e: unknown): boolean {
  return e instanceof MalformedResponseError || e instanceof CorruptRecordError ||
    e instanceof UnsupportedCompressionError;
}

/** What a fuzzing run found. */
export interface FuzzResult {
  frames: number;
  decoded: number;
  failedClearly: number;
  /** Frames that ended in anything but a result or a clear error: `frame <n>: <stack>`. */
  bugs: string[];
}

/**
 * Feeds `frames` frames to the decoders: in turn a captured frame with 1-4 bytes mutated, a captured frame
 * cut short, and a random frame (half its bytes zero) for a random API and version. CRC32C must be loaded.
 */
export function fuzz(seed: number, frames: number): FuzzResult {
  const rand = prng(seed);
  const apis = ALL_APIS.flatMap((api) =>
    Array.from(
      { length: api.maxVersion - api.minVersion + 1 },
      (_, i) => ({ api, version: api.minVersion + i }),
    )
  );
  const captured = fixtures.map((f) => ({
    api: API_BY_KEY.get(f.key)!,
    version: f.version,
    frame: fromHex(f.response),
  }));
  const out: FuzzResult = { frames, decoded: 0, failedClearly: 0, bugs: [] };
  for (let n = 0; n < frames; n++) {
    let api: ApiDescriptor<unknown, unknown>;
    let version: number;
    let bytes: Uint8Array;
    const kind = n % 3;
    if (kind < 2) {
      const c = captured[Math.floor(rand() * captured.length)];
      api = c.api;
      version = c.version;
      if (kind === 0) {
        bytes = c.frame.slice();
        const flips = 1 + Math.floor(rand() * 4);
        for (let j = 0; j < flips; j++) {
          bytes[4 + Math.floor(rand() * (bytes.length - 4))] = Math.floor(rand() * 256);
        }
      } else {
        bytes = c.frame.subarray(0, Math.floor(rand() * c.frame.length));
      }
    } else {
      const a = apis[Math.floor(rand() * apis.length)];
      api = a.api;
      version = a.version;
      bytes = Uint8Array.from(
        { length: 4 + Math.floor(rand() * 96) },
        () => (rand() < 0.5 ? 0 : Math.floor(rand() * 256)),
      );
    }
    try {
      decodeFrame(api, version, bytes);
      out.decoded++;
    } catch (e) {
      if (isClearError(e)) out.failedClearly++;
      else if (out.bugs.length < 20) {
        out.bugs.push(`frame ${n} (${api.name} v${version}): ${(e as Error).stack}`);
      }
    }
  }
  return out;
}
