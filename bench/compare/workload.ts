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

/**
 * Records for a case: about 200 MB of values, at least 200,000 records. Shorter runs (50 MB took a
 * tenth of a second) mostly measured how soon each runtime's JIT warmed up, and varied by a third.
 */
export function recordCount(valueBytes: number): number {
  return Math.max(200_000, Math.floor(200_000_000 / valueBytes / CHUNK) * CHUNK);
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

// ---- Consume ----
// The consume workload: the runner fills a topic once per case with this client's producer, then every
// client reads all of it from the beginning. Every client gets the same fetch sizes, so that the numbers
// compare the clients' decoding and delivery, not their defaults.

/** One consume case: how the topic was filled. */
export interface ConsumeCase {
  valueBytes: number;
  compression: "none" | "lz4";
}

/** What a consume driver prints (as one JSON line) after a run. */
export interface ConsumeResult {
  client: string;
  /** Records received (every one counted, duplicates included). */
  records: number;
  /** Value bytes received. */
  bytes: number;
  /**
   * Time to read all records at the rate measured from the first delivery to the last: connects, group
   * joins and the first fetch are left out (the first delivery's records are already in when the clock
   * starts, so the rate counts only the records after them).
   */
  seconds: number;
  /** From the start of the consumer to its first record (connect, group join, offset look-up). */
  startSeconds: number;
}

/**
 * Records for a consume case: about 600 MB of values, between 200,000 and 2,000,000 records. Reads run at
 * up to 1.5 GB/s, so a smaller topic is read in a fraction of a second, mostly before the JIT has warmed
 * up; the cap keeps small-record cases, where peers read a few hundred thousand records/s, short.
 */
export function consumeRecordCount(valueBytes: number): number {
  const records = Math.floor(600_000_000 / valueBytes / CHUNK) * CHUNK;
  return Math.min(2_000_000, Math.max(200_000, records));
}

/** Partitions of the consume topic. */
export const CONSUME_PARTITIONS = 3;
/** Most bytes per partition in one fetch answer (the Java default). */
export const PARTITION_FETCH_BYTES = 1024 * 1024;
/** Most bytes in one fetch answer (the Java default). */
export const FETCH_MAX_BYTES = 50 * 1024 * 1024;
/** A driver gives up once this long passes without a record. */
export const STALL_MS = 30_000;

/** Reads the case from argv: <bootstrap> <topic> <expectedRecords> <valueBytes> <compression>. */
export function parseConsumeArgs(
  argv: readonly string[],
): { bootstrap: string; topic: string; expected: number; c: ConsumeCase } {
  const [bootstrap, topic, expected, valueBytes, compression] = argv;
  return {
    bootstrap,
    topic,
    expected: Number(expected),
    c: { valueBytes: Number(valueBytes), compression: compression as ConsumeCase["compression"] },
  };
}

/**
 * Counts what a driver receives and times it. `add` returns true once `expected` records are in; `done`
 * resolves then, and rejects when no record came for `STALL_MS` (a driver that stops short fails loudly).
 */
export class ReadMeter {
  readonly expected: number;
  records = 0;
  bytes = 0;
  readonly done: Promise<void>;
  #t0 = performance.now();
  #first = 0;
  #firstCount = 0;
  #last = 0;
  #finish!: () => void;
  #timer!: ReturnType<typeof setInterval>;

  constructor(expected: number) {
    this.expected = expected;
    this.done = new Promise<void>((resolve, reject) => {
      this.#finish = resolve;
      // The stall check counts what came since its last look: `add` reads no clock per record (drivers
      // that count one record at a time would pay for it, drivers that count batches would not).
      let seen = 0;
      let quietSince = performance.now();
      this.#timer = setInterval(() => {
        const now = performance.now();
        if (this.records !== seen) {
          seen = this.records;
          quietSince = now;
        } else if (now - quietSince > STALL_MS) {
          clearInterval(this.#timer);
          reject(new Error(`no record for ${STALL_MS} ms: received ${this.records} of ${this.expected}`));
        }
      }, 1000);
    });
  }

  /** Restarts the clock: call it just before the consumer starts. */
  start(): void {
    this.#t0 = performance.now();
  }

  /** Counts `n` records with `bytes` value bytes; true once every expected record is in. */
  add(n: number, bytes: number): boolean {
    if (this.records === 0) {
      this.#first = performance.now();
      this.#firstCount = n;
    }
    this.records += n;
    this.bytes += bytes;
    if (this.records >= this.expected) {
      this.#last = performance.now();
      clearInterval(this.#timer);
      this.#finish();
      return true;
    }
    return false;
  }

  /** The result line; throws when fewer records than expected arrived. */
  result(client: string): ConsumeResult {
    if (this.records < this.expected) {
      throw new Error(`${client}: received ${this.records} records, expected ${this.expected}`);
    }
    const after = this.records - this.#firstCount;
    const rate = after > 0 && this.#last > this.#first
      ? after / ((this.#last - this.#first) / 1000)
      : Infinity;
    return {
      client,
      records: this.records,
      bytes: this.bytes,
      seconds: this.records / rate,
      startSeconds: (this.#first - this.#t0) / 1000,
    };
  }
}

// ---- Per-record produce ----
// One call per record, not awaited each (how most users produce): this client's `send()` (and
// `produce()` once it exists), the Java client's ProducerPerformance, librdkafka through confluent-kafka
// (`produce()` + `poll(0)`, then `flush()`) and kcat reading a file. Every client gets acks=all,
// idempotence, linger 5 ms and batches of up to 1,000,000 bytes: librdkafka's and kcat's own default, given
// to this client and the Java client too, so that every client fills requests alike.

/** Records of one per-record case: 300,000 of 1 KiB, 1,000,000 of 100 B. */
export function sendRecordCount(valueBytes: number): number {
  return valueBytes >= 1024 ? 300_000 : 1_000_000;
}

/** Linger of the per-record throughput cases, in ms. */
export const SEND_LINGER_MS = 5;
/** Batch size every client gets in the per-record cases. */
export const SEND_BATCH_BYTES = 1_000_000;

/** The latency case: one record every millisecond (1,000/s), linger 0, 1 KiB values. */
export const LATENCY_RATE = 1_000;
export const LATENCY_RECORDS = 5_000;

/** The memory case: this many 1 KiB records through `send()` with a 32 MiB buffer. */
export const MEMORY_RECORDS = 1_000_000;
export const MEMORY_BUFFER_BYTES = 32 * 1024 * 1024;

/** What a per-record driver prints: the throughput result plus latency percentiles or peak RSS. */
export interface SendResult extends ProduceResult {
  /** Latency case: milliseconds from the call to the acknowledgement. */
  p50Ms?: number;
  p99Ms?: number;
  /** Peak resident set size of the process, in MiB. */
  peakRssMiB?: number;
}

/** The `p`-th percentile (0-100) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The median of several runs' figures (of an even count, the lower middle one). */
export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** A records/s figure as the tables print it: whole, with thousands separators. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
