// The deploy queue under Redis faults, with real Redis servers: a throwaway one (its own
// port, no persistence) that the test restarts or stops, and the shared one under a key
// prefix of this file's own. Before the reconciler and the per-attempt job ids, each of these
// left the change queued (its router locked) with nothing ever to run it.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  approveChange,
  getChange,
  reconcileChanges,
  RECONCILE_GRACE_MS,
  type ChangeRow,
} from "../../core/changes.js";
import { sha256 } from "../../core/diff.js";
import { resolveIxp } from "../../core/ixp.js";
import { peer } from "../../core/peering.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";
import { ThrowawayRedis } from "../helpers/throwaway.js";
import { until as waitUntil } from "../helpers/until.js";

const SHARED_REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

let redis: ThrowawayRedis;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await ThrowawayRedis.start();
});
afterAll(async () => {
  for (const f of cleanup.reverse()) await f().catch(() => {});
  await redis?.down();
});

/** Waits as long as a deploy through Redis may take. */
const until = <T>(fn: () => Promise<T>, ok: (v: T) => boolean) =>
  waitUntil(fn, ok, { ms: 30_000, every: 100 });

/** A demo database and services whose jobs go to `redisUrl` under a prefix of their own. */
async function setup(
  label: string,
  redisUrl: string,
  prefix = `peerbot-test-${randomBytes(4).toString("hex")}`,
) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `peerbot-redis-${label}-`));
  const db: TestDatabase = await createTestDatabase(`${import.meta.filename}-${label}`);
  const services: TestServices = testServices(db, {}, dataDir);
  await seedDemoDb(db, dataDir);
  const queue = new BullJobQueue(redisUrl, prefix, services.log);
  services.jobs = queue;
  registerDeployWorker(queue, services, { backoffMs: 50 });
  cleanup.push(async () => {
    await queue.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const later = () => ({
    ...services,
    clock: { now: () => new Date(Date.now() + RECONCILE_GRACE_MS + 1000) },
  });
  const peerChange = async (asn: number): Promise<ChangeRow> => {
    const ixp = await resolveIxp(db, "linx", (s) => s, "");
    return (await peer(services, { asn, ixp, actor: alice })).changes[0]!;
  };
  const fileSha = () => sha256(readFileSync(path.join(dataDir, "configs", "edge1.lon.conf"), "utf8"));
  return { db, services, queue, later, peerChange, fileSha, dataDir, prefix };
}

describe("the deploy queue when Redis fails", () => {
  it("Redis restarted without persistence while a deploy waits: the reconciler queues it again and it deploys", async () => {
    const t = await setup("restart", redis.url);
    const c = await t.peerChange(6939);
    await approveChange(t.services, c.id, bob); // the job waits in Redis; no worker runs yet
    expect(await t.queue.queue("deploy").getJobCounts("waiting")).toMatchObject({ waiting: 1 });
    await redis.restart(); // and with it, the job is gone
    expect((await t.queue.queue("deploy").getJobCounts("waiting")).waiting ?? 0).toBe(0);
    await t.queue.start();
    const report = await reconcileChanges(t.later());
    expect(report.requeued).toEqual([c.id]);
    const done = await until(
      () => getChange(t.db, c.id),
      (x) => x?.status === "deployed",
    );
    expect(done?.status).toBe("deployed");
    expect(t.fileSha()).toBe(done!.configSha256);
    expect(done!.steps.some((l) => l.includes("queued again"))).toBe(true);
  });

  it("Redis down at the approval: the approval answers at once, and the deploy runs once Redis is back", async () => {
    const t = await setup("down", redis.url);
    const c = await t.peerChange(6939);
    await redis.down();
    const started = Date.now();
    const approved = await approveChange(t.services, c.id, bob);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(approved.status).toBe("queued");
    expect(approved.steps.at(-1)).toMatch(/job queue could not be reached/);
    // The bot restarts: this process's queue is gone, Redis comes back, a new one starts.
    await t.queue.connection.disconnect();
    await redis.up();
    const queue2 = new BullJobQueue(redis.url, t.prefix, t.services.log);
    cleanup.push(() => queue2.close());
    const s2 = { ...t.services, jobs: queue2 };
    registerDeployWorker(queue2, s2, { backoffMs: 50 });
    await queue2.start();
    const report = await reconcileChanges({ ...t.later(), jobs: queue2 });
    expect(report.requeued).toEqual([c.id]);
    const done = await until(
      () => getChange(t.db, c.id),
      (x) => x?.status === "deployed",
    );
    expect(done?.status).toBe("deployed");
    expect(t.fileSha()).toBe(done!.configSha256);
  });

  it("a fresh database on a Redis prefix that has already run change #1's deploy still deploys its change #1", async () => {
    const prefix = `peerbot-test-${randomBytes(4).toString("hex")}`;
    const first = await setup("first", SHARED_REDIS, prefix);
    await first.queue.start();
    const a = await first.peerChange(6939);
    await approveChange(first.services, a.id, bob);
    expect(
      (
        await until(
          () => getChange(first.db, a.id),
          (x) => x?.status === "deployed",
        )
      )?.status,
    ).toBe("deployed");
    await first.queue.close();
    // A restored or new database: its first change has the same number as the one above.
    const second = await setup("second", SHARED_REDIS, prefix);
    await second.queue.start();
    const b = await second.peerChange(6939);
    expect(b.id).toBe(a.id);
    await approveChange(second.services, b.id, bob);
    const done = await until(
      () => getChange(second.db, b.id),
      (x) => x?.status === "deployed",
    );
    expect(done?.status).toBe("deployed");
    expect(second.fileSha()).toBe(done!.configSha256);
    await new BullJobQueue(SHARED_REDIS, prefix, second.services.log)
      .queue("deploy")
      .obliterate({ force: true })
      .catch(() => {});
  });

  it("a router unreachable for every retry: the change ends failed, its message says so, and the router is unlocked", async () => {
    process.env.PEERBOT_TEST_FAULT_PASSWORD = "not-used-the-port-is-closed";
    const t = await setup("unreachable", redis.url);
    await t.queue.start();
    const c = await t.peerChange(6939);
    // The router is moved to a BIRD host that refuses connections before the approval.
    const closed = await (await import("../helpers/throwaway.js")).freePort();
    await t.db.prisma.router.update({
      where: { id: c.routerId! },
      data: {
        platform: "bird2",
        hostname: "127.0.0.1",
        port: closed,
        configPath: "/etc/bird/peerbot.conf",
        username: "peerbot",
        credentialEnv: "PEERBOT_TEST_FAULT_PASSWORD",
      },
    });
    await approveChange(t.services, c.id, bob);
    const done = await until(
      () => getChange(t.db, c.id),
      (x) => x?.status !== "queued" && x?.status !== "deploying",
    );
    expect(done?.status).toBe("failed");
    expect(done?.reason).toMatch(
      /gave up after 5 tries: connection to .* was refused; the router could not be read/,
    );
    expect(await t.db.prisma.ixpSession.count({ where: { status: "provisioning" } })).toBe(0);
    // Unlocked: a new change can be made for the router.
    const { planChange } = await import("../../core/changes.js");
    await t.db.prisma.router.update({
      where: { id: c.routerId! },
      data: { platform: "file", hostname: "", port: 22, configPath: "", credentialEnv: "" },
    });
    const next = await planChange(t.services, {
      routerId: c.routerId!,
      summary: "again",
      actor: alice,
      effects: [],
    });
    expect(next.kind).toBeDefined();
  });
});
