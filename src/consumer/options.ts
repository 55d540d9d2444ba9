/** The consumer's options: each one's check and Kafka names, and the properties a consumer reads. */
import {
  bool,
  checkOptions,
  type ClientOptions,
  CLUSTER_OPTIONS,
  describe,
  func,
  int,
  INT32_MAX,
  oneOf,
  type OptionSpec,
  type OptionTable,
  registerClient,
  string,
} from "../client/options.ts";
import { type Properties, propertiesToOptions } from "../client/properties.ts";
import type { ConsumerOptions } from "./types.ts";
// Read only when a message is built (see src/producer/options.ts).

const ASSIGNORS = ["range", "roundrobin", "cooperative-sticky"];
/** The Java client's assignor classes, by simple name, as our assignor names. */
const JAVA_ASSIGNORS: Readonly<Record<string, string>> = {
  RangeAssignor: "range",
  RoundRobinAssignor: "roundrobin",
  CooperativeStickyAssignor: "cooperative-sticky",
};

const assignmentStrategy: OptionSpec = {
  check(v, name) {
    if (!Array.isArray(v)) throw new TypeError(`${name} must be an array, got ${describe(v)}`);
    if (v.length === 0) throw new RangeError(`${name} must not be empty`);
    v.forEach((a, i) => {
      if (ASSIGNORS.includes(a)) return;
      if (
        typeof a === "object" && a !== null && typeof a.name === "string" && typeof a.assign === "function"
      ) {
        return;
      }
      throw new TypeError(
        `${name}[${i}] must be "range", "roundrobin", "cooperative-sticky" or an Assignor, got ${
          describe(a)
        }`,
      );
    });
  },
  parse: (text) =>
    text.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => {
      const simple = s.slice(s.lastIndexOf(".") + 1);
      return Object.hasOwn(JAVA_ASSIGNORS, simple) ? JAVA_ASSIGNORS[simple] : s.toLowerCase();
    }),
  kafka: ["partition.assignment.strategy"],
};

const rebalanceListener: OptionSpec = {
  check(v, name) {
    if (typeof v !== "object" || v === null) {
      throw new TypeError(`${name} must be an object, got ${describe(v)}`);
    }
    for (const m of ["onAssigned", "onRevoked", "onLost"]) {
      const f = (v as Record<string, unknown>)[m];
      if (f !== undefined && typeof f !== "function") {
        throw new TypeError(`${name}.${m} must be a function, got ${describe(f)}`);
      }
    }
  },
};

/** Every consumer option with its check. */
export const CONSUMER_OPTIONS = {
  ...CLUSTER_OPTIONS,
  autoOffsetReset: {
    // librdkafka's synonyms map cleanly; its "error" is our "none".
    ...oneOf(["earliest", "latest", "none"], {
      smallest: "earliest",
      beginning: "earliest",
      largest: "latest",
      end: "latest",
      error: "none",
    }),
    kafka: ["auto.offset.reset"],
  },
  enableAutoCommit: { ...bool(), kafka: ["enable.auto.commit"] },
  autoCommitIntervalMs: { ...int(1), kafka: ["auto.commit.interval.ms"] },
  defaultApiTimeoutMs: { ...int(1), kafka: ["default.api.timeout.ms"] },
  fetchMinBytes: { ...int(0, INT32_MAX), kafka: ["fetch.min.bytes"] },
  fetchMaxWaitMs: { ...int(0, INT32_MAX), kafka: ["fetch.max.wait.ms", "fetch.wait.max.ms"] },
  maxPartitionFetchBytes: { ...int(1, INT32_MAX), kafka: ["max.partition.fetch.bytes"] },
  fetchMaxBytes: { ...int(1, INT32_MAX), kafka: ["fetch.max.bytes"] },
  fetchBufferBytes: int(1),
  isolationLevel: { ...oneOf(["read_uncommitted", "read_committed"]), kafka: ["isolation.level"] },
  checkCrcs: { ...bool(), kafka: ["check.crcs"] },
  maxPollRecords: { ...int(1), kafka: ["max.poll.records"] },
  keyDeserializer: { ...func(), kafka: ["key.deserializer"] },
  valueDeserializer: { ...func(), kafka: ["value.deserializer"] },
  onCommit: func(),
  rebalanceListener,
  // The old Scala consumer's name; kafka-python spells it consumer_timeout_ms.
  consumerTimeoutMs: { ...int(0), kafka: ["consumer.timeout.ms"] },
  partitionEof: { ...bool(), kafka: ["enable.partition.eof"] },
  onPartitionEof: func(),
  groupId: { ...string(), kafka: ["group.id"] },
  groupInstanceId: { ...string(), kafka: ["group.instance.id"] },
  groupProtocol: { ...oneOf(["classic", "consumer"]), kafka: ["group.protocol"] },
  sessionTimeoutMs: { ...int(1, INT32_MAX), kafka: ["session.timeout.ms"] },
  rebalanceTimeoutMs: int(1, INT32_MAX),
  heartbeatIntervalMs: { ...int(1), kafka: ["heartbeat.interval.ms"] },
  maxPollIntervalMs: { ...int(1, INT32_MAX), kafka: ["max.poll.interval.ms"] },
  partitionAssignmentStrategy: assignmentStrategy,
  groupRemoteAssignor: { ...string(), kafka: ["group.remote.assignor"] },
  rackId: { ...string(), kafka: ["client.rack"] },
} satisfies OptionTable<ConsumerOptions>;

/** The consumer's table, named for messages. */
export const CONSUMER: ClientOptions = registerClient({ client: "Consumer", table: CONSUMER_OPTIONS });

/** Checks a consumer's options; throws a `TypeError`/`RangeError` naming the first bad or unknown one. */
export function checkConsumerOptions(options: unknown): void {
  checkOptions(options, CONSUMER);
}

/**
 * Consumer options from Java / librdkafka style properties, for a config file brought over: values are
 * read from their text (`"500"` is 500, `"false"` is false, `bootstrap.servers` and
 * `partition.assignment.strategy` comma lists, Java's assignor class names as ours), `security.protocol`,
 * `ssl.*.pem` and `sasl.*` become `tls` and `sasl`. A key that does not map cleanly throws, naming it and
 * the key meant where it is close. Give functions (deserializers, `onCommit`, a rebalance listener) in
 * code: `{ ...consumerOptionsFromProperties(props), onCommit }`.
 *
 * @example
 * ```ts
 * const consumer = new Consumer(consumerOptionsFromProperties({
 *   "bootstrap.servers": "broker1:9092",
 *   "group.id": "billing",
 *   "auto.offset.reset": "earliest",
 *   "enable.auto.commit": "false",
 * }));
 * ```
 */
export function consumerOptionsFromProperties(properties: Properties): ConsumerOptions {
  return propertiesToOptions(properties, CONSUMER) as unknown as ConsumerOptions;
}
