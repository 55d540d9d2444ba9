/**
 * Consumer group membership: joins the group for a subscription, hands partitions to the consumer
 * through a listener, keeps the member alive with heartbeats, and commits and fetches offsets.
 */
import type { RetryPolicy } from "../../client/retry.ts";
import type { Cluster } from "../../client/cluster.ts";
import { ClassicMember } from "./classic.ts";
import { Coordinator } from "./coordinator.ts";
import { ConsumerProtocolMember } from "./kip848.ts";
import { commitWith, fetchWith } from "./offsets.ts";
import { type ResolvedGroupOptions, resolveGroupOptions } from "./options.ts";
import type { MemberProtocol, Subscription } from "./protocol.ts";
import { MemberState } from "./state.ts";
import type {
  CloseOptions,
  CommitOffsets,
  GroupOptions,
  MembershipListener,
  OffsetAndMetadata,
  TopicPartition,
} from "./types.ts";

/**
 * One consumer's membership in its group, with the classic protocol (JoinGroup/SyncGroup, assignment
 * by the group leader) or KIP-848's (`groupProtocol: "consumer"`, assignment by the coordinator).
 *
 * @example
 * ```ts
 * const membership = new GroupMembership(cluster, { groupId: "billing" }, {
 *   async onAssigned(parts) { console.log("start", parts); },
 *   async onRevoked(parts) { console.log("commit and stop", parts); },
 *   async onLost(parts) { console.log("stop", parts); },
 * });
 * membership.subscribe(["invoices"]);
 * await membership.ready();
 * console.log(membership.assignment());
 * await membership.close();
 * ```
 */
export class GroupMembership {
  readonly #o: ResolvedGroupOptions;
  readonly #coordinator: Coordinator;
  readonly #state: MemberState;
  readonly #member: MemberProtocol;
  #subscription: Subscription | null = null;
  #closed = false;

  /** Checks the options; nothing is sent before `subscribe`, `commit` or `fetchCommitted`. */
  constructor(cluster: Cluster, options: GroupOptions, listener: MembershipListener) {
    this.#o = resolveGroupOptions(options);
    this.#coordinator = new Coordinator(cluster, this.#o.groupId, true);
    this.#state = new MemberState(listener);
    const Member = this.#o.groupProtocol === "consumer" ? ConsumerProtocolMember : ClassicMember;
    this.#member = new Member(cluster, this.#coordinator, this.#o, this.#state, () => this.#subscription);
  }

  /** The member id ("" before the first classic join). */
  get memberId(): string {
    return this.#member.memberId;
  }

  /** Generation id (classic) or member epoch (KIP-848). */
  get generationId(): number {
    return this.#member.generationId;
  }

  /** The fatal error that stopped the member, if any. */
  get failure(): Error | undefined {
    return this.#state.fatal;
  }

  /** Joins (or rejoins) for these topics or this pattern, in the background. */
  subscribe(topics: readonly string[] | RegExp): void {
    if (this.#closed) throw new Error("group membership is closed");
    if (topics instanceof RegExp) {
      this.#subscription = { pattern: new RegExp(topics.source, topics.flags.replace(/[gy]/g, "")) };
    } else {
      if (!Array.isArray(topics) || topics.some((t) => typeof t !== "string" || t === "")) {
        throw new TypeError("subscribe: expected topic names (non-empty strings) or a RegExp");
      }
      if (topics.length === 0) {
        void this.unsubscribe();
        return;
      }
      this.#subscription = { topics: [...topics] };
    }
    this.#state.resetReady();
    this.#member.subscriptionChanged();
  }

  /** Revokes every partition and leaves the group (a static member keeps its place until the session ends). */
  async unsubscribe(): Promise<void> {
    this.#subscription = null;
    await this.#member.leave("the consumer unsubscribed from all topics", "default");
  }

  /** Partitions owned now. */
  assignment(): TopicPartition[] {
    return this.#state.owned();
  }

  /** Call on every poll: a member that is not polled for `maxPollIntervalMs` leaves the group. */
  pollTick(): void {
    this.#member.pollTick();
  }

  /** Resolves once the member has its first assignment for the current subscription. */
  ready(signal?: AbortSignal): Promise<void> {
    return this.#state.ready(signal);
  }

  /**
   * Commits offsets as this member (generation and member id). Retriable errors are retried; a
   * rebalance that took this member's generation fails with `CommitFailedError`.
   */
  commit(offsets: CommitOffsets, policy?: RetryPolicy): Promise<void> {
    if (this.#state.fatal) return Promise.reject(this.#state.fatal);
    return commitWith(this.#coordinator, this.#o.groupId, offsets, () => this.#member.identity(), policy);
  }

  /**
   * The group's committed offsets, keyed `"topic:partition"`; `null` where none is committed. With
   * `requireStable`, offsets a transaction still holds fail with the retriable UNSTABLE_OFFSET_COMMIT.
   */
  fetchCommitted(
    partitions: readonly TopicPartition[],
    requireStable = false,
    policy?: RetryPolicy,
  ): Promise<Map<string, OffsetAndMetadata | null>> {
    return fetchWith(this.#coordinator, this.#o.groupId, partitions, requireStable, policy);
  }

  /**
   * Revokes the partitions, leaves the group (unless static) and stops the timers. As Java's
   * `CloseOptions`: "leave-group" makes a static member leave too; with "remain-in-group" no leave is
   * sent and the coordinator keeps the member until its session times out.
   *
   * @example
   * ```ts
   * await membership.close({ groupMembershipOperation: "remain-in-group" });
   * ```
   */
  async close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const subscribed = this.#subscription !== null;
    this.#subscription = null; // no rejoin may start while leaving
    try {
      if (subscribed && !this.#state.fatal) {
        await this.#member.leave(
          "the consumer is being closed",
          options.groupMembershipOperation ?? "default",
        );
      }
    } finally {
      this.#subscription = null;
      this.#member.stop();
    }
  }
}
