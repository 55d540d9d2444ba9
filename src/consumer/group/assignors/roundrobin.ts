/** The round-robin assignor, as Java's RoundRobinAssignor. */
import type { AssignmentInput, Assignor, TopicPartition } from "../types.ts";
import { compareMembers, emptyAssignment } from "./common.ts";

/**
 * All partitions of all subscribed topics (topics by name, partitions in order) are dealt one by one
 * to the members in member order, skipping members not subscribed to the partition's topic. The
 * position in the member circle carries over from one partition to the next.
 */
export const roundRobinAssignor: Assignor = {
  name: "roundrobin",
  protocol: "eager",
  assign({ members, partitionsPerTopic }: AssignmentInput): Map<string, TopicPartition[]> {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    const topics = [...new Set(members.flatMap((m) => m.topics))]
      .filter((t) => partitionsPerTopic.has(t))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let next = 0;
    for (const topic of topics) {
      const n = partitionsPerTopic.get(topic)!;
      for (let p = 0; p < n; p++) {
        while (!sorted[next % sorted.length].topics.includes(topic)) next++;
        out.get(sorted[next % sorted.length].memberId)!.push({ topic, partition: p });
        next++;
      }
    }
    return out;
  },
};
