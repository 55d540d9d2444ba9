/**
 * Per-item outcomes of admin calls that act on many topics, groups, resources or partitions, and the
 * retry loop that re-sends only the items that failed with a retriable error.
 *
 * The design, applied to every batch call: when every item succeeds, the call resolves with one result
 * per item, in the order given. When any item fails for good, the call rejects with one
 * {@link AdminBatchError} that carries every item's outcome — the successes too — so that one bad topic
 * never hides what happened to the others. Errors of the call as a whole (a closed client, a broker too
 * old for the API) reject with that error itself.
 */
import { isRetriable, nextAttempt, outOfTime, type RetryPolicy, sleep } from "../client/retry.ts";

/** What happened to one item of a batch call. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Some items of an admin call failed. `outcomes` has every item, keyed as the method documents (topic
 * name, group id, `topic:partition`, `TYPE:name`, or the item's index); `errors` (from `AggregateError`)
 * has just the failures, each a `KafkaError` named for the broker's error code where the broker gave one.
 *
 * @example
 * ```ts
 * try {
 *   await admin.createTopics([{ name: "a" }, { name: "b" }]);
 * } catch (e) {
 *   if (!(e instanceof AdminBatchError)) throw e;
 *   for (const [topic, o] of e.outcomes) console.log(topic, o.ok ? "created" : o.error.name);
 * }
 * ```
 */
export class AdminBatchError<T = unknown> extends AggregateError {
  /** Always `"AdminBatchError"`. */
  override name = "AdminBatchError";
  /** The admin method, e.g. `"createTopics"`. */
  readonly operation: string;
  /** Every item's outcome, in the order given. */
  readonly outcomes: ReadonlyMap<string, Outcome<T>>;

  /** Builds the error from every item's outcome. */
  constructor(operation: string, outcomes: ReadonlyMap<string, Outcome<T>>) {
    const failed = [...outcomes].filter((e): e is [string, { ok: false; error: Error }] => !e[1].ok);
    const list = failed.slice(0, 5).map(([k, o]) => `${k}: ${o.error.name}`).join(", ");
    const more = failed.length > 5 ? `, and ${failed.length - 5} more` : "";
    super(
      failed.map(([, o]) => o.error),
      `${operation}: ${failed.length} of ${outcomes.size} failed (${list}${more})`,
    );
    this.operation = operation;
    this.outcomes = outcomes;
  }

  /** The failed items' errors by key. */
  get failures(): Map<string, Error> {
    const m = new Map<string, Error>();
    for (const [k, o] of this.outcomes) if (!o.ok) m.set(k, o.error);
    return m;
  }

  /** The successful items' results by key. */
  get successes(): Map<string, T> {
    const m = new Map<string, T>();
    for (const [k, o] of this.outcomes) if (o.ok) m.set(k, o.value);
    return m;
  }
}

/** One round of a batch call: sends `pending` and reports an outcome for each of their keys. */
export type Round<I, T> = (pending: I[], attempt: number) => Promise<Map<string, Outcome<T>>>;

/** Settings of {@link runBatch}. */
export interface BatchOptions extends RetryPolicy {
  /** Errors that are retriable in Kafka's table but final for this call (e.g. an unknown topic). */
  final?: (e: Error) => boolean;
  /** Runs before the backoff when some items will be retried, e.g. to refresh metadata. */
  beforeRetry?: (errors: Error[]) => void | Promise<void>;
}

/**
 * Runs rounds until every item has a final outcome: items that failed with a retriable error go again
 * (alone) after a backoff, until the retries run out or the next round would start after `o.deadline`
 * (those items then fail with an `ApiTimeoutError`). A round that throws fails all its items with that
 * error when it is retriable (so they retry), and rejects the whole call when it is not.
 */
export async function runBatch<I, T>(
  items: readonly I[],
  keyOf: (item: I) => string,
  round: Round<I, T>,
  o: BatchOptions = {},
): Promise<Map<string, Outcome<T>>> {
  const retries = o.retries ?? 5;
  const done = new Map<string, Outcome<T>>();
  let pending = [...items];
  for (let attempt = 0; pending.length > 0; attempt++) {
    let got: Map<string, Outcome<T>>;
    try {
      got = await round(pending, attempt);
    } catch (e) {
      if (!isRetriable(e)) throw e;
      const error = e as Error;
      got = new Map(pending.map((i) => [keyOf(i), { ok: false, error }]));
    }
    const again: I[] = [];
    const errors: Error[] = [];
    for (const item of pending) {
      const key = keyOf(item);
      const out = got.get(key) ?? {
        ok: false as const,
        error: new Error(`the broker's answer did not mention ${key}`),
      };
      if (!out.ok && attempt < retries && isRetriable(out.error) && !o.final?.(out.error)) {
        again.push(item);
        errors.push(out.error);
      } else {
        done.set(key, out);
      }
    }
    pending = again;
    if (pending.length === 0) break;
    await o.beforeRetry?.(errors);
    // Past the deadline the items that would go again fail with the timeout instead.
    const wait = nextAttempt(errors[0], attempt, o);
    if (typeof wait === "number") {
      await sleep(wait);
      continue;
    }
    for (let i = 0; i < pending.length; i++) {
      done.set(keyOf(pending[i]), { ok: false, error: outOfTime(errors[i], attempt + 1) });
    }
    break;
  }
  // Report in the caller's order.
  const ordered = new Map<string, Outcome<T>>();
  for (const item of items) {
    const key = keyOf(item);
    const out = done.get(key);
    if (out) ordered.set(key, out);
  }
  return ordered;
}

/** The values in the caller's order when every item succeeded; else an {@link AdminBatchError}. */
export function settle<I, T>(
  operation: string,
  items: readonly I[],
  keyOf: (item: I) => string,
  outcomes: Map<string, Outcome<T>>,
): T[] {
  const values: T[] = [];
  for (const item of items) {
    const out = outcomes.get(keyOf(item));
    if (!out || !out.ok) throw new AdminBatchError(operation, outcomes);
    values.push(out.value);
  }
  return values;
}

/** Groups items by a key (e.g. the broker they go to), keeping their order. */
export function groupBy<I, K>(items: readonly I[], keyOf: (item: I) => K): Map<K, I[]> {
  const m = new Map<K, I[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = m.get(k);
    if (list) list.push(item);
    else m.set(k, [item]);
  }
  return m;
}

/** Runs one request per group in parallel; a group whose request throws gets that error for each item. */
export async function perGroup<I, K, T>(
  groups: Map<K, I[]>,
  keyOf: (item: I) => string,
  send: (groupKey: K, items: I[]) => Promise<Map<string, Outcome<T>>>,
): Promise<Map<string, Outcome<T>>> {
  const all = new Map<string, Outcome<T>>();
  await Promise.all([...groups].map(async ([k, items]) => {
    try {
      for (const [key, out] of await send(k, items)) all.set(key, out);
    } catch (e) {
      // Non-retriable whole-request failures still belong to these items only.
      const error = e instanceof Error ? e : new Error(String(e));
      for (const item of items) all.set(keyOf(item), { ok: false, error });
    }
  }));
  return all;
}
