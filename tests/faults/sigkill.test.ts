// A peerbot process SIGKILLed at each step of the approve and deploy paths (tests/faults/
// kill-child.ts, the real file driver): a later process's reconciler finds the change, and it
// ends deployed, with the router file, the change and its sessions agreeing, its router
// unlocked, and no second change posted for it. Before the reconciler, a kill at the enqueue
// left the router locked for good, and a kill after the file was written ended the change
// "superseded: nothing was deployed" with a +0 −0 successor.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { effectsOf, getChange, reconcileChanges, RECONCILE_GRACE_MS } from "../../core/changes.js";
import { SecretBox, newSecretKey } from "../../core/crypto.js";
import { sha256 } from "../../core/diff.js";
import { resolveIxp } from "../../core/ixp.js";
import { peer } from "../../core/peering.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { dbUrl } from "../helpers/pg.js";
import { testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
const key = newSecretKey();
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-kill-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  services.secrets = SecretBox.fromString(key);
  services.drivers = createDriverFactory({ secrets: services.secrets, dataDir });
  registerDeployWorker(services.queue, services, { backoffMs: 10 });
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function runChild(changeId: number, killAt: string): Promise<{ signal: string | null; output: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "kill-child.ts"), String(changeId)],
    {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl(db.name),
        PEERBOT_SECRET_KEY: key,
        PEERBOT_DATA_DIR: dataDir,
        PEERBOT_KILL_AT: killAt,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on("exit", (_code, signal) => resolve({ signal, output })));
}

/** ASNs at LINX that the demo does not peer with yet, one per kill point. */
async function freshAsns(): Promise<number[]> {
  const { rows } = await db.pool.query<{ asn: number }>(
    `select distinct n.asn from pdb_netixlan n join "InternetExchange" i on i."peeringdbIxlanId" = n.ixlan_id
      where i.slug = 'linx-lon1' and n.status = 'ok' and n.operational
        and n.asn not in (select a.asn from "AutonomousSystem" a join "IxpSession" s on s."autonomousSystemId" = a.id)
        and n.asn not in (select asn from "AutonomousSystem" where affiliated)
      order by n.asn`,
  );
  return rows.map((r) => Number(r.asn));
}

const KILL_POINTS = [
  "approve:enqueue",
  "before:getConfig#1",
  "after:getConfig#1",
  "after:loadCandidate",
  "before:commit",
  "after:commit",
  "after:getConfig#2",
  "before:confirm",
  "after:confirm",
];

describe("a process SIGKILLed in the middle of an approval or a deploy", () => {
  it.each(KILL_POINTS)(
    "killed at %s: the reconciler finishes the deploy, and everything agrees",
    async (point) => {
      const ixp = await resolveIxp(db, "linx", (s) => s, "");
      let change: Awaited<ReturnType<typeof peer>>["changes"][number] | undefined;
      for (const asn of await freshAsns()) {
        const r = await peer(services, { asn, ixp, actor: alice }).catch(() => null);
        if (r?.changes[0]) {
          change = r.changes[0];
          break;
        }
      }
      expect(change, "a fresh peer at LINX to deploy").toBeDefined();
      const id = change!.id;
      const child = await runChild(id, point);
      expect(child.signal, child.output).toBe("SIGKILL");
      const left = (await getChange(db, id))!;
      expect(["queued", "deploying"]).toContain(left.status);

      // A later process: its reconciler runs once the change has been still for a while.
      const later = { ...services, clock: { now: () => new Date(Date.now() + RECONCILE_GRACE_MS + 1000) } };
      const report = await reconcileChanges(later);
      expect(report.requeued).toEqual([id]);
      await services.queue.drain();

      const done = (await getChange(db, id))!;
      expect(done.status, done.reason).toBe("deployed");
      const file = readFileSync(path.join(dataDir, "configs", "edge1.lon.conf"), "utf8");
      expect(sha256(file)).toBe(done.configSha256);
      const sessions = await db.prisma.ixpSession.findMany({
        where: { id: { in: effectsOf(done).map((e) => e.id) } },
      });
      expect(sessions.map((s) => s.status)).toEqual(sessions.map(() => "enabled"));
      expect(sessions.length).toBe(effectsOf(done).length);
      // No lock stays, and no second change was posted for this one.
      expect(
        await db.prisma.changeRequest.count({
          where: { status: { in: ["queued", "deploying", "planning"] } },
        }),
      ).toBe(0);
      expect(await db.prisma.changeRequest.count({ where: { supersedesId: id } })).toBe(0);
      // The audit trail: created, approved by bob and deployed, each once, whatever was killed.
      const trail = await db.prisma.auditEvent.findMany({
        where: { args: `#${id}`, command: { startsWith: "change." } },
        orderBy: { id: "asc" },
      });
      expect(trail.map((a) => [a.command, a.userName])).toEqual([
        ["change.create", "alice"],
        ["change.approve", "bob"],
        ["change.deployed", "peerbot"],
      ]);
    },
  );
});
