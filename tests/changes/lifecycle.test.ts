// Change lifecycle details: expiry reverts what the change carried, rejection by the
// requester or an approver, four-eyes configurable per router, and the file driver's
// optional git history.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveChange, expireChanges, getChange, rejectChange } from "../../core/changes.js";
import { PermissionError } from "../../core/errors.js";
import { resolveIxp } from "../../core/ixp.js";
import { changeSessions, peer } from "../../core/peering.js";
import { FileDriver } from "../../drivers/router/file.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-life-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  registerAllWorkers(services.queue, services);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const linx = () => resolveIxp(db, "linx", (s) => s, "");
const heStatuses = async () =>
  (
    await db.prisma.ixpSession.findMany({
      where: { autonomousSystem: { asn: 6939n }, connection: { ixp: { slug: "linx-lon1" } } },
    })
  ).map((s) => s.status);

describe("change lifecycle", () => {
  it("an unapproved change expires: it cannot be approved, and the sessions it created are gone", async () => {
    const r = await peer(services, { asn: 6939, ixp: await linx(), actor: alice });
    const id = r.changes[0]!.id;
    expect(await heStatuses()).toEqual(["provisioning", "provisioning"]);
    // A day passes.
    const later = new Date(Date.now() + 25 * 3600_000);
    const clocked = { ...services, clock: { now: () => later } };
    await expect(approveChange(clocked, id, bob)).rejects.toThrow(/expired at/);
    expect((await getChange(db, id))?.status).toBe("expired");
    expect(await heStatuses()).toEqual([]);
    expect(await expireChanges(clocked)).toBe(0); // nothing left to expire
  });

  it("the requester may withdraw; a rejection restores the sessions' previous status", async () => {
    const r = await changeSessions(services, {
      asn: 15169,
      ixp: await linx(),
      action: "disable",
      actor: alice,
    });
    const id = r.changes[0]!.id;
    const google = async () =>
      (await db.prisma.ixpSession.findMany({ where: { autonomousSystem: { asn: 15169n } } })).map(
        (s) => s.status,
      );
    expect(await google()).toEqual(["disabled", "disabled"]);
    await rejectChange(services, id, alice, "changed my mind");
    expect(await google()).toEqual(["enabled", "enabled"]);
    expect((await getChange(db, id))?.reason).toBe("rejected by @{console:alice|alice}: changed my mind");
  });

  it("four-eyes can be turned off per router; by default the requester cannot approve", async () => {
    const ixp = await linx();
    const r = await changeSessions(services, { asn: 702, ixp, action: "disable", actor: bob });
    const id = r.changes[0]!.id;
    await expect(approveChange(services, id, bob)).rejects.toBeInstanceOf(PermissionError);
    await db.prisma.router.update({ where: { name: "edge1.lon" }, data: { fourEyes: false } });
    await approveChange(services, id, bob);
    await services.queue.drain();
    expect((await getChange(db, id))?.status).toBe("deployed");
    await db.prisma.router.update({ where: { name: "edge1.lon" }, data: { fourEyes: true } });
  });
});

describe("the file driver", () => {
  it("writes atomically, rolls back to the previous version, and commits to the config repository", async () => {
    const repo = path.join(dataDir, "repo");
    mkdirSync(repo);
    execFileSync("git", ["init", "-q", repo]);
    const file = path.join(repo, "edge.conf");
    const d = new FileDriver({ path: file, message: () => "change #7: peer AS6939 at LINX LON1" });
    expect(await d.getConfig()).toBe("");
    await d.loadCandidate("first\n");
    expect((await d.commit(60)).output).toMatch(/and committed [0-9a-f]+ to git/);
    await d.loadCandidate("second\n");
    await d.commit(60);
    expect(await d.getConfig()).toBe("second\n");
    await d.rollback();
    expect(await d.getConfig()).toBe("first\n");
    const log = execFileSync("git", ["-C", repo, "log", "--format=%s"], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(log).toEqual([
      "rollback: change #7: peer AS6939 at LINX LON1",
      "change #7: peer AS6939 at LINX LON1",
      "change #7: peer AS6939 at LINX LON1",
    ]);
  });
});
