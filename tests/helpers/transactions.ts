// Reading a topic back with our consumer at either isolation level, and counting the requests a client
// sends (to tell the classic transaction protocol from KIP-890's).
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerRecord } from "../../src/consumer/types.ts";
import { defaultAdapter } from "../../src/transport/runtime.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";
import { bootstrap } from "./broker.ts";

const dec = new TextDecoder();

/**
 * Every record of `topic` from the start up to the end offsets taken when called (for read_committed:
 * the last stable offset), with our consumer and no group. With `settle` (the default for read_committed)
 * it first waits, up to 10 s, until no transaction is open or completing there: a commit returns before the
 * coordinator has written its markers, and until then the last stable offset lags behind.
 */
export async function readTopic(
  topic: string,
  partitions: number,
  isolationLevel: "read_committed" | "read_uncommitted",
  bootstrapServers = bootstrap(),
  settle = isolationLevel === "read_committed",
): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers, isolationLevel, autoOffsetReset: "earliest" });
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  try {
    if (settle) await settled(bootstrapServers, tps, consumer);
    consumer.assign(tps);
    const end = await consumer.endOffsets(tps);
    const out: ConsumerRecord[] = [];
    const deadline = performance.now() + 30_000;
    for (;;) {
      let done = true;
      for (const tp of tps) {
        if ((await consumer.position(tp)) < end.get(`${tp.topic}:${tp.partition}`)!) done = false;
      }
      if (done || performance.now() > deadline) break;
      out.push(...await consumer.poll(500));
    }
    return out;
  } finally {
    await consumer.close();
  }
}

/** Waits until the last stable offsets (of `committed`) reach the high watermarks. */
async function settled(
  bootstrapServers: string,
  tps: { topic: string; partition: number }[],
  committed: Consumer,
): Promise<void> {
  const uncommitted = new Consumer({ bootstrapServers });
  try {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      const [lso, hw] = await Promise.all([committed.endOffsets(tps), uncommitted.endOffsets(tps)]);
      if ([...hw].every(([k, v]) => lso.get(k) === v)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await uncommitted.close();
  }
}

/** The values of records as text. */
export function values(records: readonly ConsumerRecord[]): string[] {
  return records.map((r) => dec.decode(r.value!));
}

/** An adapter that counts the requests written, by API key (one frame per write, as Connection writes). */
export async function countingAdapter(): Promise<
  { adapter: SocketAdapter; count: (apiKey: number) => number }
> {
  const inner = await defaultAdapter();
  const counts = new Map<number, number>();
  const adapter: SocketAdapter = {
    async connect(o) {
      const socket = await inner.connect(o);
      return {
        readable: socket.readable,
        closed: socket.closed,
        close: () => socket.close(),
        write(bytes: Uint8Array) {
          if (bytes.length >= 6) {
            const key = (bytes[4] << 8) | bytes[5];
            counts.set(key, (counts.get(key) ?? 0) + 1);
          }
          return socket.write(bytes);
        },
      };
    },
  };
  return { adapter, count: (k) => counts.get(k) ?? 0 };
}
