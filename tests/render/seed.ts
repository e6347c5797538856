// A small, hand-checkable peering world for the rendering tests: our AS 64500 (and 64501 at
// AMS-IX), Hurricane Electric, Cloudflare, the LINX route servers and Cogent as a transit,
// two IXPs, policies at every level, communities of every kind, and sessions in every status.
import type { SecretBox } from "../../core/crypto.js";
import type { Database } from "../../core/db.js";

export interface Shared {
  us: number;
  usAms: number;
  he: number;
  cf: number;
  rs: number;
  cogent: number;
  linx: number;
  ams: number;
  transit: number;
}

export async function seedShared(db: Database): Promise<Shared> {
  const p = db.prisma;
  const policy = (slug: string, kind: "import" | "export" | "import_export", extra: object = {}) =>
    p.routingPolicy.create({ data: { name: slug.replace(/-/g, " "), slug, kind, ...extra } });
  const peeringIn = await policy("peering-in", "import", { weight: 10 });
  const peeringOut = await policy("peering-out", "export");
  const strictIn = await policy("strict-in", "import", { weight: 50 });
  const v6Only = await policy("v6-only-in", "import", { addressFamily: "ipv6" });
  const transitIn = await policy("transit-in", "import");
  const transitOut = await policy("transit-out", "export");
  await policy("unused", "import_export");
  const linxTag = await p.community.create({
    data: { name: "Learned at LINX", slug: "linx-learned", value: "64500:1001" },
  });
  const heTag = await p.community.create({
    data: { name: "HE large", slug: "he-large", value: "64500:1:2", kind: "large" },
  });
  const rt = await p.community.create({
    data: { name: "RT", slug: "transit-rt", value: "rt:64500:100", kind: "extended" },
  });

  const us = await p.autonomousSystem.create({
    data: { asn: 64500n, name: "Example Networks", affiliated: true },
  });
  const usAms = await p.autonomousSystem.create({
    data: { asn: 64501n, name: "Example Amsterdam", affiliated: true },
  });
  const he = await p.autonomousSystem.create({
    data: {
      asn: 6939n,
      name: "Hurricane Electric",
      irrAsSet: "AS-HURRICANE",
      ipv4MaxPrefixes: 150000,
      ipv6MaxPrefixes: 100000,
      importPolicies: { connect: [{ id: strictIn.id }, { id: v6Only.id }] },
      communities: { connect: [{ id: heTag.id }] },
    },
  });
  const cf = await p.autonomousSystem.create({
    data: { asn: 13335n, name: "Cloudflare, Inc.", irrAsSet: "AS13335:AS-CLOUDFLARE", ipv4MaxPrefixes: 2000 },
  });
  const rs = await p.autonomousSystem.create({
    data: { asn: 8714n, name: "LINX Route Servers", ipv4MaxPrefixes: 200000 },
  });
  const cogent = await p.autonomousSystem.create({
    data: { asn: 174n, name: "Cogent", irrAsSet: "not an as-set!" },
  });
  const linx = await p.internetExchange.create({
    data: {
      name: "LINX LON1",
      slug: "linx-lon1",
      localAsId: us.id,
      importPolicies: { connect: [{ id: peeringIn.id }] },
      exportPolicies: { connect: [{ id: peeringOut.id }] },
      communities: { connect: [{ id: linxTag.id }] },
    },
  });
  const ams = await p.internetExchange.create({
    data: { name: "AMS-IX", slug: "ams-ix", localAsId: usAms.id },
  });
  const transit = await p.bgpGroup.create({
    data: {
      name: "Transit",
      slug: "transit",
      importPolicies: { connect: [{ id: transitIn.id }] },
      exportPolicies: { connect: [{ id: transitOut.id }] },
      communities: { connect: [{ id: rt.id }] },
    },
  });
  return {
    us: us.id,
    usAms: usAms.id,
    he: he.id,
    cf: cf.id,
    rs: rs.id,
    cogent: cogent.id,
    linx: linx.id,
    ams: ams.id,
    transit: transit.id,
  };
}

/** A router of `platform` with connections at both IXPs, IXP sessions and one direct session. */
export async function seedRouter(
  db: Database,
  s: Shared,
  platform: "junos" | "iosxr" | "eos" | "bird2" | "frr" | "file",
  box: SecretBox,
  opts: { name?: string; template?: string; octet?: number } = {},
): Promise<number> {
  const p = db.prisma;
  const n = opts.octet ?? 10;
  const router = await p.router.create({
    data: {
      name: opts.name ?? `edge-${platform}`,
      hostname: `${platform}.example.net`,
      platform,
      template: opts.template ?? "",
      localAsId: s.us,
    },
  });
  const linx = await p.connection.create({
    data: {
      ixpId: s.linx,
      routerId: router.id,
      ipv4Address: `195.66.224.${n}/22`,
      ipv6Address: `2001:7f8:4::fc00:${n}/64`,
    },
  });
  const ams = await p.connection.create({
    data: { ixpId: s.ams, routerId: router.id, ipv4Address: `80.249.208.${n}/21` },
  });
  const strict = await p.routingPolicy.findUniqueOrThrow({ where: { slug: "strict-in" } });
  const sess = (data: object) => p.ixpSession.create({ data: data as never });
  await sess({
    autonomousSystemId: s.he,
    connectionId: linx.id,
    ipAddress: "195.66.224.21",
    status: "enabled",
    passwordEnc: box.encrypt("s3cret-HE"),
  });
  await sess({
    autonomousSystemId: s.he,
    connectionId: linx.id,
    ipAddress: "2001:7f8:4::1b1b:1",
    status: "enabled",
  });
  await sess({
    autonomousSystemId: s.cf,
    connectionId: linx.id,
    ipAddress: "195.66.225.179",
    status: "disabled",
    importPolicies: { connect: [{ id: strict.id }] },
  });
  await sess({
    autonomousSystemId: s.cf,
    connectionId: linx.id,
    ipAddress: "2001:7f8:4::3417:1",
    status: "maintenance",
  });
  await sess({
    autonomousSystemId: s.rs,
    connectionId: linx.id,
    ipAddress: "195.66.225.222",
    status: "enabled",
    isRouteServer: true,
    bfd: true,
  });
  await sess({
    autonomousSystemId: s.cf,
    connectionId: linx.id,
    ipAddress: "195.66.226.1",
    status: "requested",
  });
  await sess({
    autonomousSystemId: s.cf,
    connectionId: linx.id,
    ipAddress: "195.66.226.2",
    status: "decommissioned",
  });
  await sess({
    autonomousSystemId: s.he,
    connectionId: ams.id,
    ipAddress: "80.249.209.150",
    status: "provisioning",
  });
  await p.directSession.create({
    data: {
      autonomousSystemId: s.cogent,
      routerId: router.id,
      bgpGroupId: s.transit,
      ipAddress: "38.1.1.1",
      localIpAddress: "38.1.1.2",
      relationship: "transit_provider",
      status: "enabled",
      multihopTtl: 2,
      passive: true,
    },
  });
  return router.id;
}
