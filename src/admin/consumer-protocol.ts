/**
 * The consumer protocol's member metadata (subscription) and assignment as the admin client describes
 * them: the group member's own decoders, with `null` for bytes that are not the consumer protocol
 * (a group of another protocol type may hold anything there).
 */
import {
  decodeAssignment as readAssignment,
  decodeSubscription as readSubscription,
} from "../consumer/group/consumer-protocol.ts";
import type { ConsumerSubscription, TopicPartition } from "./types.ts";

/** Decodes a consumer subscription; `null` when the bytes are empty or not a subscription. */
export function decodeSubscription(bytes: Uint8Array): ConsumerSubscription | null {
  if (bytes.length < 2) return null;
  try {
    const { topics, ownedPartitions, rackId, userData } = readSubscription(bytes);
    return { topics, ownedPartitions, rackId, userData };
  } catch {
    return null;
  }
}

/** Decodes a consumer assignment into its partitions; `null` when the bytes are not an assignment. */
export function decodeAssignment(bytes: Uint8Array): TopicPartition[] | null {
  if (bytes.length < 2 && bytes.length !== 0) return null;
  try {
    return readAssignment(bytes).partitions; // empty bytes: a member between rebalances, nothing yet
  } catch {
    return null;
  }
}
