// Calls a user waits on while the cluster is away (admin calls; the consumer's commit, committed offsets and
// offset look-ups): a fault-injecting adapter refuses new connections and cuts the open ones (as brokers that
// went down do), or drops what the client writes (a broker that stops answering). A call retries until
// `defaultApiTimeoutMs`, so one made during a short outage succeeds once the cluster is back, and one that
// outlives its time fails with an ApiTimeoutError.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Admin } from "../../src/admin/admin.ts";
import { Consumer } from "../../src/consumer/consumer.ts";
import { Producer } from "../../src/producer/producer.ts";
import { AdminBatchError } from "../../src/admin/batch.ts";
import { ApiTimeoutError, RequestTimeoutError } from "../../src/client/errors.ts";
import { defaultAdapter } from "../../src/transport/default.ts";
import { ConnectionError, type Socket, type SocketAdapter } from "../../src/transport/socket.ts";
import { bootstrap, uniqueTopic } from "../helpers/broker.ts";
import { wrapSockets } from "../helpers/reset-adapter.ts";
import { eventually } from "../helpers/eventually.ts";

/** Real sockets, except while `away`: then connecting fails at once, and `goAway()` closes the open ones. */
function outage(): { adapter: SocketAdapter; goAway(): Promise<void>; comeBack(): void; refused(): number } {
  let away = false;
  let refused = 0;
  const open = new Set<Socket>();
  return {
    adapter: {
      async connect(o) {
        if (away) {
          refused++;
          throw new ConnectionError(`connect to ${o.host}:${o.port} refused (the cluster is away)`);
        }
        const socket = await (await defaultAdapter()).connect(o);
        open.add(socket);
        void socket.closed.then(() => open.delete(socket), () => open.delete(socket));
        return socket;
      },
    },
    async goAway() {
      away = true;
      await Promise.all([...open].map((s) => s.close().catch(() => {})));
    },
    comeBack() {
      away = false;
    },
    refused: () => refused,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("admin calls while the cluster is away", () => {
  const admins: Admin[] = [];
  let cleanup: Admin;
  const topics: string[] = [];

  before(() => {
    cleanup = new Admin({ bootstrapServers: bootstrap() });
  });
  after(async () => {
    for (const a of admins) await a.close();
    if (topics.length > 0) await cleanup.deleteTopics(topics).catch(() => {});
    await cleanup.close();
  });

  it("calls made during a 4 s outage succeed once the cluster is back", async () => {
    const o = outage();
    const admin = new Admin({ bootstrapServers: bootstrap(), adapter: o.adapter });
    admins.push(admin);
    await admin.describeCluster(); // connected before the outage
    const topic = uniqueTopic("admin-away");
    topics.push(topic);

    await o.goAway();
    const listed = admin.listTopics();
    const created = admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 1 }]);
    const cluster = admin.describeCluster();
    // Longer than the five quick retries of one request (about 2.5 s) that ended such calls before.
    await sleep(4_000);
    assert.ok(o.refused() > 3, `the calls kept trying while away (${o.refused()} connections refused)`);
    o.comeBack();

    assert.ok(Array.isArray(await listed));
    const [made] = await created;
    assert.equal(made.name, topic);
    assert.equal(made.numPartitions, 2);
    assert.ok((await cluster).brokers.length >= 1);
    // As after any creation, the broker's metadata may show the new topic a moment later.
    await eventually(async () => {
      const [described] = await admin.describeTopics([topic]);
      assert.equal(described.partitions.length, 2);
    });
  });

  it("a call that outlives defaultApiTimeoutMs fails with ApiTimeoutError, the last error as its cause", async () => {
    const o = outage();
    const admin = new Admin({
      bootstrapServers: bootstrap(),
      adapter: o.adapter,
      defaultApiTimeoutMs: 1_500,
    });
    admins.push(admin);
    await admin.listTopics();
    await o.goAway();

    const listed = await admin.listTopics().then(() => undefined, (e) => e);
    assert.ok(listed instanceof ApiTimeoutError, `expected an ApiTimeoutError, got ${String(listed)}`);
    assert.ok(listed.cause instanceof ConnectionError, `cause: ${String(listed.cause)}`);
    assert.equal(listed.retriable, true);

    // A batch call: each item still failing at the deadline has the timeout as its outcome.
    const name = uniqueTopic("admin-away-never");
    const batch = await admin.createTopics([{ name, numPartitions: 1, replicationFactor: 1 }]).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(batch instanceof AdminBatchError, `expected an AdminBatchError, got ${String(batch)}`);
    const outcome = batch.outcomes.get(name);
    assert.ok(outcome && !outcome.ok && outcome.error instanceof ApiTimeoutError, String(outcome));

    // Nothing was created while away, and the client works again once the cluster is back.
    o.comeBack();
    assert.ok(!(await admin.listTopics()).some((t) => t.name === name));
  });

  it("a broker that stops answering: the call ends at its deadline, not after requestTimeoutMs", async () => {
    let silent = false;
    // Requests written while silent never reach the broker, so no answer comes (connections stay open).
    const adapter = wrapSockets((socket) => ({
      write: (bytes) => (silent ? Promise.resolve() : socket.write(bytes)),
    }));
    const admin = new Admin({
      bootstrapServers: bootstrap(),
      adapter,
      defaultApiTimeoutMs: 2_000,
      requestTimeoutMs: 60_000,
    });
    admins.push(admin);
    await admin.listTopics();
    silent = true;
    const started = performance.now();
    const e = await admin.listTopics().then(() => undefined, (err) => err);
    const tookMs = performance.now() - started;
    assert.ok(e instanceof ApiTimeoutError, `expected an ApiTimeoutError, got ${String(e)}`);
    assert.ok(e.cause instanceof RequestTimeoutError, `cause: ${String(e.cause)}`);
    // The request waited no longer than the call had left: far below the 60 s request timeout.
    assert.ok(tookMs < 30_000, `took ${Math.round(tookMs)} ms`);
    silent = false;
    assert.ok(Array.isArray(await admin.listTopics()));
  });
});

describe("consumer calls while the cluster is away", () => {
  let topic: string;
  let admin: Admin;
  const consumers: Consumer[] = [];

  before(async () => {
    admin = new Admin({ bootstrapServers: bootstrap() });
    topic = uniqueTopic("consumer-away");
    await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
    const producer = new Producer({ bootstrapServers: bootstrap() });
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, value: `v${i}` })));
    await producer.close();
  });
  after(async () => {
    for (const c of consumers) await c.close().catch(() => {});
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
  });

  function consumer(o: ReturnType<typeof outage>, defaultApiTimeoutMs?: number): Consumer {
    const c = new Consumer({
      bootstrapServers: bootstrap(),
      adapter: o.adapter,
      groupId: `g-${topic}-${consumers.length}`,
      enableAutoCommit: false,
      ...(defaultApiTimeoutMs === undefined ? {} : { defaultApiTimeoutMs }),
    });
    consumers.push(c);
    return c;
  }
  const tp = () => ({ topic, partition: 0 });

  it("commit, committed and endOffsets made during a 4 s outage succeed once the cluster is back", async () => {
    const o = outage();
    const c = consumer(o);
    c.assign([tp()]);
    assert.equal((await c.endOffsets([tp()])).get(`${topic}:0`), 10n); // connected before the outage
    await o.goAway();
    const committing = c.commit({ offsets: [{ ...tp(), offset: 7n }] });
    const ends = c.endOffsets([tp()]);
    await sleep(4_000);
    assert.ok(o.refused() > 3, `the calls kept trying while away (${o.refused()} connections refused)`);
    o.comeBack();
    await committing;
    assert.equal((await ends).get(`${topic}:0`), 10n);
    assert.equal((await c.committed([tp()])).get(`${topic}:0`)?.offset, 7n);
  });

  it("calls that outlive defaultApiTimeoutMs fail with ApiTimeoutError", async () => {
    const o = outage();
    const c = consumer(o, 1_500);
    // No committed offset and nothing read yet: position() has to look the partition up.
    c.assign([tp()]);
    await c.beginningOffsets([tp()]);
    await o.goAway();
    for (
      const [what, call] of [
        ["committed", () => c.committed([tp()])],
        ["commit", () => c.commit({ offsets: [{ ...tp(), offset: 3n }] })],
        ["offsetsForTimes", () => c.offsetsForTimes([{ ...tp(), timestamp: 0 }])],
        ["position", () => c.position(tp())],
      ] as const
    ) {
      const e = await (call() as Promise<unknown>).then(() => undefined, (err) => err);
      assert.ok(e instanceof ApiTimeoutError, `${what}: expected an ApiTimeoutError, got ${String(e)}`);
    }
    o.comeBack();
    assert.equal((await c.committed([tp()])).get(`${topic}:0`), null, "nothing was committed while away");
    assert.equal(await c.position(tp()), 10n, "autoOffsetReset latest, once the cluster is back");
  });
});
