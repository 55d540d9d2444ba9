/**
 * One socket to one broker: framing, correlation ids, pipelined requests, per-request timeouts and
 * ApiVersions negotiation.
 */
import { Writer } from "../protocol/writer.ts";
import { concatBytes } from "../codec/bytes.ts";
import { MalformedResponseError, Reader } from "../protocol/reader.ts";
import { ApiVersions } from "../protocol/messages/api-versions.ts";
import { ConnectionError, type Socket, type SocketAdapter, type TlsOptions } from "../transport/socket.ts";
import { RequestTimeoutError, UnsupportedVersionError } from "./errors.ts";
import { ERR, KafkaError } from "../protocol/errors.ts";
import type { SaslOptions } from "./sasl/mechanism.ts";
import { authenticate, type SaslSend } from "./sasl/authenticate.ts";

/** What a connection needs to know of a Kafka API to send it and read its answer. */
export interface Api<Req, Res> {
  /** Kafka's name of the API. */
  readonly name: string;
  /** API key. */
  readonly key: number;
  /** Lowest version this client speaks. */
  readonly minVersion: number;
  /** Highest version this client speaks. */
  readonly maxVersion: number;
  /** Writes the request body at `version`. */
  encodeRequest(w: Writer, req: Req, version: number): void;
  /** Reads the response body at `version`. */
  decodeResponse(r: Reader, version: number): Res;
  /** Request header version used with `version`. */
  requestHeaderVersion(version: number): number;
  /** Response header version that comes with `version`. */
  responseHeaderVersion(version: number): number;
}

/** How to reach one broker. */
export interface ConnectionOptions {
  /** Broker host. */
  host: string;
  /** Broker port. */
  port: number;
  /** Opens the socket. */
  adapter: SocketAdapter;
  /** TLS settings; plaintext when absent. */
  tls?: TlsOptions;
  /** Sent in every request header. */
  clientId?: string | null;
  /** SASL authentication after ApiVersions (checked with `checkSaslOptions`); none when absent. */
  sasl?: SaslOptions;
  /** Time allowed for the TCP (and TLS) connect, ApiVersions and SASL. Default 10 s. */
  connectTimeoutMs?: number;
  /** Default time a request may wait for its answer. Default 30 s. */
  requestTimeoutMs?: number;
  /** Largest response frame accepted; anything larger is treated as corrupt. Default 256 MiB. */
  maxResponseBytes?: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Use exactly this version instead of the highest both sides speak. */
  version?: number;
  /** Overrides the connection's request timeout for this request. */
  timeoutMs?: number;
  /** When false, resolve once written (Produce with acks=0): the broker sends no answer. */
  expectResponse?: boolean;
}

/** A broker's supported version range for one API. */
export interface VersionRange {
  /** Lowest version the broker speaks. */
  min: number;
  /** Highest version the broker speaks. */
  max: number;
}

/** Software name and version sent in ApiVersions (KIP-511). */
export const CLIENT_SOFTWARE_NAME = "kafka-ts";
export const CLIENT_SOFTWARE_VERSION = "0.1.0";

interface Pending {
  api: Api<unknown, unknown>;
  version: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One socket to one broker, with pipelined requests matched to answers by correlation id.
 *
 * @example
 * ```ts
 * const conn = await Connection.connect({ host: "127.0.0.1", port: 9092, adapter: await defaultAdapter() });
 * const metadata = await conn.send(Metadata, { topics: null });
 * await conn.close();
 * ```
 */
export class Connection {
  /** Broker host. */
  readonly host: string;
  /** Broker port. */
  readonly port: number;
  readonly #socket: Socket;
  readonly #clientId: string | null;
  readonly #requestTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #pending = new Map<number, Pending>();
  readonly #lastSize: number[] = [];
  #nextCorrelationId = 0;
  #failure: Error | undefined;
  #versions = new Map<number, VersionRange>();
  #features: ReadonlyMap<string, number> = new Map();
  readonly #sasl: SaslOptions | undefined;
  #authentications = 0;
  #reauthTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while a re-authentication runs: new requests wait for it (KIP-368). */
  #reauthenticating: Promise<void> | undefined;
  /** Resolves when the connection is closed, for whatever reason. */
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  private constructor(socket: Socket, o: ConnectionOptions) {
    this.host = o.host;
    this.port = o.port;
    this.#socket = socket;
    this.#clientId = o.clientId ?? null;
    this.#requestTimeoutMs = o.requestTimeoutMs ?? 30_000;
    this.#maxResponseBytes = o.maxResponseBytes ?? 256 * 1024 * 1024;
    this.#sasl = o.sasl;
    this.closed = new Promise((r) => (this.#resolveClosed = r));
    void this.#readLoop();
  }

  /** Connects, then negotiates API versions. Fails within `connectTimeoutMs`. */
  static async connect(o: ConnectionOptions): Promise<Connection> {
    const timeoutMs = o.connectTimeoutMs ?? 10_000;
    const startedAt = performance.now();
    const ac = new AbortController();
    const timer = setTimeout(
      () => ac.abort(new ConnectionError(`connect to ${o.host}:${o.port} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const socket = await o.adapter.connect({ host: o.host, port: o.port, tls: o.tls, signal: ac.signal });
      const conn = new Connection(socket, o);
      try {
        await conn.#negotiate(timeoutMs);
        if (o.sasl) await conn.#authenticate(timeoutMs - (performance.now() - startedAt));
      } catch (e) {
        await conn.close();
        throw e;
      }
      return conn;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The broker's version ranges, by API key, from its ApiVersions answer. */
  get apiVersions(): ReadonlyMap<number, VersionRange> {
    return this.#versions;
  }

  /** The cluster's finalized feature levels (`transaction.version`, ...) from the ApiVersions answer. */
  get finalizedFeatures(): ReadonlyMap<string, number> {
    return this.#features;
  }

  /**
   * How often this connection authenticated with SASL: 1 after connecting, plus one per
   * re-authentication (KIP-368). 0 without SASL.
   */
  get authentications(): number {
    return this.#authentications;
  }

  /** How long a request waits for its answer unless it says otherwise (`requestTimeoutMs`). */
  get requestTimeoutMs(): number {
    return this.#requestTimeoutMs;
  }

  /** True once the connection failed or was closed. */
  get isClosed(): boolean {
    return this.#failure !== undefined;
  }

  /** The highest version of `api` both sides speak; throws `UnsupportedVersionError` when there is none. */
  versionFor(api: Api<unknown, unknown>): number {
    const broker = this.#versions.get(api.key);
    if (!broker) {
      throw new UnsupportedVersionError(`broker ${this.host}:${this.port} does not support ${api.name}`);
    }
    const max = Math.min(broker.max, api.maxVersion);
    const min = Math.max(broker.min, api.minVersion);
    if (max < min) {
      throw new UnsupportedVersionError(
        `broker ${this.host}:${this.port} speaks ${api.name} v${broker.min}-${broker.max}, ` +
          `this client speaks v${api.minVersion}-${api.maxVersion}: the broker is too old (or too new)`,
      );
    }
    return max;
  }

  /** Sends a request and resolves with the decoded answer. Requests pipeline on the one socket. */
  send<Req, Res>(api: Api<Req, Res>, request: Req, options: RequestOptions = {}): Promise<Res> {
    if (this.#reauthenticating && !this.#failure) {
      // Requests already sent carry on; new ones wait until the session is renewed.
      return this.#reauthenticating.then(() => this.#send(api, request, options));
    }
    return this.#send(api, request, options);
  }

  #send<Req, Res>(api: Api<Req, Res>, request: Req, options: RequestOptions): Promise<Res> {
    if (this.#failure) return Promise.reject(this.#failure);
    let version: number;
    try {
      version = options.version ?? this.versionFor(api as Api<unknown, unknown>);
    } catch (e) {
      return Promise.reject(e);
    }
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = (correlationId + 1) | 0;
    const frame = this.#encode(api, request, version, correlationId);
    if (options.expectResponse === false) {
      return this.#write(frame).then(() => undefined as Res, (e) => {
        this.#fail(e instanceof Error ? e : new ConnectionError(String(e)));
        throw e;
      });
    }
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#pending.delete(correlationId)) return;
        const err = new RequestTimeoutError(
          `${api.name} v${version} to ${this.host}:${this.port} got no answer within ${timeoutMs} ms`,
        );
        reject(err);
        // The answer may still come, out of step with what we wait for next: start over on a new socket.
        this.#fail(new ConnectionError(`connection closed after a request timed out: ${err.message}`));
      }, timeoutMs);
      this.#pending.set(correlationId, {
        api: api as Api<unknown, unknown>,
        version,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      });
      this.#write(frame).catch((e) => this.#fail(e instanceof Error ? e : new ConnectionError(String(e))));
    });
  }

  /** Closes the socket; requests still waiting fail with a `ConnectionError`. */
  async close(): Promise<void> {
    this.#fail(new ConnectionError(`connection to ${this.host}:${this.port} closed`));
    await this.closed;
  }

  /** A request frame: one array, or pieces (a Produce request's large batches are referenced, not copied). */
  #encode<Req>(api: Api<Req, unknown>, request: Req, version: number, correlationId: number): Uint8Array[] {
    // Start at the size of this API's last request, so big requests do not grow by doubling.
    const w = new Writer(this.#lastSize[api.key] ?? 128);
    const sizeAt = w.reserveInt32();
    w.int16(api.key).int16(version).int32(correlationId).string(this.#clientId);
    if (api.requestHeaderVersion(version) >= 2) w.taggedFields();
    api.encodeRequest(w, request, version);
    w.patchInt32(sizeAt, w.length - 4);
    this.#lastSize[api.key] = w.offset + (w.offset >> 3);
    return w.chunks();
  }

  /** Writes a frame's pieces in order: gathered by the socket when it can, else joined into one write. */
  #write(frame: Uint8Array[]): Promise<void> {
    const socket = this.#socket;
    if (frame.length === 1) return socket.write(frame[0]);
    if (socket.writev !== undefined) return socket.writev(frame);
    return socket.write(concatBytes(frame));
  }

  async #negotiate(timeoutMs: number): Promise<void> {
    const request = {
      clientSoftwareName: CLIENT_SOFTWARE_NAME,
      clientSoftwareVersion: CLIENT_SOFTWARE_VERSION,
    };
    let version = ApiVersions.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.send(ApiVersions, request, { version, timeoutMs });
      if (res.errorCode === ERR.UNSUPPORTED_VERSION) {
        // The broker answers in v0 and lists the ApiVersions range it does speak.
        const own = res.apiKeys.find((k) => k.apiKey === ApiVersions.key);
        const next = own ? Math.min(own.maxVersion, ApiVersions.maxVersion) : -1;
        if (next < ApiVersions.minVersion || next >= version) break;
        version = next;
        continue;
      }
      if (res.errorCode !== 0) throw KafkaError.fromCode(res.errorCode, { api: "ApiVersions" });
      this.#versions = new Map(res.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      this.#features = new Map((res.finalizedFeatures ?? []).map((f) => [f.name, f.maxVersionLevel]));
      return;
    }
    throw new UnsupportedVersionError(
      `broker ${this.host}:${this.port} does not speak ApiVersions v${ApiVersions.minVersion}+: it is too old`,
    );
  }

  /** Authenticates (SaslHandshake, SaslAuthenticate) and schedules the re-authentication. */
  async #authenticate(timeoutMs: number): Promise<void> {
    const sasl = this.#sasl!;
    const send: SaslSend = (api, request) => this.#send(api, request, { timeoutMs: Math.max(1, timeoutMs) });
    const { sessionLifetimeMs } = await authenticate(send, sasl);
    this.#authentications++;
    if (sessionLifetimeMs > 0 && !this.#failure) {
      // Like the Java client: renew at a random 85-95% of the lifetime, so connections spread out.
      const delay = sessionLifetimeMs * (0.85 + Math.random() * 0.1);
      this.#reauthTimer = setTimeout(() => this.#reauthenticate(), delay);
    }
  }

  #reauthenticate(): void {
    this.#reauthTimer = undefined;
    if (this.#failure) return;
    const run = this.#authenticate(this.#requestTimeoutMs);
    this.#reauthenticating = run.then(() => {
      this.#reauthenticating = undefined;
    }, (e) => {
      // The broker ends the session soon anyway: fail now, with the reason, so the next use reconnects.
      this.#reauthenticating = undefined;
      this.#fail(e instanceof Error ? e : new ConnectionError(String(e)));
    });
  }

  async #readLoop(): Promise<void> {
    const reader = this.#socket.readable.getReader();
    const sizeBuf = new Uint8Array(4);
    let sizeHave = 0;
    let frame: Uint8Array | null = null;
    let filled = 0;
    try {
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        let pos = 0;
        while (pos < chunk.length) {
          if (frame === null) {
            let size: number;
            if (sizeHave === 0 && chunk.length - pos >= 4) {
              size = (chunk[pos] << 24) | (chunk[pos + 1] << 16) | (chunk[pos + 2] << 8) | chunk[pos + 3];
              pos += 4;
            } else {
              while (sizeHave < 4 && pos < chunk.length) sizeBuf[sizeHave++] = chunk[pos++];
              if (sizeHave < 4) break;
              sizeHave = 0;
              size = (sizeBuf[0] << 24) | (sizeBuf[1] << 16) | (sizeBuf[2] << 8) | sizeBuf[3];
            }
            if (size < 4 || size > this.#maxResponseBytes) {
              throw new MalformedResponseError(
                `response frame of ${size} bytes from ${this.host}:${this.port}`,
              );
            }
            if (chunk.length - pos >= size) {
              // The whole frame is in this chunk: hand out a view, no copy.
              this.#deliver(chunk.subarray(pos, pos + size));
              pos += size;
              continue;
            }
            frame = new Uint8Array(size);
            filled = 0;
          }
          const n = Math.min(frame.length - filled, chunk.length - pos);
          frame.set(chunk.subarray(pos, pos + n), filled);
          filled += n;
          pos += n;
          if (filled === frame.length) {
            const complete = frame;
            frame = null;
            this.#deliver(complete);
          }
        }
      }
      const partial = frame !== null || sizeHave > 0;
      this.#fail(
        new ConnectionError(
          partial
            ? `broker ${this.host}:${this.port} closed the connection in the middle of a response`
            : `broker ${this.host}:${this.port} closed the connection`,
        ),
      );
    } catch (e) {
      this.#fail(e instanceof Error ? e : new ConnectionError(String(e)));
    } finally {
      reader.releaseLock();
    }
  }

  #deliver(frame: Uint8Array): void {
    const r = new Reader(frame);
    const correlationId = r.int32();
    const p = this.#pending.get(correlationId);
    if (!p) {
      throw new MalformedResponseError(
        `response with unknown correlation id ${correlationId} from ${this.host}:${this.port}`,
      );
    }
    this.#pending.delete(correlationId);
    clearTimeout(p.timer);
    let res: unknown;
    try {
      if (p.api.responseHeaderVersion(p.version) >= 1) r.taggedFields();
      const start = r.offset;
      try {
        res = p.api.decodeResponse(r, p.version);
      } catch (e) {
        // A broker that cannot answer ApiVersions at our version answers in v0 (KIP-511).
        if (p.api.key !== ApiVersions.key) throw e;
        r.offset = start;
        res = p.api.decodeResponse(r, 0);
      }
    } catch (e) {
      const err = e instanceof MalformedResponseError ? e : new MalformedResponseError(
        `cannot decode ${p.api.name} v${p.version} response: ${(e as Error).message}`,
        { cause: e },
      );
      p.reject(err);
      throw err;
    }
    p.resolve(res);
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    clearTimeout(this.#reauthTimer);
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
    this.#socket.close().finally(() => this.#resolveClosed());
  }
}
