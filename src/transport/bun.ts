/** Socket adapter for Bun, over `Bun.connect`: partial writes are queued and finished on `drain`. */
import {
  abortError,
  ConnectionError,
  type ConnectOptions,
  type Socket,
  type SocketAdapter,
} from "./socket.ts";

/** The parts of Bun's socket API this adapter uses (Bun's own types are not a dependency). */
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(on: boolean): void;
}
interface BunHandlers {
  data(s: BunSocket, data: Uint8Array): void;
  drain(s: BunSocket): void;
  close(s: BunSocket, error?: Error): void;
  error(s: BunSocket, error: Error): void;
  end(s: BunSocket): void;
  connectError(s: BunSocket, error: Error): void;
}
interface BunTls {
  ca?: string | string[];
  cert?: string;
  key?: string;
  serverName?: string;
  rejectUnauthorized?: boolean;
}
interface BunGlobal {
  connect(
    o: { hostname: string; port: number; tls?: BunTls | boolean; socket: BunHandlers },
  ): Promise<BunSocket>;
}

function bun(): BunGlobal {
  return (globalThis as unknown as { Bun: BunGlobal }).Bun;
}

export const bunAdapter: SocketAdapter = {
  async connect(o: ConnectOptions): Promise<Socket> {
    if (o.signal?.aborted) throw abortError(o.signal);
    const state = new BunSocketState();
    const t = o.tls;
    let raw: BunSocket;
    try {
      const attempt = bun().connect({
        hostname: o.host,
        port: o.port,
        tls: t
          ? {
            ca: t.ca,
            cert: t.cert,
            key: t.key,
            serverName: t.serverName ?? o.host,
            rejectUnauthorized: t.rejectUnauthorized ?? true,
          }
          : undefined,
        socket: state.handlers(),
      });
      raw = await raceAbort(attempt, o.signal);
    } catch (e) {
      if (o.signal?.aborted) throw abortError(o.signal);
      throw new ConnectionError(`cannot connect to ${o.host}:${o.port}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    raw.setNoDelay(true);
    return state.attach(raw);
  },
};

function raceAbort(attempt: Promise<BunSocket>, signal?: AbortSignal): Promise<BunSocket> {
  if (!signal) return attempt;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    attempt.then((s) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) s.terminate();
      else resolve(s);
    }, (e) => {
      signal.removeEventListener("abort", onAbort);
      reject(e);
    });
  });
}

interface PendingWrite {
  bytes: Uint8Array;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Bridges Bun's callback handlers to a Web Streams `Socket`. */
class BunSocketState {
  #sock: BunSocket | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #queue: PendingWrite[] = [];
  #done = false;
  #failure: Error | undefined;
  #resolveClosed!: () => void;
  readonly closed = new Promise<void>((r) => (this.#resolveClosed = r));
  readonly readable: ReadableStream<Uint8Array>;

  constructor() {
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#controller = c;
      },
      pull: () => this.#sock?.resume(),
      cancel: () => this.#sock?.terminate(),
    });
  }

  handlers(): BunHandlers {
    return {
      data: (s, data) => {
        if (this.#done) return;
        this.#controller.enqueue(data);
        if ((this.#controller.desiredSize ?? 1) <= 0) s.pause();
      },
      drain: () => this.#flush(),
      error: (_s, e) => {
        this.#failure = new ConnectionError(`socket error: ${e.message}`, { cause: e });
      },
      connectError: (_s, e) => {
        this.#failure = new ConnectionError(`connect failed: ${e.message}`, { cause: e });
      },
      end: (s) => s.end(),
      close: (_s, e) => {
        if (e && !this.#failure) {
          this.#failure = new ConnectionError(`socket closed: ${e.message}`, { cause: e });
        }
        this.#finish();
      },
    };
  }

  attach(sock: BunSocket): Socket {
    this.#sock = sock;
    return {
      readable: this.readable,
      write: (bytes) => this.#write(bytes),
      close: () => {
        if (!this.#done) sock.end();
        const timer = setTimeout(() => sock.terminate(), 1000);
        return this.closed.finally(() => clearTimeout(timer));
      },
      closed: this.closed,
    };
  }

  #write(bytes: Uint8Array): Promise<void> {
    if (this.#done) return Promise.reject(this.#failure ?? new ConnectionError("socket is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ bytes, resolve, reject });
      if (this.#queue.length === 1) this.#flush();
    });
  }

  /** Writes queued bytes until the kernel buffer is full; `drain` calls it again. */
  #flush(): void {
    const sock = this.#sock;
    if (!sock) return;
    while (this.#queue.length > 0) {
      const head = this.#queue[0];
      const n = sock.write(head.bytes);
      if (n < 0) return; // closed: `close` rejects what is queued
      if (n < head.bytes.length) {
        head.bytes = head.bytes.subarray(n);
        return;
      }
      this.#queue.shift();
      head.resolve();
    }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    const err = this.#failure ?? new ConnectionError("socket closed");
    for (const w of this.#queue) w.reject(err);
    this.#queue = [];
    try {
      if (this.#failure) this.#controller.error(this.#failure);
      else this.#controller.close();
    } catch { /* stream already cancelled */ }
    this.#resolveClosed();
  }
}
