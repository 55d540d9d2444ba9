/** Socket adapter for Deno, over `Deno.connect` / `Deno.connectTls`, which already speak Web Streams. */
import {
  abortError,
  ConnectionError,
  type ConnectOptions,
  type Socket,
  type SocketAdapter,
} from "./socket.ts";

export const denoAdapter: SocketAdapter = {
  async connect(o: ConnectOptions): Promise<Socket> {
    if (o.signal?.aborted) throw abortError(o.signal);
    const tls = o.tls;
    if (tls?.rejectUnauthorized === false) {
      throw new ConnectionError(
        "tls.rejectUnauthorized=false is not supported on Deno; trust the server's CA through tls.ca instead",
      );
    }
    let conn: Deno.Conn;
    try {
      const attempt = tls
        ? Deno.connectTls({
          hostname: o.host,
          port: o.port,
          caCerts: tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca],
          ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
        })
        : Deno.connect({ hostname: o.host, port: o.port });
      conn = await raceAbort(attempt, o.signal);
    } catch (e) {
      if (o.signal?.aborted) throw abortError(o.signal);
      throw new ConnectionError(`cannot connect to ${o.host}:${o.port}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    return wrap(conn);
  },
};

/** Resolves with the connection, or closes it if the signal fired first. */
function raceAbort(attempt: Promise<Deno.Conn>, signal?: AbortSignal): Promise<Deno.Conn> {
  if (!signal) return attempt;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    attempt.then(
      (c) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) {
          try {
            c.close();
          } catch { /* already closed */ }
        } else resolve(c);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function wrap(conn: Deno.Conn): Socket {
  const writer = conn.writable.getWriter();
  let closing = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const close = (): Promise<void> => {
    if (!closing) {
      closing = true;
      try {
        conn.close();
      } catch { /* already closed */ }
      resolveClosed();
    }
    return closed;
  };
  const reader = conn.readable.getReader();
  const readable = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          void close();
        } else controller.enqueue(value);
      } catch (e) {
        // A read interrupted by our own close is the end of the stream, not a failure.
        if (closing) return controller.close();
        void close();
        controller.error(new ConnectionError(`read failed: ${(e as Error).message}`, { cause: e }));
      }
    },
    cancel() {
      void close();
    },
  });
  return {
    readable,
    async write(bytes: Uint8Array): Promise<void> {
      if (closing) throw new ConnectionError("socket is closed");
      try {
        await writer.write(bytes);
      } catch (e) {
        void close();
        throw new ConnectionError(`write failed: ${(e as Error).message}`, { cause: e });
      }
    },
    close,
    closed,
  };
}
