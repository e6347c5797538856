// The demo network loaded by `peerbot seed-demo`: our AS 64500 with ports at LINX LON1,
// AMS-IX and DE-CIX Frankfurt, two routers, and a few sessions with real peers, all taken
// from the bundled PeeringDB records (prisma/seed/peeringdb). AS6939 is left unpeered at
// LINX LON1 on purpose: the walkthrough peers with it. Running it twice changes nothing.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Database } from "./db.js";
import { fromRoot } from "./paths.js";
import { asFromNet } from "./peering.js";
import { runSync } from "./peeringdb/sync.js";
import type { PeeringDbSource } from "./peeringdb/types.js";

export const DEMO_ASN = 64500;
export const seedDir = fromRoot("prisma", "seed", "peeringdb");

interface PdbIx {
  id: number;
  name: string;
}
interface PdbNet {
  id: number;
  asn: number;
  name: string;
  irr_as_set: string | null;
  info_prefixes4: number | null;
  info_prefixes6: number | null;
  policy_general: string | null;
}
interface PdbNetixlan {
  id: number;
  net_id: number;
  ix_id: number;
  ixlan_id: number;
  asn: number;
  ipaddr4: string | null;
  ipaddr6: string | null;
  speed: number;
  is_rs_peer: boolean;
}

export function readSeed<T>(type: string): T[] {
  const body = JSON.parse(readFileSync(path.join(seedDir, `${type}.json`), "utf8")) as { data: T[] };
  return body.data;
}

const IXPS = [
  {
    pdbIx: 18,
    slug: "linx-lon1",
    // LINX LON1's IPv4 peering LAN is not among the first 500 ixpfx rows; it is 195.66.224.0/22.
    extraPrefixes: ["195.66.224.0/22"],
    ours: { v4: "195.66.226.250/22", v6: "2001:7f8:4::fbf4:1/64", router: "edge1.lon", speed: 100_000 },
  },
  {
    pdbIx: 26,
    slug: "ams-ix",
    extraPrefixes: [],
    ours: { v4: "80.249.215.250/21", v6: "2001:7f8:1::a506:4500:1/64", router: "edge1.lon", speed: 10_000 },
  },
  {
    pdbIx: 31,
    slug: "de-cix-frankfurt",
    extraPrefixes: [],
    ours: { v4: "80.81.199.250/21", v6: "2001:7f8::fbf4:0:1/64", router: "edge1.fra", speed: 100_000 },
  },
];

/** Peers we already have sessions with: (PeeringDB ix id, ASN). */
const PEERED: [number, number][] = [
  [18, 15169],
  [18, 8075],
  [18, 702],
  [26, 3320],
  [31, 3303],
  [31, 13030],
  [31, 6939],
];

export interface SeedSummary {
  ixps: number;
  connections: number;
  routers: number;
  sessions: number;
  mirrorRows: number;
}

/**
 * Builds the demo network, then fills the PeeringDB mirror from `mirror` (the bundled
 * records, through drivers/peeringdb's StaticPeeringDbSource), so that `peers` and `peer`
 * work offline.
 */
export async function seedDemo(
  db: Database,
  opts: { dataDir: string; mirror: PeeringDbSource },
): Promise<SeedSummary> {
  const summary = await seedNetwork(db, opts);
  const report = await runSync(db, opts.mirror, undefined, { full: true });
  if (!report.ok)
    throw new Error(
      `loading the bundled PeeringDB records failed: ${report.types.find((t) => !t.ok)?.error}`,
    );
  return { ...summary, mirrorRows: report.types.reduce((n, t) => n + t.rows, 0) };
}

async function seedNetwork(
  db: Database,
  opts: { dataDir: string },
): Promise<Omit<SeedSummary, "mirrorRows">> {
  const ixRows = new Map(readSeed<PdbIx>("ix").map((r) => [r.id, r]));
  const ixlans = readSeed<{ id: number; ix_id: number }>("ixlan");
  const pfx = readSeed<{ ixlan_id: number; prefix: string; status: string }>("ixpfx");
  const nets = new Map(readSeed<PdbNet>("net").map((r) => [r.asn, r]));
  const netixlan = readSeed<PdbNetixlan>("netixlan");

  return db.prisma.$transaction(
    async (tx) => {
      const us = await tx.autonomousSystem.upsert({
        where: { asn: BigInt(DEMO_ASN) },
        update: {},
        create: {
          asn: BigInt(DEMO_ASN),
          name: "peerbot demo network",
          irrAsSet: "AS-PEERBOT-DEMO",
          ipv4MaxPrefixes: 10,
          ipv6MaxPrefixes: 5,
          generalPolicy: "Selective",
          affiliated: true,
          comments: "AS64500 is reserved for documentation (RFC 5398).",
        },
      });
      const importPolicy = await tx.routingPolicy.upsert({
        where: { slug: "import-peers" },
        update: {},
        create: { name: "import-peers", slug: "import-peers", kind: "import", weight: 100 },
      });
      const exportPolicy = await tx.routingPolicy.upsert({
        where: { slug: "export-own" },
        update: {},
        create: { name: "export-own", slug: "export-own", kind: "export", weight: 100 },
      });
      const community = await tx.community.upsert({
        where: { slug: "learned-at-ixp" },
        update: {},
        create: {
          name: "learned at IXP",
          slug: "learned-at-ixp",
          value: `${DEMO_ASN}:100`,
          kind: "standard",
        },
      });

      const routers = new Map<string, number>();
      for (const [name, platform, hostname] of [
        ["edge1.lon", "file", "edge1.lon.example.net"],
        ["edge1.fra", "junos", "edge1.fra.example.net"],
      ] as const) {
        const r = await tx.router.upsert({
          where: { name },
          update: {},
          create: {
            name,
            hostname,
            platform,
            localAsId: us.id,
            // The file router holds a BIRD 2 configuration (a file the demo can read and check).
            template: platform === "file" ? "bird2" : "",
            configPath: platform === "file" ? path.resolve(opts.dataDir, "configs", `${name}.conf`) : "",
            comments:
              platform === "file" ? "Writes its configuration to a file: deploys are safe to try." : "",
          },
        });
        routers.set(name, r.id);
      }

      let sessions = 0;
      const connections = new Map<number, number>();
      for (const spec of IXPS) {
        const ix = ixRows.get(spec.pdbIx);
        const ixlan = ixlans.find((l) => l.ix_id === spec.pdbIx);
        if (!ix || !ixlan) throw new Error(`the bundled PeeringDB data lacks ix ${spec.pdbIx}`);
        const prefixes = [
          ...spec.extraPrefixes,
          ...pfx.filter((p) => p.ixlan_id === ixlan.id && p.status === "ok").map((p) => p.prefix),
        ];
        const ixp = await tx.internetExchange.upsert({
          where: { slug: spec.slug },
          update: {},
          create: {
            name: ix.name,
            slug: spec.slug,
            peeringdbIxId: ix.id,
            peeringdbIxlanId: ixlan.id,
            localAsId: us.id,
            prefixes,
            importPolicies: { connect: [{ id: importPolicy.id }] },
            exportPolicies: { connect: [{ id: exportPolicy.id }] },
            communities: { connect: [{ id: community.id }] },
          },
        });
        let conn = await tx.connection.findFirst({ where: { ixpId: ixp.id } });
        conn ??= await tx.connection.create({
          data: {
            name: `${spec.ours.router} ${ix.name}`,
            ixpId: ixp.id,
            routerId: routers.get(spec.ours.router) ?? null,
            ipv4Address: spec.ours.v4,
            ipv6Address: spec.ours.v6,
            speed: spec.ours.speed,
          },
        });
        connections.set(spec.pdbIx, conn.id);
      }

      for (const [ixId, asn] of PEERED) {
        const net = nets.get(asn);
        if (!net) throw new Error(`the bundled PeeringDB data lacks AS${asn}`);
        const peer = await tx.autonomousSystem.upsert({
          where: { asn: BigInt(asn) },
          update: {},
          create: asFromNet(asn, net),
        });
        const connectionId = connections.get(ixId) as number;
        for (const row of netixlan.filter((n) => n.ix_id === ixId && n.asn === asn)) {
          for (const ip of [row.ipaddr4, row.ipaddr6]) {
            if (!ip) continue;
            await tx.ixpSession.upsert({
              where: { connectionId_ipAddress: { connectionId, ipAddress: ip } },
              update: {},
              create: {
                autonomousSystemId: peer.id,
                connectionId,
                ipAddress: ip,
                isRouteServer: false,
                status: "enabled",
              },
            });
            sessions++;
          }
        }
      }
      return { ixps: IXPS.length, connections: connections.size, routers: routers.size, sessions };
    },
    { timeout: 60_000 },
  );
}
