// The render load: everything a router template needs in ONE database round trip, whatever
// the number of sessions. A single simple-protocol query string carries a read-only
// repeatable-read transaction (one snapshot for every statement) with nine SELECTs: the
// router, its connections, its IXP sessions, its direct sessions, every policy/community link
// of those objects, their autonomous systems, the policies, the communities, and the peers'
// IRR prefix lists when something on the router filters by IRR. Peering
// Manager loads the same data with lazy per-row queries (N+1); here the rows come back at
// once and the rest is plain JavaScript (context.ts).
//
// The statements are shaped by measurements on a 5,000-session router (tests/bench/render.bench.ts):
// - JIT off for the transaction (loadSql);
// - a session's status, three booleans and its IRR setting folded into one integer (flags);
// - empty comments sent as NULL, and the autonomous systems once per AS, not once per session;
// - the link query semi-joined branch by branch (linksSql).
// Change them only with the benchmark's figures before and after.
import type { Database } from "../db.js";
import { RENDERED_STATUSES } from "./contract.js";
import { RenderError } from "./escape.js";

const STATUSES = RENDERED_STATUSES.map((s) => `'${s}'`).join(",");

// ---------------------------------------------------------------------------
// Session flags
// ---------------------------------------------------------------------------

/**
 * A session's status, route-server, passive, BFD and IRR-filter columns folded into one
 * integer, so that each of 5,000 IXP session rows decodes one field instead of five (four for
 * a direct session, which has no route-server column): bit 0 route server, bit 1 passive,
 * bit 2 BFD, bits 3-4 the IRR filter (0 unset: the policies decide, 1 off, 2 on), bits 5+ the
 * index of the status in RENDERED_STATUSES. `t` is the session table's alias and
 * `routeServer` the SQL of the route-server bit (`false` for direct sessions).
 */
function flags(t: string, routeServer: string): string {
  return (
    // PostgreSQL gives | and << the same precedence, left to right: every shift is bracketed.
    `(${routeServer}::int | (${t}.passive::int << 1) | (${t}.bfd::int << 2) | ` +
    `(coalesce(${t}."irrFilter"::int + 1, 0) << 3) | ` +
    `((array_position(array[${STATUSES}], ${t}.status::text) - 1) << 5))`
  );
}

/** Bits of a session row's `f` (see flags()). */
export const F_RS = 1,
  F_PASSIVE = 2,
  F_BFD = 4;

/** The status folded into a session row's `f`. */
export function statusOf(f: number): (typeof RENDERED_STATUSES)[number] {
  return RENDERED_STATUSES[f >> 5] ?? "disabled";
}

/** The session's own IRR filter setting folded into `f`: null when its policies decide. */
export function irrOf(f: number): boolean | null {
  const v = (f >> 3) & 3;
  return v === 0 ? null : v === 2;
}

// ---------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------

// Link kinds: the `k` of a link row, in the order of the UNION in linksSql. Each owner
// (autonomous system, IXP, BGP group, IXP session, direct session) has three: import
// policies, export policies, communities.
export const AS_IMPORT = 0,
  AS_EXPORT = 1,
  AS_COMM = 2,
  IXP_IMPORT = 3,
  IXP_EXPORT = 4,
  IXP_COMM = 5,
  GRP_IMPORT = 6,
  GRP_EXPORT = 7,
  GRP_COMM = 8,
  IXS_IMPORT = 9,
  IXS_EXPORT = 10,
  IXS_COMM = 11,
  DS_IMPORT = 12,
  DS_EXPORT = 13,
  DS_COMM = 14;
/** How many link kinds there are (the kinds are 0 .. LINK_KINDS - 1). */
export const LINK_KINDS = 15;

/** The three link kinds of one owner: import policies, export policies, communities. */
export type LinkKinds = readonly [imports: number, exports: number, communities: number];
export const AS_LINKS: LinkKinds = [AS_IMPORT, AS_EXPORT, AS_COMM];
export const IXP_LINKS: LinkKinds = [IXP_IMPORT, IXP_EXPORT, IXP_COMM];
export const GROUP_LINKS: LinkKinds = [GRP_IMPORT, GRP_EXPORT, GRP_COMM];
export const IXP_SESSION_LINKS: LinkKinds = [IXS_IMPORT, IXS_EXPORT, IXS_COMM];
export const DIRECT_SESSION_LINKS: LinkKinds = [DS_IMPORT, DS_EXPORT, DS_COMM];

/**
 * Every policy and community link of the router's sessions, their autonomous systems, IXPs
 * and BGP groups, as (kind, owner, target) rows. Each branch semi-joins its link table to
 * the owners this router uses, which the planner makes a hash or nested-loop join: 6.5 ms on
 * the server for a 5,000-session router, against 8.0 ms when every branch filtered through
 * shared CTEs.
 */
function linksSql(id: string): string {
  const ixs = `c."routerId" = ${id} and s.status in (${STATUSES})`;
  const ds = `d."routerId" = ${id} and d.status in (${STATUSES})`;
  const ofAs = (t: string, o: string) =>
    `exists (select 1 from "IxpSession" s join "Connection" c on c.id = s."connectionId"
                      where s."autonomousSystemId" = ${t}."${o}" and ${ixs})
      or exists (select 1 from "DirectSession" d where d."autonomousSystemId" = ${t}."${o}" and ${ds})`;
  const ofIxp = (t: string, o: string) =>
    `${t}."${o}" in (select "ixpId" from "Connection" where "routerId" = ${id})`;
  const ofGroup = (t: string, o: string) =>
    `${t}."${o}" in (select d."bgpGroupId" from "DirectSession" d where ${ds})`;
  const ofIxs = (t: string, o: string) =>
    `${t}."${o}" in (select s.id from "IxpSession" s join "Connection" c on c.id = s."connectionId" where ${ixs})`;
  const ofDs = (t: string, o: string) => `${t}."${o}" in (select d.id from "DirectSession" d where ${ds})`;
  // Prisma names the two columns of an implicit many-to-many table A and B, in the models'
  // alphabetical order: the owner is B in the community tables of IXPs and sessions.
  const branch = (k: number, table: string, owner: "A" | "B", where: (t: string, o: string) => string) =>
    `select ${k} as k, l."${owner}" as o, l."${owner === "A" ? "B" : "A"}" as t from "${table}" l where ${where("l", owner)}`;
  return [
    branch(AS_IMPORT, "_AsImportPolicies", "A", ofAs),
    branch(AS_EXPORT, "_AsExportPolicies", "A", ofAs),
    branch(AS_COMM, "_AutonomousSystemToCommunity", "A", ofAs),
    branch(IXP_IMPORT, "_IxpImportPolicies", "A", ofIxp),
    branch(IXP_EXPORT, "_IxpExportPolicies", "A", ofIxp),
    branch(IXP_COMM, "_CommunityToInternetExchange", "B", ofIxp),
    branch(GRP_IMPORT, "_GroupImportPolicies", "A", ofGroup),
    branch(GRP_EXPORT, "_GroupExportPolicies", "A", ofGroup),
    branch(GRP_COMM, "_BgpGroupToCommunity", "A", ofGroup),
    branch(IXS_IMPORT, "_IxpSessionImportPolicies", "A", ofIxs),
    branch(IXS_EXPORT, "_IxpSessionExportPolicies", "A", ofIxs),
    branch(IXS_COMM, "_CommunityToIxpSession", "B", ofIxs),
    branch(DS_IMPORT, "_DirectSessionImportPolicies", "A", ofDs),
    branch(DS_EXPORT, "_DirectSessionExportPolicies", "A", ofDs),
    branch(DS_COMM, "_CommunityToDirectSession", "B", ofDs),
  ].join("\nunion all ");
}

/**
 * The IRR lists of the router's peers (core/irr), read only when something on this router
 * can use one: a policy filtering by IRR exists, or one of the router's sessions asks for it.
 * A list over the cap comes without its prefixes (it is never rendered).
 */
function irrSql(id: string, asIds: string): string {
  return `select l."autonomousSystemId" as "asId", l.family, l."fetchedAt" as at, l.stale, l."overCap" as over,
       case when l."overCap" then null else l.prefixes end as prefixes
  from "IrrPrefixList" l
 where l."autonomousSystemId" in (${asIds})
   and l.key = 'as:' || l."autonomousSystemId"
   and (exists (select 1 from "RoutingPolicy" where "irrFilter")
        or exists (select 1 from "IxpSession" s join "Connection" c on c.id = s."connectionId"
                    where c."routerId" = ${id} and s."irrFilter" and s.status in (${STATUSES}))
        or exists (select 1 from "DirectSession" d
                    where d."routerId" = ${id} and d."irrFilter" and d.status in (${STATUSES})))`;
}

// ---------------------------------------------------------------------------
// The round trip
// ---------------------------------------------------------------------------

/**
 * The whole load as one query string. Session rows carry only what differs per session: the
 * flags integer, `nullif(comments, '')` (most comments are empty, and the driver skips the
 * text decoding of a NULL) and the id of the autonomous system, whose columns come once per
 * AS in a statement of their own instead of once per session (a peer usually has one session
 * per address family).
 */
function loadSql(routerId: number): string {
  const id = String(routerId);
  const asIds = `select s."autonomousSystemId" from "IxpSession" s join "Connection" c on c.id = s."connectionId"
               where c."routerId" = ${id} and s.status in (${STATUSES})
              union
              select "autonomousSystemId" from "DirectSession" where "routerId" = ${id} and status in (${STATUSES})`;
  // JIT off: these are small, fast statements, but on tables PostgreSQL has not analysed yet
  // the planner can overestimate the link query past jit_above_cost, and compiling it took
  // 80-120 ms of a 30 ms render.
  return `begin isolation level repeatable read read only;
set local jit = off;
select r.id, r.name, r.hostname, r.platform::text as platform, r.status::text as status, r.template, r."bgpRouterId",
       a.asn::text as "localAsn", a.name as "localAsName"
  from "Router" r join "AutonomousSystem" a on a.id = r."localAsId" where r.id = ${id};
select c.id, c.name, host(c."ipv4Address") as v4, masklen(c."ipv4Address") as v4len,
       host(c."ipv6Address") as v6, masklen(c."ipv6Address") as v6len, c.vlan, c.status::text as status,
       c.comments, x.id as "ixpId", x.name as "ixpName", x.slug as "ixpSlug", x.status::text as "ixpStatus",
       x.comments as "ixpComments", la.asn::text as "ixpLocalAsn"
  from "Connection" c join "InternetExchange" x on x.id = c."ixpId"
  join "AutonomousSystem" la on la.id = x."localAsId"
 where c."routerId" = ${id};
select s.id, s."connectionId" as cid, host(s."ipAddress") as ip, ${flags("s", 's."isRouteServer"')} as f,
       s."passwordEnc" as pw, s."multihopTtl" as ttl, nullif(s.comments, '') as comments, s."autonomousSystemId" as "asId"
  from "IxpSession" s join "Connection" c on c.id = s."connectionId"
 where c."routerId" = ${id} and s.status in (${STATUSES});
select d.id, host(d."ipAddress") as ip, host(d."localIpAddress") as lip, d."localAsn"::text as lasn,
       d.relationship::text as rel, ${flags("d", "false")} as f, d."passwordEnc" as pw,
       nullif(d."passwordEnv", '') as pwenv, d."multihopTtl" as ttl,
       nullif(d.comments, '') as comments, d."autonomousSystemId" as "asId",
       g.id as "gId", g.name as "gName", g.slug as "gSlug", g.status::text as "gStatus", g.comments as "gComments"
  from "DirectSession" d left join "BgpGroup" g on g.id = d."bgpGroupId"
 where d."routerId" = ${id} and d.status in (${STATUSES});
${linksSql(id)};
select id, asn::text as asn, name, "irrAsSet", "ipv4MaxPrefixes" as mp4, "ipv6MaxPrefixes" as mp6, "irrEnabled" as "irrOn"
  from "AutonomousSystem"
 where id in (${asIds});
select id, name, slug, kind::text as kind, weight, "addressFamily"::text as af, comments,
       "irrFilter" as irr, "irrFallback"::text as fb
  from "RoutingPolicy";
select id, name, slug, value, kind::text as kind, direction::text as direction, comments from "Community";
${irrSql(id, asIds)};
commit;`;
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

export interface RouterRow {
  id: number;
  name: string;
  hostname: string;
  bgpRouterId: string;
  platform: string;
  status: string;
  template: string;
  localAsn: string;
  localAsName: string;
}
/** One of the router's connections, with its IXP. */
export interface ConnRow {
  id: number;
  name: string;
  v4: string | null;
  v4len: number | null;
  v6: string | null;
  v6len: number | null;
  vlan: number | null;
  status: string;
  comments: string;
  ixpId: number;
  ixpName: string;
  ixpSlug: string;
  ixpStatus: string;
  ixpComments: string;
  ixpLocalAsn: string;
}
export interface AsRow {
  id: number;
  asn: string;
  name: string;
  irrAsSet: string;
  mp4: number;
  mp6: number;
  /** False: the AS's IRR is turned off (its sessions get their policy's fallback). */
  irrOn: boolean;
}
/** The columns IXP and direct session rows share. */
export interface SessionRow {
  id: number;
  ip: string;
  /** Status and flags: see flags(). */
  f: number;
  pw: string | null;
  ttl: number | null;
  /** NULL when empty. */
  comments: string | null;
  asId: number;
}
export interface IxsRow extends SessionRow {
  cid: number;
}
/** A direct session, with its BGP group (all g* columns NULL when it has none). */
export interface DsRow extends SessionRow {
  /** The environment variable holding its TCP-MD5 password (NULL when none); wins over `pw`. */
  pwenv: string | null;
  lip: string | null;
  lasn: string | null;
  rel: string;
  gId: number | null;
  gName: string | null;
  gSlug: string | null;
  gStatus: string | null;
  gComments: string | null;
}
/** Owner `o` links to policy or community `t` with link kind `k`. */
export interface LinkRow {
  k: number;
  o: number;
  t: number;
}
export interface PolicyRow {
  id: number;
  name: string;
  slug: string;
  kind: string;
  weight: number;
  af: string;
  comments: string;
  /** Filter by IRR (import policies), and the fallback when the list cannot be used. */
  irr: boolean;
  fb: string;
}
export interface CommunityRow {
  id: number;
  name: string;
  slug: string;
  value: string;
  kind: string;
  direction: string;
  comments: string;
}

/** One peer's cached IRR list for one family (core/irr). */
export interface IrrRow {
  asId: number;
  family: number;
  /** When fetched; null: never. */
  at: Date | string | null;
  stale: boolean;
  over: boolean;
  /** bgpq4's JSON entries; null when over the cap. */
  prefixes: unknown;
}

/** The raw rows of one router, as the single round trip returns them. */
export interface RenderRows {
  router: RouterRow;
  connections: ConnRow[];
  ixpSessions: IxsRow[];
  directSessions: DsRow[];
  links: LinkRow[];
  /** The autonomous systems of those sessions, once each. */
  ases: AsRow[];
  policies: PolicyRow[];
  communities: CommunityRow[];
  /** The peers' IRR lists, when something here filters by IRR (else empty). */
  irr: IrrRow[];
}

/** One round trip; throws RenderError when the router does not exist. */
export async function loadRenderRows(db: Database, routerId: number): Promise<RenderRows> {
  if (!Number.isSafeInteger(routerId) || routerId <= 0)
    throw new RenderError(`no router has id ${String(routerId)}`);
  const client = await db.pool.connect();
  let results: { rows: unknown[] }[];
  try {
    const r = (await client.query(loadSql(routerId))) as unknown;
    results = r as { rows: unknown[] }[];
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  // [begin, set, router, connections, ixp sessions, direct sessions, links, ASes, policies, communities, IRR lists, commit]
  const router = results[2]!.rows[0] as RouterRow | undefined;
  if (!router) throw new RenderError(`no router has id ${routerId}`);
  return {
    router,
    connections: results[3]!.rows as ConnRow[],
    ixpSessions: results[4]!.rows as IxsRow[],
    directSessions: results[5]!.rows as DsRow[],
    links: results[6]!.rows as LinkRow[],
    ases: results[7]!.rows as AsRow[],
    policies: results[8]!.rows as PolicyRow[],
    communities: results[9]!.rows as CommunityRow[],
    irr: results[10]!.rows as IrrRow[],
  };
}
