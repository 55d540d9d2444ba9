// Streams a Kafka topic to browsers as Server-Sent Events with `Deno.serve`. Each HTTP client gets a consumer
// of its own: `consumer.stream()` is piped through a TransformStream that turns records into events, into the
// response body. When the response ends, as when the client goes away, its consumer is closed.
//
//   deno run -A examples/sse-deno.ts          then: curl -N http://127.0.0.1:8000/
//
// KAFKA_BOOTSTRAP names the broker (default 127.0.0.1:9092), KAFKA_TOPIC the topic (default "events"), PORT
// the port (default 8000; 0 picks a free one). Ctrl-C closes every consumer and stops the server.
import { Consumer, type ConsumerRecord } from "../mod.ts"; // in your project: "@kafka-ts/client"

const bootstrapServers = Deno.env.get("KAFKA_BOOTSTRAP") ?? "127.0.0.1:9092";
const topic = Deno.env.get("KAFKA_TOPIC") ?? "events";
const port = Number(Deno.env.get("PORT") ?? 8000);
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

function handle(_request: Request, info: Deno.ServeHandlerInfo): Response {
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
  // Settles once the response is over: sent in full, or cut off by the client going away.
  info.completed.then(close, close);
  console.log(`client connected: consumer of group ${groupId}`);
  return new Response(consumer.stream().pipeThrough(toEvents()), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port,
  onListen: (addr) => console.log(`listening on http://${addr.hostname}:${addr.port}/ for topic ${topic}`),
}, handle);

const stop = async () => {
  await Promise.all([...open].map((close) => close()));
  await server.shutdown();
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
await server.finished;
console.log("server stopped");
