/** Helpers shared by the built-in assignors. */
import type { MemberSubscription, TopicPartition } from "../types.ts";

/**
 * Java's member order: static members first, by instance id, then dynamic members by member id.
 * String comparison by UTF-16 code units, as Java's `String.compareTo`.
 */
export function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  const x = a.groupInstanceId, y = b.groupInstanceId;
  if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : 0;
  if (x !== null) return -1;
  if (y !== null) return 1;
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
}

/** An empty result with an entry per member. */
export function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}
