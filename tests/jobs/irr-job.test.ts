// The IRR refresh through the real queue: BullMQ on Redis (a key prefix of this file's own),
// the real bgpq4 against the fake IRRd. The daily schedule is declared once however many
// processes declare it, and `irr refresh all` queues the job a worker runs. (One refresh of
// everything at a time across processes is tested in tests/commands/irr.test.ts.)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { IRR_QUEUE, registerIrrWorker, scheduleIrrRefresh } from "../../jobs/irr.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { FakeIrrd } from "../fakes/irrd.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";
import { until } from "../helpers/until.js";

const REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
const prefix = `peerbot-test-irr-${randomBytes(4).toString("hex")}`;
let db: TestDatabase;
let irrd: FakeIrrd;
let services: TestServices;
let dataDir: string;
let queue: BullJobQueue;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-irrjob-"));
  db = await createTestDatabase(import.meta.filename);
  irrd = new FakeIrrd();
  await irrd.start();
  services = testServices(db, { PEERBOT_IRR_HOST: irrd.host, PEERBOT_IRR_SOURCES: "RIPE,ARIN" }, dataDir);
  queue = new BullJobQueue(REDIS, prefix, services.log);
  services.jobs = queue;
  registerIrrWorker(queue, services);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await queue
    ?.queue(IRR_QUEUE)
    .obliterate({ force: true })
    .catch(() => {});
  await queue?.close();
  await irrd?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the irr-refresh job on BullMQ", () => {
  it("is scheduled daily, once however often it is declared", async () => {
    const q = queue.queue(IRR_QUEUE);
    await scheduleIrrRefresh(q, 86_400_000);
    await scheduleIrrRefresh(q, 86_400_000);
    const all = await q.getJobSchedulers();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ every: 86_400_000 });
    // Not run at once (a fresh worker would ask the IRR for every network at start): the next
    // run waits for its time of day.
    expect(await q.getWaitingCount()).toBe(0);
    expect(await q.getDelayedCount()).toBe(1);
  });

  it("runs `irr refresh all` on a worker: every network with sessions, the others left alone", async () => {
    const peered = await db.prisma.autonomousSystem.findMany({
      where: { affiliated: false, ixpSessions: { some: {} } },
      select: { id: true },
    });
    expect(peered.length).toBeGreaterThan(2);
    await db.prisma.autonomousSystem.update({
      where: { id: peered[0]!.id },
      data: { irrAsSet: "AS-PBTEST-A" },
    });
    const lonely = await db.prisma.autonomousSystem.create({
      data: { asn: 204010n, name: "No sessions", irrAsSet: "AS-PBTEST-C" },
    });
    await queue.start();
    const r = await dispatch(buildRegistry(), services, {
      actor: { platform: "console", userId: "admin", userName: "admin" },
      channel: "console",
      text: "irr refresh all",
    });
    expect(r.outcome, r.reply.text).toBe("ok");
    const rows = await until(
      () => db.prisma.irrPrefixList.findMany({ where: { family: 4 } }),
      (x) => new Set(x.map((l) => l.autonomousSystemId)).size === peered.length,
      { ms: 60_000 },
    );
    expect(new Set(rows.map((l) => l.autonomousSystemId))).toEqual(new Set(peered.map((p) => p.id)));
    expect(rows.find((l) => l.autonomousSystemId === peered[0]!.id)?.prefixCount).toBe(10);
    expect(rows.some((l) => l.autonomousSystemId === lonely.id)).toBe(false);
  });
});
