/** Checks of admin call arguments: bad input fails at the call, naming the field, before any byte is sent. */

const TOPIC_CHARS = /^[a-zA-Z0-9._-]+$/;
const INT32_MAX = 2 ** 31 - 1;

/** A non-empty array (or a TypeError naming `field`). */
export function nonEmptyArray<T>(v: readonly T[] | undefined, field: string): readonly T[] {
  if (!Array.isArray(v)) throw new TypeError(`${field} must be an array, got ${typeof v}`);
  if (v.length === 0) throw new RangeError(`${field} must not be empty`);
  return v;
}

/** An array, possibly empty. */
export function array<T>(v: readonly T[] | undefined, field: string): readonly T[] {
  if (!Array.isArray(v)) throw new TypeError(`${field} must be an array, got ${typeof v}`);
  return v;
}

/** A plain object (not null, not an array). */
export function object(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new TypeError(`${field} must be an object, got ${v === null ? "null" : typeof v}`);
  }
  return v as Record<string, unknown>;
}

/** A valid Kafka topic name, as the broker checks it. */
export function topicName(v: unknown, field: string): string {
  if (typeof v !== "string") throw new TypeError(`${field} must be a string, got ${typeof v}`);
  if (v.length === 0) throw new RangeError(`${field} must not be empty`);
  if (v.length > 249) throw new RangeError(`${field} is longer than 249 characters`);
  if (v === "." || v === "..") throw new RangeError(`${field} must not be "." or ".."`);
  if (!TOPIC_CHARS.test(v)) {
    throw new RangeError(
      `${field} ${JSON.stringify(v)} may only hold ASCII letters, digits, ".", "_" and "-"`,
    );
  }
  return v;
}

/** A non-empty string. */
export function nonEmptyString(v: unknown, field: string): string {
  if (typeof v !== "string") throw new TypeError(`${field} must be a string, got ${typeof v}`);
  if (v.length === 0) throw new RangeError(`${field} must not be empty`);
  return v;
}

/** A string, possibly empty. */
export function string(v: unknown, field: string): string {
  if (typeof v !== "string") throw new TypeError(`${field} must be a string, got ${typeof v}`);
  return v;
}

/** An int32 at least `min`. */
export function int(v: unknown, field: string, min: number, max = INT32_MAX): number {
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(`${field} must be an integer, got ${typeof v === "number" ? v : typeof v}`);
  }
  if (v < min || v > max) throw new RangeError(`${field} must be between ${min} and ${max}, got ${v}`);
  return v;
}

/** A bigint offset at least `min`. */
export function offset(v: unknown, field: string, min: bigint): bigint {
  if (typeof v !== "bigint") throw new TypeError(`${field} must be a bigint, got ${typeof v}`);
  if (v < min) throw new RangeError(`${field} must be at least ${min}n, got ${v}n`);
  return v;
}

/** A boolean, or the default when absent. */
export function optionalBool(v: unknown, field: string, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw new TypeError(`${field} must be a boolean, got ${typeof v}`);
  return v;
}

/** One of `allowed`. */
export function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw new RangeError(`${field} must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** Throws when two items share a key (the broker would answer for one of them only). */
export function unique<I>(items: readonly I[], keyOf: (i: I) => string, field: string): void {
  const seen = new Set<string>();
  for (const i of items) {
    const k = keyOf(i);
    if (seen.has(k)) throw new RangeError(`${field}: ${k} appears more than once`);
    seen.add(k);
  }
}

/** A list of broker ids for one partition's replicas: non-empty, no repeats. */
export function replicaList(v: unknown, field: string): number[] {
  if (!Array.isArray(v)) throw new TypeError(`${field} must be an array of broker ids`);
  if (v.length === 0) throw new RangeError(`${field} must name at least one broker`);
  const ids = v.map((id, i) => int(id, `${field}[${i}]`, 0));
  if (new Set(ids).size !== ids.length) throw new RangeError(`${field} names a broker more than once`);
  return ids;
}
