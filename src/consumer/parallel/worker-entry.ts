/**
 * What runs inside each worker thread: loads the handler module named by the first message, then handles
 * each batch it is sent (records as views of the batch's one buffer) and answers with which ones failed.
 * It uses only the Web worker globals, which the Node adapter provides as well.
 */
import type { ConsumerRecord } from "../types.ts";
import { unpackBatch, type WireBatch } from "./wire.ts";

/** A message to a worker. */
export type ToWorker = { type: "init"; module: string } | { type: "batch"; id: number; batch: WireBatch };
/** A message from a worker: ready, could not load, or a batch's outcome (indexes of failures, messages). */
export type FromWorker =
  | { type: "ready" }
  | { type: "init-failed"; message: string }
  | { type: "done"; id: number; failed: number[]; messages: string[] };

type Handler = (record: ConsumerRecord) => unknown;

const scope = globalThis as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((e: { data: ToWorker }) => void) | null;
};

let handler: Handler | undefined;

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

async function runBatch(id: number, batch: WireBatch): Promise<void> {
  const records = unpackBatch(batch);
  const failed: number[] = [];
  const messages: string[] = [];
  let pending: Promise<void>[] | undefined;
  for (let i = 0; i < records.length; i++) {
    try {
      const r = handler!(records[i]);
      if (r && typeof (r as Promise<unknown>).then === "function") {
        (pending ??= []).push(
          (r as Promise<unknown>).then(() => {}, (e) => {
            failed.push(i);
            messages.push(describe(e));
          }),
        );
      }
    } catch (e) {
      failed.push(i);
      messages.push(describe(e));
    }
  }
  if (pending) await Promise.all(pending);
  scope.postMessage({ type: "done", id, failed, messages });
}

scope.onmessage = (e) => {
  const m = e.data;
  if (m.type === "batch") {
    void runBatch(m.id, m.batch);
    return;
  }
  import(m.module).then((mod: { handler?: unknown; default?: unknown }) => {
    const f = mod.handler ?? mod.default;
    if (typeof f !== "function") {
      throw new TypeError(`${m.module} exports no handler function (named handler or default)`);
    }
    handler = f as Handler;
    scope.postMessage({ type: "ready" });
  }).catch((err) => scope.postMessage({ type: "init-failed", message: describe(err) }));
};
