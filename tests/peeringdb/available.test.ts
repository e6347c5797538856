import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availablePeers, parsePeerFilters, parseSpeed } from "../../core/peeringdb/available.js";
import { hidePeer, listHiddenPeers, unhidePeer } from "../../core/peeringdb/hidden.js";
import { runSync } from "../../core/peeringdb/sync.js";
import { StaticPeeringDbSource } from "../../drivers/peeringdb/static-source.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { ix, ixpfx, net, netixlan, real, withExtra } from "./fixtures.js";

// A synthetic exchange (ix/ixlan 90001, 192.0.2.0/24 and 2001:db8:1::/64) with one network
// per rule, beside the real LINX LON1 rows.
const X = 90001;
const US = 64500;
const v4 = (n: number) => `192.0.2.${n}`;
const v6 = (n: number) => `2001:db8:1::${n.toString(16)}`;
const data = withExtra({
  ix: [ix(X, "Test IX")[0]!],
  ixlan: [ix(X, "Test IX")[1]!],
  ixpfx: [ixpfx(90001, X, "192.0.2.0/24"), ixpfx(90002, X, "2001:db8:1::/64")],
  net: [
    net(91001, 65001, "Alpha Content", { info_types: ["Content"], info_type: "Content" }),
    net(91002, 65002, "Bravo", { policy_general: "Selective" }),
    net(91003, 65003, "Charlie v4-only"),
    net(91004, 65004, "Delta v6-only", { policy_general: "Restrictive" }),
    net(91005, 65005, "Echo not operational"),
    net(91007, 65007, "Golf hidden"),
    net(91008, 65008, "Hotel hidden a while"),
    net(91009, 65009, "India peers elsewhere", { policy_general: "No" }),
    net(91010, US, "Us"),
  ],
  netixlan: [
    netixlan(92001, X, 91001, 65001, v4(11), v6(0x11), { is_rs_peer: true, speed: 100_000 }),
    netixlan(92002, X, 91002, 65002, v4(12), v6(0x12)),
    netixlan(92022, X, 91002, 65002, v4(22), v6(0x22)),
    netixlan(92003, X, 91003, 65003, v4(13), null, { speed: 1_000 }),
    netixlan(92004, X, 91004, 65004, null, v6(0x14), { speed: 400_000 }),
    netixlan(92005, X, 91005, 65005, v4(15), v6(0x15), { operational: false }),
    netixlan(92007, X, 91007, 65007, v4(17), v6(0x17)),
    netixlan(92008, X, 91008, 65008, v4(18), v6(0x18)),
    netixlan(92009, X, 91009, 65009, v4(19), v6(0x19)),
    netixlan(92100, X, 91010, US, v4(1), v6(1)),
    netixlan(92101, X, 91010, US, v4(2), v6(2)),
  ],
});

let db: TestDatabase;
let usId: number;
let ixpId: number;
let conn1: number;
let conn2: number;

const asnsOf = async (ixp = ixpId, now?: Date) =>
  (await availablePeers(db, ixp, {}, { pageSize: 500, now })).rows.map((r) => r.asn);

async function asId(asn: number): Promise<number> {
  const a = await db.prisma.autonomousSystem.upsert({
    where: { asn: BigInt(asn) },
    update: {},
    create: { asn: BigInt(asn), name: `AS${asn}` },
  });
  return a.id;
}

async function session(
  connectionId: number,
  asn: number,
  ip: string,
  status: "enabled" | "decommissioned" = "enabled",
) {
  await db.prisma.ixpSession.create({
    data: { connectionId, autonomousSystemId: await asId(asn), ipAddress: ip, status },
  });
}

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  const report = await runSync(db, new StaticPeeringDbSource(data));
  expect(report.ok).toBe(true);
  usId = (
    await db.prisma.autonomousSystem.create({ data: { asn: BigInt(US), name: "Us", affiliated: true } })
  ).id;
  ixpId = (
    await db.prisma.internetExchange.create({
      data: { name: "Test IX", slug: "test-ix", localAsId: usId, peeringdbIxId: X },
    })
  ).id;
  conn1 = (
    await db.prisma.connection.create({
      data: { ixpId, ipv4Address: `${v4(1)}/24`, ipv6Address: `${v6(1)}/64` },
    })
  ).id;
  conn2 = (
    await db.prisma.connection.create({
      data: { ixpId, ipv4Address: `${v4(2)}/24`, ipv6Address: `${v6(2)}/64` },
    })
  ).id;
});
afterAll(async () => {
  await db?.drop();
});

describe("available peers", () => {
  it("lists operational members other than us, one row per netixlan, when we have no session yet", async () => {
    const page = await availablePeers(db, ixpId, {}, { pageSize: 500 });
    expect(page.ixlanId).toBe(X);
    expect(page.rows.map((r) => r.netixlanId).sort()).toEqual([
      92001, 92002, 92003, 92004, 92007, 92008, 92009, 92022,
    ]);
    const alpha = page.rows.find((r) => r.asn === 65001)!;
    expect(alpha).toMatchObject({
      name: "Alpha Content",
      ipv4: v4(11),
      ipv6: v6(0x11),
      speed: 100_000,
      isRsPeer: true,
      policy: "Open",
      networkType: "Content",
      irrAsSet: "AS-ALPHACONTENT",
      peersWithUsElsewhere: false,
      missingOn: [conn1, conn2],
    });
  });

  it("leaves out our own ASNs (affiliated), and only those", async () => {
    expect(await asnsOf()).not.toContain(US);
    await db.prisma.autonomousSystem.update({ where: { id: usId }, data: { affiliated: false } });
    expect(await asnsOf()).toContain(US);
    await db.prisma.autonomousSystem.update({ where: { id: usId }, data: { affiliated: true } });
    // A known but foreign AS is not excluded for being in our database.
    await asId(65002);
    expect(await asnsOf()).toContain(65002);
  });

  it("leaves out rows PeeringDB marks not operational", async () => {
    expect(await asnsOf()).not.toContain(65005);
  });

  it("keeps a peer available until every one of our connections has a session with each of its addresses", async () => {
    // Alpha: both addresses on both connections: covered everywhere, gone.
    for (const c of [conn1, conn2]) {
      await session(c, 65001, v4(11));
      await session(c, 65001, v6(0x11));
    }
    // Bravo's first port: both addresses on conn1 only: still available, on conn2.
    await session(conn1, 65002, v4(12));
    await session(conn1, 65002, v6(0x12));
    // India: IPv4 on both connections but IPv6 nowhere: still available on both.
    await session(conn1, 65009, v4(19));
    await session(conn2, 65009, v4(19));
    // Golf: a decommissioned session counts for nothing.
    await session(conn1, 65007, v4(17), "decommissioned");

    const rows = (await availablePeers(db, ixpId, {}, { pageSize: 500 })).rows;
    const by = new Map(rows.map((r) => [r.netixlanId, r]));
    expect(by.has(92001)).toBe(false);
    expect(by.get(92002)?.missingOn).toEqual([conn2]);
    expect(by.get(92022)?.missingOn).toEqual([conn1, conn2]);
    expect(by.get(92009)?.missingOn).toEqual([conn1, conn2]);
    expect(by.get(92007)?.missingOn).toEqual([conn1, conn2]);

    await session(conn2, 65002, v4(12));
    await session(conn2, 65002, v6(0x12));
    const after = (await availablePeers(db, ixpId, {}, { pageSize: 500 })).rows.map((r) => r.netixlanId);
    expect(after).not.toContain(92002);
    expect(after).toContain(92022); // Bravo's second port is still open
  });

  it("handles IPv4-only and IPv6-only peers by the families our connections have", async () => {
    // Charlie (IPv4 only) is covered by IPv4 sessions alone.
    await session(conn1, 65003, v4(13));
    expect((await availablePeers(db, ixpId, { text: "charlie" })).rows[0]?.missingOn).toEqual([conn2]);
    await session(conn2, 65003, v4(13));
    expect(await asnsOf()).not.toContain(65003);
    // Delta (IPv6 only) shows with no IPv4 address.
    const delta = (await availablePeers(db, ixpId, { text: "AS65004" })).rows;
    expect(delta).toHaveLength(1);
    expect(delta[0]).toMatchObject({ ipv4: null, ipv6: v6(0x14), policy: "Restrictive" });

    // At an IXP where our only port has IPv4, an IPv6-only peer cannot be reached: not listed.
    const v4only = await db.prisma.internetExchange.create({
      data: { name: "Test IX v4", slug: "test-ix-v4", localAsId: usId, peeringdbIxlanId: X },
    });
    const c = await db.prisma.connection.create({ data: { ixpId: v4only.id, ipv4Address: `${v4(3)}/24` } });
    const rows = (await availablePeers(db, v4only.id, {}, { pageSize: 500 })).rows;
    expect(rows.map((r) => r.asn)).not.toContain(65004);
    expect(rows.find((r) => r.asn === 65003)?.missingOn).toEqual([c.id]);
    expect(await asnsOf(v4only.id)).toContain(65001); // sessions at the other IXP do not count here
  });

  it("hides peers for good, or until their expiry", async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    await hidePeer(db, { asn: 65007, ixpId, reason: "never" });
    await hidePeer(db, { asn: 65008, ixpId, until: tomorrow, reason: "asked us to wait" });
    expect(await asnsOf()).not.toContain(65007);
    expect(await asnsOf()).not.toContain(65008);
    // After the expiry it is back; the one hidden for good is not.
    const later = new Date(Date.now() + 2 * 86_400_000);
    expect(await asnsOf(ixpId, later)).toContain(65008);
    expect(await asnsOf(ixpId, later)).not.toContain(65007);
    expect((await listHiddenPeers(db, ixpId)).map((h) => h.asn)).toEqual([65007, 65008]);
    expect((await listHiddenPeers(db, ixpId, later)).map((h) => h.asn)).toEqual([65007]);
    // Hidden at one IXP only.
    const other = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "test-ix-v4" } });
    expect(await asnsOf(other.id)).toContain(65007);
    await expect(hidePeer(db, { asn: 65001, ixpId, until: new Date(Date.now() - 1000) })).rejects.toThrow(
      /passed/,
    );
    expect(await unhidePeer(db, 65007, ixpId)).toBe(true);
    expect(await unhidePeer(db, 65007, ixpId)).toBe(false);
    expect(await asnsOf()).toContain(65007);
  });

  it("marks peers we already have a session with elsewhere", async () => {
    const elsewhere = await db.prisma.internetExchange.create({
      data: { name: "Elsewhere", slug: "elsewhere", localAsId: usId },
    });
    const c = await db.prisma.connection.create({
      data: { ixpId: elsewhere.id, ipv4Address: "198.51.100.1/24" },
    });
    await session(c.id, 65009, "198.51.100.9");
    const rows = (await availablePeers(db, ixpId, {}, { pageSize: 500 })).rows;
    expect(rows.find((r) => r.asn === 65009)?.peersWithUsElsewhere).toBe(true);
    // Sessions at this IXP are not "elsewhere".
    expect(rows.find((r) => r.asn === 65002)?.peersWithUsElsewhere).toBe(false);
  });

  it("filters by policy, route server, speed, type and text; sorts and pages", async () => {
    const q = async (words: string[], pageSize = 500) => {
      const { filters, options } = parsePeerFilters(words);
      return availablePeers(db, ixpId, filters, { ...options, pageSize });
    };
    expect((await q(["policy:selective"])).rows.map((r) => r.netixlanId)).toEqual([92022]);
    expect((await q(["policy:open,no"])).rows.every((r) => ["Open", "No"].includes(r.policy))).toBe(true);
    expect((await q(["speed:>=100G"])).rows.map((r) => r.asn)).toEqual([65004]);
    expect((await q(["rs:yes"])).rows).toEqual([]);
    expect((await q(["rs:no"])).total).toBe((await q([])).total);
    expect((await q(["type:nsp", "india"])).rows.map((r) => r.asn)).toEqual([65009]);
    expect((await q(["v6", "sort:speed"])).rows[0]?.asn).toBe(65004);
    const byAsn = (await q(["sort:asn"])).rows.map((r) => r.asn);
    expect(byAsn).toEqual([...byAsn].sort((a, b) => a - b));
    const byName = (await q([])).rows.map((r) => r.name.toLowerCase());
    expect(byName).toEqual([...byName].sort());
    const p1 = await q([], 2);
    const p2 = await q(["page:2"], 2);
    expect(p1.pages).toBe(Math.ceil(p1.total / 2));
    expect(p2.page).toBe(2);
    expect(p2.rows[0]?.netixlanId).not.toBe(p1.rows[0]?.netixlanId);
    const past = await q(["page:99"], 2);
    expect(past.rows).toEqual([]);
    expect(past.total).toBe(p1.total);
    expect(() => parsePeerFilters(["policy:sometimes"])).toThrow(/not a peering policy/);
    expect(() => parsePeerFilters(["speed:fast"])).toThrow(/not a speed/);
    expect(parseSpeed("10G")).toBe(10_000);
    expect(parseSpeed("1.2T")).toBe(1_200_000);
    expect(parseSpeed("400m")).toBe(400);
  });

  it("lists real LINX LON1 members from the bundled records", async () => {
    const ourId = await asId(US);
    const linx = await db.prisma.internetExchange.create({
      data: { name: "LINX LON1", slug: "linx-lon1", localAsId: ourId, peeringdbIxId: 18 },
    });
    const page = await availablePeers(db, linx.id, {}, { pageSize: 500 });
    const real18 = real.netixlan!.filter((r) => r.ixlan_id === 18 && r.operational);
    expect(page.total).toBe(real18.length);
    expect(page.rows.map((r) => r.asn)).toEqual(expect.arrayContaining([6939, 15169, 8075, 702]));
    const he = page.rows.find((r) => r.asn === 6939)!;
    expect(he.name).toMatch(/Hurricane/);
    const open = await availablePeers(db, linx.id, parsePeerFilters(["policy:open", "rs:no"]).filters, {
      pageSize: 500,
    });
    expect(open.rows.length).toBeGreaterThan(0);
    expect(open.rows.every((r) => r.policy === "Open" && !r.isRsPeer)).toBe(true);
  });

  it("says so when an IXP is not linked to PeeringDB", async () => {
    const bare = await db.prisma.internetExchange.create({
      data: { name: "Bare", slug: "bare", localAsId: usId },
    });
    await expect(availablePeers(db, bare.id)).rejects.toThrow(/not linked to PeeringDB/);
  });
});
