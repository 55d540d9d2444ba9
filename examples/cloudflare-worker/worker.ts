// A Cloudflare Worker that writes to Kafka and reads it back, over the Workers socket API
// (cloudflare:sockets). Deploy with `wrangler deploy` from this folder; set KAFKA_BOOTSTRAP in
// wrangler.toml (a broker with a certificate from a public CA: add `tls: {}` below for TLS).
//   POST /produce?topic=events             the request body becomes one record; answers its offset
//   GET  /recent?topic=events&count=10     the last `count` records of partition 0
// In your own Worker, import from "@kafka-ts/client": bundlers pick the Workers entry by its `workerd`
// export condition. A socket belongs to the request that opened it, so each request opens its clients
// and closes them before answering.
import { Consumer, Producer } from "../../workers.ts";

interface Env {
  KAFKA_BOOTSTRAP: string;
}

async function produce(env: Env, topic: string, body: string): Promise<Response> {
  const producer = new Producer({ bootstrapServers: env.KAFKA_BOOTSTRAP });
  try {
    const { partition, offset } = await producer.send({ topic, partition: 0, value: body });
    return Response.json({ partition, offset: String(offset) });
  } finally {
    await producer.close();
  }
}

async function recent(env: Env, topic: string, count: number): Promise<Response> {
  const consumer = new Consumer({ bootstrapServers: env.KAFKA_BOOTSTRAP });
  const tp = { topic, partition: 0 };
  try {
    consumer.assign([tp]);
    const end = (await consumer.endOffsets([tp])).values().next().value ?? 0n;
    const start = end > BigInt(count) ? end - BigInt(count) : 0n;
    consumer.seek(tp, start);
    const records: { offset: string; value: string | null }[] = [];
    let polls = 0;
    while (start + BigInt(records.length) < end && polls++ < 10) {
      for (const r of await consumer.poll(1000)) {
        if (r.offset >= end) break;
        records.push({ offset: String(r.offset), value: r.value && new TextDecoder().decode(r.value) });
      }
    }
    return Response.json(records);
  } finally {
    await consumer.close();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const topic = url.searchParams.get("topic");
    if (!topic) return new Response("?topic= is required", { status: 400 });
    if (request.method === "POST" && url.pathname === "/produce") {
      return produce(env, topic, await request.text());
    }
    if (request.method === "GET" && url.pathname === "/recent") {
      return recent(env, topic, Number(url.searchParams.get("count") ?? 10));
    }
    return new Response("not found", { status: 404 });
  },
};
