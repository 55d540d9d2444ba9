/**
 * Finding a transaction coordinator (FindCoordinator key type 1) or a group coordinator (key type 0) for the
 * transactional producer. The answer is cached until the caller forgets it (NOT_COORDINATOR,
 * COORDINATOR_NOT_AVAILABLE or a lost connection).
 */
import type { Cluster } from "../client/cluster.ts";
import type { Connection } from "../client/connection.ts";
import { KafkaError } from "../protocol/errors.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";

/** FindCoordinator key types. */
export const COORDINATOR_GROUP = 0;
export const COORDINATOR_TRANSACTION = 1;

/** One coordinator, looked up on first use. */
export class CoordinatorLookup {
  readonly #cluster: Cluster;
  readonly #keyType: number;
  readonly #key: string;
  #conn: Promise<Connection> | undefined;

  constructor(cluster: Cluster, keyType: number, key: string) {
    this.#cluster = cluster;
    this.#keyType = keyType;
    this.#key = key;
  }

  /** The coordinator's connection. FindCoordinator errors are thrown as `KafkaError`s for the caller to sort. */
  connection(): Promise<Connection> {
    if (this.#conn) return this.#conn;
    const p = (async () => {
      const res = await this.#cluster.send("any", FindCoordinator, {
        key: this.#key,
        keyType: this.#keyType,
        coordinatorKeys: [this.#key],
      });
      const c = res.coordinators.length > 0 ? res.coordinators[0] : res;
      if (c.errorCode !== 0) {
        throw KafkaError.fromCode(c.errorCode, {
          api: "FindCoordinator",
          brokerMessage: c.errorMessage ?? undefined,
        });
      }
      const conn = await this.#cluster.broker(c.nodeId);
      void conn.closed.then(() => {
        if (this.#conn === p) this.#conn = undefined;
      });
      return conn;
    })();
    this.#conn = p;
    p.catch(() => {
      if (this.#conn === p) this.#conn = undefined;
    });
    return p;
  }

  /** Forgets the coordinator: the next request looks it up again. */
  invalidate(): void {
    this.#conn = undefined;
  }
}
