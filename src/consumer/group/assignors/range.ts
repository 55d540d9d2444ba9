/** The range assignor, as Java's RangeAssignor (without racks). */
import type { AssignmentInput, Assignor, TopicPartition } from "../types.ts";
import { compareMembers, emptyAssignment } from "./common.ts";

/**
 * Per topic, the partitions in order are cut into contiguous ranges, one per subscribed member in
 * member order; the first `partitions % members` members get one extra.
 */
export const rangeAssignor: Assignor = {
  name: "range",
  protocol: "eager",
  assign({ members, partitionsPerTopic }: AssignmentInput): Map<string, TopicPartition[]> {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    const topics = new Set(members.flatMap((m) => m.topics));
    for (const topic of topics) {
      const n = partitionsPerTopic.get(topic);
      if (n === undefined) continue;
      const subscribers = sorted.filter((m) => m.topics.includes(topic));
      const per = Math.floor(n / subscribers.length);
      const extra = n % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = i * per + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        const list = out.get(m.memberId)!;
        for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
      });
    }
    return out;
  },
};
