// `cleanup` over the demo network and its real PeeringDB records, with mirror edits: a peer
// removed from LINX's netixlan is listed and the proposed change removes exactly its sessions
// (approved and deployed to the file router); a renumbered peer is proposed with its new
// address; a session down past PEERBOT_ABANDONED_AFTER and a network gone from PeeringDB are
// listed with their reasons; bad input changes nothing.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeConfig } from "../../core/changes.js";
import { buildRegistry } from "../../commands/index.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { sayAs } from "../helpers/say.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
const registry = buildRegistry();

const say = (user: string, text: string, action?: string) => sayAs(registry, services, user, text, action);

const changeId = (r: { context: string }) => Number(/change #(\d+)/.exec(r.context)?.[1]);

const linxSessions = (asn: bigint) =>
  db.prisma.ixpSession.findMany({
    where: { autonomousSystem: { asn }, connection: { ixp: { slug: "linx-lon1" } } },
    orderBy: { id: "asc" },
  });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-cleanup-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  const { registerAllWorkers } = await import("../../jobs/index.js");
  registerAllWorkers(services.queue, services);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("cleanup", () => {
  it("finds nothing on the demo as seeded: every peer is where PeeringDB says", async () => {
    const r = await say("bob", "cleanup");
    expect(r.outcome).toBe("ok");
    expect(r.text).toMatch(/^No abandoned sessions:/);
  });

  it("lists a peer that left LINX and proposes the change that removes exactly its sessions", async () => {
    const linx = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
    const ours = await linxSessions(702n);
    expect(ours.length).toBeGreaterThan(0);
    await db.pool.query(`delete from pdb_netixlan where ixlan_id = $1 and asn = 702`, [
      linx.peeringdbIxlanId,
    ]);
    const r = await say("bob", "cleanup linx");
    expect(r.rows).toHaveLength(ours.length);
    for (const s of ours)
      expect(r.rows).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^AS702 \\| .* \\| LINX LON1 \\| ${s.ipAddress.split("/")[0]!.replace(/\./g, "\\.")} \\| edge1\\.lon \\| enabled \\| AS702 is no longer at LINX LON1 on this address in PeeringDB$`,
          ),
        ),
      );
    expect(r.reply.buttons?.[0]?.actionId).toBe("cmd:cleanup linx-lon1 propose");
    // A viewer may look, not propose.
    expect((await say("mallory", "", "cmd:cleanup linx-lon1 propose")).outcome).toBe("denied");

    const p = await say("alice", "", "cmd:cleanup linx-lon1 propose");
    expect(p.outcome, p.text).toBe("ok");
    const id = changeId(p);
    const change = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } });
    const effects = change.effects as { id: number; onDeploy: string }[];
    expect(effects.map((e) => e.id).sort()).toEqual(ours.map((s) => s.id).sort());
    expect(effects.every((e) => e.onDeploy === "decommissioned")).toBe(true);
    // What the router will run (the demo's file router was never deployed: the diff is all +).
    const rendered = changeConfig(services, change);
    expect(rendered).toContain("neighbor 195.66.224.125 as 15169;");
    for (const s of ours) expect(rendered).not.toContain(`neighbor ${s.ipAddress.split("/")[0]!} as 702;`);
    expect((await linxSessions(702n)).map((s) => s.status)).toEqual(ours.map(() => "decommissioning"));

    const a = await say("bob", `approve ${id}`);
    expect(a.outcome, a.text).toBe("ok");
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } })).status).toBe("deployed");
    expect((await linxSessions(702n)).map((s) => s.status)).toEqual(ours.map(() => "decommissioned"));
    const conf = readFileSync(path.join(dataDir, "configs", "edge1.lon.conf"), "utf8");
    for (const s of ours) expect(conf).not.toContain(s.ipAddress.split("/")[0]!);
    expect((await say("bob", "cleanup linx")).text).toMatch(/^No abandoned sessions at LINX LON1/);
  });

  it("proposes a renumbered peer's new address in the same change", async () => {
    const linx = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "linx-lon1" } });
    const [v4] = (await linxSessions(8075n)).filter((s) => !s.ipAddress.includes(":"));
    expect(v4).toBeDefined();
    const old = v4!.ipAddress.split("/")[0]!;
    await db.pool.query(
      `update pdb_netixlan set ipaddr4 = '195.66.227.77' where ixlan_id = $1 and asn = 8075 and ipaddr4 = $2::inet`,
      [linx.peeringdbIxlanId, old],
    );
    const r = await say("bob", "cleanup linx");
    expect(r.rows).toEqual([
      expect.stringMatching(
        new RegExp(
          `^AS8075 .*\\| ${old.replace(/\./g, "\\.")} \\| .*renumbered in PeeringDB: 195\\.66\\.227\\.77 replaces it$`,
        ),
      ),
    ]);
    const p = await say("alice", "cleanup linx propose");
    const id = changeId(p);
    const change = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } });
    const rendered = changeConfig(services, change);
    expect(rendered).toContain("neighbor 195.66.227.77 as 8075;");
    expect(rendered).not.toContain(`neighbor ${old} as 8075;`);
    const created = await db.prisma.ixpSession.findFirstOrThrow({
      where: { ipAddress: { startsWith: "195.66.227.77" } },
    });
    expect(created.status).toBe("provisioning");
    // Rejected: both sides are put back (the old session enabled, the new one gone).
    expect((await say("bob", `reject ${id} not now`)).outcome).toBe("ok");
    expect((await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: v4!.id } })).status).toBe("enabled");
    expect(await db.prisma.ixpSession.findUnique({ where: { id: created.id } })).toBeNull();
  });

  it("lists a session down past PEERBOT_ABANDONED_AFTER, not one down for less, and a network gone from PeeringDB", async () => {
    const [a, b] = await linxSessions(15169n);
    const now = services.clock.now().getTime();
    await db.prisma.ixpSession.update({
      where: { id: a!.id },
      data: { bgpState: "idle", lastEstablishedAt: new Date(now - 40 * 86_400_000) },
    });
    await db.prisma.ixpSession.update({
      where: { id: b!.id },
      data: { bgpState: "active", lastEstablishedAt: new Date(now - 10 * 86_400_000) },
    });
    let r = await say("bob", "cleanup edge1.lon");
    const g = r.rows.filter((x) => x.startsWith("AS15169 |"));
    expect(g).toEqual([expect.stringMatching(/\| not Established since \d{4}-\d\d-\d\d$/)]);
    expect(g[0]).toContain(a!.ipAddress.split("/")[0]!);

    await db.pool.query(`update pdb_net set status = 'deleted' where asn = 3320`);
    r = await say("bob", "cleanup ams-ix");
    expect(r.rows.length).toBeGreaterThan(0);
    for (const x of r.rows) expect(x).toMatch(/^AS3320 \| .* \| AS3320 is no longer in PeeringDB$/);
  });

  it("answers bad input in one sentence and changes nothing", async () => {
    for (const [text, pattern] of [
      ["cleanup nowhere", /No router or IXP is called "nowhere"/],
      ["cleanup linx extra words", /I did not understand "extra words"/],
    ] as const) {
      const before = await fingerprint(db);
      const r = await say("bob", text);
      expect(r.outcome, text).toBe("user_error");
      expect(r.text).toMatch(pattern);
      expect(r.text.split("\n")).toHaveLength(2);
      expect(await fingerprint(db)).toBe(before);
    }
  });
});
