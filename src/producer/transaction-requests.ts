/**
 * The transactional producer's requests to its coordinators: each is sent until the answer carries a code
 * that is not retried (the coordinator is found again after it moved or its connection failed; a busy one is
 * retried with backoff), and that code is handed back for the transaction manager to sort. Past the
 * deadline (maxBlockMs) they fail with `TransactionTimeoutError`.
 */
import type { Cluster } from "../client/cluster.ts";
import type { Connection } from "../client/connection.ts";
import { backoffMs, isRetriable, sleep } from "../client/retry.ts";
import type { ConsumerGroupMetadata } from "../consumer/types.ts";
import { ERR, KafkaError } from "../protocol/errors.ts";
import { AddOffsetsToTxn } from "../protocol/messages/add-offsets-to-txn.ts";
import { AddPartitionsToTxn } from "../protocol/messages/add-partitions-to-txn.ts";
import { EndTxn } from "../protocol/messages/end-txn.ts";
import { InitProducerId } from "../protocol/messages/init-producer-id.ts";
import { Produce } from "../protocol/messages/produce.ts";
import { TxnOffsetCommit } from "../protocol/messages/txn-offset-commit.ts";
import { COORDINATOR_GROUP, COORDINATOR_TRANSACTION, CoordinatorLookup } from "./coordinator.ts";
import { TransactionTimeoutError } from "./errors.ts";
import type { Idempotence } from "./idempotence.ts";
import type { TransactionOffset } from "./transaction-types.ts";

/** Codes after which the same request is sent again (after finding the coordinator again where it moved). */
const RETRY: ReadonlySet<number> = new Set([
  ERR.COORDINATOR_LOAD_IN_PROGRESS,
  ERR.CONCURRENT_TRANSACTIONS,
  ERR.NOT_COORDINATOR,
  ERR.COORDINATOR_NOT_AVAILABLE,
  ERR.UNKNOWN_TOPIC_OR_PARTITION,
  ERR.REQUEST_TIMED_OUT,
]);
const MOVED: ReadonlySet<number> = new Set([ERR.NOT_COORDINATOR, ERR.COORDINATOR_NOT_AVAILABLE]);
/** Produce v12, EndTxn v5 and TxnOffsetCommit v5 carry KIP-890's protocol; the versions below do not. */
export const CLASSIC_PRODUCE_MAX = 11;
const CLASSIC_END_TXN_MAX = 4;
const CLASSIC_TXN_OFFSET_COMMIT_MAX = 4;
/** AddPartitionsToTxn v4+ is for brokers only. */
const CLIENT_ADD_PARTITIONS_MAX = 3;
/** The epoch bump (InitProducerId with the current id and epoch) needs v3. */
const EPOCH_BUMP_MIN = 3;

/** A producer id and epoch handed out by the coordinator, with the answer's error code. */
export interface IdAndEpoch {
  code: number;
  producerId: bigint;
  epoch: number;
}

/** What the requests need to know. */
export interface RequestSettings {
  transactionalId: string;
  transactionTimeoutMs: number;
  maxBlockMs: number;
}

/** The requests of one transactional id. */
export class TransactionRequests {
  /** KIP-890 (transaction.version 2) is spoken: set once the coordinator is known. */
  v2 = false;
  readonly #o: RequestSettings;
  readonly #cluster: Cluster;
  readonly #idem: Idempotence;
  readonly #coordinator: CoordinatorLookup;
  readonly #groups = new Map<string, CoordinatorLookup>();
  /** Throws when the producer failed for good: no request is retried after that. */
  readonly #throwIfFatal: () => void;

  constructor(cluster: Cluster, idem: Idempotence, o: RequestSettings, throwIfFatal: () => void) {
    this.#o = o;
    this.#cluster = cluster;
    this.#idem = idem;
    this.#throwIfFatal = throwIfFatal;
    this.#coordinator = new CoordinatorLookup(cluster, COORDINATOR_TRANSACTION, o.transactionalId);
  }

  /** Finds the transaction coordinator and decides the protocol from what it offers. */
  async discover(deadline: number, forceClassic: boolean): Promise<number> {
    let conn: Connection | undefined;
    const code = await this.#call("FindCoordinator", this.#coordinator, deadline, (c) => {
      conn = c;
      return Promise.resolve(0);
    });
    if (code === 0 && conn) this.v2 = !forceClassic && supportsV2(conn);
    return code;
  }

  /** InitProducerId; `bump` sends the current id and epoch to get the next epoch (KIP-360). */
  async initProducerId(bump: boolean, deadline: number): Promise<IdAndEpoch> {
    const out: IdAndEpoch = { code: 0, producerId: -1n, epoch: -1 };
    out.code = await this.#call("InitProducerId", this.#coordinator, deadline, async (conn) => {
      if (bump && conn.versionFor(InitProducerId) < EPOCH_BUMP_MIN) return ERR.UNSUPPORTED_VERSION;
      const res = await conn.send(InitProducerId, {
        transactionalId: this.#o.transactionalId,
        transactionTimeoutMs: this.#o.transactionTimeoutMs,
        producerId: bump ? this.#idem.producerId : -1n,
        producerEpoch: bump ? this.#idem.epoch : -1,
      });
      out.producerId = res.producerId;
      out.epoch = res.producerEpoch;
      return res.errorCode;
    });
    return out;
  }

  /** AddPartitionsToTxn for these partitions; the first error that is not the echo of another's. */
  addPartitions(topics: ReadonlyMap<string, number[]>, deadline: number): Promise<number> {
    return this.#call("AddPartitionsToTxn", this.#coordinator, deadline, async (conn) => {
      const res = await conn.send(AddPartitionsToTxn, {
        v3AndBelowTransactionalId: this.#o.transactionalId,
        v3AndBelowProducerId: this.#idem.producerId,
        v3AndBelowProducerEpoch: this.#idem.epoch,
        v3AndBelowTopics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      }, { version: Math.min(conn.versionFor(AddPartitionsToTxn), CLIENT_ADD_PARTITIONS_MAX) });
      if (res.errorCode !== 0) return res.errorCode;
      let code = 0;
      for (const t of res.resultsByTopicV3AndBelow) {
        for (const p of t.resultsByPartition) {
          const c = p.partitionErrorCode;
          if (c !== 0 && (code === 0 || code === ERR.OPERATION_NOT_ATTEMPTED)) code = c;
        }
      }
      return code;
    });
  }

  /** AddOffsetsToTxn: the group's offsets partition joins the transaction (classic protocol). */
  addOffsets(groupId: string, deadline: number): Promise<number> {
    return this.#call("AddOffsetsToTxn", this.#coordinator, deadline, async (conn) => {
      const res = await conn.send(AddOffsetsToTxn, {
        transactionalId: this.#o.transactionalId,
        producerId: this.#idem.producerId,
        producerEpoch: this.#idem.epoch,
        groupId,
      });
      return res.errorCode;
    });
  }

  /** TxnOffsetCommit to the group's coordinator; the first partition error. */
  txnOffsetCommit(
    byTopic: ReadonlyMap<string, TransactionOffset[]>,
    group: ConsumerGroupMetadata,
    deadline: number,
  ): Promise<number> {
    let lookup = this.#groups.get(group.groupId);
    if (!lookup) {
      lookup = new CoordinatorLookup(this.#cluster, COORDINATOR_GROUP, group.groupId);
      this.#groups.set(group.groupId, lookup);
    }
    return this.#call("TxnOffsetCommit", lookup, deadline, async (conn) => {
      const max = conn.versionFor(TxnOffsetCommit);
      const res = await conn.send(TxnOffsetCommit, {
        transactionalId: this.#o.transactionalId,
        groupId: group.groupId,
        producerId: this.#idem.producerId,
        producerEpoch: this.#idem.epoch,
        generationId: group.generationId,
        memberId: group.memberId,
        groupInstanceId: group.groupInstanceId,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((o) => ({
            partitionIndex: o.partition,
            committedOffset: o.offset,
            committedLeaderEpoch: o.leaderEpoch ?? -1,
            committedMetadata: o.metadata ?? null,
          })),
        })),
      }, { version: this.v2 ? max : Math.min(max, CLASSIC_TXN_OFFSET_COMMIT_MAX) });
      let code = 0;
      for (const t of res.topics) {
        for (const p of t.partitions) if (p.errorCode !== 0 && code === 0) code = p.errorCode;
      }
      return code;
    });
  }

  /** EndTxn; under KIP-890 the answer carries the bumped epoch (or a new producer id). */
  async endTxn(commit: boolean, deadline: number): Promise<IdAndEpoch> {
    const out: IdAndEpoch = { code: 0, producerId: -1n, epoch: -1 };
    out.code = await this.#call("EndTxn", this.#coordinator, deadline, async (conn) => {
      const max = conn.versionFor(EndTxn);
      const res = await conn.send(EndTxn, {
        transactionalId: this.#o.transactionalId,
        producerId: this.#idem.producerId,
        producerEpoch: this.#idem.epoch,
        committed: commit,
      }, { version: this.v2 ? max : Math.min(max, CLASSIC_END_TXN_MAX) });
      out.producerId = res.producerId;
      out.epoch = res.producerEpoch;
      return res.errorCode;
    });
    return out;
  }

  /** Sends until the answer's code is not one to retry; returns that code. */
  async #call(
    what: string,
    lookup: CoordinatorLookup,
    deadline: number,
    send: (conn: Connection) => Promise<number>,
  ): Promise<number> {
    const retry = this.#cluster.retryOptions;
    for (let attempt = 0;; attempt++) {
      let code: number;
      try {
        code = await send(await lookup.connection());
      } catch (e) {
        if (e instanceof KafkaError) code = e.code; // from FindCoordinator
        else if (isRetriable(e)) {
          lookup.invalidate();
          code = ERR.COORDINATOR_NOT_AVAILABLE;
        } else throw e;
      }
      if (!RETRY.has(code)) return code;
      if (MOVED.has(code)) lookup.invalidate();
      this.#throwIfFatal();
      // The previous transaction is still completing: come back soon rather than after a full backoff.
      const wait = code === ERR.CONCURRENT_TRANSACTIONS
        ? Math.min(20 * 2 ** attempt, backoffMs(attempt, retry))
        : backoffMs(attempt, retry);
      if (performance.now() + wait > deadline) {
        throw new TransactionTimeoutError(
          `${what} for transactionalId ${JSON.stringify(this.#o.transactionalId)} did not complete within ` +
            `maxBlockMs (${this.#o.maxBlockMs}); last error ${
              KafkaError.fromCode(code).name
            }. Call again to resume`,
        );
      }
      await sleep(wait);
    }
  }
}

/** Whether the broker offers KIP-890's protocol: transaction.version 2 and the versions that carry it. */
export function supportsV2(conn: Connection): boolean {
  const produce = conn.apiVersions.get(Produce.key);
  const endTxn = conn.apiVersions.get(EndTxn.key);
  return (conn.finalizedFeatures.get("transaction.version") ?? 0) >= 2 &&
    produce !== undefined && produce.max >= 12 && endTxn !== undefined && endTxn.max >= 5;
}
