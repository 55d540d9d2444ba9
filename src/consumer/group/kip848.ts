/**
 * A member of a KIP-848 consumer group: one ConsumerGroupHeartbeat loop carries the subscription and
 * the owned partitions; the coordinator assigns. Reconciling a new target revokes first (acknowledged
 * at once so the coordinator can hand those partitions on), then assigns.
 */
import type { Cluster } from "../../client/cluster.ts";
import { backoffMs } from "../../client/retry.ts";
import { ERR, KafkaError } from "../../protocol/errors.ts";
import {
  ConsumerGroupHeartbeat,
  type ConsumerGroupHeartbeatResponseTopicPartitions,
} from "../../protocol/messages/consumer-group-heartbeat.ts";
import { type Coordinator, coordinatorMoved } from "./coordinator.ts";
import { allTopics } from "./metadata.ts";
import type { CommitIdentity } from "./offsets.ts";
import type { ResolvedGroupOptions } from "./options.ts";
import type { LeaveOperation, MemberProtocol, Subscription } from "./protocol.ts";
import { type MemberState, Waker } from "./state.ts";
import { FencedInstanceIdError, type TopicPartition, tpKey } from "./types.ts";

const LEAVE_EPOCH = -1;
const LEAVE_STATIC_EPOCH = -2;

/** A random member id in Kafka's Uuid text form (base64url, no padding), as KIP-1082 asks of clients. */
function randomMemberId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The KIP-848 protocol's member. */
export class ConsumerProtocolMember implements MemberProtocol {
  readonly #cluster: Cluster;
  readonly #coordinator: Coordinator;
  readonly #o: ResolvedGroupOptions;
  readonly #state: MemberState;
  readonly #subscription: () => Subscription | null;
  readonly memberId = randomMemberId();
  #epoch = 0;
  #intervalMs: number;
  #joined = false;
  #stopped = false;
  #started = false;
  #pollExpired = false;
  #lastPoll = performance.now();
  /** Bumped whenever the member is fenced, so a reconciliation of the old epoch stops. */
  #incarnation = 0;
  #target: ConsumerGroupHeartbeatResponseTopicPartitions[] | undefined;
  #reconciling = false;
  readonly #names = new Map<string, string>(); // topic id → name
  readonly #ids = new Map<string, string>(); // topic name → id
  readonly #waker = new Waker();

  constructor(
    cluster: Cluster,
    coordinator: Coordinator,
    options: ResolvedGroupOptions,
    state: MemberState,
    subscription: () => Subscription | null,
  ) {
    this.#cluster = cluster;
    this.#coordinator = coordinator;
    this.#o = options;
    this.#state = state;
    this.#subscription = subscription;
    this.#intervalMs = options.heartbeatIntervalMs;
  }

  /** The member epoch (0 before joining). */
  get generationId(): number {
    return this.#epoch;
  }

  identity(): CommitIdentity {
    return {
      generationIdOrMemberEpoch: this.#epoch,
      memberId: this.memberId,
      groupInstanceId: this.#o.groupInstanceId,
    };
  }

  subscriptionChanged(): void {
    this.#lastPoll = performance.now();
    this.#joined = true;
    if (!this.#started) {
      this.#started = true;
      void this.#loop();
    }
    this.#waker.wake();
  }

  pollTick(): void {
    this.#lastPoll = performance.now();
    if (this.#pollExpired) {
      this.#pollExpired = false;
      this.#joined = true;
      this.#waker.wake();
    }
  }

  /** Forgets the epoch: owned partitions are lost and the member joins again with epoch 0. */
  async #fenced(): Promise<void> {
    this.#incarnation++;
    this.#epoch = 0;
    this.#target = undefined;
    await this.#state.lose(this.#state.owned());
    this.#waker.wake();
  }

  #ownedByTopicId(): { topicId: string; partitions: number[] }[] {
    const byId = new Map<string, number[]>();
    for (const tp of this.#state.owned()) {
      const id = this.#ids.get(tp.topic);
      if (id === undefined) continue;
      const list = byId.get(id);
      if (list) list.push(tp.partition);
      else byId.set(id, [tp.partition]);
    }
    return [...byId].map(([topicId, partitions]) => ({ topicId, partitions }));
  }

  async #heartbeat(epoch: number) {
    const sub = this.#subscription();
    const leaving = epoch < 0;
    return await this.#coordinator.send(ConsumerGroupHeartbeat, {
      groupId: this.#o.groupId,
      memberId: this.memberId,
      memberEpoch: epoch,
      instanceId: this.#o.groupInstanceId,
      rackId: leaving ? null : this.#o.rackId,
      rebalanceTimeoutMs: leaving ? -1 : this.#o.rebalanceTimeoutMs,
      subscribedTopicNames: leaving ? null : sub && "topics" in sub ? [...new Set(sub.topics)].sort() : null,
      subscribedTopicRegex: leaving ? null : sub && "pattern" in sub ? sub.pattern.source : null,
      serverAssignor: leaving ? null : this.#o.groupRemoteAssignor,
      topicPartitions: leaving ? null : this.#ownedByTopicId(),
    }, { timeoutMs: 30_000 });
  }

  async #loop(): Promise<void> {
    let delay = 0;
    let attempt = 0;
    while (!this.#stopped && !this.#state.fatal) {
      await this.#waker.wait(delay);
      delay = this.#intervalMs;
      if (this.#stopped || !this.#joined || this.#subscription() === null) continue;
      if (this.#epoch > 0 && performance.now() - this.#lastPoll > this.#o.maxPollIntervalMs) {
        // The application stopped polling: give up the partitions (lost) and leave, as Java does.
        this.#pollExpired = true;
        this.#joined = false;
        await this.#sendLeave();
        await this.#fenced();
        continue;
      }
      const incarnation = this.#incarnation;
      let res;
      try {
        res = await this.#heartbeat(this.#epoch);
      } catch {
        delay = backoffMs(attempt++, this.#cluster.retryOptions);
        continue;
      }
      if (incarnation !== this.#incarnation || !this.#joined) continue;
      const code = res.errorCode;
      if (code === 0) {
        attempt = 0;
        this.#epoch = res.memberEpoch;
        if (res.heartbeatIntervalMs > 0) delay = this.#intervalMs = res.heartbeatIntervalMs;
        if (res.assignment) {
          this.#target = res.assignment.topicPartitions;
          void this.#reconcile();
        } else if (!this.#reconciling && this.#target === undefined && this.#epoch > 0) {
          this.#state.markReady();
        }
      } else if (code === ERR.FENCED_MEMBER_EPOCH || code === ERR.UNKNOWN_MEMBER_ID) {
        await this.#fenced();
        delay = 0;
      } else if (coordinatorMoved(code) || new KafkaError(code).retriable) {
        if (coordinatorMoved(code)) this.#coordinator.invalidate();
        delay = backoffMs(attempt++, this.#cluster.retryOptions);
      } else {
        const err = new KafkaError(code, {
          api: "ConsumerGroupHeartbeat",
          groupId: this.#o.groupId,
          brokerMessage: res.errorMessage,
        });
        this.#state.fail(code === ERR.FENCED_INSTANCE_ID ? new FencedInstanceIdError(err.message) : err);
      }
    }
  }

  /** Topic names for ids, asking the cluster when an id is new; unknown ids are left out. */
  async #resolve(target: ConsumerGroupHeartbeatResponseTopicPartitions[]): Promise<{
    partitions: TopicPartition[];
    unresolved: boolean;
  }> {
    if (target.some((t) => !this.#names.has(t.topicId))) {
      for (const [name, t] of await allTopics(this.#cluster)) {
        this.#names.set(t.id, name);
        this.#ids.set(name, t.id);
      }
    }
    const partitions: TopicPartition[] = [];
    let unresolved = false;
    for (const t of target) {
      const topic = this.#names.get(t.topicId);
      if (topic === undefined) unresolved = true;
      else for (const partition of t.partitions) partitions.push({ topic, partition });
    }
    return { partitions, unresolved };
  }

  /** Moves the owned partitions to the latest target: revoke, acknowledge, assign, acknowledge. */
  async #reconcile(): Promise<void> {
    if (this.#reconciling) return;
    this.#reconciling = true;
    try {
      while (this.#target !== undefined && !this.#stopped) {
        const incarnation = this.#incarnation;
        const targetIds = this.#target;
        let resolved;
        try {
          resolved = await this.#resolve(targetIds);
        } catch {
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        if (incarnation !== this.#incarnation) continue;
        const wanted = new Set(resolved.partitions.map(tpKey));
        const revoked = this.#state.owned().filter((tp) => !wanted.has(tpKey(tp)));
        if (revoked.length > 0) {
          await this.#state.revoke(revoked);
          this.#waker.wake();
        }
        if (incarnation !== this.#incarnation) continue;
        const added = resolved.partitions.filter((tp) => !this.#state.owns(tp));
        if (added.length > 0) {
          await this.#state.assign(added);
          this.#waker.wake();
        }
        if (this.#target === targetIds) {
          this.#target = undefined;
          if (resolved.unresolved) {
            // Topics created a moment ago may not be in metadata yet: try again shortly.
            setTimeout(() => {
              if (incarnation === this.#incarnation && this.#target === undefined) {
                this.#target = targetIds;
                void this.#reconcile();
              }
            }, 1000);
          } else if (incarnation === this.#incarnation) {
            this.#state.markReady();
          }
        }
      }
    } finally {
      this.#reconciling = false;
    }
  }

  /** Heartbeat with epoch -1, or -2 for a static member that means to come back (KIP-848). */
  async #sendLeave(forGood = false): Promise<void> {
    if (this.#epoch <= 0) return;
    const epoch = this.#o.groupInstanceId !== null && !forGood ? LEAVE_STATIC_EPOCH : LEAVE_EPOCH;
    try {
      await this.#coordinator.retrying(async () => {
        const res = await this.#heartbeat(epoch);
        if (coordinatorMoved(res.errorCode)) throw new KafkaError(res.errorCode);
      });
    } catch { /* the session timeout removes the member anyway */ }
  }

  async leave(_reason: string, operation: LeaveOperation): Promise<void> {
    this.#joined = false;
    this.#incarnation++;
    this.#target = undefined;
    const owned = this.#state.owned();
    if (this.#epoch > 0) await this.#state.revoke(owned);
    else await this.#state.lose(owned);
    if (operation !== "remain-in-group") await this.#sendLeave(operation === "leave-group");
    this.#epoch = 0;
  }

  stop(): void {
    this.#stopped = true;
    this.#waker.wake();
    this.#coordinator.close();
  }
}
