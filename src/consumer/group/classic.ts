/**
 * A member of a classic consumer group: JoinGroup and SyncGroup (the leader runs the assignor),
 * Heartbeat on its own timer, LeaveGroup, and the eager or cooperative hand-over of partitions.
 */
import type { Cluster } from "../../client/cluster.ts";
import { backoffMs, isRetriable } from "../../client/retry.ts";
import { ERR, KafkaError } from "../../protocol/errors.ts";
import { Heartbeat } from "../../protocol/messages/heartbeat.ts";
import { JoinGroup } from "../../protocol/messages/join-group.ts";
import { LeaveGroup } from "../../protocol/messages/leave-group.ts";
import { SyncGroup } from "../../protocol/messages/sync-group.ts";
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from "./consumer-protocol.ts";
import { type Coordinator, coordinatorMoved } from "./coordinator.ts";
import { allTopics } from "./metadata.ts";
import type { CommitIdentity } from "./offsets.ts";
import type { ResolvedGroupOptions } from "./options.ts";
import type { LeaveOperation, MemberProtocol, Subscription } from "./protocol.ts";
import { type MemberState, Waker } from "./state.ts";
import { FencedInstanceIdError, type MemberSubscription, tpKey } from "./types.ts";

/** Thrown inside a join attempt to start over (after a backoff); not an error of the member. */
class Rejoin extends Error {
  override name = "Rejoin";
}

function fatalFor(code: number, api: string, groupId: string): Error {
  const err = new KafkaError(code, { api, groupId });
  return code === ERR.FENCED_INSTANCE_ID ? new FencedInstanceIdError(err.message) : err;
}

/** The classic protocol's member. */
export class ClassicMember implements MemberProtocol {
  readonly #cluster: Cluster;
  readonly #coordinator: Coordinator;
  readonly #o: ResolvedGroupOptions;
  readonly #state: MemberState;
  readonly #subscription: () => Subscription | null;
  memberId = "";
  generationId = -1;
  #phase: "unjoined" | "joining" | "stable" = "unjoined";
  #rejoinNeeded = true;
  #lostPending = false;
  #pollExpired = false;
  #lastPoll = performance.now();
  #lastHeartbeatOk = performance.now();
  #topics: string[] = [];
  #leaderSnapshot: Map<string, number> | undefined;
  #stopped = false;
  #started = false;
  readonly #mainWaker = new Waker();
  readonly #heartbeatWaker = new Waker();
  readonly #metadataWaker = new Waker();

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
  }

  identity(): CommitIdentity {
    return {
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.#o.groupInstanceId,
    };
  }

  subscriptionChanged(): void {
    this.#rejoinNeeded = true;
    this.#lastPoll = performance.now();
    if (!this.#started) {
      this.#started = true;
      void this.#mainLoop();
      void this.#heartbeatLoop();
      void this.#metadataLoop();
    }
    this.#mainWaker.wake();
  }

  pollTick(): void {
    this.#lastPoll = performance.now();
    if (this.#pollExpired) {
      this.#pollExpired = false;
      this.#rejoinNeeded = true;
      this.#mainWaker.wake();
    }
  }

  #requestRejoin(): void {
    this.#rejoinNeeded = true;
    this.#mainWaker.wake();
  }

  /** Forgets the generation (and with `member`, the member id); owned partitions are lost. */
  #reset(member: boolean): void {
    this.generationId = -1;
    if (member) this.memberId = "";
    this.#phase = "unjoined";
    this.#lostPending = true;
    this.#requestRejoin();
  }

  get #active(): boolean {
    return !this.#stopped && !this.#state.fatal && this.#subscription() !== null;
  }

  async #mainLoop(): Promise<void> {
    let attempt = 0;
    while (!this.#stopped && !this.#state.fatal) {
      if (this.#lostPending) {
        this.#lostPending = false;
        await this.#state.lose(this.#state.owned());
      }
      if (!this.#active || !this.#rejoinNeeded || this.#pollExpired) {
        await this.#mainWaker.wait(60_000);
        continue;
      }
      try {
        await this.#joinOnce();
        attempt = 0;
      } catch (e) {
        this.#rejoinNeeded = true;
        if (this.#phase === "joining") this.#phase = "unjoined";
        if (!(e instanceof Rejoin) && !isRetriable(e)) {
          if (this.#active) this.#state.fail(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        await this.#mainWaker.wait(backoffMs(attempt++, this.#cluster.retryOptions));
      }
    }
  }

  /** The topics to subscribe to now: the list, or the pattern matched against the cluster's topics. */
  async #resolveTopics(): Promise<string[]> {
    const sub = this.#subscription();
    if (sub === null) return [];
    if ("topics" in sub) return [...new Set(sub.topics)].sort();
    const topics = await allTopics(this.#cluster);
    return [...topics].filter(([name, t]) => !t.internal && sub.pattern.test(name)).map(([name]) => name)
      .sort();
  }

  async #joinOnce(): Promise<void> {
    this.#rejoinNeeded = false;
    this.#topics = await this.#resolveTopics();
    // Eager protocols give everything back before joining; cooperative ones only what is no longer subscribed.
    const owned = this.#state.owned();
    const unsubscribed = owned.filter((tp) => !this.#topics.includes(tp.topic));
    await this.#state.revoke(this.#o.cooperative ? unsubscribed : owned);
    if (this.#stopped) return;

    this.#phase = "joining";
    const join = await this.#join();
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    const protocolName = join.protocolName ?? "";
    const isLeader = join.leader === join.memberId;
    const assignments = isLeader && !join.skipAssignment
      ? await this.#assign(protocolName, join.members)
      : [];
    if (!isLeader) this.#leaderSnapshot = undefined;

    const sync = await this.#coordinator.send(SyncGroup, {
      groupId: this.#o.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.#o.groupInstanceId,
      protocolType: "consumer",
      protocolName,
      assignments,
    }, { timeoutMs: this.#o.rebalanceTimeoutMs + 5_000 });
    this.#checkJoinError(sync.errorCode, "SyncGroup");
    const assigned = decodeAssignment(sync.assignment).partitions;
    this.#phase = "stable";
    this.#lastHeartbeatOk = performance.now();
    this.#heartbeatWaker.wake();

    const target = new Set(assigned.map(tpKey));
    const revoked = this.#state.owned().filter((tp) => !target.has(tpKey(tp)));
    await this.#state.revoke(revoked);
    await this.#state.assign(assigned);
    // A cooperative member that gave partitions up rejoins so that they can go to their new owner.
    if (revoked.length > 0) this.#requestRejoin();
    if (assigned.some((tp) => !this.#topics.includes(tp.topic))) this.#requestRejoin();
    this.#state.markReady();
  }

  /** JoinGroup until the coordinator accepts this member (retrying once with the id it asks for). */
  async #join() {
    const owned = this.#state.owned();
    const protocols = this.#o.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics: this.#topics,
        userData: a.userData?.() ?? null,
        ownedPartitions: owned,
        generationId: this.generationId,
        rackId: this.#o.rackId,
      }),
    }));
    for (let tries = 0;; tries++) {
      const res = await this.#coordinator.send(JoinGroup, {
        groupId: this.#o.groupId,
        sessionTimeoutMs: this.#o.sessionTimeoutMs,
        rebalanceTimeoutMs: this.#o.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: this.#o.groupInstanceId,
        protocolType: "consumer",
        protocols,
        reason: null,
      }, { timeoutMs: this.#o.rebalanceTimeoutMs + 5_000 });
      if (res.errorCode === ERR.MEMBER_ID_REQUIRED && tries === 0) {
        this.memberId = res.memberId; // KIP-394: join again at once with the id the coordinator chose
        continue;
      }
      this.#checkJoinError(res.errorCode, "JoinGroup");
      return res;
    }
  }

  #checkJoinError(code: number, api: string): void {
    if (code === 0) return;
    if (code === ERR.UNKNOWN_MEMBER_ID) {
      this.memberId = "";
      this.generationId = -1;
    } else if (code === ERR.ILLEGAL_GENERATION) {
      this.generationId = -1;
    } else if (coordinatorMoved(code)) {
      this.#coordinator.invalidate();
    } else if (
      code !== ERR.REBALANCE_IN_PROGRESS && code !== ERR.MEMBER_ID_REQUIRED && !new KafkaError(code).retriable
    ) {
      throw fatalFor(code, api, this.#o.groupId);
    }
    throw new Rejoin(`${api}: ${new KafkaError(code).name}`);
  }

  /** The leader's part: run the chosen assignor over every member's subscription. */
  async #assign(
    protocolName: string,
    members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[],
  ) {
    const assignor = this.#o.assignors.find((a) => a.name === protocolName);
    if (!assignor) {
      throw new TypeError(`the group chose assignor ${protocolName}, which this member does not have`);
    }
    const subs: MemberSubscription[] = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      ...decodeSubscription(m.metadata),
    }));
    const partitionsPerTopic = await this.#partitionCounts([...new Set(subs.flatMap((s) => s.topics))]);
    this.#leaderSnapshot = partitionsPerTopic;
    const result = assignor.assign({ members: subs, partitionsPerTopic });
    return subs.map((m) => ({
      memberId: m.memberId,
      assignment: encodeAssignment({ partitions: result.get(m.memberId) ?? [], userData: null }),
    }));
  }

  /** Partition counts of existing topics; topics that do not exist are left out. */
  async #partitionCounts(topics: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (topics.length === 0) return out;
    await this.#cluster.refreshMetadata(topics);
    for (const t of topics) {
      const info = this.#cluster.cachedTopic(t);
      if (info) out.set(t, info.partitions.length);
    }
    return out;
  }

  async #heartbeatLoop(): Promise<void> {
    let delay = this.#o.heartbeatIntervalMs;
    while (!this.#stopped && !this.#state.fatal) {
      await this.#heartbeatWaker.wait(delay);
      delay = this.#o.heartbeatIntervalMs;
      if (this.#stopped || this.#phase !== "stable") continue;
      if (performance.now() - this.#lastPoll > this.#o.maxPollIntervalMs) {
        await this.#onPollExpired();
        continue;
      }
      const generation = this.generationId;
      let code: number;
      try {
        const res = await this.#coordinator.send(Heartbeat, {
          groupId: this.#o.groupId,
          generationId: generation,
          memberId: this.memberId,
          groupInstanceId: this.#o.groupInstanceId,
        }, { timeoutMs: Math.min(this.#o.sessionTimeoutMs, 30_000) });
        code = res.errorCode;
      } catch {
        // The coordinator connection was forgotten; the next heartbeat looks it up again.
        delay = Math.min(delay, 500);
        continue;
      }
      if (generation !== this.generationId || this.#phase !== "stable") continue;
      if (code === 0) {
        this.#lastHeartbeatOk = performance.now();
      } else if (code === ERR.REBALANCE_IN_PROGRESS) {
        this.#requestRejoin();
      } else if (code === ERR.ILLEGAL_GENERATION) {
        this.#reset(false);
      } else if (code === ERR.UNKNOWN_MEMBER_ID) {
        this.#reset(true);
      } else if (coordinatorMoved(code) || new KafkaError(code).retriable) {
        if (coordinatorMoved(code)) this.#coordinator.invalidate();
        delay = 500;
      } else {
        this.#state.fail(fatalFor(code, "Heartbeat", this.#o.groupId));
      }
    }
  }

  /** The application stopped polling: give the partitions up (lost) and leave, as the Java client does. */
  async #onPollExpired(): Promise<void> {
    this.#pollExpired = true;
    await this.#sendLeave("consumer poll timeout has expired");
    this.#reset(true);
  }

  async #metadataLoop(): Promise<void> {
    while (!this.#stopped && !this.#state.fatal) {
      await this.#metadataWaker.wait(this.#o.metadataMaxAgeMs);
      if (!this.#active || this.#phase !== "stable") continue;
      try {
        const sub = this.#subscription();
        if (sub && "pattern" in sub) {
          const topics = await this.#resolveTopics();
          if (topics.join("\n") !== this.#topics.join("\n")) this.#requestRejoin();
        }
        const snapshot = this.#leaderSnapshot;
        if (snapshot) {
          const topics = [...new Set(this.#topics.concat([...snapshot.keys()]))];
          const now = await this.#partitionCounts(topics);
          const changed = now.size !== snapshot.size || [...now].some(([t, n]) => snapshot.get(t) !== n);
          if (changed) this.#requestRejoin();
        }
      } catch { /* try again next round */ }
    }
  }

  /** LeaveGroup; a static member sends one only when asked to (`evenIfStatic`), as Java does. */
  async #sendLeave(reason: string, evenIfStatic = false): Promise<void> {
    if ((this.#o.groupInstanceId !== null && !evenIfStatic) || this.memberId === "") return;
    const memberId = this.memberId;
    try {
      await this.#coordinator.retrying((conn) =>
        conn.send(LeaveGroup, {
          groupId: this.#o.groupId,
          memberId,
          members: [{ memberId, groupInstanceId: this.#o.groupInstanceId, reason }],
        }, { timeoutMs: 10_000 })
      );
    } catch { /* the session timeout removes the member anyway */ }
  }

  async leave(reason: string, operation: LeaveOperation): Promise<void> {
    // A JoinGroup in flight would hold the LeaveGroup behind it on the same connection.
    if (this.#phase === "joining") this.#coordinator.invalidate();
    const owned = this.#state.owned();
    if (this.generationId >= 0 && !this.#lostPending) await this.#state.revoke(owned);
    else await this.#state.lose(owned);
    this.#lostPending = false;
    if (operation !== "remain-in-group") await this.#sendLeave(reason, operation === "leave-group");
    this.memberId = this.#o.groupInstanceId !== null ? this.memberId : "";
    this.generationId = -1;
    this.#phase = "unjoined";
    this.#leaderSnapshot = undefined;
  }

  stop(): void {
    this.#stopped = true;
    this.#mainWaker.wake();
    this.#heartbeatWaker.wake();
    this.#metadataWaker.wake();
    this.#coordinator.close();
  }
}
