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
 * the last stable offset), with our consumer and no group.
 */
export async function readTopic(
  topic: string,
  partitions: number,
  isolationLevel: "read_committed" | "read_uncommitted",
  bootstrapServers = bootstrap(),
): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers, isolationLevel, autoOffsetReset: "earliest" });
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
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
