// `drift` over the demo network and its real PeeringDB records, with mirror edits: a peer whose
// PeeringDB max-prefix grew past our limit, one whose IRR list did, one whose limit is set by
// hand (its sync flag off, listed and left alone); `drift propose` raises the others, plans
// the router change and the deploy renders the new limits.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changeConfig } from "../../core/changes.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { sayAs } from "../helpers/say.js";
import { fingerprint, testServices, type TestServices } from "../helpers/services.js";
import { buildRegistry } from "../../commands/index.js";

let db: TestDatabase;
let services: TestServices;
let dataDir: string;
const registry = buildRegistry();

const say = (user: string, text: string, action?: string) => sayAs(registry, services, user, text, action);

const as = (asn: bigint) => db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn } });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-drift-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("drift", () => {
  it("finds nothing on the demo as seeded: our limits are PeeringDB's", async () => {
    expect((await say("bob", "drift")).text).toMatch(/^No max-prefix drift: every limit is within 10%/);
  });

  it("lists PeeringDB and IRR growth past the margin, and a limit set by hand", async () => {
    const google = await as(15169n);
    const microsoft = await as(8075n);
    const ntt = await as(702n);
    await db.pool.query(`update pdb_net set info_prefixes4 = $1 where asn = 15169`, [
      google.ipv4MaxPrefixes * 3,
    ]);
    // Within the margin: not listed.
    await db.pool.query(`update pdb_net set info_prefixes6 = $1 where asn = 15169`, [
      Math.floor(google.ipv6MaxPrefixes * 1.05),
    ]);
    await db.prisma.irrPrefixList.create({
      data: {
        key: `as:${microsoft.id}`,
        autonomousSystemId: microsoft.id,
        family: 4,
        prefixCount: microsoft.ipv4MaxPrefixes * 2,
        fetchedAt: new Date(),
      },
    });
    await db.prisma.autonomousSystem.update({ where: { id: ntt.id }, data: { syncMaxPrefixes: false } });
    await db.pool.query(`update pdb_net set info_prefixes4 = $1 where asn = 702`, [
      ntt.ipv4MaxPrefixes * 4 + 100,
    ]);
    const r = await say("bob", "drift");
    expect(r.rows.map((x) => x.split(" | ").slice(0, 3).join(" "))).toEqual([
      "AS702 Verizon - EMEA IPv4",
      "AS8075 Microsoft IPv4",
      "AS15169 Google LLC IPv4",
    ]);
    const g = r.rows.find((x) => x.startsWith("AS15169"))!;
    const want = Math.ceil(google.ipv4MaxPrefixes * 3 * 1.1);
    expect(g).toContain(`| ${want.toLocaleString("en-US")}`);
    expect(r.rows.find((x) => x.startsWith("AS702"))).toMatch(/set by hand: not changed$/);
    expect(r.rows.find((x) => x.startsWith("AS8075"))).toContain(
      `| ${(microsoft.ipv4MaxPrefixes * 2).toLocaleString("en-US")} |`,
    );
    expect(r.reply.buttons?.[0]).toMatchObject({ label: "Raise 2 limits", actionId: "cmd:drift propose" });
  });

  it("raises the others, turns their sync off, leaves the hand-set one, and plans the router change", async () => {
    expect((await say("mallory", "", "cmd:drift propose")).outcome).toBe("denied");
    const before = await as(702n);
    const p = await say("alice", "", "cmd:drift propose");
    expect(p.outcome, p.text).toBe("ok");
    expect(p.text).toMatch(/Raised 2 limits .*AS8075 IPv4 .* -> .*AS15169 IPv4/);
    expect(p.text).toMatch(/Set by hand, not changed: AS702\./);
    const google = await as(15169n);
    expect(google.syncMaxPrefixes).toBe(false);
    const pdb = await db.pool.query<{ p: number }>(
      `select info_prefixes4 as p from pdb_net where asn = 15169`,
    );
    expect(google.ipv4MaxPrefixes).toBe(Math.ceil(pdb.rows[0]!.p * 1.1));
    expect(await as(702n)).toMatchObject({ ipv4MaxPrefixes: before.ipv4MaxPrefixes, syncMaxPrefixes: false });
    const id = Number(/change #(\d+)/.exec(p.context)?.[1]);
    const change = await db.prisma.changeRequest.findUniqueOrThrow({
      where: { id },
      include: { router: true },
    });
    expect(change.router!.name).toBe("edge1.lon");
    expect(changeConfig(services, change)).toContain(
      `receive limit ${google.ipv4MaxPrefixes} action restart;`,
    );
    const h = await say("bob", "history as AS15169");
    expect(h.outcome).toBe("ok");
    // Only the hand-set one is left.
    expect((await say("bob", "drift")).rows.map((x) => x.split(" | ")[0])).toEqual(["AS702"]);
  });

  it("answers bad input in one sentence and changes nothing", async () => {
    for (const [text, pattern] of [
      ["drift AS99999999999", /out of range/],
      ["drift LINX", /is not an AS number/],
      ["drift AS1 AS2", /I did not understand "AS2"/],
    ] as const) {
      const before = await fingerprint(db);
      const r = await say("bob", text);
      expect(r.outcome, text).toBe("user_error");
      expect(r.text).toMatch(pattern);
      expect(await fingerprint(db)).toBe(before);
    }
  });
});
