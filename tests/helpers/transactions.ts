// Reading a topic back with our consumer at either isolation level, and counting the requests a client
// sends (to tell the classic transaction protocol from KIP-890's).
import { Consumer } from "../../src/consumer/consumer.ts";
import type { ConsumerRecord } from "../../src/consumer/types.ts";
import { defaultAdapter } from "../../src/transport/runtime.ts";
import type { SocketAdapter } from "../../src/transport/socket.ts";
import { bootstrap } from "./broker.ts";
import { apiKeyOf, wrapSockets } from "./reset-adapter.ts";

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

/**
 * Real sockets whose answers to EndTxn (API key 26) carry `errorCode` instead of the broker's own: as a
 * coordinator would answer whose state of the transaction differs from the producer's. The answer frames
 * are followed across reads.
 */
export function endTxnAnswering(errorCode: number): { adapter: SocketAdapter; rewritten: () => number } {
  let rewritten = 0;
  const adapter = wrapSockets((socket) => {
    // Correlation id -> request version of the EndTxn requests written on this connection.
    const endTxn = new Map<number, number>();
    let left = 0; // bytes of the current answer frame still to come
    const header = new Uint8Array(15);
    let have = 0; // bytes of the next frame's start gathered so far
    const patch = (frame: Uint8Array) => {
      const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const version = endTxn.get(v.getInt32(4));
      if (version === undefined) return;
      // size, correlation id, tagged fields from version 3 (flexible), throttle time, then the error code.
      v.setInt16(version >= 3 ? 13 : 12, errorCode);
      rewritten++;
    };
    return {
      readable: socket.readable.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            let pos = 0;
            while (pos < chunk.length) {
              if (left > 0) {
                const n = Math.min(left, chunk.length - pos);
                left -= n;
                pos += n;
                continue;
              }
              // A new frame: its first 15 bytes decide; patch in place when they lie in this read.
              if (have === 0 && chunk.length - pos >= 15) {
                patch(chunk.subarray(pos, pos + 15));
                left = new DataView(chunk.buffer, chunk.byteOffset + pos).getInt32(0) + 4;
                continue;
              }
              // The start of a frame split across reads: only its length is needed to move on.
              const n = Math.min(15 - have, chunk.length - pos);
              header.set(chunk.subarray(pos, pos + n), have);
              have += n;
              pos += n;
              if (have >= 4) {
                left = new DataView(header.buffer).getInt32(0) + 4 - have;
                have = 0;
              }
            }
            out.enqueue(chunk);
          },
        }),
      ),
      write(bytes: Uint8Array) {
        if (apiKeyOf(bytes) === 26) {
          const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          endTxn.set(v.getInt32(8), v.getInt16(6));
        }
        return socket.write(bytes);
      },
    };
  });
  return { adapter, rewritten: () => rewritten };
}
