/**
 * The cooperative sticky assignor, after Java's CooperativeStickyAssignor: balanced, keeps members on
 * the partitions they own, and never hands over a partition in the same rebalance in which another
 * member still owns it (that member revokes it first and the follow-up rebalance assigns it).
 */
import { type AssignmentInput, type Assignor, type TopicPartition, tpKey } from "../types.ts";
import { compareMembers, emptyAssignment } from "./common.ts";

/** Reads the generation that older members put in the user data (an int32), or -1. */
function generationOf(userData: Uint8Array | null, fallback: number): number {
  if (fallback >= 0 || !userData || userData.length < 4) return fallback;
  return new DataView(userData.buffer, userData.byteOffset, 4).getInt32(0);
}

/** The balanced, sticky target assignment, before partitions in transfer are held back. */
export function stickyTarget({ members, partitionsPerTopic }: AssignmentInput): {
  target: Map<string, TopicPartition[]>;
  previousOwner: Map<string, string>;
} {
  const sorted = [...members].sort(compareMembers);
  const subscribed = new Map(sorted.map((m) => [m.memberId, new Set(m.topics)]));
  const all: TopicPartition[] = [];
  const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => partitionsPerTopic.has(t))
    .sort();
  for (const topic of topics) {
    for (let p = 0; p < partitionsPerTopic.get(topic)!; p++) all.push({ topic, partition: p });
  }
  const exists = new Set(all.map(tpKey));

  // Claims of owned partitions: on a conflict the member of the highest generation wins (Java's rule).
  const byGeneration = [...sorted].sort((a, b) =>
    generationOf(b.userData, b.generationId) - generationOf(a.userData, a.generationId)
  );
  const previousOwner = new Map<string, string>();
  const current = new Map<string, Map<string, TopicPartition>>(sorted.map((m) => [m.memberId, new Map()]));
  for (const m of byGeneration) {
    for (const tp of m.ownedPartitions) {
      const key = tpKey(tp);
      if (!exists.has(key) || previousOwner.has(key)) continue;
      previousOwner.set(key, m.memberId);
      if (subscribed.get(m.memberId)!.has(tp.topic)) current.get(m.memberId)!.set(key, tp);
    }
  }

  const owner = new Map<string, string>();
  for (const [id, parts] of current) for (const key of parts.keys()) owner.set(key, id);
  const count = (id: string) => current.get(id)!.size;

  // Free partitions go to the least loaded member that subscribes to their topic.
  const eligible = (topic: string) => sorted.filter((m) => subscribed.get(m.memberId)!.has(topic));
  for (const tp of all) {
    const key = tpKey(tp);
    if (owner.has(key)) continue;
    const candidates = eligible(tp.topic);
    if (candidates.length === 0) continue;
    let best = candidates[0].memberId;
    for (const m of candidates) if (count(m.memberId) < count(best)) best = m.memberId;
    current.get(best)!.set(key, tp);
    owner.set(key, best);
  }

  // Move one partition at a time from the fullest member to a member with at least two fewer that can
  // take it, until no such move exists; each move shrinks the spread, so this ends.
  for (;;) {
    let moved = false;
    const byLoad = [...sorted].sort((a, b) => count(b.memberId) - count(a.memberId) || compareMembers(a, b));
    outer: for (const from of byLoad) {
      const parts = [...current.get(from.memberId)!.values()].reverse();
      for (const tp of parts) {
        let to: string | undefined;
        for (const m of eligible(tp.topic)) {
          if (
            count(m.memberId) + 1 < count(from.memberId) &&
            (to === undefined || count(m.memberId) < count(to))
          ) {
            to = m.memberId;
          }
        }
        if (to === undefined) continue;
        const key = tpKey(tp);
        current.get(from.memberId)!.delete(key);
        current.get(to)!.set(key, tp);
        owner.set(key, to);
        moved = true;
        break outer;
      }
    }
    if (!moved) break;
  }

  const target = emptyAssignment(members);
  for (const [id, parts] of current) target.set(id, [...parts.values()]);
  return { target, previousOwner };
}

/** Balanced and sticky; a partition changing owner is held back for one rebalance (cooperative). */
export const cooperativeStickyAssignor: Assignor = {
  name: "cooperative-sticky",
  protocol: "cooperative",
  assign(input: AssignmentInput): Map<string, TopicPartition[]> {
    const { target, previousOwner } = stickyTarget(input);
    for (const [id, parts] of target) {
      target.set(id, parts.filter((tp) => (previousOwner.get(tpKey(tp)) ?? id) === id));
    }
    return target;
  },
};
