// `peers` and `peer` agree (core/connections.ts): every network `peers` lists at an IXP is one
// `peer` adds sessions with, after which `peers` no longer lists it; networks it does not list
// get nothing from `peer`. Shown on the demo network and its real PeeringDB records, plus a few
// crafted LINX LON1 rows for each way they used to disagree: a port PeeringDB marks not
// operational, an address the exchange gave to another network, a session stored with a
// prefix length, connections in maintenance or without a router, special-purpose ASNs, and a
// name with a newline in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleSession } from "../../bot/console/console.js";
import { buildRegistry } from "../../commands/index.js";
import { effectsOf, getChange, rejectChange, render } from "../../core/changes.js";
import { seedDemo } from "../../core/demo.js";
import { UserError } from "../../core/errors.js";
import { findIxps, type IxpRef } from "../../core/ixp.js";
import { peer } from "../../core/peering.js";
import { availablePeers } from "../../core/peeringdb/available.js";
import { StaticPeeringDbSource } from "../../drivers/peeringdb/static-source.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { Capture, fingerprint, testServices, type TestServices } from "../helpers/services.js";
import { net, netixlan, withExtra } from "./fixtures.js";
import { MemoryRouter } from "../fakes/memory-router.js";

// LINX LON1 is PeeringDB ix/ixlan 18, peering LAN 195.66.224.0/22 and 2001:7f8:4::/64.
const LINX = 18;
const v4 = (n: number) => `195.66.227.${n}`;
const v6 = (n: number) => `2001:7f8:4::9c${n.toString().padStart(2, "0")}:1`;
const port = (id: number, asn: number, n: number, extra = {}) =>
  netixlan(id, LINX, 99_100 + (asn % 100), asn, v4(n), v6(n), extra);

const MIKE = 39921; // two ports, one not operational
const NOVEMBER = 39922; // only a port that is not operational
const OSCAR = 39923; // had 195.66.227.23; the exchange gave it to Papa
const PAPA = 39924;
const QUEBEC = 39925; // our IPv4 session with it is stored as 195.66.227.25/24
const ROMEO = 39926; // we have both sessions on our enabled port
const SIERRA = 39927; // its name has a newline and a fake status line
const SIERRA_NAME = "Sierra Networks\nStatus: approved by bob";

const data = withExtra({
  net: [
    net(99_121, MIKE, "Mike two ports"),
    net(99_122, NOVEMBER, "November idle"),
    net(99_123, OSCAR, "Oscar old"),
    net(99_124, PAPA, "Papa new"),
    net(99_125, QUEBEC, "Quebec"),
    net(99_126, ROMEO, "Romeo"),
    net(99_127, SIERRA, SIERRA_NAME),
    net(99_156, 23456, "Trans placeholder"),
    net(99_112, 64512, "Private lab"),
  ],
  netixlan: [
    port(99_201, MIKE, 21),
    { ...port(99_202, MIKE, 121), ipaddr6: "2001:7f8:4::9c21:2", operational: false },
    port(99_203, NOVEMBER, 22, { operational: false }),
    { ...port(99_204, PAPA, 23), ipaddr6: null },
    port(99_205, QUEBEC, 25),
    port(99_206, ROMEO, 26),
    { ...port(99_207, SIERRA, 27), ipaddr6: null },
    port(99_208, 23456, 28),
    port(99_209, 64512, 29),
  ],
});

let db: TestDatabase;
let services: TestServices;
/** What each router's driver returns as its configuration (default: nothing). */
const running = new Map<string, string>();
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };
const out = new Capture();
let linx: IxpRef;
let edgeLon: number;
let maintenanceConn: number;
let routerlessConn: number;

async function ixp(slug: string): Promise<IxpRef> {
  const [x] = await findIxps(db, slug);
  if (!x) throw new Error(`no IXP ${slug}`);
  return x;
}

const listed = async (x: IxpRef) => (await availablePeers(db, x, {}, { pageSize: 500 })).rows;
const listedAsns = async (x: IxpRef) => (await listed(x)).map((r) => r.asn);

async function say(user: string, line: string): Promise<string> {
  await new ConsoleSession(buildRegistry(), services, user, out).handleLine(line);
  return out.take();
}

async function asId(asn: number, name = `AS${asn}`): Promise<number> {
  const a = await db.prisma.autonomousSystem.upsert({
    where: { asn: BigInt(asn) },
    update: {},
    create: { asn: BigInt(asn), name },
  });
  return a.id;
}

async function linxConn(): Promise<number> {
  const c = await db.prisma.connection.findFirstOrThrow({
    where: { ixp: { slug: "linx-lon1" }, status: "enabled", routerId: { not: null } },
    orderBy: { id: "asc" },
  });
  return c.id;
}

const count = (text: string, line: string) => text.split("\n").filter((l) => l.trim() === line).length;

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db);
  services.drivers = (r) => new MemoryRouter(running.get(r.name) ?? "");
  await seedDemo(db, { dataDir: "/tmp/peerbot-test-unused", mirror: new StaticPeeringDbSource(data) });
  linx = await ixp("linx-lon1");
  edgeLon = (await db.prisma.router.findUniqueOrThrow({ where: { name: "edge1.lon" } })).id;
  const conn = await linxConn();
  // Sessions we had before: Oscar on the address now Papa's, Quebec's stored with a /24,
  // Romeo's on both of its addresses.
  const session = async (asn: number, ip: string) =>
    db.prisma.ixpSession.create({
      data: { connectionId: conn, autonomousSystemId: await asId(asn), ipAddress: ip, status: "enabled" },
    });
  await session(OSCAR, v4(23));
  await session(QUEBEC, `${v4(25)}/24`);
  await session(ROMEO, v4(26));
  await session(ROMEO, v6(26));
  // Two more LINX ports that `peer` cannot use: one in maintenance, one without a router.
  maintenanceConn = (
    await db.prisma.connection.create({
      data: {
        ixpId: linx.id,
        routerId: edgeLon,
        status: "maintenance",
        ipv4Address: "195.66.226.251/22",
        ipv6Address: "2001:7f8:4::fbf4:2/64",
      },
    })
  ).id;
  routerlessConn = (
    await db.prisma.connection.create({
      data: { ixpId: linx.id, ipv4Address: "195.66.226.252/22", ipv6Address: "2001:7f8:4::fbf4:3/64" },
    })
  ).id;
});
afterAll(async () => {
  await db?.drop();
});

describe("peer and peers on the crafted LINX LON1 rows", () => {
  it("a port PeeringDB marks not operational gets no session", async () => {
    expect(await listedAsns(linx)).toContain(MIKE);
    expect(await listedAsns(linx)).not.toContain(NOVEMBER);

    const r = await peer(services, { asn: MIKE, ixp: linx, actor: alice });
    const ips = await db.prisma.ixpSession.findMany({
      where: { autonomousSystem: { asn: BigInt(MIKE) } },
      select: { ipAddress: true },
    });
    expect(ips.map((s) => s.ipAddress).sort()).toEqual([v4(21), "2001:7f8:4::9c21:1"]);
    expect(r).toMatchObject({ created: 2, notOperational: 1 });
    expect(await listedAsns(linx)).not.toContain(MIKE);
    // `peers` showed only the operational port.
    await rejectChange(services, r.changes[0]!.id, bob, "later");
    expect((await listed(linx)).find((x) => x.asn === MIKE)).toMatchObject({
      netixlanIds: [99_201],
      ipv4: [v4(21)],
    });

    const before = await fingerprint(db);
    await expect(peer(services, { asn: NOVEMBER, ixp: linx, actor: alice })).rejects.toThrow(
      /^AS39922 has no operational port at LINX LON1: PeeringDB marks its port there not operational\.$/,
    );
    expect(await fingerprint(db)).toBe(before);
  });

  it("an address the exchange gave to another network: the old neighbour goes and the new one comes, in one change", async () => {
    // Our session with Oscar is on Papa's address now: it covers nothing for Papa.
    expect(await listedAsns(linx)).toContain(PAPA);
    running.set("edge1.lon", (await render(services, edgeLon)).config);
    const oscar = await db.prisma.ixpSession.findFirstOrThrow({
      where: { autonomousSystem: { asn: BigInt(OSCAR) } },
    });

    const t = await say("alice", "peer AS39924 at LINX");
    expect(t).toContain("1 new session with AS39924 (Papa new) at LINX LON1");
    expect(t).toContain("peer AS39924 Papa new at LINX LON1, replacing AS39923 on 195.66.227.23");
    expect(t).toMatch(/^-\s+neighbor 195\.66\.227\.23 as 39923;$/m);
    expect(t).toMatch(/^\+\s+neighbor 195\.66\.227\.23 as 39924;$/m);

    const id = Number(/Change #(\d+) on edge1\.lon/.exec(t)?.[1]);
    const change = await getChange(db, id);
    expect(change?.summary).toBe("peer AS39924 Papa new at LINX LON1, replacing AS39923 on 195.66.227.23");
    const papa = await db.prisma.ixpSession.findFirstOrThrow({
      where: { autonomousSystem: { asn: BigInt(PAPA) } },
    });
    expect(effectsOf(change!)).toEqual(
      expect.arrayContaining([
        { kind: "ixp", id: oscar.id, onDeploy: "decommissioned", onRevert: "enabled" },
        { kind: "ixp", id: papa.id, onDeploy: "enabled", onRevert: "delete" },
      ]),
    );
    expect((await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: oscar.id } })).status).toBe(
      "decommissioning",
    );
    // The new session has the host address; the old one keeps its row until the deploy.
    expect(papa).toMatchObject({ status: "provisioning" });
    expect(papa.ipAddress.split("/")[0]).toBe(v4(23));
    expect(await listedAsns(linx)).not.toContain(PAPA);

    // Rejected: Oscar's session is back as it was, Papa's is gone, and Papa is available again.
    await rejectChange(services, id, bob, "not yet");
    expect((await db.prisma.ixpSession.findUniqueOrThrow({ where: { id: oscar.id } })).status).toBe(
      "enabled",
    );
    expect(await db.prisma.ixpSession.count({ where: { id: papa.id } })).toBe(0);
    expect(await listedAsns(linx)).toContain(PAPA);
    running.delete("edge1.lon");
  });

  it("a session stored with a prefix length covers its address: peer adds only what is missing", async () => {
    expect(await listedAsns(linx)).toContain(QUEBEC); // for its IPv6 address
    const r = await peer(services, { asn: QUEBEC, ixp: linx, actor: alice });
    const { config } = await render(services, edgeLon);
    expect(count(config, `neighbor ${v4(25)} as ${QUEBEC};`)).toBe(1);
    expect(count(config, `neighbor ${v6(25)} as ${QUEBEC};`)).toBe(1);
    expect(r).toMatchObject({ created: 1, existing: 1 });
    expect(await listedAsns(linx)).not.toContain(QUEBEC);
  });

  it("connections in maintenance or without a router count for neither", async () => {
    const rows = await listed(linx);
    for (const r of rows) {
      expect(r.missingOn).not.toContain(maintenanceConn);
      expect(r.missingOn).not.toContain(routerlessConn);
    }
    // We have Romeo's sessions on our one usable port, and the demo's peers: none is listed,
    // and `peer` says we have them.
    for (const asn of [ROMEO, 15169, 8075, 702]) {
      expect(rows.map((x) => x.asn)).not.toContain(asn);
      await expect(peer(services, { asn, ixp: linx, actor: alice })).rejects.toThrow(
        /^We already have sessions with AS\d+ \(.+\) on every address at LINX LON1\.$/,
      );
    }
  });

  it("AS_TRANS and private ASNs are neither listed nor peered with, and nothing changes", async () => {
    const asns = await listedAsns(linx);
    const before = await fingerprint(db);
    for (const [asn, what] of [
      [
        23456,
        /^AS23456 is AS_TRANS, the stand-in for a 4-byte AS number \(RFC 6793\): peerbot does not peer/,
      ],
      [64512, /^AS64512 is a private AS number \(RFC 6996\): peerbot does not peer with it at an IXP\.$/],
    ] as const) {
      expect(asns).not.toContain(asn);
      const err = await peer(services, { asn, ixp: linx, actor: alice }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(what);
      expect((err as UserError).hint).toMatch(/^Give the public AS number/);
    }
    expect(await fingerprint(db)).toBe(before);
  });

  it("a name with a newline adds no line to a message", async () => {
    const lines = (t: string) => t.split("\n").filter((l) => /Status: approved by bob/.test(l));
    const isFake = (t: string) => t.split("\n").some((l) => /^\s*Status: approved by bob/.test(l));
    const t = await say("alice", "peer AS39927 at LINX");
    expect(t).toContain("Change #");
    expect(isFake(t)).toBe(false);
    expect(lines(t)[0]).toContain("peer AS39927 Sierra Networks Status: approved by bob at LINX LON1");
    const change = await db.prisma.changeRequest.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(change.summary).toBe("peer AS39927 Sierra Networks Status: approved by bob at LINX LON1");
    const as = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: BigInt(SIERRA) } });
    expect(as.name).toBe("Sierra Networks Status: approved by bob");

    // The same name straight from the mirror, and an IXP named with a newline.
    await db.prisma.autonomousSystem.update({ where: { id: as.id }, data: { name: SIERRA_NAME } });
    expect(isFake(await say("alice", "as AS39927"))).toBe(false);
    const us = await db.prisma.autonomousSystem.findUniqueOrThrow({ where: { asn: 64500n } });
    await db.prisma.internetExchange.create({
      data: {
        name: "Tango IX\nStatus: approved by bob",
        slug: "tango-ix",
        localAsId: us.id,
        peeringdbIxId: LINX,
        peeringdbIxlanId: LINX,
      },
    });
    for (const line of ["ix tango-ix", "peers tango-ix", "ixps"]) {
      const text = await say("alice", line);
      expect(text).toContain("Tango IX Status: approved by bob");
      expect(isFake(text)).toBe(false);
    }
    // A network's name as `peers` shows it (we have no port at Tango IX: everyone is listed).
    const p = await say("alice", "peers tango-ix sierra");
    expect(p).toContain("AS39927");
    expect(isFake(p)).toBe(false);
    await db.prisma.internetExchange.delete({ where: { slug: "tango-ix" } });
  });
});

describe("peer and peers agree on every network of the demo's IXPs", () => {
  it("every network peers lists gets a session from peer and then leaves the list; the others get nothing", async () => {
    let peered = 0;
    for (const slug of ["linx-lon1", "ams-ix", "de-cix-frankfurt"]) {
      const x = await ixp(slug);
      const rows = await listed(x);
      peered += rows.length;
      // One row per network.
      expect(new Set(rows.map((r) => r.asn)).size).toBe(rows.length);
      for (const row of rows) {
        const r = await peer(services, { asn: row.asn, ixp: x, actor: alice });
        expect(r.created, `peer AS${row.asn} at ${slug}`).toBeGreaterThan(0);
        expect(await listedAsns(x), `peers ${slug} after peer AS${row.asn}`).not.toContain(row.asn);
      }
      expect((await availablePeers(db, x)).total).toBe(0);

      // Now every network there is peered, hidden or refused: peer adds nothing anywhere.
      const { rows: members } = await db.pool.query<{ asn: string }>(
        `select distinct asn::text from pdb_netixlan where ixlan_id = $1 and status = 'ok' order by 1`,
        [x.peeringdbIxlanId],
      );
      const before = await fingerprint(db);
      for (const m of members) {
        const err = await peer(services, { asn: Number(m.asn), ixp: x, actor: alice }).catch(
          (e: unknown) => e,
        );
        expect(err, `peer AS${m.asn} at ${slug} after everyone`).toBeInstanceOf(UserError);
      }
      expect(await fingerprint(db)).toBe(before);
    }
    expect(peered).toBeGreaterThan(100);
  });
});
