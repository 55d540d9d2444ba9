/** Every topic of the cluster by name, with its id and partition count (for patterns and topic ids). */
import type { Cluster } from "../../client/cluster.ts";
import { Metadata } from "../../protocol/messages/metadata.ts";

/** One topic as the group code needs it. */
export interface TopicSummary {
  /** Topic id (base64). */
  id: string;
  /** Partition count. */
  partitions: number;
  /** Kafka's own topics, left out of pattern subscriptions as the Java client does. */
  internal: boolean;
}

/** Asks any broker for every topic. */
export async function allTopics(cluster: Cluster): Promise<Map<string, TopicSummary>> {
  const res = await cluster.send("any", Metadata, {
    topics: null,
    allowAutoTopicCreation: false,
    includeTopicAuthorizedOperations: false,
  });
  const out = new Map<string, TopicSummary>();
  for (const t of res.topics) {
    if (t.errorCode !== 0 || !t.name) continue;
    out.set(t.name, {
      id: t.topicId ?? "",
      partitions: t.partitions.length,
      internal: t.isInternal ?? false,
    });
  }
  return out;
}
