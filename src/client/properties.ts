/**
 * Java / librdkafka style properties (`"linger.ms": "5"`) turned into a client's options (`lingerMs: 5`),
 * for users who bring a config file over. Values are converted from their text; a key that does not map
 * cleanly is refused, naming the key and the one meant where it is close, never dropped.
 */
import {
  a,
  type ClientOptions,
  closest,
  normalize,
  type OptionSpec,
  otherClients,
  quote,
  UnknownOptionError,
  unsupported,
} from "./options.ts";

/** Properties as a config file holds them: dotted keys, values as text (numbers and booleans also do). */
export type Properties = Readonly<Record<string, string | number | boolean | undefined>>;

type Security = {
  protocol?: string;
  tls: Record<string, unknown>;
  tlsKeys: string[];
  sasl: Record<string, unknown>;
  saslKeys: string[];
};

/** TLS and SASL properties, which become the `tls` and `sasl` objects. */
const SECURITY: Readonly<Record<string, (s: Security, text: string, key: string) => void>> = {
  "security.protocol": (s, text, key) => {
    const p = text.trim().toUpperCase();
    if (!["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"].includes(p)) {
      throw new RangeError(
        `${quote(key)} must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got ${JSON.stringify(text)}`,
      );
    }
    s.protocol = p;
  },
  "ssl.ca.pem": tlsField("ca"),
  "ssl.truststore.certificates": tlsField("ca"),
  "ssl.certificate.pem": tlsField("cert"),
  "ssl.keystore.certificate.chain": tlsField("cert"),
  "ssl.key.pem": tlsField("key"),
  "ssl.keystore.key": tlsField("key"),
  "enable.ssl.certificate.verification": (s, text, key) => {
    const t = text.trim().toLowerCase();
    if (t !== "true" && t !== "false") {
      throw new TypeError(`${quote(key)} must be true or false, got ${JSON.stringify(text)}`);
    }
    s.tls.rejectUnauthorized = t === "true";
    s.tlsKeys.push(key);
  },
  // Java's PEM settings come with these; PEM is all this client reads.
  "ssl.truststore.type": pemOnly,
  "ssl.keystore.type": pemOnly,
  "ssl.endpoint.identification.algorithm": (_s, text, key) => {
    if (text.trim().toLowerCase() !== "https") {
      throw new RangeError(
        `${quote(key)} can only be "https" (the host name is always checked); ` +
          `set tls.serverName to check another name`,
      );
    }
  },
  "sasl.mechanism": saslMechanism,
  "sasl.mechanisms": saslMechanism,
  "sasl.username": saslField("username"),
  "sasl.password": saslField("password"),
};

function tlsField(field: string) {
  return (s: Security, text: string, key: string): void => {
    s.tls[field] = text;
    s.tlsKeys.push(key);
  };
}

function saslField(field: string) {
  return (s: Security, text: string, key: string): void => {
    s.sasl[field] = text;
    s.saslKeys.push(key);
  };
}

function saslMechanism(s: Security, text: string, key: string): void {
  s.sasl.mechanism = text.trim().toUpperCase();
  s.saslKeys.push(key);
}

function pemOnly(_s: Security, text: string, key: string): void {
  if (text.trim().toUpperCase() !== "PEM") {
    throw new RangeError(
      `${
        quote(key)
      }: only PEM is supported; give the PEM text in ssl.ca.pem, ssl.certificate.pem and ssl.key.pem`,
    );
  }
}

/** Our option for each Kafka property name a table lists. */
function byKafkaName(table: Readonly<Record<string, OptionSpec>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) for (const k of spec.kafka ?? []) m.set(k, name);
  return m;
}

/** The error for property `key`, which `own` cannot take, naming what to use instead where it can. */
function unknownProperty(key: string, own: ClientOptions, others: readonly ClientOptions[]): Error {
  const q = quote(key);
  const n = normalize(key);
  const why = unsupported(key);
  if (why !== undefined) return new UnknownOptionError(`${q} has no equivalent in this client: ${why}`, key);
  const option = Object.keys(own.table).find((name) =>
    normalize(name) === n || own.table[name].kafka?.some((k) => normalize(k) === n)
  );
  if (option !== undefined && !own.table[option].parse) {
    return new UnknownOptionError(`${q} cannot come from properties; give ${option} in code`, key, option);
  }
  for (const other of others) {
    const theirs = [...byKafkaName(other.table).keys()].find((k) => normalize(k) === n);
    if (theirs !== undefined && !byKafkaName(own.table).has(theirs)) {
      return new UnknownOptionError(
        `${q} is ${a(other.client)} property, not ${a(own.client)} property`,
        key,
      );
    }
  }
  const known = [...byKafkaName(own.table).keys(), ...Object.keys(SECURITY)];
  const near = closest(key, known);
  if (near !== undefined) {
    return new UnknownOptionError(
      `${q} is not ${a(own.client)} property; did you mean ${JSON.stringify(near)}?`,
      key,
      near,
    );
  }
  return new UnknownOptionError(`${q} is not ${a(own.client)} property this client knows`, key);
}

/**
 * Turns properties into the options of the client `own` describes. `others` name the other clients'
 * properties in messages. Throws on the first key it cannot map or value it cannot read.
 */
export function propertiesToOptions(
  properties: Properties,
  own: ClientOptions,
  others: readonly ClientOptions[] = otherClients(own),
): Record<string, unknown> {
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) {
    throw new TypeError("properties must be an object of property names to values");
  }
  const out: Record<string, unknown> = {};
  const from = new Map<string, string>();
  const names = byKafkaName(own.table);
  const security: Security = { tls: {}, tlsKeys: [], sasl: {}, saslKeys: [] };
  for (const [key, raw] of Object.entries(properties)) {
    if (raw === undefined) continue;
    if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
      throw new TypeError(`${quote(key)} must be a string, number or boolean, got ${typeof raw}`);
    }
    if (Object.hasOwn(SECURITY, key)) {
      SECURITY[key](security, String(raw), key);
      continue;
    }
    const name = names.get(key);
    if (name === undefined) throw unknownProperty(key, own, others);
    const earlier = from.get(name);
    if (earlier !== undefined) {
      throw new TypeError(`${quote(key)} and ${quote(earlier)} both set ${name}; keep one`);
    }
    from.set(name, key);
    const spec = own.table[name];
    if (!spec.parse) {
      throw new UnknownOptionError(
        `${quote(key)} cannot come from properties; give ${name} in code`,
        key,
        name,
      );
    }
    const value = typeof raw === "string" ? spec.parse(raw, quote(key)) : raw;
    spec.check(value, quote(key));
    out[name] = value;
  }
  applySecurity(security, out);
  if (out.bootstrapServers === undefined) throw new TypeError('"bootstrap.servers" is required');
  return out;
}

/** Sets `tls` and `sasl` as `security.protocol` says, refusing settings the protocol would ignore. */
function applySecurity(s: Security, out: Record<string, unknown>): void {
  const protocol = s.protocol ?? "PLAINTEXT";
  const useTls = protocol === "SSL" || protocol === "SASL_SSL";
  const useSasl = protocol.startsWith("SASL_");
  if (!useTls && s.tlsKeys.length > 0) {
    throw new TypeError(
      `${quote(s.tlsKeys[0])} needs "security.protocol" SSL or SASL_SSL, but it is ${protocol}`,
    );
  }
  if (!useSasl && s.saslKeys.length > 0) {
    throw new TypeError(
      `${quote(s.saslKeys[0])} needs "security.protocol" SASL_PLAINTEXT or SASL_SSL, but it is ${protocol}`,
    );
  }
  if (useTls) out.tls = s.tls;
  if (useSasl) {
    if (s.sasl.mechanism === undefined) throw new TypeError(`"sasl.mechanism" is required with ${protocol}`);
    if (s.sasl.mechanism === "OAUTHBEARER") {
      throw new TypeError(
        '"sasl.mechanism" OAUTHBEARER needs a token provider: give sasl.oauthBearerProvider in code',
      );
    }
    out.sasl = s.sasl;
  }
}
