/**
 * The fetcher: one Fetch in flight per leader, carrying every assigned, unpaused partition it leads that
 * needs data, within the buffer budget (`fetchBufferBytes`); answers go into the fetch buffer, partition
 * errors become a reset, a metadata refresh, a backoff or a failure for the reader.
 */
import type { Cluster } from "../client/cluster.ts";
import { isRetriable } from "../client/retry.ts";
import { ERR, KafkaError, needsMetadataRefresh } from "../protocol/errors.ts";
import { Fetch, type FetchRequest, type FetchResponse } from "../protocol/messages/fetch.ts";
import type { ConsumerCounters } from "./counters.ts";
import { OffsetOutOfRangeError } from "./errors.ts";
import { Chunk, type FetchBuffer, nextOffsetAfter, withCodecsLoaded } from "./fetch-buffer.ts";
import type { ConsumerSettings } from "./settings.ts";
import type { PartitionState, SubscriptionState } from "./subscription-state.ts";

/** What the fetcher needs from the consumer around it. */
export interface FetcherHost {
  /** Whether the consumer is closed (answers are then dropped). */
  readonly closed: boolean;
  /** A failure the reader is to see. */
  fail(e: Error): void;
  /** Something changed that a waiting reader may care about. */
  wake(): void;
  /** Whether a reader is waiting for records. */
  readonly waiting: boolean;
  /** Some partitions have no position yet: look them up. */
  needPositions(): void;
}

/** Sends fetches and takes in their answers. */
export class Fetcher {
  readonly #cluster: Cluster;
  readonly #o: ConsumerSettings<unknown, unknown>;
  readonly #subs: SubscriptionState;
  readonly #buffer: FetchBuffer;
  readonly #m: ConsumerCounters;
  readonly #host: FetcherHost;
  /** Brokers with a fetch in flight, and the bytes each may bring back. */
  readonly #inFlight = new Map<number, number>();
  #reserved = 0;
  #rotate = 0;
  /** When each broker was last sent a fetch, counted in fetches sent (0: never). */
  readonly #lastSent = new Map<number, number>();
  #sent = 0;
  readonly #metadataRequests = new Map<string, Promise<unknown>>();

  constructor(
    cluster: Cluster,
    settings: ConsumerSettings<unknown, unknown>,
    subs: SubscriptionState,
    buffer: FetchBuffer,
    counters: ConsumerCounters,
    host: FetcherHost,
  ) {
    this.#cluster = cluster;
    this.#o = settings;
    this.#subs = subs;
    this.#buffer = buffer;
    this.#m = counters;
    this.#host = host;
  }

  /** Fetched bytes held: buffered answers plus the size limits of fetches in flight. */
  get held(): number {
    return this.#buffer.bytes + this.#reserved;
  }

  /** Sends a fetch to every broker without one in flight that leads a partition needing data. */
  maybeFetch(): void {
    if (this.#host.closed || this.#subs.size === 0) return;
    const now = performance.now();
    let needInit = false;
    const byLeader = new Map<number, PartitionState[]>();
    for (const s of this.#subs.values()) {
      if (s.position === null) {
        needInit = true;
        continue;
      }
      // At most two answers per partition, buffered or in flight: reading one while the next arrives.
      if (s.paused || s.held || s.inFlight || s.chunks > 1 || s.backoffUntil > now) continue;
      const p = this.#cluster.cachedTopic(s.tp.topic)?.partitions[s.tp.partition];
      if (!p || p.partition !== s.tp.partition || p.leader < 0) {
        this.#refreshTopic(s.tp.topic);
        continue;
      }
      if (this.#inFlight.has(p.leader)) continue;
      const list = byLeader.get(p.leader);
      if (list) list.push(s);
      else byLeader.set(p.leader, [s]);
    }
    if (needInit) this.#host.needPositions();
    // The budget goes to the broker that waited longest first: in assignment order, brokers early in it
    // (even ones only long-polling at the end of their partitions) took it back each time their fetch
    // came back, and a broker late in it never got a fetch again.
    const order = [...byLeader.keys()].sort((a, b) =>
      (this.#lastSent.get(a) ?? 0) - (this.#lastSent.get(b) ?? 0)
    );
    for (const leader of order) this.#send(leader, byLeader.get(leader)!, now);
  }

  #refreshTopic(topic: string): void {
    if (this.#metadataRequests.has(topic)) return;
    const p = this.#cluster.topic(topic).catch((e) => {
      // A topic that does not exist (yet): keep trying, as the Java client does, but slowly.
      if (!isRetriable(e) && !(e instanceof KafkaError && e.code === ERR.UNKNOWN_TOPIC_OR_PARTITION)) {
        this.#host.fail(e as Error);
      }
    }).then(() => new Promise((r) => setTimeout(r, this.#o.retryBackoffMs))).finally(() => {
      this.#metadataRequests.delete(topic);
      this.maybeFetch();
      this.#host.wake();
    });
    this.#metadataRequests.set(topic, p);
  }

  #send(leader: number, all: PartitionState[], now: number): void {
    const o = this.#o;
    // Fairness: start at a different partition each time, so no partition is always cut by the size limit.
    const start = this.#rotate++ % all.length;
    let list = start === 0 ? all : all.slice(start).concat(all.slice(0, start));
    const held = this.held;
    if (held > 0) {
      const room = o.fetchBufferBytes - held;
      const fit = Math.min(
        list.length,
        Math.floor(room / Math.min(o.maxPartitionFetchBytes, o.fetchMaxBytes)),
      );
      if (fit < 1) return;
      list = list.slice(0, fit);
    }
    const limit = Math.min(o.fetchMaxBytes, list.length * o.maxPartitionFetchBytes);
    const topics = new Map<string, FetchRequest["topics"][number]>();
    const epochs: number[] = [];
    for (const s of list) {
      const info = this.#cluster.cachedTopic(s.tp.topic)!;
      let t = topics.get(s.tp.topic);
      if (!t) {
        t = { topic: s.tp.topic, topicId: info.topicId, partitions: [] };
        topics.set(s.tp.topic, t);
      }
      t.partitions.push({
        partition: s.tp.partition,
        currentLeaderEpoch: info.partitions[s.tp.partition].leaderEpoch,
        fetchOffset: s.fetchOffset,
        lastFetchedEpoch: -1,
        logStartOffset: -1n,
        partitionMaxBytes: o.maxPartitionFetchBytes,
      });
      s.inFlight = true;
      epochs.push(s.epoch);
    }
    this.#inFlight.set(leader, limit);
    this.#lastSent.set(leader, ++this.#sent);
    this.#reserved += limit;
    this.#m.held(this.held);
    const request: FetchRequest = {
      maxWaitMs: o.fetchMaxWaitMs,
      minBytes: o.fetchMinBytes,
      maxBytes: o.fetchMaxBytes,
      isolationLevel: o.isolationLevel,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics.values()],
      forgottenTopicsData: [],
      rackId: o.groupOptions?.rackId ?? "",
    };
    const ids = new Map<string, string>();
    for (const t of request.topics) ids.set(t.topicId!, t.topic!);
    this.#m.fetches++;
    this.#cluster.send(leader, Fetch, request).then(withCodecsLoaded).then(
      (res) => {
        this.#settle(leader, limit, list);
        this.#m.fetched(performance.now() - now);
        if (!this.#host.closed) this.#onAnswer(res, list, epochs, ids);
      },
      (err) => {
        this.#settle(leader, limit, list);
        if (this.#host.closed) return;
        if (isRetriable(err)) {
          const until = performance.now() + o.retryBackoffMs;
          for (const s of list) {
            s.backoffUntil = until;
            this.#cluster.invalidate(s.tp.topic);
          }
        } else {
          this.#host.fail(err as Error);
        }
      },
    ).finally(() => {
      if (this.#host.waiting) this.maybeFetch();
      this.#host.wake();
    });
  }

  #settle(leader: number, limit: number, list: PartitionState[]): void {
    this.#inFlight.delete(leader);
    this.#reserved -= limit;
    for (const s of list) s.inFlight = false;
  }

  #onAnswer(res: FetchResponse, list: PartitionState[], epochs: number[], ids: Map<string, string>): void {
    const sent = new Map<string, number>();
    list.forEach((s, i) => sent.set(s.key, i));
    const now = performance.now();
    const o = this.#o;
    if (res.errorCode !== ERR.NONE) {
      const err = new KafkaError(res.errorCode, { api: "Fetch" });
      if (!err.retriable) return this.#host.fail(err);
      for (const s of list) s.backoffUntil = now + o.retryBackoffMs;
      return;
    }
    for (const t of res.responses) {
      const topic = t.topic || ids.get(t.topicId) || "";
      for (const p of t.partitions) {
        const i = sent.get(`${topic}:${p.partitionIndex}`);
        if (i === undefined) continue;
        const s = list[i];
        if (!this.#subs.isCurrentAt(s, epochs[i])) continue; // seeked, paused or revoked since
        const code = p.errorCode;
        if (code !== ERR.NONE) {
          if (code === ERR.OFFSET_OUT_OF_RANGE) {
            if (o.autoOffsetReset === "none") {
              this.#host.fail(new OffsetOutOfRangeError(s.tp, s.fetchOffset));
            } else {
              this.#subs.resetPosition(s, o.autoOffsetReset);
            }
          } else if (needsMetadataRefresh(code)) {
            this.#cluster.invalidate(topic);
            s.backoffUntil = now + o.retryBackoffMs;
          } else {
            const err = new KafkaError(code, { api: "Fetch", topic, partition: p.partitionIndex });
            if (err.retriable) s.backoffUntil = now + o.retryBackoffMs;
            else this.#host.fail(err);
          }
          continue;
        }
        s.highWatermark = p.highWatermark;
        s.lastStableOffset = p.lastStableOffset;
        const data = p.records;
        if (!data || data.length === 0) continue;
        this.#m.bytes += data.length;
        const next = nextOffsetAfter(data);
        if (next < 0n) continue; // only a partial batch: asked again next time, first in line
        this.#buffer.push(
          new Chunk(
            s,
            s.epoch,
            data,
            s.fetchOffset,
            o.isolationLevel === 1,
            p.abortedTransactions,
            o.checkCrcs,
            this.#buffer.ahead,
          ),
        );
        if (next > s.fetchOffset) s.fetchOffset = next;
      }
    }
    this.#m.held(this.held);
  }
}
