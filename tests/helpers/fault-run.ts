// A producer run under faults, counted: every record carries its sequence number as its value, every
// outcome is recorded with the time since its send(), and the topic is read back to find records that
// were acknowledged but are absent (lost), written twice (duplicated) or never settled (hung).
import type { Cluster } from "../../src/client/cluster.ts";
import type { Producer } from "../../src/producer/producer.ts";
import { readPartition } from "./topics.ts";
import { MAX_BATCH_FILL_MS } from "../../src/producer/accumulator.ts";

/** What became of the records of one run. */
export interface RunCounts {
  sent: number;
  acked: number;
  /** Failed records by persistence status (`not_persisted`, `possibly_persisted`, ...). */
  failed: Record<string, number>;
  /** Failed records by error name. */
  failedBy: Record<string, number>;
  /** Records never settled when the run ended. */
  hung: number;
  /** Failures reported while the record still had delivery time left (ms since send() < deliveryTimeoutMs). */
  early: number;
  /** The shortest time from send() to a failure, or -1 without failures. */
  firstFailureMs: number;
  /** Records found in the log. */
  read: number;
  /** Acknowledged records absent from the log. */
  lost: number;
  /** Records found more than once. */
  dup: number;
  /** Failed records found in the log, by persistence status (a `not_persisted` one found is a lie). */
  failedButWritten: Record<string, number>;
}

/** A record's byte: 0 while pending, ACKED, or 2 + its failure status's index in STATUSES. */
const ACKED = 1;
/** Failure statuses, stored from 2 on in a record's byte. */
const STATUSES = ["not_persisted", "possibly_persisted", "persisted", "unknown"];

/**
 * Tracks the sends of one run: one byte per record (pending, acknowledged, or failed with a status), so that
 * a long soak measures the client's memory rather than the tracker's.
 */
export class RunTracker {
  #state = new Uint8Array(1 << 16);
  #acked = 0;
  #settled = 0;
  readonly failedBy: Record<string, number> = {};
  readonly failed: Record<string, number> = {};
  early = 0;
  firstFailureMs = -1;
  sent = 0;
  /** A failure before this many ms after its send() came while the record had delivery time left. */
  readonly #earliestFailureMs: number;
  /** Names of errors that end a record before its delivery timeout by design (e.g. a closed producer). */
  readonly #allowedEarly: Set<string>;

  /**
   * `lingerMs` is the producer's: a record's delivery time runs from its batch's creation, and a batch takes
   * records for at most lingerMs plus MAX_BATCH_FILL_MS, so a record may fail that much before its own
   * deliveryTimeoutMs is over.
   */
  constructor(deliveryTimeoutMs: number, lingerMs: number, allowedEarly: string[] = []) {
    this.#earliestFailureMs = deliveryTimeoutMs - lingerMs - MAX_BATCH_FILL_MS;
    this.#allowedEarly = new Set(allowedEarly);
  }

  /** Sends record `i` (value = its number) and records its outcome; never rejects. */
  send(producer: Producer, topic: string, i: number, partition?: number): Promise<void> {
    this.sent++;
    if (i >= this.#state.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.#state.length * 2));
      grown.set(this.#state);
      this.#state = grown;
    }
    const at = performance.now();
    return producer.send({ topic, partition, key: String(i), value: String(i) }).then(
      () => {
        this.#state[i] = ACKED;
        this.#acked++;
        this.#settled++;
      },
      (e: Error & { persisted?: string }) => {
        const ms = performance.now() - at;
        const status = e.persisted ?? "unknown";
        const code = STATUSES.indexOf(status);
        this.#state[i] = 2 + (code < 0 ? STATUSES.length - 1 : code);
        this.#settled++;
        this.failed[status] = (this.failed[status] ?? 0) + 1;
        this.failedBy[e.name] = (this.failedBy[e.name] ?? 0) + 1;
        if (this.firstFailureMs < 0 || ms < this.firstFailureMs) this.firstFailureMs = ms;
        if (ms < this.#earliestFailureMs && !this.#allowedEarly.has(e.name)) {
          if (this.early === 0) {
            console.error(`early failure after ${Math.round(ms)} ms: ${e.name}: ${e.message}`);
          }
          this.early++;
        }
      },
    );
  }

  get acked(): number {
    return this.#acked;
  }

  /** Records acknowledged or failed so far. */
  get settled(): number {
    return this.#settled;
  }

  /** Reads every partition back up to its high watermark and counts lost, duplicated and hung records. */
  async verify(cluster: Cluster, topic: string, partitions: number, timeoutMs = 60_000): Promise<RunCounts> {
    const copies = new Map<number, number>();
    for (let p = 0; p < partitions; p++) {
      for (const r of await readPartition(cluster, topic, p, -1, timeoutMs)) {
        const i = Number(new TextDecoder().decode(r.value!));
        copies.set(i, (copies.get(i) ?? 0) + 1);
      }
    }
    let lost = 0;
    const failedButWritten: Record<string, number> = {};
    for (let i = 0; i < this.#state.length; i++) {
      const st = this.#state[i];
      if (st === ACKED && !copies.has(i)) lost++;
      if (st >= 2 && copies.has(i)) {
        const status = STATUSES[st - 2];
        failedButWritten[status] = (failedButWritten[status] ?? 0) + 1;
      }
    }
    let dup = 0;
    for (const n of copies.values()) if (n > 1) dup += n - 1;
    return {
      sent: this.sent,
      acked: this.#acked,
      failed: { ...this.failed },
      failedBy: { ...this.failedBy },
      hung: this.sent - this.#settled,
      early: this.early,
      firstFailureMs: Math.round(this.firstFailureMs),
      read: [...copies.values()].reduce((a, b) => a + b, 0),
      lost,
      dup,
      failedButWritten,
    };
  }
}

/**
 * Sends `total` records spread over `partitions` at about `perSecond`, in steps of 10 ms, calling
 * `onProgress(i)` between steps; resolves when every send has settled or `settleMs` has passed after the
 * last one (the rest count as hung).
 */
export async function produceAtRate(
  o: {
    producer: Producer;
    tracker: RunTracker;
    topic: string;
    total: number;
    perSecond: number;
    settleMs: number;
    onProgress?: (sent: number) => void;
  },
): Promise<void> {
  const perStep = Math.max(1, Math.round(o.perSecond / 100));
  const start = performance.now();
  for (let i = 0; i < o.total; i++) {
    void o.tracker.send(o.producer, o.topic, i);
    if ((i + 1) % perStep === 0) {
      o.onProgress?.(i + 1);
      const due = start + ((i + 1) / o.perSecond) * 1000;
      const wait = due - performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, wait)));
    }
  }
  const deadline = performance.now() + o.settleMs;
  while (o.tracker.settled < o.tracker.sent && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `produceAtRate` with `fault` started once a fifth of the records were sent (while records are in
 * flight); waits for the fault to finish and closes the producer, whatever happened.
 */
export async function produceThroughFault(
  o: Omit<Parameters<typeof produceAtRate>[0], "onProgress"> & { fault: () => Promise<void> },
): Promise<void> {
  let faulted: Promise<void> | undefined;
  try {
    await produceAtRate({
      ...o,
      onProgress: (sent) => {
        if (sent >= o.total / 5 && !faulted) faulted = o.fault();
      },
    });
  } finally {
    try {
      await faulted;
    } finally {
      await o.producer.close();
    }
  }
}
