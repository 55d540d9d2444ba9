/** Socket adapter for Bun, over `Bun.connect`: partial writes are queued and finished on `drain`. */
import {
  abortError,
  ConnectionError,
  type ConnectOptions,
  isTlsFailure,
  type Socket,
  type SocketAdapter,
  tlsError,
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
  handshake(s: BunSocket, success: boolean, authorizationError: Error | null): void;
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
    const t = o.tls;
    const state = new BunSocketState(t ? o : undefined);
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
    if (t) {
      // Bun resolves once TCP is up; the certificate is checked in the handshake that follows.
      try {
        await raceAbort(state.handshake, o.signal);
      } catch (e) {
        raw.terminate();
        if (o.signal?.aborted) throw abortError(o.signal);
        throw e;
      }
    }
    raw.setNoDelay(true);
    return state.attach(raw);
  },
};

function raceAbort<T>(attempt: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return attempt;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    attempt.then((s) => {
      signal.removeEventListener("abort", onAbort);
      if (signal.aborted) (s as { terminate?: () => void }).terminate?.();
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
  readonly #tlsPeer: { host: string; port: number } | undefined;
  #handshakeDone!: (e?: Error) => void;
  /** Settles when the TLS handshake is over: rejects with `TlsError` when it failed. */
  readonly handshake: Promise<void>;

  /** `tlsPeer` is set for TLS sockets. */
  constructor(tlsPeer?: { host: string; port: number }) {
    this.#tlsPeer = tlsPeer;
    this.handshake = new Promise<void>((resolve, reject) => {
      this.#handshakeDone = (e) => (e ? reject(e) : resolve());
    });
    this.handshake.catch(() => {}); // observed by connect; never an unhandled rejection
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
        // Bun hands over a Buffer; record keys and values are views of these bytes, and they should
        // be plain Uint8Arrays on every runtime (same memory, no copy).
        this.#controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if ((this.#controller.desiredSize ?? 1) <= 0) s.pause();
      },
      drain: () => this.#flush(),
      handshake: (_s, success, authorizationError) => {
        const peer = this.#tlsPeer!;
        // `success` is true when verification is off, whatever `authorizationError` says.
        this.#handshakeDone(success ? undefined : tlsError(peer.host, peer.port, authorizationError));
      },
      error: (_s, e) => {
        // With TLS 1.3 the broker refuses a client certificate only after the client's handshake is done.
        this.#failure = this.#tlsPeer && isTlsFailure(e)
          ? tlsError(this.#tlsPeer.host, this.#tlsPeer.port, e)
          : new ConnectionError(`socket error: ${e.message}`, { cause: e });
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
      writev: (chunks) => {
        // Queued in order; the last settles once all of them are with the kernel.
        for (let i = 0; i < chunks.length - 1; i++) this.#write(chunks[i]).catch(() => {});
        return this.#write(chunks[chunks.length - 1]);
      },
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
    if (this.#tlsPeer) {
      const { host, port } = this.#tlsPeer;
      this.#handshakeDone(
        this.#failure instanceof Error && isTlsFailure(this.#failure)
          ? this.#failure
          : tlsError(host, port, new Error("connection closed during the TLS handshake")),
      );
    }
    for (const w of this.#queue) w.reject(err);
    this.#queue = [];
    try {
      if (this.#failure) this.#controller.error(this.#failure);
      else this.#controller.close();
    } catch { /* stream already cancelled */ }
    this.#resolveClosed();
  }
}
