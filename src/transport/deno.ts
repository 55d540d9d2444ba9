/** Socket adapter for Deno, over `Deno.connect` / `Deno.connectTls`, which already speak Web Streams. */
import {
  abortError,
  ConnectionError,
  type ConnectOptions,
  isTlsFailure,
  type Socket,
  type SocketAdapter,
  streamWrites,
  TlsError,
  tlsError,
  type TlsOptions,
} from "./socket.ts";

/**
 * The parts of Deno's API this adapter uses. Declared here rather than taken from Deno's own types so that
 * the npm build, compiled by plain `tsc`, needs no Deno type package.
 */
interface DenoConn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  close(): void;
}
interface DenoTcpConn extends DenoConn {
  setNoDelay(noDelay?: boolean): void;
}
interface DenoTlsConn extends DenoConn {
  handshake(): Promise<unknown>;
}
interface DenoNamespace {
  connect(o: { hostname: string; port: number }): Promise<DenoTcpConn>;
  connectTls(o: {
    hostname: string;
    port: number;
    caCerts?: string[];
    cert?: string;
    key?: string;
  }): Promise<DenoTlsConn>;
  startTls(conn: DenoTcpConn, o: { hostname?: string; caCerts?: string[] }): Promise<DenoTlsConn>;
}

function deno(): DenoNamespace {
  return (globalThis as unknown as { Deno: DenoNamespace }).Deno;
}

export const denoAdapter: SocketAdapter = {
  async connect(o: ConnectOptions): Promise<Socket> {
    if (o.signal?.aborted) throw abortError(o.signal);
    const tls = o.tls;
    if (tls?.rejectUnauthorized === false) {
      throw new TlsError(
        "tls.rejectUnauthorized=false is not supported on Deno; trust the server's CA through tls.ca instead",
      );
    }
    if (tls?.serverName !== undefined && tls.serverName !== o.host && tls.cert !== undefined) {
      // Deno.startTls, the only way to verify a name other than the host, takes no client certificate.
      throw new TlsError(
        "tls.serverName other than the host together with a client certificate is not supported on Deno",
      );
    }
    let conn: DenoConn;
    try {
      if (tls) {
        const tlsConn = await raceAbort(connectTls(o.host, o.port, tls), o.signal);
        try {
          // Deno handshakes lazily; do it now so that a bad certificate fails the connect, not a read.
          await raceAbort(tlsConn.handshake().then(() => tlsConn), o.signal);
        } catch (e) {
          try {
            tlsConn.close();
          } catch { /* already closed */ }
          throw e;
        }
        conn = tlsConn;
      } else {
        conn = await raceAbort(deno().connect({ hostname: o.host, port: o.port }), o.signal);
      }
    } catch (e) {
      if (o.signal?.aborted) throw abortError(o.signal);
      if (tls && isTlsFailure(e)) throw tlsError(o.host, o.port, e);
      throw new ConnectionError(`cannot connect to ${o.host}:${o.port}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if ("setNoDelay" in conn) (conn as DenoTcpConn).setNoDelay(true);
    return wrap(conn, tls ? o : undefined);
  },
};

async function connectTls(host: string, port: number, tls: TlsOptions): Promise<DenoTlsConn> {
  const caCerts = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
  if (tls.serverName !== undefined && tls.serverName !== host) {
    // Connect to the host, verify the certificate against the other name.
    const tcp = await deno().connect({ hostname: host, port });
    tcp.setNoDelay(true);
    try {
      return await deno().startTls(tcp, { hostname: tls.serverName, caCerts });
    } catch (e) {
      tcp.close();
      throw e;
    }
  }
  const conn = await deno().connectTls({
    hostname: host,
    port,
    caCerts,
    ...(tls.cert !== undefined && tls.key !== undefined ? { cert: tls.cert, key: tls.key } : {}),
  });
  return conn;
}

/** Resolves with the connection, or closes it if the signal fired first. */
function raceAbort<C extends DenoConn>(attempt: Promise<C>, signal?: AbortSignal): Promise<C> {
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

/** `tlsPeer` is set for TLS connections, so that a TLS alert after the handshake is named as such. */
function wrap(conn: DenoConn, tlsPeer?: { host: string; port: number }): Socket {
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
        controller.error(
          tlsPeer && isTlsFailure(e)
            ? tlsError(tlsPeer.host, tlsPeer.port, e)
            : new ConnectionError(`read failed: ${(e as Error).message}`, { cause: e }),
        );
      }
    },
    cancel() {
      void close();
    },
  });
  return {
    readable,
    ...streamWrites(
      writer,
      () => closing,
      () => void close(),
      (e) => new ConnectionError(`write failed: ${(e as Error).message}`, { cause: e }),
    ),
    close,
    closed,
  };
}
