/**
 * An Apache Kafka client for Deno, Bun and Node from one TypeScript core: a producer with a
 * `WritableStream`, a consumer that is a `ReadableStream` (alone or in a consumer group), an admin
 * client, TLS and SASL, and the protocol layer underneath (connections, every client-facing Kafka API as
 * typed codecs, RecordBatch v2).
 *
 * @example Produce, then read back as a stream
 * ```ts
 * import { Consumer, Producer } from "./mod.ts";
 *
 * const producer = new Producer({ bootstrapServers: "127.0.0.1:9092" });
 * await producer.send({ topic: "events", key: "user-1", value: "signed up" });
 * await producer.close();
 *
 * const consumer = new Consumer({
 *   bootstrapServers: "127.0.0.1:9092",
 *   groupId: "audit",
 *   autoOffsetReset: "earliest",
 * });
 * consumer.subscribe(["events"]);
 * for await (const record of consumer) {
 *   console.log(record.offset, new TextDecoder().decode(record.value!));
 *   break;
 * }
 * await consumer.close();
 * ```
 *
 * @module
 */

export * from "./src/api.ts";
export { defaultAdapter, detectRuntime, type RuntimeName } from "./src/transport/runtime.ts";
