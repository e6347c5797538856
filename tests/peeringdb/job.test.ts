import { randomBytes } from "node:crypto";
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PEERINGDB_SYNC_QUEUE,
  PEERINGDB_SYNC_SCHEDULER,
  peeringdbSyncProcessor,
  requestPeeringdbSync,
  schedulePeeringdbSync,
  type PeeringdbSyncProgress,
  type PeeringdbSyncResult,
} from "../../jobs/peeringdb-sync.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { FakePeeringDb } from "../fakes/peeringdb-server.js";
import { fakeClient } from "./helpers.js";

const prefix = `peerbot-test-pdbjob-${randomBytes(4).toString("hex")}`;
let db: TestDatabase;
let fake: FakePeeringDb;
let redis: Redis;
let queue: Queue;
let events: QueueEvents;
let worker: Worker;

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  fake = await FakePeeringDb.start();
  redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
  queue = new Queue(PEERINGDB_SYNC_QUEUE, { connection: redis, prefix });
  events = new QueueEvents(PEERINGDB_SYNC_QUEUE, { connection: redis.duplicate(), prefix });
  await events.waitUntilReady();
  worker = new Worker(PEERINGDB_SYNC_QUEUE, peeringdbSyncProcessor({ db, source: () => fakeClient(fake) }), {
    connection: redis.duplicate(),
    prefix,
    concurrency: 1,
  });
  await worker.waitUntilReady();
});
afterAll(async () => {
  await worker?.close();
  await events?.close();
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  await redis?.quit();
  await fake?.close();
  await db?.drop();
});

describe("the peeringdb-sync job", () => {
  it("runs the sync, reports {type, rows} progress, and a second request joins the running one", async () => {
    fake.addFault({ kind: "slow", delayMs: 700, match: (r) => r.type === "org" });
    const progress: PeeringdbSyncProgress[] = [];
    const onProgress = ({ data }: { jobId: string; data: unknown }) =>
      progress.push(data as PeeringdbSyncProgress);
    events.on("progress", onProgress);
    const first = await requestPeeringdbSync(queue, { requestedBy: "test:alice" });
    expect(first.joined).toBe(false);
    // Wait until it is running, then ask again.
    for (let i = 0; i < 100 && !(await first.job.isActive()); i++)
      await new Promise((r) => setTimeout(r, 20));
    const second = await requestPeeringdbSync(queue, { requestedBy: "test:bob" });
    expect(second.joined).toBe(true);
    expect(second.job.id).toBe(first.job.id);
    const result = (await first.job.waitUntilFinished(events, 60_000)) as PeeringdbSyncResult;
    events.off("progress", onProgress);
    expect(result.ok).toBe(true);
    expect(result.types.map((t) => t.type)).toContain("netixlan");
    expect(result.types.find((t) => t.type === "net")).toMatchObject({ mode: "full", rows: 500 });
    expect(progress.length).toBeGreaterThan(5);
    expect(progress).toContainEqual({ type: "netixlan", rows: 500 });
    // Finished: the next request makes a new job, which runs incrementally.
    const third = await requestPeeringdbSync(queue);
    expect(third.joined).toBe(false);
    const r3 = (await third.job.waitUntilFinished(events, 60_000)) as PeeringdbSyncResult;
    expect(r3.types.every((t) => t.mode === "incremental")).toBe(true);
  });

  it("schedules itself hourly by default, with a jitter offset below the bound", async () => {
    const s = await schedulePeeringdbSync(queue, { jitterMs: 600_000, random: () => 0.5 });
    expect(s).toEqual({ everyMs: 3_600_000, offsetMs: 300_000 });
    const sched = await queue.getJobScheduler(PEERINGDB_SYNC_SCHEDULER);
    expect(sched).toMatchObject({ every: 3_600_000, offset: 300_000 });
    const again = await schedulePeeringdbSync(queue, { everyMs: 900_000 });
    expect(again.offsetMs).toBeLessThan(300_000);
    expect((await queue.getJobSchedulers()).length).toBe(1);
    expect((await queue.getJobScheduler(PEERINGDB_SYNC_SCHEDULER))?.every).toBe(900_000);
  });
});
