// Deploys through the real queue: BullMQ on Redis, with a key prefix of this file's own.
// The job id is the change id, so double approvals and retries never deploy twice; a change
// approved and then edited on the router before a worker picks it up is refused as stale.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveChange, changeConfig, deployJobId, getChange } from "../../core/changes.js";
import { seedDemoDb } from "../helpers/demo.js";
import { resolveIxp } from "../../core/ixp.js";
import { changeSessions, peer } from "../../core/peering.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testServices, type TestServices } from "../helpers/services.js";

const REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
let db: TestDatabase;
let services: TestServices;
let dataDir: string;
let queue: BullJobQueue;
const prefix = `peerbot-test-${randomBytes(4).toString("hex")}`;
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };
const carol = { platform: "console" as const, userId: "carol", userName: "carol" };

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function peerAt(asn: number, ixp: string) {
  const ref = await resolveIxp(db, ixp, (s) => s, "");
  const r = await peer(services, { asn, ixp: ref, actor: alice });
  return r.changes[0]!;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-bull-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  queue = new BullJobQueue(REDIS, prefix, services.log);
  services.jobs = queue;
  registerDeployWorker(queue, services);
  await seedDemoDb(db, dataDir);
});

afterAll(async () => {
  for (const name of ["deploy"])
    await queue
      .queue(name)
      .obliterate({ force: true })
      .catch(() => {});
  await queue?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("deploys through BullMQ", () => {
  it("a stale diff is refused when the router was edited between approval and the worker", async () => {
    const change = await peerAt(6939, "linx");
    await approveChange(services, change.id, bob); // queued in Redis; no worker runs yet
    expect((await getChange(db, change.id))?.status).toBe("queued");
    const file = path.join(dataDir, "configs", "edge1.lon.conf");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "# edited by hand on the router\n");
    await queue.start();
    const done = await until(
      () => getChange(db, change.id),
      (c) => c?.status !== "queued" && c?.status !== "deploying",
    );
    expect(done?.status).toBe("superseded");
    expect(readFileSync(file, "utf8")).toBe("# edited by hand on the router\n");
    const next = await db.prisma.changeRequest.findFirstOrThrow({ where: { supersedesId: change.id } });
    expect(next.status).toBe("pending");
    expect(next.diff).toContain("-# edited by hand on the router");
    // Approving the new change deploys it.
    await approveChange(services, next.id, bob);
    const deployed = await until(
      () => getChange(db, next.id),
      (c) => c?.status === "deployed",
    );
    expect(deployed?.status).toBe("deployed");
    expect(readFileSync(file, "utf8")).toBe(changeConfig(services, deployed!));
  });

  it("two approvals at once queue one job and deploy once", async () => {
    const ixp = await resolveIxp(db, "linx", (s) => s, "");
    const r = await changeSessions(services, { asn: 702, ixp, action: "disable", actor: alice });
    const id = r.changes[0]!.id;
    const results = await Promise.allSettled([
      approveChange(services, id, bob),
      approveChange(services, id, carol),
    ]);
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    expect(String((results.find((x) => x.status === "rejected") as PromiseRejectedResult).reason)).toMatch(
      /already approved/,
    );
    const c = await until(
      () => getChange(db, id),
      (x) => x?.status === "deployed",
    );
    expect(c?.status).toBe("deployed");
    expect(c?.steps.filter((s) => s.startsWith("committed"))).toHaveLength(1);
    // The job ends just after the change does (its message is refreshed after the commit): once
    // it has, adding it again under the same id is a no-op in BullMQ.
    const busy = async () => {
      const n = await queue.queue("deploy").getJobCounts("waiting", "active");
      return (n.waiting ?? 0) + (n.active ?? 0);
    };
    expect(await until(busy, (n) => n === 0)).toBe(0);
    await queue.enqueue("deploy", "deploy", { changeId: id, attempt: 1 }, { jobId: deployJobId(c!, 1) });
    const counts = await queue.queue("deploy").getJobCounts("completed", "waiting", "active", "failed");
    expect((counts.waiting ?? 0) + (counts.active ?? 0)).toBe(0);
    expect((await getChange(db, id))?.steps.filter((s) => s.startsWith("committed"))).toHaveLength(1);
  });
});
