/** What GroupMembership needs of either group protocol (classic or KIP-848). */
import type { CommitIdentity } from "./offsets.ts";

/** Whether a leaving member tells the coordinator (see `CloseOptions`). */
export type LeaveOperation = "default" | "leave-group" | "remain-in-group";

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
  /**
   * Revokes everything and leaves the group. "default": a static member only stops heart-beating;
   * "leave-group": static members leave too; "remain-in-group": no member sends a leave.
   */
  leave(reason: string, operation: LeaveOperation): Promise<void>;
  /** Stops timers and closes the coordinator connection; call after `leave`. */
  stop(): void;
}
