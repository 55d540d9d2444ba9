/**
 * What every admin call shares: the cluster, timeouts, and where requests go — the controller for topic
 * changes, a group's coordinator for group calls.
 */
import type { Cluster } from "../client/cluster.ts";
import type { RetryOptions } from "../client/retry.ts";
import { ERR, KafkaError } from "../protocol/errors.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { withRetry } from "../client/retry.ts";

/** Error codes after which a group's coordinator must be looked up again. */
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ERR.COORDINATOR_NOT_AVAILABLE, ERR.NOT_COORDINATOR]);

/** Everything an admin call needs. */
export class AdminContext {
  readonly cluster: Cluster;
  readonly retry: RetryOptions;
  readonly operationTimeoutMs: number;
  readonly #coordinators = new Map<string, Promise<number>>();

  constructor(cluster: Cluster, retry: RetryOptions, operationTimeoutMs: number) {
    this.cluster = cluster;
    this.retry = retry;
    this.operationTimeoutMs = operationTimeoutMs;
  }

  /**
   * Where controller requests go, as the Java client picks it: the controller id from metadata. A KRaft
   * broker reports a live broker there, which forwards the request to the active controller.
   */
  async controller(): Promise<number | "any"> {
    if (this.cluster.controllerId < 0) await this.cluster.refreshMetadata([]);
    const id = this.cluster.controllerId;
    return id >= 0 && this.cluster.brokers.has(id) ? id : "any";
  }

  /**
   * Runs before a controller request is retried: refreshes metadata, so that after NOT_CONTROLLER the
   * request goes where the cluster now says the controller is.
   */
  async refreshController(): Promise<void> {
    await this.cluster.refreshMetadata([]).catch(() => undefined);
  }

  /** The node id of `groupId`'s coordinator (FindCoordinator key type 0), cached until it moves. */
  coordinator(groupId: string): Promise<number> {
    const cached = this.#coordinators.get(groupId);
    if (cached) return cached;
    const p = withRetry(() => this.#findCoordinator(groupId), this.retry);
    this.#coordinators.set(groupId, p);
    p.catch(() => {
      if (this.#coordinators.get(groupId) === p) this.#coordinators.delete(groupId);
    });
    return p;
  }

  /** Forgets cached coordinators of groups whose error says the coordinator moved. */
  onGroupError(groupId: string, e: Error): void {
    if (!(e instanceof KafkaError) || COORDINATOR_MOVED.has(e.code)) this.#coordinators.delete(groupId);
  }

  async #findCoordinator(groupId: string): Promise<number> {
    // Both shapes are filled; the encoder writes the one the negotiated version has.
    const res = await this.cluster.send("any", FindCoordinator, {
      key: groupId,
      keyType: 0,
      coordinatorKeys: [groupId],
    });
    const c = res.coordinators.length > 0 ? res.coordinators[0] : res;
    if (c.errorCode !== 0) {
      throw new KafkaError(c.errorCode, { api: "FindCoordinator", groupId, brokerMessage: c.errorMessage });
    }
    // The coordinator may be a broker this client has not seen in metadata yet.
    if (!this.cluster.brokers.has(c.nodeId)) await this.cluster.refreshMetadata([]);
    return c.nodeId;
  }
}
