// Streams a Kafka topic to browsers as Server-Sent Events with `Bun.serve`. Each HTTP client gets a consumer
// of its own: `consumer.stream()` is piped through a TransformStream that turns records into events, into the
// response body. When the client goes away (`request.signal` aborts) its consumer is closed.
//
//   bun examples/sse-bun.ts          then: curl -N http://127.0.0.1:8000/
//
// KAFKA_BOOTSTRAP names the broker (default 127.0.0.1:9092), KAFKA_TOPIC the topic (default "events"), PORT
// the port (default 8000; 0 picks a free one). Ctrl-C closes every consumer and stops the server.
import process from "node:process";
import { Consumer, type ConsumerRecord } from "../mod.ts"; // in your project: "@kafka-ts/client"

// The part of Bun's API used here; in a Bun project, `@types/bun` declares it.
declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch(request: Request): Response;
  }): { hostname: string; port: number; stop(closeActiveConnections?: boolean): Promise<void> };
};

const bootstrapServers = process.env.KAFKA_BOOTSTRAP ?? "127.0.0.1:9092";
const topic = process.env.KAFKA_TOPIC ?? "events";
const port = Number(process.env.PORT ?? 8000);
const open = new Set<() => Promise<void>>();

/** One event per record: its position as the id, the record as JSON data (one line, so no escaping). */
function toEvents(): TransformStream<ConsumerRecord, Uint8Array> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return new TransformStream({
    transform(r, controller) {
      const data = JSON.stringify({
        partition: r.partition,
        offset: String(r.offset),
        key: r.key && decoder.decode(r.key),
        value: r.value && decoder.decode(r.value),
      });
      controller.enqueue(encoder.encode(`id: ${r.partition}-${r.offset}\ndata: ${data}\n\n`));
    },
  });
}

function handle(request: Request): Response {
  // A group per client, so that every client sees every record, from the beginning of the topic. Nothing is
  // committed, so the group leaves nothing behind on the broker.
  const groupId = `sse-${crypto.randomUUID()}`;
  const consumer = new Consumer({
    bootstrapServers,
    groupId,
    autoOffsetReset: "earliest",
    enableAutoCommit: false,
  });
  consumer.subscribe([topic]);
  const close = async () => {
    if (!open.delete(close)) return;
    await consumer.close(); // leaves the group and ends the stream, which ends the response
    console.log(`client gone: consumer of group ${groupId} closed`);
  };
  open.add(close);
  request.signal.addEventListener("abort", close, { once: true });
  console.log(`client connected: consumer of group ${groupId}`);
  return new Response(consumer.stream().pipeThrough(toEvents()), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

// idleTimeout 0: an event stream may stay quiet for longer than Bun's default of 10 s.
const server = Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch: handle });
console.log(`listening on http://${server.hostname}:${server.port}/ for topic ${topic}`);

const stop = async () => {
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  await Promise.all([...open].map((close) => close()));
  await server.stop();
  console.log("server stopped");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
