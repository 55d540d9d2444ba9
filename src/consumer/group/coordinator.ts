/**
 * Finding a group's coordinator (FindCoordinator, key type 0) and talking to it: the answer is cached
 * and forgotten on NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or a lost connection.
 */
import type { Cluster } from "../../client/cluster.ts";
import type { Api, Connection, RequestOptions } from "../../client/connection.ts";
import { isRetriable, nextAttempt, type RetryPolicy, sleep, until } from "../../client/retry.ts";
import { ERR, KafkaError } from "../../protocol/errors.ts";
import { FindCoordinator } from "../../protocol/messages/find-coordinator.ts";

/** Codes after which the coordinator must be looked up again. */
const MOVED: ReadonlySet<number> = new Set([ERR.COORDINATOR_NOT_AVAILABLE, ERR.NOT_COORDINATOR]);

/** True when `code` says the coordinator moved or is gone. */
export function coordinatorMoved(code: number): boolean {
  return MOVED.has(code);
}

interface Node {
  nodeId: number;
  host: string;
  port: number;
}

/** One group's coordinator, looked up lazily. */
export class Coordinator {
  readonly #cluster: Cluster;
  readonly #groupId: string;
  readonly #dedicated: boolean;
  #node: Promise<Node> | undefined;
  #conn: Promise<Connection> | undefined;

  /** With `dedicated`, requests go over a connection of their own rather than the broker's shared one. */
  constructor(cluster: Cluster, groupId: string, dedicated: boolean) {
    this.#cluster = cluster;
    this.#groupId = groupId;
    this.#dedicated = dedicated;
  }

  /** Looks the coordinator up, giving up at `deadline` (`performance.now()` ms) when given. */
  #find(deadline: number | undefined): Promise<Node> {
    this.#node ??= (async () => {
      const o = until(this.#cluster.retryOptions, deadline);
      for (let attempt = 0;; attempt++) {
        const res = await this.#cluster.send(
          "any",
          FindCoordinator,
          {
            key: this.#groupId,
            keyType: 0,
            coordinatorKeys: [this.#groupId],
          },
          undefined,
          deadline,
        );
        const c = res.coordinators.length > 0 ? res.coordinators[0] : res;
        if (c.errorCode === 0) return { nodeId: c.nodeId, host: c.host, port: c.port };
        const err = KafkaError.fromCode(c.errorCode, { api: "FindCoordinator", groupId: this.#groupId });
        if (!err.retriable || attempt >= (o.retries ?? 5)) throw err;
        const wait = nextAttempt(err, attempt, o);
        if (typeof wait !== "number") throw wait;
        await sleep(wait);
      }
    })();
    this.#node.catch(() => this.invalidate());
    return this.#node;
  }

  /**
   * The coordinator's connection, looking it up first when unknown (no later than `deadline`, when given:
   * a look-up started for one call with a deadline is shared by the calls that come meanwhile).
   */
  connection(deadline?: number): Promise<Connection> {
    this.#conn ??= (async () => {
      const node = await this.#find(deadline);
      const conn = this.#dedicated
        ? await this.#cluster.dedicated(node)
        : await this.#cluster.broker(node.nodeId);
      void conn.closed.then(() => this.invalidate());
      return conn;
    })();
    const p = this.#conn;
    p.catch(() => {
      if (this.#conn === p) this.invalidate();
    });
    return p;
  }

  /** Forgets the coordinator (it moved or its connection failed); the next request looks it up again. */
  invalidate(): void {
    const conn = this.#conn;
    this.#node = undefined;
    this.#conn = undefined;
    if (conn && this.#dedicated) void conn.then((c) => c.close(), () => undefined);
  }

  /** Sends one request; a lost connection forgets the coordinator and is rethrown. */
  async send<Req, Res>(api: Api<Req, Res>, request: Req, options?: RequestOptions): Promise<Res> {
    const conn = await this.connection();
    try {
      return await conn.send(api, request, options);
    } catch (e) {
      if (isRetriable(e)) this.invalidate();
      throw e;
    }
  }

  /**
   * Runs `fn` against the coordinator until it succeeds, retrying retriable errors with backoff and
   * looking the coordinator up again after it moved; as often as `policy` allows (by default the
   * cluster's retry options).
   */
  async retrying<T>(fn: (conn: Connection) => Promise<T>, policy?: RetryPolicy): Promise<T> {
    const o: RetryPolicy = policy ?? this.#cluster.retryOptions;
    for (let attempt = 0;; attempt++) {
      try {
        return await fn(await this.connection(o.deadline));
      } catch (e) {
        if (e instanceof KafkaError ? coordinatorMoved(e.code) : isRetriable(e)) this.invalidate();
        if (!isRetriable(e) || attempt >= (o.retries ?? 5)) throw e;
        const wait = nextAttempt(e, attempt, o);
        if (typeof wait !== "number") throw wait;
        await sleep(wait);
      }
    }
  }

  /** Closes a dedicated connection. */
  close(): void {
    this.invalidate();
  }
}
