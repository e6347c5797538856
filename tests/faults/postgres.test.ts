// PostgreSQL taken away mid-way, for real: a throwaway cluster of this file's own (never the
// shared server) stopped with `pg_ctl -m immediate` at the worst moments, then started again.
// - After the file router's configuration was written, before the deploy could record it: the
//   retry (or the reconciler) reads the router, finds the approved configuration, and the
//   change ends deployed with its sessions enabled (it used to stay `committed` for good).
// - While `peer` asks the router for its configuration: the sessions were already committed,
//   the plan fails, and so does the undo; the draft that carries them is ended by the
//   reconciler and the sessions are removed (they used to stay `provisioning` with no change,
//   and the next unrelated change deployed them).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  approveChange,
  effectsOf,
  getChange,
  PLANNING_GRACE_MS,
  planChange,
  reconcileChanges,
  RECONCILE_GRACE_MS,
} from "../../core/changes.js";
import { openDatabase, type Database } from "../../core/db.js";
import { sha256 } from "../../core/diff.js";
import { resolveIxp } from "../../core/ixp.js";
import { peer } from "../../core/peering.js";
import type { DriverFactory, RouterDriver } from "../../core/ports.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { migrate } from "../../prisma/migrate.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";
import { ThrowawayPostgres } from "../helpers/throwaway.js";

const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

let pg: ThrowawayPostgres;
let db: Database;
let services: TestServices;
let dataDir: string;
/** Set by a test: what the router driver does to PostgreSQL, and when. */
let fault: { when: "after-commit" | "get-config"; done: boolean } | null = null;

beforeAll(async () => {
  pg = await ThrowawayPostgres.start();
  await migrate(pg.url(), { lock: false });
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-pgfault-"));
  db = openDatabase(pg.url(), { poolSize: 4 });
  services = testServices(db as never, {}, dataDir);
  const real = createDriverFactory({ secrets: services.secrets, dataDir });
  // The real file driver; the fault is PostgreSQL going away at a chosen moment.
  const drivers: DriverFactory = (router, opts) => {
    const d = real(router, opts);
    const stop = async (when: "after-commit" | "get-config") => {
      if (fault && !fault.done && fault.when === when) {
        fault.done = true;
        await pg.down();
      }
    };
    const wrapped: RouterDriver = {
      ...d,
      getConfig: async () => {
        await stop("get-config");
        return d.getConfig();
      },
      loadCandidate: (c) => d.loadCandidate(c),
      commit: async (s) => {
        const r = await d.commit(s);
        await stop("after-commit");
        return r;
      },
      confirm: () => d.confirm(),
      rollback: () => d.rollback(),
      close: () => d.close(),
    };
    return wrapped;
  };
  services.drivers = drivers;
  registerDeployWorker(services.queue, services, { attempts: 2, backoffMs: 50 });
  await seedDemoDb(db, dataDir);
}, 120_000);

afterAll(async () => {
  await db?.close();
  await pg?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const later = (ms: number) => ({ ...services, clock: { now: () => new Date(Date.now() + ms) } });
const fileSha = () => sha256(readFileSync(path.join(dataDir, "configs", "edge1.lon.conf"), "utf8"));

describe("PostgreSQL taken away mid-way", () => {
  it("after the router was written: once PostgreSQL is back the change ends deployed, router and database agreeing", async () => {
    const ixp = await resolveIxp(db, "linx", (s) => s, "");
    const c = (await peer(services, { asn: 6939, ixp, actor: alice })).changes[0]!;
    fault = { when: "after-commit", done: false };
    await approveChange(services, c.id, bob);
    await services.queue.drain(); // both tries fail: the database is away
    expect(fault.done).toBe(true);
    expect(services.logLines.join("\n")).toMatch(/could not end a deploy/);
    await pg.up();
    const stuck = (await getChange(db, c.id))!;
    expect(stuck.status).toBe("deploying");
    expect(fileSha()).toBe(stuck.configSha256); // the router has the new configuration
    const report = await reconcileChanges(later(RECONCILE_GRACE_MS + 1000));
    expect(report.requeued).toEqual([c.id]);
    await services.queue.drain();
    const done = (await getChange(db, c.id))!;
    expect(done.status, done.reason).toBe("deployed");
    expect(fileSha()).toBe(done.configSha256);
    const sessions = await db.prisma.ixpSession.findMany({
      where: { id: { in: effectsOf(done).map((e) => e.id) } },
    });
    expect(sessions.map((s) => s.status)).toEqual(["enabled", "enabled"]);
    expect(await db.prisma.changeRequest.count({ where: { status: { in: ["queued", "deploying"] } } })).toBe(
      0,
    );
  });

  it("while peer plans: no session is left without its change, and the next change does not deploy them", async () => {
    const ixp = await resolveIxp(db, "linx", (s) => s, "");
    const { rows } = await db.pool.query<{ asn: number }>(
      `select n.asn from pdb_netixlan n
        where n.ixlan_id = $1 and n.status = 'ok' and n.operational and n.ipaddr4 is not null
          and n.asn not in (select asn from "AutonomousSystem") order by n.asn limit 1`,
      [(await db.prisma.internetExchange.findUniqueOrThrow({ where: { id: ixp.id } })).peeringdbIxlanId],
    );
    const asn = Number(rows[0]!.asn);
    fault = { when: "get-config", done: false };
    await expect(peer(services, { asn, ixp, actor: alice })).rejects.toThrow();
    expect(fault.done).toBe(true);
    await pg.up();
    const google = () =>
      db.prisma.ixpSession.findMany({
        where: { autonomousSystem: { asn: BigInt(asn) }, connection: { ixp: { slug: "linx-lon1" } } },
      });
    const before = await google();
    const draft = await db.prisma.changeRequest.findFirstOrThrow({ where: { status: "planning" } });
    // The sessions the failed peer made are all carried by its draft.
    expect(new Set(effectsOf(draft).map((e) => e.id))).toEqual(
      new Set(before.filter((s) => s.status === "provisioning").map((s) => s.id)),
    );
    // A draft cannot be approved.
    await expect(approveChange(services, draft.id, bob)).rejects.toThrow(/being planned/);
    const report = await reconcileChanges(later(PLANNING_GRACE_MS + 1000));
    expect(report.draftsEnded).toEqual([draft.id]);
    expect((await google()).filter((s) => s.status === "provisioning")).toEqual([]);
    expect((await getChange(db, draft.id))?.status).toBe("failed");
    // The next, unrelated change carries no trace of them.
    const next = await planChange(services, {
      routerId: draft.routerId!,
      summary: "deploy edge1.lon",
      actor: alice,
      effects: [],
    });
    if (next.kind === "change") {
      for (const s of before.filter((x) => x.status === "provisioning"))
        expect(next.change.diff).not.toContain(s.ipAddress);
    }
  });
});
