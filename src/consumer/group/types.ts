/**
 * Shapes shared by the consumer and its group membership: partitions, committed offsets, the listener
 * through which membership hands partitions over, and the group options.
 */

import { KafkaClientError } from "../../errors.ts";

/** One partition of one topic. */
export interface TopicPartition {
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
}

/** A committed (or to be committed) position: the offset of the next record to read. */
export interface OffsetAndMetadata {
  /** The next offset to consume. */
  offset: bigint;
  /** Leader epoch of the last consumed record, when known (lets the broker detect log truncation). */
  leaderEpoch?: number;
  /** Free text stored with the offset. */
  metadata?: string | null;
}

/** One entry of a commit: which partition and the position to store for it. */
export interface CommitEntry {
  /** The partition. */
  tp: TopicPartition;
  /** The position to store. */
  offset: OffsetAndMetadata;
}

/**
 * Callbacks through which group membership hands partitions to the consumer and takes them back.
 * Every call is awaited; heartbeats go on while a call runs.
 */
export interface MembershipListener {
  /** Partitions newly added to this member (incremental for cooperative and KIP-848; the whole set for eager). Awaited before fetching starts on them. */
  onAssigned(partitions: TopicPartition[]): Promise<void>;
  /** Partitions about to be taken away; the Consumer stops fetching them and commits them here. Awaited before the member gives them up. */
  onRevoked(partitions: TopicPartition[]): Promise<void>;
  /** Partitions lost without a chance to commit (session expired, fenced). */
  onLost(partitions: TopicPartition[]): Promise<void>;
  /** Optional: an error of a callback above (logged and skipped, as the Java client does) or a fatal membership error (fenced instance id, authorization). */
  onError?(error: Error): void;
}

/** One member of a classic group as the leader's assignor sees it. */
export interface MemberSubscription {
  /** The member id given by the coordinator. */
  memberId: string;
  /** The static instance id, if the member has one. */
  groupInstanceId: string | null;
  /** Topics the member subscribes to. */
  topics: string[];
  /** Partitions the member owned before this rebalance (cooperative protocols). */
  ownedPartitions: TopicPartition[];
  /** Generation in which it owned them, or -1. */
  generationId: number;
  /** The member's rack, if configured. */
  rackId: string | null;
  /** Assignor-specific bytes. */
  userData: Uint8Array | null;
}

/** What an assignor is given: members and the partition count of every subscribed topic. */
export interface AssignmentInput {
  /** Members with their subscriptions. */
  members: MemberSubscription[];
  /** Partition count per topic (topics missing here are unknown to the cluster and not assigned). */
  partitionsPerTopic: ReadonlyMap<string, number>;
}

/**
 * A partition assignment strategy run by the group leader (classic protocol).
 *
 * @example
 * ```ts
 * const firstTakesAll: Assignor = {
 *   name: "first-takes-all",
 *   protocol: "eager",
 *   assign({ members, partitionsPerTopic }) {
 *     const out = new Map(members.map((m) => [m.memberId, [] as TopicPartition[]]));
 *     for (const [topic, n] of partitionsPerTopic) {
 *       for (let p = 0; p < n; p++) out.get(members[0].memberId)!.push({ topic, partition: p });
 *     }
 *     return out;
 *   },
 * };
 * ```
 */
export interface Assignor {
  /** Protocol name sent in JoinGroup; every member must offer it for the group to pick it. */
  readonly name: string;
  /** "eager" revokes everything before a rebalance; "cooperative" only what moves. Default "eager". */
  readonly protocol?: "eager" | "cooperative";
  /** Partitions per member id. Every member id must be present (with `[]` when it gets nothing). */
  assign(input: AssignmentInput): Map<string, TopicPartition[]>;
  /** Bytes sent as the subscription's user data (optional). */
  userData?(): Uint8Array | null;
}

/** Group options of a consumer. */
export interface GroupOptions {
  /** The consumer group. */
  groupId: string;
  /** Static membership (KIP-345): a member that restarts within the session timeout keeps its partitions. */
  groupInstanceId?: string;
  /** Default "classic"; "consumer" is the KIP-848 protocol (server-side assignment). */
  groupProtocol?: "classic" | "consumer";
  /** Default 45000. */
  sessionTimeoutMs?: number;
  /** Default = maxPollIntervalMs (300000). */
  rebalanceTimeoutMs?: number;
  /** Default 3000 (classic; with "consumer" the broker decides). */
  heartbeatIntervalMs?: number;
  /** Longest time between two `pollTick` calls before the member leaves the group. Default 300000. */
  maxPollIntervalMs?: number;
  /** Default ["range", "cooperative-sticky"] like the Java client; classic only. */
  partitionAssignmentStrategy?: ("range" | "roundrobin" | "cooperative-sticky" | Assignor)[];
  /** KIP-848 server-side assignor: "uniform" or "range"; the broker's default when absent. */
  groupRemoteAssignor?: string;
  /** The consumer's rack, for rack-aware assignment. */
  rackId?: string;
  /** How often a pattern subscription and the group's partition counts are rechecked (classic). Default 300000. */
  metadataMaxAgeMs?: number;
}

/**
 * The argument of `GroupMembership.commit`: an array of `{ tp, offset }`.
 *
 * @example
 * ```ts
 * await membership.commit([{ tp: { topic: "events", partition: 0 }, offset: { offset: 42n } }]);
 * ```
 */
export type CommitOffsets = readonly CommitEntry[];

/** The key of a partition in maps: `"topic:partition"`. */
export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

/** A commit failed because the group rebalanced; the partitions may now belong to another member. */
export class CommitFailedError extends KafkaClientError {
  /** Always `"CommitFailedError"`. */
  override name = "CommitFailedError";
  /** Retrying the same commit will not help: the member must rejoin first. */
  override readonly retriable = false;
}

/** Another member with the same `groupInstanceId` took this member's place; the member stops. */
export class FencedInstanceIdError extends KafkaClientError {
  /** Always `"FencedInstanceIdError"`. */
  override name = "FencedInstanceIdError";
  /** Fatal for this member. */
  override readonly retriable = false;
}

/** How `close` treats the group, after Java's `CloseOptions.GroupMembershipOperation` (KIP-1092). */
export interface CloseOptions {
  /** "default": leave, except a static member; "leave-group": leave, static or not; "remain-in-group": never leave. */
  groupMembershipOperation?: "default" | "leave-group" | "remain-in-group";
}
