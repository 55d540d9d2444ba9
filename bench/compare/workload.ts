// The produce workload every client runs: the same records, in sends of CHUNK records, CONCURRENCY sends
// in flight. Shared by the runner and the client drivers.

/** One benchmark case. */
export interface ProduceCase {
  valueBytes: number;
  acks: -1 | 1;
  lingerMs: number;
  compression: "none" | "gzip" | "snappy" | "lz4" | "zstd";
}

/** What a driver prints (as one JSON line) after a run. */
export interface ProduceResult {
  client: string;
  records: number;
  bytes: number;
  seconds: number;
}

export const CHUNK = 1_000;
export const CONCURRENCY = 4;

/** Records for a case: about 50 MB of values, at least 50,000 records. */
export function recordCount(valueBytes: number): number {
  return Math.max(50_000, Math.floor(50_000_000 / valueBytes / CHUNK) * CHUNK);
}

/** A value of `n` bytes that compresses about as well as typical JSON. */
export function makeValue(n: number): Uint8Array {
  const text = '{"user":12345,"event":"page_view","path":"/products/42","ts":1700000000000,"tags":["a","b"]}';
  const out = new Uint8Array(n);
  let seed = 7;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = (seed >>> 24) < 64 ? seed & 0xff : text.charCodeAt(i % text.length);
  }
  return out;
}

/** Runs `send` over `total` records in chunks, `CONCURRENCY` at a time; returns seconds taken. */
export async function drive(
  total: number,
  send: (from: number, count: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < total) {
      const from = next;
      next += CHUNK;
      await send(from, Math.min(CHUNK, total - from));
    }
  }));
  return (performance.now() - t0) / 1000;
}

/** Reads the case from argv: <bootstrap> <topic> <valueBytes> <acks> <lingerMs> <compression>. */
export function parseArgs(argv: readonly string[]): { bootstrap: string; topic: string; c: ProduceCase } {
  const [bootstrap, topic, valueBytes, acks, lingerMs, compression] = argv;
  return {
    bootstrap,
    topic,
    c: {
      valueBytes: Number(valueBytes),
      acks: Number(acks) as -1 | 1,
      lingerMs: Number(lingerMs),
      compression: compression as ProduceCase["compression"],
    },
  };
}
