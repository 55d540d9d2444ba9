/**
 * The seam between the runtime-agnostic core and each runtime's sockets.
 *
 * Everything above this folder talks to a {@link Socket}; only the adapters in this folder touch
 * `Deno.*`, `Bun.*` or `node:*`.
 */

import { KafkaClientError } from "../errors.ts";

/** TLS settings for a connection. PEM strings throughout. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM). When omitted, the runtime's default trust store is used. */
  ca?: string | string[];
  /** Client certificate chain (PEM), for mutual TLS. */
  cert?: string;
  /** Client private key (PEM), for mutual TLS. */
  key?: string;
  /** Name to verify the server certificate against (and send as SNI). Defaults to the host. */
  serverName?: string;
  /** Verify the server certificate. Defaults to `true`; turning it off is explicit and insecure. */
  rejectUnauthorized?: boolean;
}

/** Where and how to connect. */
export interface ConnectOptions {
  /** Host name or IP address. */
  host: string;
  /** TCP port. */
  port: number;
  /** TLS settings; plaintext when absent. */
  tls?: TlsOptions;
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
}

/** One byte stream to a broker. */
export interface Socket {
  /** Bytes as they arrive. Reading is pull-based: the adapter stops reading when the stream is full. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Resolves when the runtime has accepted all the bytes (this is where backpressure lives). */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Optional: writes the pieces of one frame in order, as `write` would their concatenation. The runtime
   * may hold the arrays until they are sent, so they are not copied. Without it the pieces are joined
   * into one `write`, so an adapter that looks at whole frames keeps seeing whole frames.
   */
  writev?(chunks: readonly Uint8Array[]): Promise<void>;
  /** Closes both directions. Safe to call more than once. */
  close(): Promise<void>;
  /** Resolves when the socket is closed, for whatever reason. */
  readonly closed: Promise<void>;
}

/** Opens sockets. Pass your own to route through a proxy, inject faults, or support another runtime. */
export interface SocketAdapter {
  /** Opens a socket; rejects with `ConnectionError` when it cannot. */
  connect(options: ConnectOptions): Promise<Socket>;
}

/** The connection could not be made or was lost. Retriable: a new connection may succeed. */
export class ConnectionError extends KafkaClientError {
  /** Always `"ConnectionError"` (or the subclass's name). */
  override name: string = "ConnectionError";
  /** A new connection may succeed. */
  override readonly retriable: boolean = true;
  /** A connection failure with its cause. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The TLS handshake failed or the peer ended TLS with an alert: an untrusted or expired certificate, a
 * name that does not match, a client certificate the broker refused. Not retriable, as in the Java
 * client: the same settings fail the same way. `cause` holds the runtime's own error.
 *
 * @example
 * ```ts
 * try {
 *   await cluster.refreshMetadata([]);
 * } catch (e) {
 *   if (e instanceof TlsError) console.error("check tls.ca / tls.cert:", e.message);
 * }
 * ```
 */
export class TlsError extends ConnectionError {
  /** Always `"TlsError"`. */
  override name = "TlsError";
  /** Retrying with the same certificates fails the same way. */
  override readonly retriable: boolean = false;
}

/**
 * True when a socket error comes from the TLS layer. Runtimes name these differently: Node and Bun use
 * OpenSSL codes (`ERR_SSL_*`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `EPROTO`), Deno uses rustls messages
 * (`invalid peer certificate`, `received fatal alert`).
 */
export function isTlsFailure(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  if (e instanceof TlsError) return true;
  const code = (e as { code?: unknown }).code;
  if (
    typeof code === "string" &&
    /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_|EPROTO$)/.test(code)
  ) return true;
  const message = (e as { message?: unknown }).message;
  return typeof message === "string" &&
    /certificate|fatal alert|handshake|SSL routines|tls alert|altnames|secure TLS connection/i.test(message);
}

/** Wraps a runtime's TLS failure, naming the broker. */
export function tlsError(host: string, port: number, e: unknown): TlsError {
  const why = e instanceof Error ? e.message : String(e);
  return new TlsError(`TLS with ${host}:${port} failed: ${why}`, { cause: e });
}

/** The abort reason or a generic error when a signal fired before the socket was ready. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new ConnectionError("connection attempt aborted");
}

/**
 * `write` and `writev` over a Web stream's writer (the Deno and Workers sockets): nothing is written once
 * the socket is `closing()`; a failed write closes it and fails with the error `failed` makes of the cause.
 * A write resolves when the platform took the bytes: that is the backpressure. `writev` hands a frame's
 * pieces over together (the stream keeps their order) instead of waiting for each in turn.
 */
export function streamWrites(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  closing: () => boolean,
  close: () => void,
  failed: (e: unknown) => Error,
): Pick<Socket, "write" | "writev"> {
  const guarded = async (written: () => Promise<unknown>): Promise<void> => {
    if (closing()) throw new ConnectionError("socket is closed");
    try {
      await written();
    } catch (e) {
      close();
      throw failed(e);
    }
  };
  return {
    write: (bytes) => guarded(() => writer.write(bytes)),
    writev: (chunks) => guarded(() => Promise.all(chunks.map((c) => writer.write(c)))),
  };
}
