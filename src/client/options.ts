/**
 * Checked client options: the checks an option's value goes through, the connection options every client
 * shares, and the message for an option the client does not know. That message names the option to use
 * instead when the name is a Java, librdkafka or kafka-python one, a near typo, or another client's option,
 * so that a setting is never dropped without a word.
 */
import { checkSaslOptions, type SaslOAuthBearerOptions, type SaslPasswordOptions } from "./sasl/mechanism.ts";
import type { TlsOptions } from "../transport/socket.ts";
import type { ClusterOptions } from "./cluster.ts";

/**
 * An option the client does not know. A `TypeError`, thrown when the client is constructed; `suggestion`
 * holds the option to use instead when there is one.
 *
 * @example
 * ```ts
 * try {
 *   new Consumer({ bootstrapServers: "127.0.0.1:9092", "auto.offset.reset": "earliest" } as ConsumerOptions);
 * } catch (e) {
 *   if (e instanceof UnknownOptionError) console.error(e.message, e.suggestion); // ... "autoOffsetReset"
 * }
 * ```
 */
export class UnknownOptionError extends TypeError {
  /** Always `"UnknownOptionError"`. */
  override name = "UnknownOptionError";
  /** The option (or property) as it was given. */
  readonly option: string;
  /** The option (or property) to use instead, when there is one. */
  readonly suggestion: string | undefined;
  /** An error about `option`, with the one to use instead when known. */
  constructor(message: string, option: string, suggestion?: string) {
    super(message);
    this.option = option;
    this.suggestion = suggestion;
  }
}

/** How one option is checked and, where it can be, read from a properties file. */
export interface OptionSpec {
  /** Throws a `TypeError` (wrong type) or `RangeError` (wrong value) naming `name`. */
  readonly check: (value: unknown, name: string) => void;
  /** Reads the value from a properties string; absent for options only code can give (functions). */
  readonly parse?: (text: string, name: string) => unknown;
  /** The Java / librdkafka property names of this option; kafka-python spells the same with underscores. */
  readonly kafka?: readonly string[];
  /** Construction fails without it. */
  readonly required?: boolean;
}

/** Every option of `T` with its check: a key added to `T` without a check does not type-check. */
export type OptionTable<T> = { readonly [K in keyof Required<T>]: OptionSpec };

/** The clients, as named in messages. */
export type ClientName = "Producer" | "Consumer" | "Admin";

/** A client's option table, as the shared checks see it. */
export interface ClientOptions {
  readonly client: ClientName;
  readonly table: Readonly<Record<string, OptionSpec>>;
}

const CLIENTS: ClientOptions[] = [];

/**
 * Makes a client's table known to the other clients' messages ("groupId is a Consumer option, not a
 * Producer option"). Each client's options module registers its own, so no client imports another.
 */
export function registerClient(client: ClientOptions): ClientOptions {
  CLIENTS.push(client);
  return client;
}

/** The registered tables of every client but `own`. */
export function otherClients(own: ClientOptions): readonly ClientOptions[] {
  return CLIENTS.filter((c) => c !== own);
}

// ------------------------------------------------------------------------------------------ checks

/** A value as messages show it: `string "5"`, `number -1`, `null`, `a function`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "string":
      return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
    case "function":
      return "a function";
    case "object":
      return "an object";
    case "bigint":
      return `bigint ${v}n`;
    default:
      return `${typeof v} ${String(v)}`;
  }
}

/** An option name as messages show it: bare when it is an identifier, quoted otherwise (`"linger.ms"`). */
export function quote(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

function typeError(name: string, expected: string, v: unknown): TypeError {
  return new TypeError(`${name} must be ${expected}, got ${describe(v)}`);
}

function parseInteger(text: string, name: string): number {
  if (!/^-?\d+$/.test(text.trim())) {
    throw new TypeError(`${name} must be an integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** The largest int32, the bound of sizes and times the broker receives. */
export const INT32_MAX = 2 ** 31 - 1;

/** An integer `>= min` (and `<= max` when given): sizes, counts, milliseconds. */
export function int(min: number, max?: number): OptionSpec {
  return {
    check(v, name) {
      if (typeof v !== "number") throw typeError(name, "a number", v);
      if (!Number.isInteger(v) || v < min || (max !== undefined && v > max)) {
        const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
        throw new RangeError(`${name} must be an integer ${range}, got ${v}`);
      }
    },
    parse: parseInteger,
  };
}

/** `true` or `false` (`"true"`/`"false"` in properties). */
export function bool(): OptionSpec {
  return {
    check(v, name) {
      if (typeof v !== "boolean") throw typeError(name, "a boolean", v);
    },
    parse(text, name) {
      const t = text.trim().toLowerCase();
      if (t === "true" || t === "false") return t === "true";
      throw new TypeError(`${name} must be true or false, got ${JSON.stringify(text)}`);
    },
  };
}

/** A string; `nonEmpty` refuses `""`. */
export function string(nonEmpty = true): OptionSpec {
  return {
    check(v, name) {
      if (typeof v !== "string") throw typeError(name, nonEmpty ? "a non-empty string" : "a string", v);
      if (nonEmpty && v === "") throw new RangeError(`${name} must be a non-empty string, got ""`);
    },
    parse: (text) => text,
  };
}

/** One of `values`. Properties match them without regard to case, after `synonyms` (librdkafka's). */
export function oneOf(
  values: readonly (string | number)[],
  synonyms: Readonly<Record<string, string | number>> = {},
): OptionSpec {
  const list = values.map((x) => JSON.stringify(x)).join(", ");
  return {
    check(v, name) {
      if (values.includes(v as string | number)) return;
      const sameType = values.some((x) => typeof x === typeof v);
      const msg = `${name} must be one of ${list}, got ${sameType ? JSON.stringify(v) : describe(v)}`;
      throw sameType ? new RangeError(msg) : new TypeError(msg);
    },
    parse(text, name) {
      const t = text.trim().toLowerCase();
      const found = values.find((x) => String(x).toLowerCase() === t) ??
        (Object.hasOwn(synonyms, t) ? synonyms[t] : undefined);
      if (found === undefined) {
        throw new RangeError(`${name} must be one of ${list}, got ${JSON.stringify(text)}`);
      }
      return found;
    },
  };
}

/** A function (serializers, callbacks). */
export function func(): OptionSpec {
  return {
    check(v, name) {
      if (typeof v !== "function") throw typeError(name, "a function", v);
    },
  };
}

/** An object with these methods (an adapter's `connect`, a partitioner's `partition`). */
export function withMethods(what: string, methods: readonly string[]): OptionSpec {
  return {
    check(v, name) {
      if (typeof v !== "object" || v === null) throw typeError(name, what, v);
      for (const m of methods) {
        const f = (v as Record<string, unknown>)[m];
        if (typeof f !== "function") throw typeError(`${name}.${m}`, "a function", f);
      }
    },
  };
}

/**
 * An object whose fields are checked by `fields`; a field it does not have fails, naming the field
 * (`tls.caFile`) and the one meant when it is close.
 */
export function shape(fields: Readonly<Record<string, OptionSpec>>): OptionSpec {
  const names = Object.keys(fields);
  return {
    check(v, name) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw typeError(name, "an object", v);
      for (const [k, fv] of Object.entries(v)) {
        const spec = Object.hasOwn(fields, k) ? fields[k] : undefined;
        if (!spec) {
          const near = closest(k, names);
          const hint = near ? `did you mean ${name}.${near}?` : `its fields are ${names.join(", ")}`;
          throw new UnknownOptionError(
            `${name}.${k} is not a field of ${name}; ${hint}`,
            `${name}.${k}`,
            near && `${name}.${near}`,
          );
        }
        if (fv !== undefined) spec.check(fv, `${name}.${k}`);
      }
    },
  };
}

// ---------------------------------------------------------------------------- shared connection options

const caSpec: OptionSpec = {
  check(v, name) {
    if (typeof v === "string") return;
    if (!Array.isArray(v)) throw typeError(name, "a PEM string or an array of them", v);
    v.forEach((x, i) => {
      if (typeof x !== "string") throw typeError(`${name}[${i}]`, "a PEM string", x);
    });
  },
};

const TLS_FIELDS = {
  ca: caSpec,
  cert: string(),
  key: string(),
  serverName: string(),
  rejectUnauthorized: bool(),
} satisfies OptionTable<TlsOptions>;

const SASL_FIELDS = {
  mechanism: string(),
  username: string(false),
  password: string(false),
  oauthBearerProvider: func(),
} satisfies Record<keyof SaslPasswordOptions | keyof SaslOAuthBearerOptions, OptionSpec>;

const tlsShape = shape(TLS_FIELDS);
const saslShape = shape(SASL_FIELDS);

const bootstrapSpec: OptionSpec = {
  check(v, name) {
    if (typeof v === "string") return;
    if (!Array.isArray(v)) throw typeError(name, 'a "host:port" string or an array of them', v);
    v.forEach((x, i) => {
      if (typeof x !== "string") throw typeError(`${name}[${i}]`, 'a "host:port" string', x);
    });
  },
  parse: (text) => text.split(",").map((s) => s.trim()).filter((s) => s !== ""),
  kafka: ["bootstrap.servers", "metadata.broker.list"],
  required: true,
};

/** The options every client shares (where the cluster is, how to talk to it, how to retry). */
export const CLUSTER_OPTIONS = {
  bootstrapServers: bootstrapSpec,
  clientId: { ...string(), kafka: ["client.id"] },
  adapter: withMethods("a SocketAdapter (an object with connect)", ["connect"]),
  tls: tlsShape,
  sasl: {
    check(v, name) {
      saslShape.check(v, name);
      checkSaslOptions(v as Parameters<typeof checkSaslOptions>[0]);
    },
  },
  connectTimeoutMs: { ...int(1), kafka: ["socket.connection.setup.timeout.ms"] },
  requestTimeoutMs: { ...int(1, INT32_MAX), kafka: ["request.timeout.ms"] },
  metadataMaxAgeMs: { ...int(0), kafka: ["metadata.max.age.ms"] },
  retries: { ...int(0), kafka: ["retries", "message.send.max.retries"] },
  retryBackoffMs: { ...int(0), kafka: ["retry.backoff.ms"] },
  retryBackoffMaxMs: { ...int(0), kafka: ["retry.backoff.max.ms"] },
  reconnectBackoffMs: { ...int(0), kafka: ["reconnect.backoff.ms"] },
  reconnectBackoffMaxMs: { ...int(0), kafka: ["reconnect.backoff.max.ms"] },
} satisfies OptionTable<ClusterOptions>;

// -------------------------------------------------------------------------------- unknown options

/**
 * Kafka settings with no equivalent in this client, and why. Each entry is one feature, so that it goes
 * away in one place when the feature lands.
 */
export const UNSUPPORTED: readonly { names: readonly string[]; reason: string }[] = [];

/**
 * Settings that other clients spell as flat options and this one nests under `tls` or `sasl`: normalized
 * name to the field to use.
 */
const NESTED: ReadonlyMap<string, string> = new Map(
  ([
    [["security.protocol"], "tls (for SSL) and sasl (for SASL)"],
    [
      ["ssl.ca.pem", "ssl.ca.location", "ssl_cafile", "ssl.truststore.certificates", "ca"],
      "tls.ca (PEM text)",
    ],
    [
      ["ssl.certificate.pem", "ssl.certificate.location", "ssl_certfile", "ssl.keystore.certificate.chain"],
      "tls.cert (PEM text)",
    ],
    [["ssl.key.pem", "ssl.key.location", "ssl_keyfile", "ssl.keystore.key"], "tls.key (PEM text)"],
    [["ssl.keystore.location", "ssl.truststore.location"], "tls.ca, tls.cert and tls.key (PEM text)"],
    [["enable.ssl.certificate.verification", "rejectUnauthorized"], "tls.rejectUnauthorized"],
    [["ssl_check_hostname", "ssl.endpoint.identification.algorithm", "serverName"], "tls.serverName"],
    [["sasl.mechanism", "sasl.mechanisms", "mechanism"], "sasl.mechanism"],
    [["sasl.username", "sasl_plain_username", "username"], "sasl.username"],
    [["sasl.password", "sasl_plain_password", "password"], "sasl.password"],
    [["sasl.jaas.config"], "sasl.username and sasl.password"],
    [["sasl_oauth_token_provider", "oauthbearer_token_refresh_cb"], "sasl.oauthBearerProvider"],
  ] as const).flatMap(([names, to]) => names.map((n) => [normalize(n), to])),
);

/** Lowercase letters and digits only: `linger.ms`, `linger_ms` and `lingerMs` are all `lingerms`. */
export function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Edit distance with transpositions (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The candidate nearest to `name` (compared normalized), if it is close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const n = normalize(name);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(n, normalize(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  if (bestD <= Math.max(1, Math.min(3, Math.floor(n.length / 4)))) return best;
  // A name cut short ("user" for "username") when only one candidate starts with it.
  const starts = n.length >= 4 ? [...candidates].filter((c) => normalize(c).startsWith(n)) : [];
  return starts.length === 1 ? starts[0] : undefined;
}

/** Our option name for every normalized name of a table's options and of their Kafka names. */
function byNormalizedName(table: Readonly<Record<string, OptionSpec>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) {
    m.set(normalize(name), name);
    for (const k of spec.kafka ?? []) m.set(normalize(k), name);
  }
  return m;
}

/** Why a setting has no equivalent here, if it is one Kafka knows. */
export function unsupported(name: string): string | undefined {
  const n = normalize(name);
  return UNSUPPORTED.find((u) => u.names.some((x) => normalize(x) === n))?.reason;
}

/** "a Producer", "an Admin". */
export function a(client: ClientName): string {
  return `${client === "Admin" ? "an" : "a"} ${client}`;
}

/** The error for option `key`, which `own` does not have, naming what to use instead where it can. */
export function unknownOption(key: string, own: ClientOptions, others: readonly ClientOptions[]): Error {
  const q = quote(key);
  const n = normalize(key);
  const not = `${q} is not ${a(own.client)} option`;
  const mine = byNormalizedName(own.table).get(n);
  if (mine !== undefined) return new UnknownOptionError(`${not}; use ${mine}`, key, mine);
  const why = unsupported(key);
  if (why !== undefined) return new UnknownOptionError(`${q} has no equivalent in this client: ${why}`, key);
  for (const other of others) {
    if (Object.hasOwn(other.table, key)) {
      return new UnknownOptionError(`${q} is ${a(other.client)} option, not ${a(own.client)} option`, key);
    }
    const theirs = byNormalizedName(other.table).get(n);
    if (theirs !== undefined) {
      return new UnknownOptionError(`${not}; it is the ${other.client} option ${theirs}`, key);
    }
  }
  const nested = NESTED.get(n);
  if (nested !== undefined) return new UnknownOptionError(`${not}; use ${nested}`, key, nested.split(" ")[0]);
  const near = closest(key, Object.keys(own.table));
  if (near !== undefined) return new UnknownOptionError(`${not}; did you mean ${near}?`, key, near);
  for (const other of others) {
    const theirs = closest(key, Object.keys(other.table));
    if (theirs !== undefined && !Object.hasOwn(own.table, theirs)) {
      return new UnknownOptionError(`${not}; did you mean the ${other.client} option ${theirs}?`, key);
    }
  }
  return new UnknownOptionError(not, key);
}

/**
 * Checks a client's options against its table: the object itself, every option it sets (an `undefined`
 * value means the default), and the required ones. Throws on the first problem, naming the option.
 */
export function checkOptions(
  options: unknown,
  own: ClientOptions,
  others: readonly ClientOptions[] = otherClients(own),
): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw typeError("options", "an object", options);
  }
  const o = options as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(own.table, key)) throw unknownOption(key, own, others);
    const spec = own.table[key];
    spec.check(value, key);
  }
  for (const [key, spec] of Object.entries(own.table)) {
    if (spec.required && o[key] === undefined) throw new TypeError(`${key} is required`);
  }
}
