// `peer rs at <IXP>` on the demo network, through the console: route servers from the IXP's
// IX-API snapshot (LINX LON1, on the BIRD 2 router edge1.lon) and from the PeeringDB mirror when
// there is none (DE-CIX Frankfurt's AS6695, on the Junos router edge1.fra); the pending change
// with its route-server sessions and what it renders; no route server known; no duplicates.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IxApiPass } from "../../core/ixapi/port.js";
import { routeServersOf } from "../../core/ixapi/route-servers.js";
import { createChat, newChange, sayRefused, type Chat } from "../helpers/chat.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;
let chat: Chat;
let dataDir: string;
let endpointId: number;
const say = (user: string, line: string) => chat.say(user, line);

const RS1 = { v4: "195.66.224.251", v6: "2001:7f8:4::222e:1" };
const RS2 = { v4: "195.66.224.252", v6: "2001:7f8:4::222e:2" };

/** An IX-API pass of LINX's endpoint: two route servers of our service, and what must be left out. */
function linxPass(): IxApiPass {
  const feature = (id: string, extra: Record<string, unknown>) => ({
    id,
    type: "route_server",
    network_service: "ns-linx-lon1",
    asn: 8714,
    address_families: ["af_inet", "af_inet6"],
    session_mode: "public",
    ...extra,
  });
  return {
    accountId: "acc-1",
    configs: [],
    services: [{ id: "ns-linx-lon1", type: "exchange_lan", name: "LON1", peeringdb_ixid: 18 }],
    features: [
      feature("rs1", {
        name: "LINX LON1 RS1\nsecond line",
        fqdn: "rs1.lon1.linx.net",
        ip_v4: RS1.v4,
        ip_v6: RS1.v6,
      }),
      feature("rs2", {
        name: "LINX LON1 RS2",
        fqdn: "rs2.lon1.linx.net",
        ip_v4: RS2.v4,
        ip_v6: "2001:7F8:4:0::222E:2",
      }),
      // A route collector, another exchange's route server, a private ASN, no usable address.
      feature("rc", { name: "collector", session_mode: "collector", ip_v4: "195.66.224.253" }),
      feature("other", { network_service: "ns-other", ip_v4: "195.66.224.254" }),
      feature("private", { asn: 64512, ip_v4: "195.66.224.250" }),
      feature("bad", { ip_v4: "not-an-address", ip_v6: "195.66.224.249" }),
      { id: "ix", type: "ixp_specific", network_service: "ns-linx-lon1" },
    ] as IxApiPass["features"],
    ips: [],
    macs: [],
    fetchedAt: "2026-12-01T10:00:00Z",
    requests: 5,
  };
}

const ixp = (slug: string) => db.prisma.internetExchange.findUniqueOrThrow({ where: { slug } });

async function rsSessions(slug: string) {
  return db.prisma.ixpSession.findMany({
    where: { connection: { ixp: { slug } }, isRouteServer: true },
    include: { autonomousSystem: true },
    orderBy: { ipAddress: "asc" },
  });
}

const changeDiff = async (id: number) =>
  (await db.prisma.changeRequest.findUniqueOrThrow({ where: { id }, select: { diff: true } })).diff;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-peer-rs-"));
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db, {}, dataDir);
  chat = createChat(services);
  await seedDemoDb(db, dataDir);
  // edge1.fra renders Junos into a file (as the demo's edge1.lon renders BIRD 2), so that a
  // change can read and diff it here.
  await db.prisma.router.update({
    where: { name: "edge1.fra" },
    data: {
      platform: "file",
      template: "junos",
      configPath: path.join(dataDir, "configs", "edge1.fra.conf"),
    },
  });
  const endpoint = await db.prisma.ixApiEndpoint.create({
    data: { name: "linx", url: "https://api.linx.example/api/v2" },
  });
  endpointId = endpoint.id;
  await db.prisma.ixApiSnapshot.create({
    data: {
      endpointId,
      fetchedAt: new Date("2026-12-01T10:00:00Z"),
      data: JSON.parse(JSON.stringify(linxPass())) as object,
      requests: 5,
    },
  });
  await db.prisma.internetExchange.update({
    where: { slug: "linx-lon1" },
    data: { ixapiEndpointId: endpointId, ixapiServiceId: "ns-linx-lon1" },
  });
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("route servers of an IXP", () => {
  it("come from the IX-API snapshot: our service's route_server features, checked and clipped", async () => {
    const got = await routeServersOf(db, await ixp("linx-lon1"));
    expect(got).toEqual([
      {
        asn: 8714,
        name: "LINX LON1 RS1 second line",
        fqdn: "rs1.lon1.linx.net",
        addresses: [RS1.v4, RS1.v6],
        source: "ix-api",
      },
      {
        asn: 8714,
        name: "LINX LON1 RS2",
        fqdn: "rs2.lon1.linx.net",
        addresses: [RS2.v4, RS2.v6],
        source: "ix-api",
      },
    ]);
  });

  it("match the IXP's exchange-LAN service by PeeringDB ix id when it is not linked to one", async () => {
    const x = await ixp("linx-lon1");
    const got = await routeServersOf(db, { ...x, ixapiServiceId: "" });
    expect(got.map((r) => r.addresses[0])).toEqual([RS1.v4, RS2.v4]);
  });

  it("come from PeeringDB's route-server networks when there is no snapshot", async () => {
    const got = await routeServersOf(db, await ixp("de-cix-frankfurt"));
    expect(got.map((r) => [r.asn, r.source, r.addresses.join(" ")])).toEqual([
      [6695, "peeringdb", "80.81.192.157 2001:7f8::1a27:5051:c09d"],
      [6695, "peeringdb", "80.81.193.157 2001:7f8::1a27:5051:c19d"],
    ]);
    expect(got[0]!.name).toBe("DE-CIX Frankfurt Route Servers");
  });
});

describe("peer rs at <IXP>", () => {
  it("is in help", async () => {
    expect(await say("alice", "help peer")).toContain("peer <AS>|rs at <IXP>");
    expect(await say("alice", "help")).toContain("peer <AS>|rs at <IXP>");
  });

  it("makes a pending change with the IX-API's route servers, rendered for BIRD", async () => {
    const t = await say("alice", "peer rs at LINX");
    expect(t).toContain(
      "4 new route-server sessions with AS8714 (LINX LON1 RS1 second line) at LINX LON1 (route servers from the IX-API), in provisioning.",
    );
    const id = newChange(t);
    const change = await db.prisma.changeRequest.findUniqueOrThrow({
      where: { id },
      include: { router: true },
    });
    expect(change.status).toBe("pending");
    expect(change.router?.name).toBe("edge1.lon");
    expect(change.summary).toBe("peer rs AS8714 LINX LON1 RS1 second line at LINX LON1");
    const sessions = await rsSessions("linx-lon1");
    expect(sessions.map((s) => [s.ipAddress, s.status, s.autonomousSystem.asn])).toEqual([
      [RS1.v4, "provisioning", 8714n],
      [RS2.v4, "provisioning", 8714n],
      [RS1.v6, "provisioning", 8714n],
      [RS2.v6, "provisioning", 8714n],
    ]);
    const diff = await changeDiff(id);
    expect(diff).toMatch(/^\+template bgp pb_linx_lon1_rs_v4 \{$/m);
    expect(diff).toMatch(/^\+template bgp pb_linx_lon1_rs_v6 \{$/m);
    for (const ip of [RS1.v4, RS2.v4, RS1.v6, RS2.v6]) expect(diff).toContain(`+  neighbor ${ip} as 8714;`);
    expect(diff).toContain('+  description "AS8714 LINX LON1 RS1 second line (route server)";');
    // Nothing else was peered: no address of the collector, another service or a private ASN.
    expect(diff).not.toMatch(/195\.66\.224\.(249|250|253|254)/);
  });

  it("does not duplicate sessions that exist: a second run says so in one sentence", async () => {
    await sayRefused(
      chat,
      db,
      "alice",
      "peer rs at LINX",
      /^We already have sessions with every address of the route servers at LINX LON1\.\n/,
    );
    await sayRefused(
      chat,
      db,
      "alice",
      "peer rs at LINX ipv6",
      /^We already have sessions with every IPv6 address of the route servers at LINX LON1\./,
    );
    expect(await rsSessions("linx-lon1")).toHaveLength(4);
  });

  it("falls back to PeeringDB without a snapshot, on a Junos router named with `on`, one family", async () => {
    const t = await say("alice", "peer rs at de-cix on edge1.fra v4");
    expect(t).toContain(
      "2 new route-server sessions with AS6695 (DE-CIX Frankfurt Route Servers) at DE-CIX Frankfurt (route servers from PeeringDB), in provisioning.",
    );
    const id = newChange(t);
    const sessions = await rsSessions("de-cix-frankfurt");
    expect(sessions.map((s) => s.ipAddress)).toEqual(["80.81.192.157", "80.81.193.157"]);
    const diff = await changeDiff(id);
    expect(diff).toContain("+        group pb-de-cix-frankfurt-rs-v4 {");
    expect(diff).toContain('+            description "DE-CIX Frankfurt route servers IPv4";');
    for (const ip of ["80.81.192.157", "80.81.193.157"]) {
      expect(diff).toContain(`+            neighbor ${ip} {`);
    }
    expect(diff).toContain(
      '+                description "AS6695 DE-CIX Frankfurt Route Servers (route server)";',
    );
    expect(diff.match(/^\+ {16}peer-as 6695;$/gm)).toHaveLength(2);
    expect(diff).not.toContain("2001:7f8::1a27:5051:c09d");
    // The IPv6 ones come in a change of their own later; the IPv4 ones are not taken twice.
    const v6 = await say("alice", "peer rs at de-cix-frankfurt");
    expect(v6).toContain("2 new route-server sessions with AS6695");
    expect(v6).toContain("2 already existed");
  });

  it("answers one sentence with a hint when no route server is known, and creates nothing", async () => {
    await sayRefused(
      chat,
      db,
      "alice",
      "peer rs at AMS-IX",
      /^peerbot knows no route server at AMS-IX: the IXP has no IX-API endpoint and the PeeringDB mirror lists one\.\n`sync` refreshes the PeeringDB mirror\./,
    );
    // With an endpoint whose snapshot lists none for it, the hint names `ixapi refresh`.
    await db.prisma.internetExchange.update({
      where: { slug: "ams-ix" },
      data: { ixapiEndpointId: endpointId },
    });
    await sayRefused(
      chat,
      db,
      "alice",
      "peer rs at ams-ix",
      /^peerbot knows no route server at AMS-IX: neither its IX-API snapshot nor the PeeringDB mirror lists one\.\n`ixapi refresh ams-ix` fetches the exchange's IX-API again; `sync` refreshes the PeeringDB mirror\./,
    );
  });

  it("keeps `peer <AS>` as it was, and refuses a word that is neither an ASN nor rs", async () => {
    await sayRefused(chat, db, "alice", "peer AS64512 at LINX", /^AS64512 is a private AS number/);
    await sayRefused(
      chat,
      db,
      "alice",
      "peer rsx at LINX",
      /^"rsx" is not an AS number; write it as AS6939 or 6939\./,
    );
    await sayRefused(chat, db, "alice", "peer rs at LINX v4 ipv6", /^Say v4 or v6, not both/);
  });
});
