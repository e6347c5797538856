// `policies`, `communities`, `groups`: each object with where it is attached (Peering Manager's
// levels: autonomous system, IXP, BGP group, IXP or direct session), in one query per listing.
import type { Database, Prisma } from "../db.js";
import type { Tx } from "../history.js";
import { singleLine } from "../text.js";

export type ObjectKind = "policy" | "community" | "group";

/** Sessions named one by one up to this many; beyond, counted. */
const SESSIONS_NAMED = 3;

const AS = { select: { asn: true } } as const;
const IXP = { select: { name: true } } as const;
const GROUP = { select: { slug: true } } as const;
const IXS = {
  select: { ipAddress: true, connection: { select: { ixp: { select: { name: true } } } } },
} as const;
const DS = { select: { ipAddress: true, router: { select: { name: true } } } } as const;

const POLICY_LINKS = {
  asImport: AS,
  asExport: AS,
  ixpImport: IXP,
  ixpExport: IXP,
  groupImport: GROUP,
  groupExport: GROUP,
  ixpSessImport: IXS,
  ixpSessExport: IXS,
  directSessImport: DS,
  directSessExport: DS,
} as const satisfies Prisma.RoutingPolicyInclude;

const COMMUNITY_LINKS = {
  autonomousSystems: AS,
  internetExchanges: IXP,
  bgpGroups: GROUP,
  ixpSessions: IXS,
  directSessions: DS,
} as const satisfies Prisma.CommunityInclude;

const host = (ip: string) => ip.replace(/\/\d+$/, "");
const asLabel = (a: { asn: bigint }) => `AS${a.asn}`;
const ixpLabel = (x: { name: string }) => singleLine(x.name, 60);
const groupLabel = (g: { slug: string }) => `group ${g.slug}`;
const ixsLabel = (s: { ipAddress: string; connection: { ixp: { name: string } } }) =>
  `session ${singleLine(s.connection.ixp.name, 60)} ${host(s.ipAddress)}`;
const dsLabel = (s: { ipAddress: string; router: { name: string } | null }) =>
  `session ${s.router?.name ?? "(no router)"} ${host(s.ipAddress)}`;

/** Owner labels in a stable order, each with the directions it has the object in. */
class Where {
  private readonly owners = new Map<string, Set<string>>();
  private sessions = 0;
  private readonly sessionLabels: string[] = [];

  add(label: string, dir?: string, session = false): void {
    let dirs = this.owners.get(label);
    if (!dirs) {
      this.owners.set(label, (dirs = new Set()));
      if (session) {
        this.sessions++;
        this.sessionLabels.push(label);
      }
    }
    if (dir) dirs.add(dir);
  }

  list(): string[] {
    const out: string[] = [];
    const many = this.sessions > SESSIONS_NAMED;
    for (const [label, dirs] of this.owners) {
      if (many && this.sessionLabels.includes(label)) continue;
      out.push(dirs.size ? `${label} (${[...dirs].join(", ")})` : label);
    }
    if (many) out.push(`${this.sessions} sessions`);
    return out;
  }
}

type PolicyWithLinks = Prisma.RoutingPolicyGetPayload<{ include: typeof POLICY_LINKS }>;
type CommunityWithLinks = Prisma.CommunityGetPayload<{ include: typeof COMMUNITY_LINKS }>;

function policyWhere(p: PolicyWithLinks): string[] {
  const w = new Where();
  for (const [dir, as, ixp, grp, ixs, ds] of [
    ["import", p.asImport, p.ixpImport, p.groupImport, p.ixpSessImport, p.directSessImport],
    ["export", p.asExport, p.ixpExport, p.groupExport, p.ixpSessExport, p.directSessExport],
  ] as const) {
    for (const a of as) w.add(asLabel(a), dir);
    for (const x of ixp) w.add(ixpLabel(x), dir);
    for (const g of grp) w.add(groupLabel(g), dir);
    for (const s of ixs) w.add(ixsLabel(s), dir, true);
    for (const s of ds) w.add(dsLabel(s), dir, true);
  }
  return w.list();
}

function communityWhere(c: CommunityWithLinks): string[] {
  const w = new Where();
  for (const a of c.autonomousSystems) w.add(asLabel(a));
  for (const x of c.internetExchanges) w.add(ixpLabel(x));
  for (const g of c.bgpGroups) w.add(groupLabel(g));
  for (const s of c.ixpSessions) w.add(ixsLabel(s), undefined, true);
  for (const s of c.directSessions) w.add(dsLabel(s), undefined, true);
  return w.list();
}

/**
 * Where one object is attached (for a group: the sessions in it), for a refusal to remove it.
 * One relation per query: inside a transaction, Prisma's parallel relation loads would overlap
 * on the transaction's one connection.
 */
export async function attachmentsOf(tx: Tx, kind: ObjectKind, id: number): Promise<string[]> {
  if (kind === "policy") {
    const p: Record<string, unknown> = {};
    for (const k of Object.keys(POLICY_LINKS) as (keyof typeof POLICY_LINKS)[]) {
      const select = { [k]: POLICY_LINKS[k] } as Prisma.RoutingPolicySelect;
      p[k] = (
        (await tx.routingPolicy.findUniqueOrThrow({ where: { id }, select })) as Record<string, unknown>
      )[k];
    }
    return policyWhere(p as PolicyWithLinks);
  }
  if (kind === "community") {
    const c: Record<string, unknown> = {};
    for (const k of Object.keys(COMMUNITY_LINKS) as (keyof typeof COMMUNITY_LINKS)[]) {
      const select = { [k]: COMMUNITY_LINKS[k] } as Prisma.CommunitySelect;
      c[k] = ((await tx.community.findUniqueOrThrow({ where: { id }, select })) as Record<string, unknown>)[
        k
      ];
    }
    return communityWhere(c as CommunityWithLinks);
  }
  const n = await tx.directSession.count({ where: { bgpGroupId: id, status: { not: "decommissioned" } } });
  return n ? [`${n} direct session${n === 1 ? "" : "s"}`] : [];
}

export async function listPolicies(db: Database) {
  const rows = await db.prisma.routingPolicy.findMany({
    orderBy: [{ weight: "desc" }, { slug: "asc" }],
    include: POLICY_LINKS,
  });
  return rows.map((p) => ({
    slug: p.slug,
    name: singleLine(p.name, 60),
    kind: p.kind,
    family: p.addressFamily,
    weight: p.weight,
    attached: policyWhere(p),
  }));
}

export async function listCommunities(db: Database) {
  const rows = await db.prisma.community.findMany({ orderBy: { slug: "asc" }, include: COMMUNITY_LINKS });
  return rows.map((c) => ({
    slug: c.slug,
    name: singleLine(c.name, 60),
    kind: c.kind,
    value: c.value,
    direction: c.direction,
    attached: communityWhere(c),
  }));
}

export async function listGroups(db: Database) {
  const rows = await db.prisma.bgpGroup.findMany({
    orderBy: { slug: "asc" },
    include: {
      importPolicies: { select: { slug: true } },
      exportPolicies: { select: { slug: true } },
      communities: { select: { slug: true } },
      directSessions: {
        where: { status: { not: "decommissioned" } },
        select: { router: { select: { name: true } } },
      },
    },
  });
  return rows.map((g) => ({
    slug: g.slug,
    name: singleLine(g.name, 60),
    status: g.status,
    description: singleLine(g.comments, 80),
    importPolicies: g.importPolicies.map((p) => p.slug),
    exportPolicies: g.exportPolicies.map((p) => p.slug),
    communities: g.communities.map((c) => c.slug),
    sessions: g.directSessions.length,
    routers: [...new Set(g.directSessions.map((d) => d.router?.name).filter((n): n is string => !!n))].sort(),
  }));
}
