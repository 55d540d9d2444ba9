/** The start of a Node worker thread: the Web worker globals over `parentPort`, then the real module. */
import { parentPort, workerData } from "node:worker_threads";

const g = globalThis as unknown as {
  postMessage?: (m: unknown, transfer?: Transferable[]) => void;
  onmessage?: ((e: { data: unknown }) => void) | null;
};
const port = parentPort!;
g.postMessage = (m, transfer) => port.postMessage(m, transfer as never);
port.on("message", (data: unknown) => g.onmessage?.({ data }));
await import((workerData as { entry: string }).entry);
