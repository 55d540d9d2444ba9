/** What GroupMembership needs of either group protocol (classic or KIP-848). */
import type { CommitIdentity } from "./offsets.ts";

/** The topics to join for: a list, or a pattern over the cluster's topic names. */
export type Subscription = { topics: readonly string[] } | { pattern: RegExp };

/** One group protocol's member. */
export interface MemberProtocol {
  /** Member id ("" before the first join with the classic protocol). */
  readonly memberId: string;
  /** Generation (classic) or member epoch (KIP-848); -1 or 0 outside the group. */
  readonly generationId: number;
  /** The identity offsets are committed with. */
  identity(): CommitIdentity;
  /** Starts (or re-starts) joining for the current subscription. */
  subscriptionChanged(): void;
  /** The application polled. */
  pollTick(): void;
  /** Revokes everything and leaves the group (a static member, or with `remain`, only stops heart-beating). */
  leave(reason: string, remain: boolean): Promise<void>;
  /** Stops timers and closes the coordinator connection; call after `leave`. */
  stop(): void;
}
