/**
 * The cluster as the client sees it: bootstrap, a metadata cache, one connection per broker, leader
 * routing and retries.
 */
import { type Api, Connection, type RequestOptions } from "./connection.ts";
import { backoffMs, type RetryOptions, sleep, until, withRetry } from "./retry.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import { KafkaError } from "../protocol/errors.ts";
import { ApiTimeoutError, ClientClosedError } from "./errors.ts";
import { ZERO_UUID } from "../protocol/writer.ts";
import { ConnectionError, type SocketAdapter, type TlsOptions } from "../transport/socket.ts";
import { defaultAdapter } from "../transport/default.ts";
import { checkSaslOptions, type SaslOptions } from "./sasl/mechanism.ts";

/** Options shared by every client: where the cluster is and how to talk to it. */
export interface ClusterOptions extends RetryOptions {
  /** `host:port` of one or more brokers, as a list or comma-separated. */
  bootstrapServers: string | readonly string[];
  /** Sent with every request; shows in broker logs and quotas. Default `"kafka-ts"`. */
  clientId?: string;
  /** Opens sockets. Defaults to the adapter for the current runtime. */
  adapter?: SocketAdapter;
  /** TLS for every broker connection (SSL, or SASL_SSL with `sasl`). `{}` trusts the runtime's CAs. */
  tls?: TlsOptions;
  /** SASL authentication for every broker connection (SASL_PLAINTEXT, or SASL_SSL with `tls`). */
  sasl?: SaslOptions;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Default 30 s. */
  requestTimeoutMs?: number;
  /** Metadata older than this is refreshed before use. Default 5 min. */
  metadataMaxAgeMs?: number;
  /**
   * First wait before connecting again to a broker that could not be reached; it doubles (with ±20%
   * jitter) on each failure up to `reconnectBackoffMaxMs` and resets once a connection succeeds. Default 50 ms.
   */
  reconnectBackoffMs?: number;
  /** Largest wait between connection attempts to one broker. Default 1000 ms. */
  reconnectBackoffMaxMs?: number;
}

/** A broker of the cluster. */
export interface BrokerInfo {
  /** The broker's id. */
  nodeId: number;
  /** Host it advertises. */
  host: string;
  /** Port it advertises. */
  port: number;
  /** Its rack, if configured. */
  rack: string | null;
}

/** One partition's placement. */
export interface PartitionInfo {
  /** Partition number. */
  partition: number;
  /** Node id of the leader, or -1 while there is none. */
  leader: number;
  /** Leader epoch, or -1 when unknown. */
  leaderEpoch: number;
  /** Node ids of all replicas. */
  replicas: number[];
  /** Node ids of the in-sync replicas. */
  isr: number[];
}

/** A topic's id and partitions, ordered by partition number. */
export interface TopicInfo {
  /** Topic name. */
  name: string;
  /** Topic id (Kafka's base64 form). */
  topicId: string;
  /** True for Kafka's own topics such as `__consumer_offsets`. */
  isInternal: boolean;
  /** Partitions, ordered by partition number. */
  partitions: PartitionInfo[];
}

interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` (IPv6 as `[::1]:9092`), naming the bad entry when it is malformed. */
export function parseHostPort(s: string): HostPort {
  const m = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new TypeError(`bootstrapServers: expected "host:port", got ${JSON.stringify(s)}`);
  }
  return { host: m[1] ?? m[2], port };
}

/**
 * The cluster as a client sees it: bootstrap, metadata cache, a connection per broker, routing and retries.
 *
 * @example
 * ```ts
 * const cluster = new Cluster({ bootstrapServers: "127.0.0.1:9092" });
 * const topic = await cluster.topic("events");
 * console.log(topic.partitions.map((p) => p.leader));
 * await cluster.close();
 * ```
 */
export class Cluster {
  readonly #o: ClusterOptions;
  readonly #bootstrap: HostPort[];
  readonly #sasl: SaslOptions | undefined;
  #adapter: SocketAdapter | undefined;
  #brokers = new Map<number, BrokerInfo>();
  #topics = new Map<string, { info: TopicInfo; at: number }>();
  #controllerId = -1;
  #clusterId: string | null = null;
  readonly #byNode = new Map<number, Promise<Connection>>();
  #bootstrapConn: Promise<Connection> | undefined;
  readonly #dedicated = new Set<Connection>();
  /** The connection each cached connection promise resolved to, to see whether it has failed since. */
  readonly #opened = new WeakMap<Promise<Connection>, Connection>();
  /** Failed connection attempts per `host:port` and when the next one may start (reconnect backoff). */
  readonly #reconnect = new Map<string, { failures: number; at: number }>();
  /** Metadata requests under way, by the topics they ask for, so that concurrent callers share one. */
  readonly #refreshing = new Map<string, Promise<Map<string, KafkaError>>>();
  #closed = false;
  /**
   * Whether metadata requests for named topics ask brokers to create missing ones (where the broker's
   * `auto.create.topics.enable` allows it). The producer turns it on; the consumer and admin never do.
   */
  allowAutoTopicCreation = false;

  /** Validates the bootstrap list; connects lazily, on first use. */
  constructor(options: ClusterOptions) {
    const list = typeof options.bootstrapServers === "string"
      ? options.bootstrapServers.split(",")
      : options.bootstrapServers;
    if (!Array.isArray(list) || list.length === 0) {
      throw new TypeError('bootstrapServers: give at least one "host:port"');
    }
    this.#bootstrap = list.map(parseHostPort);
    this.#sasl = options.sasl === undefined ? undefined : checkSaslOptions(options.sasl);
    this.#o = options;
  }

  /** The client id sent with every request. */
  get clientId(): string {
    return this.#o.clientId ?? "kafka-ts";
  }

  /** The retry settings given to the cluster. */
  get retryOptions(): RetryOptions {
    return this.#o;
  }

  /** Known brokers, from the last metadata answer. */
  get brokers(): ReadonlyMap<number, BrokerInfo> {
    return this.#brokers;
  }

  /** The controller's node id from the last metadata answer (-1 if unknown). */
  get controllerId(): number {
    return this.#controllerId;
  }

  /** The cluster id from the last metadata answer. */
  get clusterId(): string | null {
    return this.#clusterId;
  }

  async #open(hp: HostPort): Promise<Connection> {
    if (this.#closed) throw new ClientClosedError("client is closed");
    this.#adapter ??= this.#o.adapter ?? await defaultAdapter();
    // As the Java client: a broker that could not be reached is tried again after a growing backoff, so
    // that an outage costs neither a connect storm nor more than reconnectBackoffMaxMs once it is over.
    const key = `${hp.host}:${hp.port}`;
    const wait = (this.#reconnect.get(key)?.at ?? 0) - performance.now();
    if (wait > 0) await sleep(wait);
    if (this.#closed) throw new ClientClosedError("client is closed");
    try {
      const conn = await this.#connect(hp);
      this.#reconnect.delete(key);
      return conn;
    } catch (e) {
      const failures = (this.#reconnect.get(key)?.failures ?? 0) + 1;
      const delay = backoffMs(failures - 1, {
        retryBackoffMs: this.#o.reconnectBackoffMs ?? 50,
        retryBackoffMaxMs: this.#o.reconnectBackoffMaxMs ?? 1000,
      });
      this.#reconnect.set(key, { failures, at: performance.now() + delay });
      throw e;
    }
  }

  #connect(hp: HostPort): Promise<Connection> {
    return Connection.connect({
      host: hp.host,
      port: hp.port,
      adapter: this.#adapter!,
      tls: this.#o.tls,
      sasl: this.#sasl,
      clientId: this.clientId,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      requestTimeoutMs: this.#o.requestTimeoutMs,
    });
  }

  /** Caches a connection promise; a failed or closed connection is forgotten so the next call reconnects. */
  #track(
    map: { get(): Promise<Connection> | undefined; set(p: Promise<Connection> | undefined): void },
    open: () => Promise<Connection>,
  ): Promise<Connection> {
    const existing = map.get();
    // A connection that failed is replaced at once, even if its socket has not finished closing (a reset
    // socket's close can take long, or never end, on some runtimes).
    if (existing && this.#opened.get(existing)?.isClosed !== true) return existing;
    const p = open();
    map.set(p);
    p.then((c) => {
      this.#opened.set(p, c);
      return c.closed.then(() => {
        if (map.get() === p) map.set(undefined);
      });
    }, () => {
      if (map.get() === p) map.set(undefined);
    });
    return p;
  }

  /** A connection to any broker: a live one if there is one, else the bootstrap servers in turn. */
  async any(): Promise<Connection> {
    for (const p of this.#byNode.values()) {
      const c = await p.catch(() => undefined);
      if (c && !c.isClosed) return c;
    }
    return this.#track({
      get: () => this.#bootstrapConn,
      set: (p) => (this.#bootstrapConn = p),
    }, async () => {
      let last: unknown;
      // The bootstrap servers first, then every broker the last metadata named (the cluster may have moved
      // on from the bootstrap list), starting where the fewest attempts failed.
      const seen = new Set<string>();
      const candidates = [...this.#bootstrap, ...this.#brokers.values()].filter((hp) => {
        const key = `${hp.host}:${hp.port}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const due = (hp: HostPort) => this.#reconnect.get(`${hp.host}:${hp.port}`)?.at ?? 0;
      candidates.sort((a, b) => due(a) - due(b));
      for (const hp of candidates) {
        try {
          return await this.#open(hp);
        } catch (e) {
          last = e;
        }
      }
      throw last instanceof Error ? last : new ConnectionError("no bootstrap server answered");
    });
  }

  /** The connection to broker `nodeId`, opened on first use. */
  async broker(nodeId: number): Promise<Connection> {
    if (!this.#brokers.has(nodeId)) await this.refreshMetadata([]);
    const info = this.#brokers.get(nodeId);
    if (!info) throw new ConnectionError(`broker ${nodeId} is not in the cluster metadata`);
    return this.#track({
      get: () => this.#byNode.get(nodeId),
      set: (p) => (p ? this.#byNode.set(nodeId, p) : this.#byNode.delete(nodeId)),
    }, () => this.#open(info));
  }

  /**
   * A new connection to `host:port` that the cluster does not share with other requests (a group
   * coordinator's, so that a JoinGroup waiting for a rebalance holds up nothing else). Closed by
   * `close()` unless the caller closes it first.
   */
  async dedicated(hp: { host: string; port: number }): Promise<Connection> {
    const conn = await this.#open(hp);
    this.#dedicated.add(conn);
    void conn.closed.then(() => this.#dedicated.delete(conn));
    return conn;
  }

  /**
   * Asks for metadata of `topics` (`[]`: brokers only; `null`: every topic) and updates the cache.
   * Topics the broker reports errors for are not cached; their errors are returned by name.
   */
  refreshMetadata(topics: readonly string[] | null): Promise<Map<string, KafkaError>> {
    const key = topics === null ? "\u0000all" : topics.join("\u0000");
    const running = this.#refreshing.get(key);
    if (running) return running;
    const p = this.#refresh(topics).finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, p);
    return p;
  }

  async #refresh(topics: readonly string[] | null): Promise<Map<string, KafkaError>> {
    const conn = await this.any();
    const res = await conn.send(Metadata, {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: this.allowAutoTopicCreation && topics !== null && topics.length > 0,
      includeTopicAuthorizedOperations: false,
    });
    this.#brokers = new Map(
      res.brokers.map((
        b,
      ) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack ?? null }]),
    );
    this.#controllerId = res.controllerId ?? -1;
    this.#clusterId = res.clusterId ?? null;
    const errors = new Map<string, KafkaError>();
    const now = performance.now();
    for (const t of res.topics) {
      const name = t.name ?? "";
      if (t.errorCode !== 0) {
        errors.set(name, KafkaError.fromCode(t.errorCode, { topic: name }));
        this.#topics.delete(name);
        continue;
      }
      const partitions = t.partitions.map((p) => ({
        partition: p.partitionIndex,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch ?? -1,
        replicas: p.replicaNodes,
        isr: p.isrNodes,
      })).sort((a, b) => a.partition - b.partition);
      this.#topics.set(name, {
        info: { name, topicId: t.topicId ?? ZERO_UUID, isInternal: t.isInternal ?? false, partitions },
        at: now,
      });
    }
    return errors;
  }

  /**
   * The topic's metadata, fetched when missing or stale; unknown topics are retried, then reported (no
   * later than `deadline`, `performance.now()` ms, when given).
   */
  topic(name: string, deadline?: number): Promise<TopicInfo> {
    return withRetry(async () => {
      const cached = this.#topics.get(name);
      // A partition without a leader (a cluster coming back) is asked again, never served from the cache.
      if (
        cached && performance.now() - cached.at < (this.#o.metadataMaxAgeMs ?? 300_000) &&
        cached.info.partitions.every((p) => p.leader >= 0)
      ) return cached.info;
      const errors = await this.refreshMetadata([name]);
      const err = errors.get(name);
      if (err) throw err;
      const fresh = this.#topics.get(name);
      if (!fresh) throw KafkaError.fromCode(3, { topic: name });
      return fresh.info;
    }, until(this.#o, deadline));
  }

  /** The cached metadata of a topic, without asking the broker (for hot paths). */
  cachedTopic(name: string): TopicInfo | undefined {
    return this.#topics.get(name)?.info;
  }

  /** Forgets cached metadata of a topic (after NOT_LEADER_OR_FOLLOWER and the like). */
  invalidate(topic?: string): void {
    if (topic === undefined) this.#topics.clear();
    else this.#topics.delete(topic);
  }

  /** The leader of a partition, from metadata. */
  async leader(topic: string, partition: number): Promise<number> {
    const info = await this.topic(topic);
    const p = info.partitions.find((x) => x.partition === partition);
    if (!p) throw KafkaError.fromCode(3, { topic, partition });
    if (p.leader < 0) {
      this.invalidate(topic);
      throw KafkaError.fromCode(5, { topic, partition }); // LEADER_NOT_AVAILABLE: retriable
    }
    return p.leader;
  }

  /**
   * Sends to a broker (`"any"` for any broker), retrying on lost connections and timeouts with backoff.
   * Errors inside the answer are the caller's to read. With a `deadline` (`performance.now()` ms) no
   * attempt starts after it and none waits for its answer beyond it.
   */
  send<Req, Res>(
    target: number | "any",
    api: Api<Req, Res>,
    request: Req,
    options?: RequestOptions,
    deadline?: number,
  ): Promise<Res> {
    return withRetry(async () => {
      try {
        const conn = target === "any" ? await this.any() : await this.broker(target);
        if (deadline === undefined) return await conn.send(api, request, options);
        const left = Math.ceil(deadline - performance.now());
        if (left <= 0) throw new ApiTimeoutError(`${api.name} not sent: out of time`);
        const timeoutMs = Math.min(options?.timeoutMs ?? conn.requestTimeoutMs, left);
        return await conn.send(api, request, { ...options, timeoutMs });
      } catch (e) {
        // A request cut off by close() is not retried: nobody waits for it any more.
        if (this.#closed) throw new ClientClosedError("client is closed", { cause: e });
        throw e;
      }
    }, until(this.#o, deadline));
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#byNode.values()];
    if (this.#bootstrapConn) all.push(this.#bootstrapConn);
    for (const c of this.#dedicated) all.push(Promise.resolve(c));
    this.#dedicated.clear();
    this.#byNode.clear();
    this.#bootstrapConn = undefined;
    await Promise.all(all.map((p) => p.then((c) => c.close(), () => undefined)));
  }
}
