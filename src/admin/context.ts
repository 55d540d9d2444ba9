/**
 * What every admin call shares: the cluster, timeouts, and where requests go — the controller for topic
 * changes, a group's coordinator for group calls.
 */
import type { Cluster } from "../client/cluster.ts";
import type { Api } from "../client/connection.ts";
import type { RetryOptions, RetryPolicy } from "../client/retry.ts";
import { ERR, KafkaError } from "../protocol/errors.ts";
import { FindCoordinator } from "../protocol/messages/find-coordinator.ts";
import { callPolicy, withRetry } from "../client/retry.ts";

/** Error codes after which a group's coordinator must be looked up again. */
const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ERR.COORDINATOR_NOT_AVAILABLE, ERR.NOT_COORDINATOR]);

/** What every call of one admin client shares. */
interface Shared {
  readonly cluster: Cluster;
  readonly retry: RetryOptions;
  readonly operationTimeoutMs: number;
  readonly apiTimeoutMs: number;
  readonly coordinators: Map<string, Promise<number>>;
}

/**
 * Everything one admin call needs: the client's cluster and settings, and the call's deadline. As in the
 * Java client, a call retries retriable errors (as often as `retries` allows, without limit by default)
 * until `defaultApiTimeoutMs` from its start, then fails with an `ApiTimeoutError`.
 */
export class AdminContext {
  readonly cluster: Cluster;
  readonly operationTimeoutMs: number;
  /** This call's retry settings: the client's, with the call's deadline. */
  readonly retry: RetryPolicy;
  readonly #shared: Shared;

  private constructor(shared: Shared) {
    this.#shared = shared;
    this.cluster = shared.cluster;
    this.operationTimeoutMs = shared.operationTimeoutMs;
    this.retry = callPolicy(shared.retry, shared.apiTimeoutMs);
  }

  /** Makes the context of each call of one admin client: `start()` opens one call. */
  static factory(
    cluster: Cluster,
    retry: RetryOptions,
    operationTimeoutMs: number,
    apiTimeoutMs: number,
  ): { start(): AdminContext } {
    const shared: Shared = { cluster, retry, operationTimeoutMs, apiTimeoutMs, coordinators: new Map() };
    return { start: () => new AdminContext(shared) };
  }

  /** Runs `fn` again after retriable errors, within this call's retries and time. */
  retried<T>(fn: () => Promise<T>): Promise<T> {
    return withRetry(fn, this.retry);
  }

  /** Sends a request within this call's time (see `Cluster.send`). */
  send<Req, Res>(target: number | "any", api: Api<Req, Res>, request: Req): Promise<Res> {
    return this.cluster.send(target, api, request, undefined, this.retry.deadline);
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
    const coordinators = this.#shared.coordinators;
    const cached = coordinators.get(groupId);
    if (cached) return cached;
    const p = withRetry(() => this.#findCoordinator(groupId), this.retry);
    coordinators.set(groupId, p);
    p.catch(() => {
      if (coordinators.get(groupId) === p) coordinators.delete(groupId);
    });
    return p;
  }

  /** Forgets cached coordinators of groups whose error says the coordinator moved. */
  onGroupError(groupId: string, e: Error): void {
    if (!(e instanceof KafkaError) || COORDINATOR_MOVED.has(e.code)) {
      this.#shared.coordinators.delete(groupId);
    }
  }

  async #findCoordinator(groupId: string): Promise<number> {
    // Both shapes are filled; the encoder writes the one the negotiated version has.
    const res = await this.send("any", FindCoordinator, {
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
