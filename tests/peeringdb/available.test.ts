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
    net(91001, 39901, "Alpha Content", { info_types: ["Content"], info_type: "Content" }),
    net(91002, 39902, "Bravo", { policy_general: "Selective" }),
    net(91003, 39903, "Charlie v4-only"),
    net(91004, 39904, "Delta v6-only", { policy_general: "Restrictive" }),
    net(91005, 39905, "Echo not operational"),
    net(91007, 39907, "Golf hidden"),
    net(91008, 39908, "Hotel hidden a while"),
    net(91009, 39909, "India peers elsewhere", { policy_general: "No" }),
    net(91010, US, "Us"),
    net(91011, 23456, "Trans"),
    net(91012, 64512, "Private"),
    net(91013, 4_200_000_001, "Private 32-bit"),
    net(91014, 65535, "Reserved"),
    net(91015, 39915, "Kilo reassigned"),
    net(91016, 39916, "Lima requested"),
    net(91017, 39917, "Mike stored with a prefix length"),
  ],
  netixlan: [
    netixlan(92001, X, 91001, 39901, v4(11), v6(0x11), { is_rs_peer: true, speed: 100_000 }),
    netixlan(92002, X, 91002, 39902, v4(12), v6(0x12)),
    netixlan(92022, X, 91002, 39902, v4(22), v6(0x22)),
    netixlan(92003, X, 91003, 39903, v4(13), null, { speed: 1_000 }),
    netixlan(92004, X, 91004, 39904, null, v6(0x14), { speed: 400_000 }),
    netixlan(92005, X, 91005, 39905, v4(15), v6(0x15), { operational: false }),
    netixlan(92007, X, 91007, 39907, v4(17), v6(0x17)),
    netixlan(92008, X, 91008, 39908, v4(18), v6(0x18)),
    netixlan(92009, X, 91009, 39909, v4(19), v6(0x19)),
    netixlan(92100, X, 91010, US, v4(1), v6(1)),
    netixlan(92101, X, 91010, US, v4(2), v6(2)),
    netixlan(92011, X, 91011, 23456, v4(31), v6(0x31)),
    netixlan(92012, X, 91012, 64512, v4(32), null),
    netixlan(92013, X, 91013, 4_200_000_001, v4(33), null),
    netixlan(92014, X, 91014, 65535, v4(34), null),
    netixlan(92015, X, 91015, 39915, v4(35), v6(0x35)),
    netixlan(92016, X, 91016, 39916, v4(36), null),
    netixlan(92017, X, 91017, 39917, v4(37), null),
  ],
});

let db: TestDatabase;
let usId: number;
let ixpId: number;
let routerId: number;
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
  status: "enabled" | "decommissioned" | "requested" = "enabled",
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
  // Only enabled connections with a router count (core/connections.ts).
  routerId = (
    await db.prisma.router.create({
      data: { name: "edge1.test", hostname: "edge1.test", platform: "file", localAsId: usId },
    })
  ).id;
  conn1 = (
    await db.prisma.connection.create({
      data: { ixpId, routerId, ipv4Address: `${v4(1)}/24`, ipv6Address: `${v6(1)}/64` },
    })
  ).id;
  conn2 = (
    await db.prisma.connection.create({
      data: { ixpId, routerId, ipv4Address: `${v4(2)}/24`, ipv6Address: `${v6(2)}/64` },
    })
  ).id;
});
afterAll(async () => {
  await db?.drop();
});

describe("available peers", () => {
  it("lists operational members other than us, one row per network, when we have no session yet", async () => {
    const page = await availablePeers(db, ixpId, {}, { pageSize: 500 });
    expect(page.ixlanId).toBe(X);
    expect(page.rows.map((r) => r.netixlanIds)).toEqual(
      expect.arrayContaining([[92001], [92002, 92022], [92003], [92004], [92007], [92008], [92009]]),
    );
    expect(page.rows.filter((r) => r.asn > 39900 && r.asn < 39910)).toHaveLength(7);
    // Bravo's two ports are one network: one row, one Peer button, counted once.
    expect(page.rows.filter((r) => r.asn === 39902)).toHaveLength(1);
    expect(page.rows.find((r) => r.asn === 39902)).toMatchObject({
      ports: 2,
      speed: 20_000,
      ipv4: [v4(12), v4(22)],
      ipv6: [v6(0x12), v6(0x22)],
    });
    expect(page.total).toBe(new Set(page.rows.map((r) => r.asn)).size);
    expect(page.usableConnections).toBe(2);
    const alpha = page.rows.find((r) => r.asn === 39901)!;
    expect(alpha).toMatchObject({
      name: "Alpha Content",
      ipv4: [v4(11)],
      ipv6: [v6(0x11)],
      speed: 100_000,
      ports: 1,
      rsPorts: 1,
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
    await asId(39902);
    expect(await asnsOf()).toContain(39902);
  });

  it("leaves out rows PeeringDB marks not operational", async () => {
    expect(await asnsOf()).not.toContain(39905);
  });

  it("keeps a peer available until every one of our connections has a session with each of its addresses", async () => {
    // Alpha: both addresses on both connections: covered everywhere, gone.
    for (const c of [conn1, conn2]) {
      await session(c, 39901, v4(11));
      await session(c, 39901, v6(0x11));
    }
    // Bravo's first port: both addresses on conn1 only: still available, on conn2.
    await session(conn1, 39902, v4(12));
    await session(conn1, 39902, v6(0x12));
    // India: IPv4 on both connections but IPv6 nowhere: still available on both.
    await session(conn1, 39909, v4(19));
    await session(conn2, 39909, v4(19));
    // Golf: a decommissioned session counts for nothing.
    await session(conn1, 39907, v4(17), "decommissioned");

    const rows = (await availablePeers(db, ixpId, {}, { pageSize: 500 })).rows;
    const by = new Map(rows.map((r) => [r.asn, r]));
    expect(by.has(39901)).toBe(false);
    // Bravo: both ports still listed (the first lacks conn2), missing on both connections.
    expect(by.get(39902)).toMatchObject({ netixlanIds: [92002, 92022], missingOn: [conn1, conn2] });
    expect(by.get(39909)?.missingOn).toEqual([conn1, conn2]);
    expect(by.get(39907)?.missingOn).toEqual([conn1, conn2]);

    await session(conn2, 39902, v4(12));
    await session(conn2, 39902, v6(0x12));
    const after = (await availablePeers(db, ixpId, {}, { pageSize: 500 })).rows;
    // Bravo's second port is still open; the first is no longer listed.
    expect(after.find((r) => r.asn === 39902)).toMatchObject({ netixlanIds: [92022], ipv4: [v4(22)] });
  });

  it("handles IPv4-only and IPv6-only peers by the families our connections have", async () => {
    // Charlie (IPv4 only) is covered by IPv4 sessions alone.
    await session(conn1, 39903, v4(13));
    expect((await availablePeers(db, ixpId, { text: "charlie" })).rows[0]?.missingOn).toEqual([conn2]);
    await session(conn2, 39903, v4(13));
    expect(await asnsOf()).not.toContain(39903);
    // Delta (IPv6 only) shows with no IPv4 address.
    const delta = (await availablePeers(db, ixpId, { text: "AS39904" })).rows;
    expect(delta).toHaveLength(1);
    expect(delta[0]).toMatchObject({ ipv4: [], ipv6: [v6(0x14)], policy: "Restrictive" });

    // At an IXP where our only port has IPv4, an IPv6-only peer cannot be reached: not listed.
    const v4only = await db.prisma.internetExchange.create({
      data: { name: "Test IX v4", slug: "test-ix-v4", localAsId: usId, peeringdbIxlanId: X },
    });
    const c = await db.prisma.connection.create({
      data: { ixpId: v4only.id, routerId, ipv4Address: `${v4(3)}/24` },
    });
    const rows = (await availablePeers(db, v4only.id, {}, { pageSize: 500 })).rows;
    expect(rows.map((r) => r.asn)).not.toContain(39904);
    expect(rows.find((r) => r.asn === 39903)?.missingOn).toEqual([c.id]);
    expect(await asnsOf(v4only.id)).toContain(39901); // sessions at the other IXP do not count here
  });

  it("counts a session on its host address whatever its stored prefix length, and only one with that network", async () => {
    for (const c of [conn1, conn2]) {
      // Kilo's addresses were another network's, and we still have sessions with that one.
      await session(c, 39918, v4(35));
      await session(c, 39918, v6(0x35));
      // Lima: only requested, which `peer` takes up.
      await session(c, 39916, v4(36), "requested");
      // Mike: stored with the LAN's prefix length.
      await session(c, 39917, `${v4(37)}/24`);
    }
    const rows = (await availablePeers(db, ixpId, {}, { pageSize: 500 })).rows;
    const by = new Map(rows.map((r) => [r.asn, r]));
    expect(by.get(39915)?.missingOn).toEqual([conn1, conn2]);
    expect(by.get(39916)?.missingOn).toEqual([conn1, conn2]);
    expect(by.has(39917)).toBe(false);
  });

  it("counts only enabled connections with a router", async () => {
    const maintenance = await db.prisma.connection.create({
      data: {
        ixpId,
        routerId,
        status: "maintenance",
        ipv4Address: `${v4(3)}/24`,
        ipv6Address: `${v6(3)}/64`,
      },
    });
    const routerless = await db.prisma.connection.create({
      data: { ixpId, ipv4Address: `${v4(4)}/24`, ipv6Address: `${v6(4)}/64` },
    });
    const page = await availablePeers(db, ixpId, {}, { pageSize: 500 });
    // Alpha is covered on both usable connections; the other two do not make it available.
    expect(page.rows.map((r) => r.asn)).not.toContain(39901);
    for (const r of page.rows) expect(r.missingOn.every((c) => c === conn1 || c === conn2)).toBe(true);
    expect(page.usableConnections).toBe(2);
    // Without a usable connection nothing is covered: everyone there is listed.
    await db.prisma.connection.updateMany({
      where: { id: { in: [conn1, conn2] } },
      data: { status: "disabled" },
    });
    const none = await availablePeers(db, ixpId, {}, { pageSize: 500 });
    expect(none.usableConnections).toBe(0);
    expect(none.rows.map((r) => r.asn)).toContain(39901);
    await db.prisma.connection.updateMany({
      where: { id: { in: [conn1, conn2] } },
      data: { status: "enabled" },
    });
    await db.prisma.connection.deleteMany({ where: { id: { in: [maintenance.id, routerless.id] } } });
  });

  it("leaves out AS_TRANS, private and reserved ASNs", async () => {
    const asns = await asnsOf();
    for (const asn of [23456, 64512, 4_200_000_001, 65535]) expect(asns).not.toContain(asn);
  });

  it("hides peers for good, or until their expiry", async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    await hidePeer(db, { asn: 39907, ixpId, reason: "never" });
    await hidePeer(db, { asn: 39908, ixpId, until: tomorrow, reason: "asked us to wait" });
    expect(await asnsOf()).not.toContain(39907);
    expect(await asnsOf()).not.toContain(39908);
    // After the expiry it is back; the one hidden for good is not.
    const later = new Date(Date.now() + 2 * 86_400_000);
    expect(await asnsOf(ixpId, later)).toContain(39908);
    expect(await asnsOf(ixpId, later)).not.toContain(39907);
    expect((await listHiddenPeers(db, ixpId)).map((h) => h.asn)).toEqual([39907, 39908]);
    expect((await listHiddenPeers(db, ixpId, later)).map((h) => h.asn)).toEqual([39907]);
    // Hidden at one IXP only.
    const other = await db.prisma.internetExchange.findUniqueOrThrow({ where: { slug: "test-ix-v4" } });
    expect(await asnsOf(other.id)).toContain(39907);
    await expect(hidePeer(db, { asn: 39901, ixpId, until: new Date(Date.now() - 1000) })).rejects.toThrow(
      /passed/,
    );
    expect(await unhidePeer(db, 39907, ixpId)).toBe(true);
    expect(await unhidePeer(db, 39907, ixpId)).toBe(false);
    expect(await asnsOf()).toContain(39907);
  });

  it("marks peers we already have a session with elsewhere", async () => {
    const elsewhere = await db.prisma.internetExchange.create({
      data: { name: "Elsewhere", slug: "elsewhere", localAsId: usId },
    });
    const c = await db.prisma.connection.create({
      data: { ixpId: elsewhere.id, ipv4Address: "198.51.100.1/24" },
    });
    await session(c.id, 39909, "198.51.100.9");
    const rows = (await availablePeers(db, ixpId, {}, { pageSize: 500 })).rows;
    expect(rows.find((r) => r.asn === 39909)?.peersWithUsElsewhere).toBe(true);
    // Sessions at this IXP are not "elsewhere".
    expect(rows.find((r) => r.asn === 39902)?.peersWithUsElsewhere).toBe(false);
  });

  it("filters by policy, route server, speed, type and text; sorts and pages", async () => {
    const q = async (words: string[], pageSize = 500) => {
      const { filters, options } = parsePeerFilters(words);
      return availablePeers(db, ixpId, filters, { ...options, pageSize });
    };
    expect((await q(["policy:selective"])).rows.map((r) => r.netixlanIds)).toEqual([[92022]]);
    expect((await q(["policy:open,no"])).rows.every((r) => ["Open", "No"].includes(r.policy))).toBe(true);
    expect((await q(["speed:>=100G"])).rows.map((r) => r.asn)).toEqual([39904]);
    expect((await q(["rs:yes"])).rows).toEqual([]);
    expect((await q(["rs:no"])).total).toBe((await q([])).total);
    expect((await q(["type:nsp", "india"])).rows.map((r) => r.asn)).toEqual([39909]);
    expect((await q(["v6", "sort:speed"])).rows[0]?.asn).toBe(39904);
    const byAsn = (await q(["sort:asn"])).rows.map((r) => r.asn);
    expect(byAsn).toEqual([...byAsn].sort((a, b) => a - b));
    const byName = (await q([])).rows.map((r) => r.name.toLowerCase());
    expect(byName).toEqual([...byName].sort());
    const p1 = await q([], 2);
    const p2 = await q(["page:2"], 2);
    expect(p1.pages).toBe(Math.ceil(p1.total / 2));
    expect(p2.page).toBe(2);
    expect(p2.rows[0]?.asn).not.toBe(p1.rows[0]?.asn);
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
    expect(page.total).toBe(new Set(real18.map((r) => r.asn)).size); // networks, not ports
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
