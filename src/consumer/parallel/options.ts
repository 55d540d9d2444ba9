/** The options of `consumer.parallel()`: each one's check, and the settings they resolve to. */
import {
  describe,
  func,
  int,
  oneOf,
  type OptionSpec,
  type OptionTable,
  shape,
  string,
} from "../../client/options.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.ts";
import type {
  DeadLetterOptions,
  DeadLetterSender,
  ParallelHandler,
  ParallelOptions,
  ParallelOrdering,
  ParallelRetryOptions,
} from "./types.ts";

/** A number `>= min` (and `<= max`), integer or not. */
function num(min: number, max = Infinity): OptionSpec {
  return {
    check(v, name) {
      if (typeof v !== "number" || Number.isNaN(v)) {
        throw new TypeError(`${name} must be a number, got ${describe(v)}`);
      }
      if (v < min || v > max) throw new RangeError(`${name} must be from ${min} to ${max}, got ${v}`);
    },
  };
}

const attempts: OptionSpec = {
  check(v, name) {
    if (v === Infinity) return;
    int(1).check(v, name);
  },
};

const RETRY_FIELDS = {
  attempts,
  backoffMs: int(0),
  maxBackoffMs: int(0),
  multiplier: num(1),
  jitter: num(0, 1),
} satisfies OptionTable<ParallelRetryOptions>;

const DEAD_LETTER_FIELDS = {
  topic: string(),
  producer: {
    check(v, name) {
      if (typeof v !== "object" || v === null || typeof (v as { send?: unknown }).send !== "function") {
        throw new TypeError(`${name} must be an object with a send method, got ${describe(v)}`);
      }
    },
  },
} satisfies OptionTable<DeadLetterOptions>;

const url: OptionSpec = {
  check(v, name) {
    if (v instanceof URL) return;
    if (typeof v !== "string" || v === "") {
      throw new TypeError(`${name} must be a URL or a URL string, got ${describe(v)}`);
    }
    try {
      new URL(v);
    } catch {
      throw new RangeError(
        `${name} must be an absolute URL (e.g. new URL("./handler.ts", import.meta.url)), got ${v}`,
      );
    }
  },
};

/** Every option of `consumer.parallel()` with its check. */
export const PARALLEL_OPTIONS = {
  handler: func(),
  workers: int(1, 1024),
  handlerModule: url,
  concurrency: int(1, 1_000_000),
  ordering: oneOf(["key", "partition", "unordered"]),
  maxInFlightRecords: int(1),
  maxInFlightBytes: int(1),
  commitIntervalMs: int(1),
  retry: shape(RETRY_FIELDS),
  deadLetter: {
    check(v, name) {
      shape(DEAD_LETTER_FIELDS).check(v, name);
      if ((v as DeadLetterOptions).topic === undefined) throw new TypeError(`${name}.topic is required`);
    },
  },
  onRevoke: oneOf(["finish", "abandon"]),
  maxMetadataChars: int(16),
  signal: {
    check(v, name) {
      if (typeof v !== "object" || v === null || typeof (v as AbortSignal).aborted !== "boolean") {
        throw new TypeError(`${name} must be an AbortSignal, got ${describe(v)}`);
      }
    },
  },
} satisfies OptionTable<ParallelOptions>;

/** What a parallel run reads, defaults filled in. */
export interface ParallelSettings<K, V> {
  handler: ParallelHandler<K, V> | undefined;
  workers: number;
  handlerModule: string | undefined;
  concurrency: number;
  ordering: ParallelOrdering;
  maxInFlightRecords: number;
  maxInFlightBytes: number;
  commitIntervalMs: number;
  retry: RetryPolicy;
  deadLetterTopic: string | undefined;
  deadLetterProducer: DeadLetterSender | undefined;
  abandonOnRevoke: boolean;
  maxMetadataChars: number;
  signal: AbortSignal | undefined;
}

/**
 * Checks the options (a `TypeError`/`RangeError` naming the field) and fills in defaults;
 * `commitIntervalMs` defaults to `defaultCommitMs`.
 */
export function resolveParallelOptions<K, V>(
  options: ParallelOptions<K, V>,
  defaultCommitMs: number,
): ParallelSettings<K, V> {
  shape(PARALLEL_OPTIONS).check(options, "options");
  const o = options;
  const workers = o.workers ?? 0;
  if (o.handler !== undefined && (workers > 0 || o.handlerModule !== undefined)) {
    throw new TypeError("options: give either handler, or workers with handlerModule, not both");
  }
  if (o.handler === undefined) {
    if (workers === 0 || o.handlerModule === undefined) {
      throw new TypeError("options.handler is required (or options.workers with options.handlerModule)");
    }
  }
  const concurrency = o.concurrency ?? (workers > 0 ? workers * 8 : 16);
  return {
    handler: o.handler,
    workers,
    handlerModule: o.handlerModule === undefined ? undefined : String(o.handlerModule),
    concurrency,
    ordering: o.ordering ?? "key",
    maxInFlightRecords: o.maxInFlightRecords ?? Math.max(1000, concurrency * 4),
    maxInFlightBytes: o.maxInFlightBytes ?? 64 * 1024 * 1024,
    commitIntervalMs: o.commitIntervalMs ?? defaultCommitMs,
    retry: { ...DEFAULT_RETRY, ...o.retry },
    deadLetterTopic: o.deadLetter?.topic,
    deadLetterProducer: o.deadLetter?.producer,
    abandonOnRevoke: o.onRevoke === "abandon",
    maxMetadataChars: o.maxMetadataChars ?? 4000,
    signal: o.signal,
  };
}
