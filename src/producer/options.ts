/** The producer's options: each one's check and Kafka names, and the properties a producer reads. */
import {
  bool,
  checkOptions,
  type ClientOptions,
  CLUSTER_OPTIONS,
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
import { CompressionType } from "../codec/compression.ts";
import type { ProducerOptions } from "./types.ts";

const partitioner: OptionSpec = {
  check(v, name) {
    if (typeof v === "function") return;
    if (
      typeof v !== "object" || v === null || typeof (v as { partition?: unknown }).partition !== "function"
    ) {
      throw new TypeError(`${name} must be a function or an object with a partition method`);
    }
  },
  kafka: ["partitioner.class"],
};

/** Every producer option with its check. */
export const PRODUCER_OPTIONS = {
  ...CLUSTER_OPTIONS,
  acks: { ...oneOf([0, 1, "all", -1]), kafka: ["acks", "request.required.acks"] },
  lingerMs: { ...int(0), kafka: ["linger.ms", "queue.buffering.max.ms"] },
  batchSize: { ...int(1, INT32_MAX), kafka: ["batch.size"] },
  bufferMemory: { ...int(1), kafka: ["buffer.memory"] },
  maxBlockMs: { ...int(0), kafka: ["max.block.ms"] },
  maxInFlightRequestsPerConnection: {
    ...int(1),
    kafka: ["max.in.flight.requests.per.connection", "max.in.flight"],
  },
  deliveryTimeoutMs: { ...int(1), kafka: ["delivery.timeout.ms", "message.timeout.ms"] },
  maxRequestSize: { ...int(1, INT32_MAX), kafka: ["max.request.size"] },
  compression: {
    ...oneOf(Object.keys(CompressionType)),
    kafka: ["compression.type", "compression.codec"],
  },
  idempotent: { ...bool(), kafka: ["enable.idempotence"] },
  transactionalId: { ...string(), kafka: ["transactional.id"] },
  transactionTimeoutMs: { ...int(1, INT32_MAX), kafka: ["transaction.timeout.ms"] },
  allowAutoTopicCreation: { ...bool(), kafka: ["allow.auto.create.topics"] },
  partitioner,
  keySerializer: { ...func(), kafka: ["key.serializer"] },
  valueSerializer: { ...func(), kafka: ["value.serializer"] },
  onDelivery: func(),
} satisfies OptionTable<ProducerOptions>;

/** The producer's table, named for messages. */
export const PRODUCER: ClientOptions = registerClient({ client: "Producer", table: PRODUCER_OPTIONS });

/** Checks a producer's options; throws a `TypeError`/`RangeError` naming the first bad or unknown one. */
export function checkProducerOptions(options: unknown): void {
  checkOptions(options, PRODUCER);
}

/**
 * Producer options from Java / librdkafka style properties, for a config file brought over: values are
 * read from their text (`"5"` is 5, `"true"` is true, `acks` `"all"` or `"-1"`, `bootstrap.servers` a comma
 * list), `security.protocol`, `ssl.*.pem` and `sasl.*` become `tls` and `sasl`. A key that does not map
 * cleanly throws, naming it and the key meant where it is close. Give functions (serializers,
 * `onDelivery`, a partitioner) in code: `{ ...producerOptionsFromProperties(props), onDelivery }`.
 *
 * @example
 * ```ts
 * const producer = new Producer(producerOptionsFromProperties({
 *   "bootstrap.servers": "broker1:9092,broker2:9092",
 *   "acks": "all",
 *   "linger.ms": "10",
 *   "compression.type": "lz4",
 * }));
 * ```
 */
export function producerOptionsFromProperties(properties: Properties): ProducerOptions {
  return propertiesToOptions(properties, PRODUCER) as unknown as ProducerOptions;
}
