// The IX-API refresh schedule on the real queue: BullMQ on Redis (a key prefix of this file's
// own). Declared once however many processes declare it, and not run the moment a worker
// declares it. (The refresh itself, `ixapi refresh all` and its lock are tested in
// tests/commands/ixapi.test.ts.)
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { IXAPI_QUEUE, scheduleIxApiRefresh } from "../../jobs/ixapi.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testServices } from "../helpers/services.js";

const REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
const prefix = `peerbot-test-ixapi-${randomBytes(4).toString("hex")}`;
let db: TestDatabase;
let queue: BullJobQueue;

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  queue = new BullJobQueue(REDIS, prefix, testServices(db).log);
});
afterAll(async () => {
  await queue
    ?.queue(IXAPI_QUEUE)
    .obliterate({ force: true })
    .catch(() => {});
  await queue?.close();
  await db?.drop();
});

describe("the ixapi-refresh schedule on BullMQ", () => {
  it("is declared once however often, and waits for its time instead of running at once", async () => {
    const q = queue.queue(IXAPI_QUEUE);
    await scheduleIxApiRefresh(q, 3_600_000);
    await scheduleIxApiRefresh(q, 3_600_000);
    const all = await q.getJobSchedulers();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ every: 3_600_000 });
    expect(await q.getWaitingCount()).toBe(0);
    expect(await q.getDelayedCount()).toBe(1);
    // Never more often than a minute, whatever the setting says.
    await scheduleIxApiRefresh(q, 1_000);
    expect((await q.getJobSchedulers())[0]).toMatchObject({ every: 60_000 });
  });
});
