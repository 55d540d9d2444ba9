/** Socket adapter for Node (and anything else that implements `node:net` / `node:tls`). */
import * as net from "node:net";
import * as tls from "node:tls";
import {
  abortError,
  ConnectionError,
  type ConnectOptions,
  isTlsFailure,
  type Socket,
  type SocketAdapter,
  tlsError,
} from "./socket.ts";

export const nodeAdapter: SocketAdapter = {
  connect(o: ConnectOptions): Promise<Socket> {
    return new Promise((resolve, reject) => {
      if (o.signal?.aborted) return reject(abortError(o.signal));
      const t = o.tls;
      const sock: net.Socket = t
        ? tls.connect({
          host: o.host,
          port: o.port,
          ca: t.ca,
          cert: t.cert,
          key: t.key,
          servername: t.serverName ?? (net.isIP(o.host) ? undefined : o.host),
          rejectUnauthorized: t.rejectUnauthorized ?? true,
        })
        : net.createConnection({ host: o.host, port: o.port });
      const onAbort = () => {
        sock.destroy();
        reject(abortError(o.signal!));
      };
      o.signal?.addEventListener("abort", onAbort, { once: true });
      const onError = (e: Error) => {
        o.signal?.removeEventListener("abort", onAbort);
        sock.destroy();
        reject(
          t && isTlsFailure(e)
            ? tlsError(o.host, o.port, e)
            : new ConnectionError(`cannot connect to ${o.host}:${o.port}: ${e.message}`, { cause: e }),
        );
      };
      sock.once("error", onError);
      sock.once(t ? "secureConnect" : "connect", () => {
        o.signal?.removeEventListener("abort", onAbort);
        sock.off("error", onError);
        sock.setNoDelay(true);
        resolve(wrap(sock, t ? o : undefined));
      });
    });
  },
};

/** `tlsPeer` is set for TLS sockets, so that a TLS alert after the handshake is named as such. */
function wrap(sock: net.Socket, tlsPeer?: { host: string; port: number }): Socket {
  let failure: Error | undefined;
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
  let drainWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      sock.on("data", (chunk: Uint8Array) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        // Stop reading from the kernel while the consumer is behind: real backpressure.
        if ((controller.desiredSize ?? 1) <= 0) sock.pause();
      });
      sock.on("error", (e: Error) => {
        // With TLS 1.3 the broker refuses a client certificate only after the client's handshake is done.
        failure = tlsPeer && isTlsFailure(e)
          ? tlsError(tlsPeer.host, tlsPeer.port, e)
          : new ConnectionError(`socket error: ${e.message}`, { cause: e });
      });
      sock.once("close", () => {
        for (const w of drainWaiters) w.reject(failure ?? new ConnectionError("socket closed"));
        drainWaiters = [];
        if (failure) controller.error(failure);
        else {
          try {
            controller.close();
          } catch { /* already errored or closed */ }
        }
      });
    },
    pull() {
      if (sock.isPaused()) sock.resume();
    },
    cancel() {
      sock.destroy();
    },
  });
  sock.on("drain", () => {
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w.resolve();
  });
  return {
    readable,
    write(bytes: Uint8Array): Promise<void> {
      if (sock.destroyed || !sock.writable) {
        return Promise.reject(failure ?? new ConnectionError("socket is closed"));
      }
      if (sock.write(bytes)) return Promise.resolve();
      return new Promise((resolve, reject) => drainWaiters.push({ resolve, reject }));
    },
    writev(chunks: readonly Uint8Array[]): Promise<void> {
      if (sock.destroyed || !sock.writable) {
        return Promise.reject(failure ?? new ConnectionError("socket is closed"));
      }
      // Corked, the pieces leave in one gathered write.
      sock.cork();
      let below = true;
      for (const c of chunks) below = sock.write(c);
      sock.uncork();
      if (below) return Promise.resolve();
      return new Promise((resolve, reject) => drainWaiters.push({ resolve, reject }));
    },
    close(): Promise<void> {
      // Once everything written is with the kernel (which still delivers it), nothing more is wanted
      // from the peer: do not wait for its FIN, which a broker holding a long-poll Fetch sends late.
      sock.end(() => sock.destroy());
      // A socket that cannot flush must not hold the close forever.
      const timer = setTimeout(() => sock.destroy(), 1000);
      return closed.finally(() => clearTimeout(timer));
    },
    closed,
  };
}
