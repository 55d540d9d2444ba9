/** Consumer group membership and offsets: the public names. */
export { GroupMembership } from "./membership.ts";
export { commitOffsetsStandalone, fetchCommittedStandalone } from "./offsets.ts";
export { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor } from "./assignors/index.ts";
export {
  type AssignmentInput,
  type Assignor,
  type CloseOptions,
  type CommitEntry,
  CommitFailedError,
  type CommitOffsets,
  FencedInstanceIdError,
  type GroupOptions,
  type MembershipListener,
  type MemberSubscription,
  type OffsetAndMetadata,
  type TopicPartition,
  tpKey,
} from "./types.ts";
