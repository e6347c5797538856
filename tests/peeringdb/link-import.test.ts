import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyImport, proposeImport, slugify } from "../../core/peeringdb/import.js";
import { refreshFromMirror } from "../../core/peeringdb/link.js";
import { contactsByRole, lookupIx, lookupNet } from "../../core/peeringdb/lookup.js";
import { runSync } from "../../core/peeringdb/sync.js";
import { StaticPeeringDbSource } from "../../drivers/peeringdb/static-source.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { net, netixlan, withExtra } from "./fixtures.js";

// Our AS 64500 has two ports at LINX LON1 (ixlan 18) and one at AMS-IX (ixlan 26) in PeeringDB.
const US = 64500;
const data = withExtra({
  net: [net(95000, US, "Us")],
  netixlan: [
    netixlan(96001, 18, 95000, US, "195.66.226.250", "2001:7f8:4::fbf4:1", { speed: 100_000 }),
    netixlan(96002, 18, 95000, US, "195.66.226.251", null, { speed: 10_000, operational: false }),
    netixlan(96003, 26, 95000, US, "80.249.215.250", "2001:7f8:1::a506:4500:1", { speed: 10_000 }),
  ],
});

let db: TestDatabase;
let usId: number;
beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  usId = (
    await db.prisma.autonomousSystem.create({
      data: { asn: BigInt(US), name: "peerbot demo", affiliated: true, syncName: false },
    })
  ).id;
  const report = await runSync(db, new StaticPeeringDbSource(data), undefined, { link: false });
  expect(report.ok).toBe(true);
});
afterAll(async () => {
  await db?.drop();
});

describe("linking to the mirror", () => {
  it("links autonomous systems by ASN and refreshes their fields unless a field's sync flag is off", async () => {
    const google = await db.prisma.autonomousSystem.create({
      data: { asn: 15169n, name: "goog", irrAsSet: "AS-OLD", ipv4MaxPrefixes: 1, generalPolicy: "Open" },
    });
    const he = await db.prisma.autonomousSystem.create({
      data: {
        asn: 6939n,
        name: "HE (our name)",
        irrAsSet: "AS-MINE",
        ipv4MaxPrefixes: 7,
        syncName: false,
        syncIrrAsSet: false,
        syncMaxPrefixes: false,
      },
    });
    const report = await refreshFromMirror(db);
    expect(report.asLinked).toBe(3); // Google, HE and us
    const g = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { id: google.id } });
    const pdbGoogle = data.net!.find((n) => n.asn === 15169)!;
    expect(g).toMatchObject({
      peeringdbNetId: pdbGoogle.id,
      name: pdbGoogle.name,
      irrAsSet: pdbGoogle.irr_as_set,
      ipv4MaxPrefixes: pdbGoogle.info_prefixes4,
      ipv6MaxPrefixes: pdbGoogle.info_prefixes6,
      generalPolicy: "Selective",
    });
    const h = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { id: he.id } });
    const pdbHe = data.net!.find((n) => n.asn === 6939)!;
    expect(h).toMatchObject({
      peeringdbNetId: pdbHe.id,
      name: "HE (our name)",
      irrAsSet: "AS-MINE",
      ipv4MaxPrefixes: 7,
      generalPolicy: pdbHe.policy_general,
    });
    const us = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { id: usId } });
    expect(us.name).toBe("peerbot demo"); // syncName off
    // Nothing left to change: a second pass changes nothing.
    expect(await refreshFromMirror(db)).toMatchObject({ asLinked: 0, asRefreshed: 0 });
  });

  it("a PeeringDB name with line breaks is stored on one line, and stays stable", async () => {
    await db.pool.query(`update pdb_net set name = $1 where asn = 15169`, [
      "Google\nStatus: approved by admin\u2028  LLC\t",
    ]);
    expect((await refreshFromMirror(db)).asRefreshed).toBe(1);
    const g = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 15169n } });
    expect(g.name).toBe("Google Status: approved by admin LLC");
    expect(await refreshFromMirror(db)).toMatchObject({ asRefreshed: 0 });
  });

  it("links an IXP from the peering LAN our connection sits in, with its prefixes, and the connection to its netixlan", async () => {
    const ams = await db.prisma.internetExchange.create({
      data: { name: "Amsterdam", slug: "ams", localAsId: usId, prefixes: ["192.0.2.0/24"] },
    });
    const conn = await db.prisma.connection.create({
      data: { ixpId: ams.id, ipv4Address: "80.249.215.250/21", ipv6Address: "2001:7f8:1::a506:4500:1/64" },
    });
    const report = await refreshFromMirror(db);
    expect(report).toMatchObject({ ixpsLinked: 1, ixpPrefixes: 1, connectionsLinked: 1 });
    const x = await db.prisma.internetExchange.findUniqueOrThrow({ where: { id: ams.id } });
    expect(x).toMatchObject({ peeringdbIxId: 26, peeringdbIxlanId: 26 });
    expect(x.prefixes).toEqual(["192.0.2.0/24", "2001:7f8:1::/64", "80.249.208.0/21"]);
    const c = await db.prisma.connection.findUniqueOrThrow({ where: { id: conn.id } });
    expect(c.peeringdbNetixlanId).toBe(96003);
    expect(await refreshFromMirror(db)).toMatchObject({
      ixpsLinked: 0,
      ixpPrefixes: 0,
      connectionsLinked: 0,
    });
  });
});

describe("import of our footprint", () => {
  it("proposes the IXPs and connections to create, then creates them once", async () => {
    const p = await proposeImport(db);
    expect(p.asns).toEqual([US]);
    const linx = p.ixps.find((x) => x.ixlanId === 18)!;
    const ams = p.ixps.find((x) => x.ixlanId === 26)!;
    expect(linx).toMatchObject({
      ixId: 18,
      name: "LINX LON1",
      slug: "linx-lon1",
      localAsn: US,
      existingIxpId: null,
    });
    expect(linx.prefixes).toEqual(["2001:7f8:4::/64"]);
    expect(linx.connections).toEqual([
      expect.objectContaining({
        netixlanId: 96001,
        ipv4Address: "195.66.226.250/32", // no IPv4 prefix for LINX among the bundled rows
        ipv6Address: "2001:7f8:4::fbf4:1/64",
        speed: 100_000,
        existingConnectionId: null,
      }),
      expect.objectContaining({ netixlanId: 96002, ipv6Address: null, operational: false }),
    ]);
    // AMS-IX exists already (linked above), and so does its connection.
    expect(ams.existingIxpId).not.toBeNull();
    expect(ams.connections[0]).toMatchObject({
      ipv4Address: "80.249.215.250/21",
      existingConnectionId: expect.any(Number),
    });
    expect(p).toMatchObject({ newIxps: 1, newConnections: 2 });

    // A clashing slug gets a suffix.
    await db.prisma.internetExchange.create({ data: { name: "Other", slug: "linx-lon1", localAsId: usId } });
    const done = await applyImport(db, p);
    expect(done.createdIxps).toEqual([expect.objectContaining({ name: "LINX LON1", slug: "linx-lon1-2" })]);
    expect(done).toMatchObject({ createdConnections: 2, skippedConnections: 1 });
    const created = await db.prisma.internetExchange.findUniqueOrThrow({
      where: { slug: "linx-lon1-2" },
      include: { connections: { orderBy: { id: "asc" } } },
    });
    expect(created).toMatchObject({ peeringdbIxId: 18, peeringdbIxlanId: 18, localAsId: usId });
    expect(
      created.connections.map((c) => [
        c.ipv4Address,
        c.ipv6Address,
        c.speed,
        c.status,
        c.peeringdbNetixlanId,
      ]),
    ).toEqual([
      ["195.66.226.250", "2001:7f8:4::fbf4:1/64", 100_000, "enabled", 96001], // PostgreSQL shows /32 as a bare host
      ["195.66.226.251", null, 10_000, "disabled", 96002],
    ]);

    const again = await proposeImport(db);
    expect(again).toMatchObject({ newIxps: 0, newConnections: 0 });
    expect(await applyImport(db, p)).toMatchObject({
      createdIxps: [],
      createdConnections: 0,
      skippedConnections: 3,
    });
    expect(slugify("DE-CIX Frankfurt")).toBe("de-cix-frankfurt");
    expect(slugify("Böblingen IX (BIX)")).toBe("boblingen-ix-bix");
  });

  it("refuses without an ASN of ours", async () => {
    await expect(proposeImport(db, [])).rejects.toThrow(/our ASN/);
  });
});

describe("lookups", () => {
  it("describes a network: policy, prefixes, AS-SET, contacts by role, exchanges and the ones we share", async () => {
    const info = await lookupNet(db, 6939);
    expect(info).not.toBeNull();
    expect(info!.name).toMatch(/Hurricane/);
    expect(Object.keys(info!.contacts)).toEqual(["Technical", "NOC"]);
    expect(info!.exchanges.length).toBeGreaterThan(20);
    const atLinx = info!.exchanges.find((e) => e.ixlanId === 18)!;
    expect(atLinx).toMatchObject({ ixName: "LINX LON1", ipv4: "195.66.224.21" });
    expect(atLinx.ourIxp?.slug).toBe("linx-lon1-2");
    expect(info!.sharedIxps.map((s) => s.slug)).toEqual(["linx-lon1-2"]); // HE is not at AMS-IX in these rows
    expect(await contactsByRole(db, 6939)).toEqual(info!.contacts);
    expect(await lookupNet(db, 4_200_000_001)).toBeNull();
  });

  it("finds an exchange by name or id", async () => {
    const [linx] = await lookupIx(db, "linx lon1");
    expect(linx).toMatchObject({ ixId: 18, name: "LINX LON1" });
    expect(linx!.ixlans[0]!.prefixes).toEqual(["2001:7f8:4::/64"]);
    expect(linx!.ports).toBeGreaterThan(50);
    expect(linx!.facilities.length).toBeGreaterThan(0);
    expect((await lookupIx(db, 26))[0]?.name).toBe("AMS-IX");
    expect((await lookupIx(db, "de-cix fra")).map((x) => x.ixId)).toEqual([31]); // its AKA
    expect((await lookupIx(db, "DE-CIX Frank")).map((x) => x.ixId)).toContain(31);
  });
});
