/**
 * Socket adapter for Cloudflare Workers (workerd), over `connect()` from `cloudflare:sockets`, which
 * already speaks Web Streams.
 *
 * TLS is the platform's, verified against the public CAs Workers trust: the socket opens with
 * `secureTransport: "starttls"` and upgrades at once with `startTls({ expectedServerHostname })`, which
 * also honours a `serverName` other than the host. What the
 * platform cannot do (a custom CA, a client certificate, turning verification off) is refused by name
 * rather than connecting with less security than asked for.
 *
 * Workers tie a socket to the request that opened it: create a client inside the request (or Durable
 * Object) that uses it, and close it before the request ends.
 */
import { connect as cfConnect } from "cloudflare:sockets";
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

/** The parts of the `cloudflare:sockets` API this adapter uses (the Workers types are not a dependency). */
interface CfSocket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<unknown>;
  readonly closed: Promise<void>;
  close(): Promise<void>;
  startTls(options?: { expectedServerHostname?: string }): CfSocket;
}
type CfConnect = (
  address: { hostname: string; port: number },
  options: { secureTransport: "off" | "on" | "starttls"; allowHalfOpen: boolean },
) => CfSocket;

const connectSocket = cfConnect as unknown as CfConnect;

/**
 * The Cloudflare Workers adapter: the default one in the Workers entry.
 *
 * @example
 * ```ts
 * const socket = await workersAdapter.connect({ host: "broker.example.com", port: 9094, tls: {} });
 * ```
 */
export const workersAdapter: SocketAdapter = {
  async connect(o: ConnectOptions): Promise<Socket> {
    if (o.signal?.aborted) throw abortError(o.signal);
    if (o.tls) refuseUnsupported(o.tls);
    let sock: CfSocket;
    try {
      // TLS starts on an open TCP connection, so that a failed handshake is told apart from a refusal.
      sock = connectSocket({ hostname: o.host, port: o.port }, {
        secureTransport: o.tls ? "starttls" : "off",
        allowHalfOpen: false,
      });
      await raceAbort(sock, o.signal);
    } catch (e) {
      if (o.signal?.aborted) throw abortError(o.signal);
      throw new ConnectionError(`cannot connect to ${o.host}:${o.port}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (o.tls) {
      try {
        sock = sock.startTls({ expectedServerHostname: o.tls.serverName ?? o.host });
        await raceAbort(sock, o.signal);
      } catch (e) {
        void sock.close().catch(() => {});
        if (o.signal?.aborted) throw abortError(o.signal);
        throw tlsError(o.host, o.port, e);
      }
    }
    return wrap(sock, o.tls ? o : undefined);
  },
};

/** Options Workers cannot honour fail by name: never a connection less secure than the one asked for. */
function refuseUnsupported(tls: TlsOptions): void {
  const refuse = (option: string, why: string) => {
    throw new TlsError(`${option} is not supported on Cloudflare Workers: ${why}`);
  };
  if (tls.ca !== undefined) {
    refuse("tls.ca", "connect() trusts only the platform's public CAs; use a broker certificate they sign");
  }
  if (tls.cert !== undefined || tls.key !== undefined) {
    refuse(tls.cert !== undefined ? "tls.cert" : "tls.key", "connect() cannot present a client certificate");
  }
  if (tls.rejectUnauthorized === false) {
    refuse("tls.rejectUnauthorized=false", "connect() always verifies the server certificate");
  }
}

/** Waits for the socket to open, or closes it if the signal fired first. */
function raceAbort(sock: CfSocket, signal?: AbortSignal): Promise<void> {
  const opened = sock.opened.then(() => {});
  if (!signal) return opened;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      void sock.close().catch(() => {});
      reject(abortError(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    opened.then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** `tlsPeer` is set for TLS sockets, so that a TLS failure after connecting is named as such. */
function wrap(sock: CfSocket, tlsPeer?: { host: string; port: number }): Socket {
  const writer = sock.writable.getWriter();
  const reader = sock.readable.getReader();
  let closing = false;
  // `closed` rejects when the socket fails; ours only says that it is over.
  const closed = sock.closed.then(() => {}, () => {});
  const close = (): Promise<void> => {
    if (!closing) {
      closing = true;
      void sock.close().catch(() => {});
    }
    return closed;
  };
  const failure = (what: string, e: unknown): ConnectionError =>
    tlsPeer && isTlsFailure(e)
      ? tlsError(tlsPeer.host, tlsPeer.port, e)
      : new ConnectionError(`${what} failed: ${(e as Error).message}`, { cause: e });
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
        controller.error(failure("read", e));
      }
    },
    cancel() {
      void close();
    },
  });
  return {
    readable,
    ...streamWrites(writer, () => closing, () => void close(), (e) => failure("write", e)),
    close,
    closed,
  };
}
