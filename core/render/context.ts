// Everything a router template needs, loaded in ONE round trip whatever the number of
// sessions: a single simple-protocol query string carrying a read-only repeatable-read
// transaction (JIT off) with eight SELECTs: router, connections, IXP sessions, direct
// sessions, every policy/community link of those objects, their autonomous systems,
// policies, communities. Peering Manager loads the same data with lazy per-row queries;
// here the work after the round trip is plain JavaScript.
//
// Every value that reaches a template is validated or escaped here, once, for the router's
// dialect: text through safeText, identifiers through identifier(), numbers range-checked,
// addresses parsed. Sessions in `requested`, `decommissioning` or `decommissioned` are left
// out; `disabled` and `maintenance` ones (or whose connection, IXP or BGP group is) are
// rendered with `shutdown: true`.
import { createHash } from "node:crypto";
import type { SecretBox } from "../crypto.js";
import type { Database } from "../db.js";
import {
  asSets,
  birdSymbol,
  checkPassword,
  dialectFor,
  identifier,
  parseCommunity,
  RenderError,
  safeText,
  shortIdent,
  type CommunityKind,
  type Dialect,
} from "./escape.js";
import { parseIp, type Family } from "./ip.js";

export type EffectiveStatus = "enabled" | "maintenance" | "disabled";
export type Direction = "import" | "export";
export type Afi = "ipv4" | "ipv6";

/** Session statuses that are rendered; the others are left out of the configuration. */
export const RENDERED_STATUSES = ["provisioning", "enabled", "maintenance", "disabled"] as const;

export interface PolicyContext {
  id: number;
  name: string;
  /** The identifier the router knows the policy by (route-map, policy-statement, RPL name). */
  slug: string;
  /** BIRD function the main bird.conf defines for this policy: `policy_<slug with _>`. */
  symbol: string;
  kind: "import" | "export" | "import_export";
  weight: number;
  addressFamily: "all" | "ipv4" | "ipv6";
  comments: string;
}

export interface CommunityContext {
  id: number;
  name: string;
  slug: string;
  kind: CommunityKind;
  /** ingress: added to routes we receive (import); egress: added to routes we send (export). */
  direction: "ingress" | "egress";
  /** Canonical value: `64500:1`, `64500:1:2`, `rt 64500:100`. */
  value: string;
  /** Value without the extended type: `64500:100`. */
  plainValue: string;
  extType: "rt" | "soo" | null;
  bird: string;
  /** BIRD statement adding it: `bgp_community.add((64500,1))`. */
  birdAdd: string;
  junos: string;
  /** Name peerbot gives its own Junos community / tagging policy: `pb-<slug>`. */
  junosName: string;
  comments: string;
}

export interface ChainEntry {
  seq: number;
  /** The next entry's sequence number, or null on the last entry. */
  next: number | null;
  policy: PolicyContext | null;
  /** This entry sets the chain's communities. */
  communities: boolean;
}

/**
 * The policies (and communities) one session applies in one direction, merged session -> AS
 * -> IXP/BGP group (Peering Manager's order), filtered by family and kind, de-duplicated.
 * Sessions with the same chain share one object.
 */
export interface ChainContext {
  key: string;
  direction: Direction;
  /** What the session references: `pb-deny`, the single policy's slug, or `pb-in-<hash>`. */
  name: string;
  policies: PolicyContext[];
  communities: CommunityContext[];
  /** No policy at all: everything is refused in this direction (RFC 8212). */
  deny: boolean;
  /** The chain needs a definition of its own (FRR/EOS route-map, IOS-XR route-policy). */
  generated: boolean;
  entries: ChainEntry[];
  standard: string[];
  large: string[];
  rt: string[];
  soo: string[];
  /** BIRD: the named filter peerbot defines for this chain (`pb_in_<hash>`), or null when it refuses all. */
  birdName: string | null;
  /** BIRD channel statement argument: `none` or `filter pb_in_<hash>`. */
  bird: string;
  /** Junos `import [ ... ]` / `export [ ... ]` list, and the same joined with spaces. */
  junosList: string[];
  junos: string;
}

export interface ConnectionContext {
  id: number;
  name: string;
  ipv4Address: string | null;
  /** Our address with its prefix length, e.g. 195.66.224.10/22. */
  ipv4Prefix: string | null;
  ipv6Address: string | null;
  ipv6Prefix: string | null;
  vlan: number | null;
  status: EffectiveStatus;
  comments: string;
}

export interface PeerContext {
  id: number;
  asn: number;
  name: string;
  /** First valid AS-SET of PeeringDB's irr_as_set, or "" (invalid ones are dropped with a warning). */
  irrAsSet: string;
  irrAsSets: string[];
  ipv4MaxPrefixes: number;
  ipv6MaxPrefixes: number;
}

export interface BgpGroupInfo {
  id: number;
  name: string;
  slug: string;
  status: EffectiveStatus;
  comments: string;
}

export interface IxpContext {
  id: number;
  name: string;
  slug: string;
  status: EffectiveStatus;
  localAsn: number;
  connections: ConnectionContext[];
  groups: GroupContext[];
  sessions: SessionContext[];
  importPolicies: PolicyContext[];
  exportPolicies: PolicyContext[];
  communities: CommunityContext[];
  comments: string;
}

/** Sessions of one IXP (or BGP group) and one address family. */
export interface GroupContext {
  key: string;
  kind: "ixp" | "direct";
  /** The group holds the IXP's route-server sessions (they get a group of their own). */
  routeServer: boolean;
  /** Router-side group name: `pb-<ixp or group slug>-v4`, `pb-direct-v6`. */
  name: string;
  /** BIRD template name: `pb_<slug>_v4`. */
  symbol: string;
  family: Family;
  afi: Afi;
  /** Junos family name: `inet` or `inet6`. */
  inet: "inet" | "inet6";
  description: string;
  ixp: IxpContext | null;
  bgpGroup: BgpGroupInfo | null;
  /** Shared by every session of the group, else null (then each session carries its own). */
  localAddress: string | null;
  localAsn: number;
  sessions: SessionContext[];
}

export interface SessionContext {
  id: number;
  kind: "ixp" | "direct";
  key: string;
  family: Family;
  afi: Afi;
  address: string;
  peer: PeerContext;
  remoteAsn: number;
  /** `AS6939 Hurricane Electric`, escaped for the dialect. */
  description: string;
  maxPrefixes: number;
  status: string;
  effectiveStatus: EffectiveStatus;
  shutdown: boolean;
  isRouteServer: boolean;
  multihopTtl: number | null;
  passive: boolean;
  bfd: boolean;
  /** Plaintext TCP-MD5 password (validated), or null. Never log a context. */
  password: string | null;
  localAsn: number;
  /** The session's local AS differs from the router's. */
  localAsOverride: boolean;
  /** The local AS when it differs from the group's (to state on the neighbor), else null. */
  ownLocalAsn: number | null;
  localAddress: string | null;
  /** The local address when the group has none of its own (to state on the neighbor), else null. */
  ownLocalAddress: string | null;
  /** Junos family name: `inet` or `inet6`. */
  inet: "inet" | "inet6";
  relationship: string | null;
  comments: string;
  importPolicies: PolicyContext[];
  exportPolicies: PolicyContext[];
  communities: CommunityContext[];
  importChain: ChainContext;
  exportChain: ChainContext;
  /** BIRD protocol name: `pb_<ixp>_as<asn>_i<id>` / `pb_<group>_as<asn>_d<id>`. */
  symbol: string;
  group: GroupContext;
  ixp: IxpContext | null;
  connection: ConnectionContext | null;
  bgpGroup: BgpGroupInfo | null;
}

export interface RouterInfo {
  id: number;
  name: string;
  hostname: string;
  platform: string;
  template: string;
  status: EffectiveStatus;
  localAsn: number;
  localAsName: string;
  /** Dotted-quad BGP router id, or "" to leave the router's own. */
  routerId: string;
}

export interface FamilyContext {
  family: Family;
  afi: Afi;
  groups: GroupContext[];
  sessions: SessionContext[];
}

export interface RenderContext {
  dialect: Dialect;
  router: RouterInfo;
  localAsn: number;
  ixps: IxpContext[];
  groups: GroupContext[];
  /** Groups and sessions per address family (IPv4 first), for address-family sections. */
  families: FamilyContext[];
  /** Every rendered session, in group order (IXP slug, family, address; then direct groups). */
  sessions: SessionContext[];
  ixpSessions: SessionContext[];
  directSessions: SessionContext[];
  /** Policies referenced by at least one rendered session, by slug. */
  policies: PolicyContext[];
  /** Communities applied by at least one rendered session, by slug. */
  communities: CommunityContext[];
  /** Chains needing a definition of their own, by name. */
  chains: ChainContext[];
  /** Chains that are not `deny`, by BIRD filter name (BIRD defines a filter for each). */
  birdFilters: ChainContext[];
  /** Some session refuses everything in a direction: `pb-deny` must be defined. */
  usesDeny: boolean;
  counts: { sessions: number; ixpSessions: number; directSessions: number; shutdown: number };
  /** Data peerbot dropped or could not use (invalid AS-SET, missing local address, ...). */
  warnings: string[];
}

export interface LoadOptions {
  /** Decrypts session passwords; without it a session with a password is refused. */
  secretBox?: SecretBox | null;
  /** Overrides the dialect derived from the router's platform and template. */
  dialect?: Dialect;
  /** Overrides the router's template name (for the dialect derivation). */
  template?: string;
}

/** The router's BGP router id: a dotted quad, or "" (refused otherwise, never rendered raw). */
function routerIdOf(r: RouterRow): string {
  const id = (r.bgpRouterId ?? "").trim();
  if (!id) return "";
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(id);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) {
    throw new RenderError(
      `the router ${r.name} has a BGP router id that is not an IPv4 address: set a dotted quad such as 192.0.2.1`,
    );
  }
  return m.slice(1).map(Number).join(".");
}

// ---------------------------------------------------------------------------
// SQL
// ---------------------------------------------------------------------------

const STATUSES = RENDERED_STATUSES.map((s) => `'${s}'`).join(",");

/**
 * One integer for a session's status and flags, so that 5,000 rows decode 5 fewer fields
 * each: bit 0 route server, bit 1 passive, bit 2 BFD, bits 3+ the index of the status in
 * RENDERED_STATUSES.
 */
function flags(t: string, routeServer: string): string {
  return (
    // PostgreSQL gives | and << the same precedence, left to right: every shift is bracketed.
    `(${routeServer}::int | (${t}.passive::int << 1) | (${t}.bfd::int << 2) | ` +
    `((array_position(array[${STATUSES}], ${t}.status::text) - 1) << 3))`
  );
}
const F_RS = 1,
  F_PASSIVE = 2,
  F_BFD = 4;
function statusOf(f: number): (typeof RENDERED_STATUSES)[number] {
  return RENDERED_STATUSES[f >> 3] ?? "disabled";
}

function loadSql(routerId: number): string {
  const id = String(routerId);
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
       d.relationship::text as rel, ${flags("d", "false")} as f, d."passwordEnc" as pw, d."multihopTtl" as ttl,
       nullif(d.comments, '') as comments, d."autonomousSystemId" as "asId",
       g.id as "gId", g.name as "gName", g.slug as "gSlug", g.status::text as "gStatus", g.comments as "gComments"
  from "DirectSession" d left join "BgpGroup" g on g.id = d."bgpGroupId"
 where d."routerId" = ${id} and d.status in (${STATUSES});
${linksSql(id)};
select id, asn::text as asn, name, "irrAsSet", "ipv4MaxPrefixes" as mp4, "ipv6MaxPrefixes" as mp6
  from "AutonomousSystem"
 where id in (select s."autonomousSystemId" from "IxpSession" s join "Connection" c on c.id = s."connectionId"
               where c."routerId" = ${id} and s.status in (${STATUSES})
              union
              select "autonomousSystemId" from "DirectSession" where "routerId" = ${id} and status in (${STATUSES}));
select id, name, slug, kind::text as kind, weight, "addressFamily"::text as af, comments from "RoutingPolicy";
select id, name, slug, value, kind::text as kind, direction::text as direction, comments from "Community";
commit;`;
}

// Link kinds, in the order of the UNION above.
const AS_IMPORT = 0,
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

interface RouterRow {
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
interface ConnRow {
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
interface AsRow {
  id: number;
  asn: string;
  name: string;
  irrAsSet: string;
  mp4: number;
  mp6: number;
}
interface SessCols {
  id: number;
  ip: string;
  /** Status and flags: see flags(). */
  f: number;
  pw: string | null;
  ttl: number | null;
  comments: string | null;
  asId: number;
}
interface IxsRow extends SessCols {
  cid: number;
}
interface DsRow extends SessCols {
  lip: string | null;
  lasn: string | null;
  rel: string;
  gId: number | null;
  gName: string | null;
  gSlug: string | null;
  gStatus: string | null;
  gComments: string | null;
}
interface LinkRow {
  k: number;
  o: number;
  t: number;
}
interface PolicyRow {
  id: number;
  name: string;
  slug: string;
  kind: string;
  weight: number;
  af: string;
  comments: string;
}
interface CommunityRow {
  id: number;
  name: string;
  slug: string;
  value: string;
  kind: string;
  direction: string;
  comments: string;
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
  // [begin, set, router, connections, ixp sessions, direct sessions, links, ASes, policies, communities, commit]
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
  };
}

// ---------------------------------------------------------------------------
// Building the context
// ---------------------------------------------------------------------------

const EMPTY_POLICIES: PolicyContext[] = [];
const EMPTY_COMMUNITIES: CommunityContext[] = [];

const STATUS_RANK: Record<EffectiveStatus, number> = { enabled: 0, maintenance: 1, disabled: 2 };

function objectStatus(s: string | null | undefined): EffectiveStatus {
  return s === "disabled" ? "disabled" : s === "maintenance" ? "maintenance" : "enabled";
}

function worst(a: EffectiveStatus, b: EffectiveStatus, c: EffectiveStatus = "enabled"): EffectiveStatus {
  const w = STATUS_RANK[a] >= STATUS_RANK[b] ? a : b;
  return STATUS_RANK[w] >= STATUS_RANK[c] ? w : c;
}

function asn(value: string | number | null | undefined, what: string): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 4294967295)
    throw new RenderError(`${what} has an invalid AS number`);
  return n;
}

function count(value: number | null | undefined): number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= 2147483647 ? value : 0;
}

function where(peer: { asn: number }, at: string, address: string): string {
  return `AS${peer.asn} at ${at} (${address})`;
}

function ttl(value: number | null, peer: { asn: number }, at: string, address: string): number | null {
  if (value === null || value <= 0) return null;
  if (!Number.isInteger(value) || value > 255)
    throw new RenderError(`the session ${where(peer, at, address)} has a multihop TTL outside 1-255`);
  return value;
}

function byWeightThenSlug(a: PolicyContext, b: PolicyContext): number {
  return b.weight - a.weight || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
}

function bySlug<T extends { slug: string }>(a: T, b: T): number {
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0;
}

/** Builds the context from rows (no I/O): the part the benchmark can time on its own. */
export function buildRenderContext(rows: RenderRows, opts: LoadOptions = {}): RenderContext {
  const r = rows.router;
  const template = opts.template ?? r.template;
  const dialect = opts.dialect ?? dialectFor(r.platform, template || r.platform);
  const text = (v: unknown) => safeText(v, dialect);
  const warnings: string[] = [];
  const routerName = text(r.name);
  const localAsn = asn(r.localAsn, `router ${routerName}`);

  // Policies and communities, validated once.
  const policies = new Map<number, PolicyContext>();
  for (const p of rows.policies) {
    policies.set(p.id, {
      id: p.id,
      name: text(p.name),
      slug: p.slug,
      symbol: "",
      kind: p.kind as PolicyContext["kind"],
      weight: p.weight,
      addressFamily: p.af as PolicyContext["addressFamily"],
      comments: text(p.comments),
    });
  }
  const communities = new Map<number, CommunityContext>();
  for (const c of rows.communities) {
    communities.set(c.id, {
      id: c.id,
      name: text(c.name),
      slug: c.slug,
      kind: c.kind as CommunityKind,
      direction: c.direction === "egress" ? "egress" : "ingress",
      value: "",
      plainValue: "",
      extType: null,
      bird: "",
      birdAdd: "",
      junos: "",
      junosName: "",
      comments: text(c.comments),
    });
  }
  const validatedPolicies = new Set<number>();
  const policySymbols = new Map<string, string>();
  const usePolicy = (id: number): PolicyContext | undefined => {
    const p = policies.get(id);
    if (p && !validatedPolicies.has(id)) {
      identifier(p.slug, `routing policy ${p.name}`);
      p.symbol = birdSymbol("policy", p.slug);
      const other = policySymbols.get(p.symbol);
      if (other !== undefined && other !== p.slug)
        throw new RenderError(
          `the routing policies ${other} and ${p.slug} would both be called ${p.symbol} in BIRD`,
        );
      policySymbols.set(p.symbol, p.slug);
      validatedPolicies.add(id);
    }
    return p;
  };
  const rawCommunity = new Map<number, string>(rows.communities.map((c) => [c.id, c.value]));
  const validatedCommunities = new Set<number>();
  const useCommunity = (id: number): CommunityContext | undefined => {
    const c = communities.get(id);
    if (c && !validatedCommunities.has(id)) {
      identifier(c.slug, `community ${c.name}`);
      const parsed = parseCommunity(rawCommunity.get(id) ?? "", c.kind, `community ${c.slug}`);
      c.value = parsed.text;
      c.plainValue = parsed.value;
      c.extType = parsed.extType;
      c.bird = parsed.bird;
      c.birdAdd = `${c.kind === "standard" ? "bgp_community" : c.kind === "large" ? "bgp_large_community" : "bgp_ext_community"}.add(${parsed.bird})`;
      c.junos = parsed.junos;
      c.junosName = `pb-${c.slug}`;
      validatedCommunities.add(id);
    }
    return c;
  };

  // Link maps: owner id -> target ids, per kind.
  const links: Map<number, number[]>[] = Array.from({ length: 15 }, () => new Map<number, number[]>());
  for (const l of rows.links) {
    const m = links[l.k]!;
    const list = m.get(l.o);
    if (list) list.push(l.t);
    else m.set(l.o, [l.t]);
  }
  // Each level's list, sorted once per owner and interned by content, so that owners with the
  // same policies share one array (and one small id, which keys the merge cache below).
  // Caches are one Map per link kind, keyed by the owner's id: small integers hash much
  // faster than the kind * 2^32 + owner doubles they replace (15,000 lookups per 5,000 sessions).
  const perKind = <V>(): Map<number, V>[] => Array.from({ length: 15 }, () => new Map<number, V>());
  const levelCache = perKind<PolicyContext[] | CommunityContext[]>();
  const interned = new Map<string, PolicyContext[] | CommunityContext[]>();
  const listIds = new Map<object, number>([
    [EMPTY_POLICIES, 0],
    [EMPTY_COMMUNITIES, 1],
  ]);
  const internList = <T extends { id: number }>(tag: string, list: T[]): T[] => {
    const sig = tag + list.map((x) => x.id).join(",");
    const hit = interned.get(sig) as unknown as T[] | undefined;
    if (hit) return hit;
    interned.set(sig, list as unknown as PolicyContext[] | CommunityContext[]);
    listIds.set(list, listIds.size);
    return list;
  };
  /** The targets one owner links to with one link kind, validated, sorted and interned. */
  const level = <T extends { id: number }>(
    kind: number,
    owner: number,
    empty: T[],
    use: (id: number) => T | undefined,
    tag: string,
    order: (a: T, b: T) => number,
  ): T[] => {
    const ids = links[kind]!.get(owner);
    if (!ids) return empty;
    let out = levelCache[kind]!.get(owner) as T[] | undefined;
    if (!out) {
      out = [];
      for (const id of ids) {
        const x = use(id);
        if (x) out.push(x);
      }
      out = internList(tag, out.sort(order));
      levelCache[kind]!.set(owner, out as unknown as PolicyContext[] | CommunityContext[]);
    }
    return out;
  };
  const policyLevel = (kind: number, owner: number): PolicyContext[] =>
    level(kind, owner, EMPTY_POLICIES, usePolicy, "p", byWeightThenSlug);
  const communityLevel = (kind: number, owner: number): CommunityContext[] =>
    level(kind, owner, EMPTY_COMMUNITIES, useCommunity, "c", bySlug);

  // IXPs and connections.
  const ixps = new Map<number, IxpContext>();
  const connections = new Map<number, { conn: ConnectionContext; ixp: IxpContext }>();
  for (const c of rows.connections) {
    let ixp = ixps.get(c.ixpId);
    if (!ixp) {
      ixp = {
        id: c.ixpId,
        name: text(c.ixpName),
        slug: identifier(c.ixpSlug, `IXP ${text(c.ixpName)}`),
        status: objectStatus(c.ixpStatus),
        localAsn: asn(c.ixpLocalAsn, `IXP ${text(c.ixpName)}`),
        connections: [],
        groups: [],
        sessions: [],
        importPolicies: policyLevel(IXP_IMPORT, c.ixpId),
        exportPolicies: policyLevel(IXP_EXPORT, c.ixpId),
        communities: communityLevel(IXP_COMM, c.ixpId),
        comments: text(c.ixpComments),
      };
      ixps.set(c.ixpId, ixp);
    }
    const v4 = parseIp(c.v4);
    const v6 = parseIp(c.v6);
    const conn: ConnectionContext = {
      id: c.id,
      name: text(c.name),
      ipv4Address: v4?.family === 4 ? v4.address : null,
      ipv4Prefix: v4?.family === 4 && c.v4len !== null ? `${v4.address}/${c.v4len}` : null,
      ipv6Address: v6?.family === 6 ? v6.address : null,
      ipv6Prefix: v6?.family === 6 && c.v6len !== null ? `${v6.address}/${c.v6len}` : null,
      vlan: typeof c.vlan === "number" && c.vlan >= 0 && c.vlan <= 4095 ? c.vlan : null,
      status: objectStatus(c.status),
      comments: text(c.comments),
    };
    ixp.connections.push(conn);
    connections.set(c.id, { conn, ixp });
  }
  for (const ixp of ixps.values()) ixp.connections.sort((a, b) => a.id - b.id);

  // Peers, cached per AS.
  const peers = new Map<number, PeerContext>();
  const badAsSets: string[] = [];
  const noLocal = new Map<string, number>();
  const asRows = new Map<number, AsRow>();
  for (const a of rows.ases) asRows.set(a.id, a);
  const peerOf = (asId: number): PeerContext => {
    let p = peers.get(asId);
    if (!p) {
      const row = asRows.get(asId);
      if (!row)
        throw new RenderError(`a session refers to an autonomous system (id ${asId}) that was not loaded`);
      const name = text(row.name);
      const sets = asSets(row.irrAsSet);
      if (row.irrAsSet.trim() !== "" && sets.length === 0)
        badAsSets.push(`AS${row.asn} (${safeText(row.irrAsSet, "generic", 40)})`);
      p = {
        id: asId,
        asn: asn(row.asn, `AS ${name}`),
        name,
        irrAsSet: sets[0] ?? "",
        irrAsSets: sets,
        ipv4MaxPrefixes: count(row.mp4),
        ipv6MaxPrefixes: count(row.mp6),
      };
      peers.set(asId, p);
    }
    return p;
  };

  // Chains, shared between sessions with the same merged lists.
  const chains = new Map<string, ChainContext>();
  const chainFor = (direction: Direction, pols: PolicyContext[], comms: CommunityContext[]): ChainContext => {
    const key = `${direction}|${pols.map((p) => p.slug).join(",")}|${comms.map((c) => c.slug).join(",")}`;
    let chain = chains.get(key);
    if (chain) return chain;
    const deny = pols.length === 0;
    const usedComms = deny ? [] : comms;
    const generated = !deny && (pols.length > 1 || usedComms.length > 0);
    const prefix = direction === "import" ? "pb-in" : "pb-out";
    const hash = createHash("sha256").update(key).digest("hex").slice(0, 8);
    const name = deny ? "pb-deny" : generated ? `${prefix}-${hash}` : pols[0]!.slug;
    const birdName = deny ? null : `${prefix.replace("-", "_")}_${hash}`;
    const entries: ChainEntry[] = [];
    if (generated) {
      if (usedComms.length) entries.push({ seq: 0, next: null, policy: null, communities: true });
      for (const p of pols) entries.push({ seq: 0, next: null, policy: p, communities: false });
      entries.forEach((e, i) => {
        e.seq = (i + 1) * 10;
        e.next = i + 1 < entries.length ? (i + 2) * 10 : null;
      });
    }
    chain = {
      key,
      direction,
      name,
      policies: deny ? [] : pols,
      communities: usedComms,
      deny,
      generated,
      entries,
      standard: usedComms.filter((c) => c.kind === "standard").map((c) => c.plainValue),
      large: usedComms.filter((c) => c.kind === "large").map((c) => c.plainValue),
      rt: usedComms.filter((c) => c.extType === "rt").map((c) => c.plainValue),
      soo: usedComms.filter((c) => c.extType === "soo").map((c) => c.plainValue),
      birdName,
      bird: birdName ? `filter ${birdName}` : "none",
      junosList: deny ? ["pb-deny"] : [...usedComms.map((c) => c.junosName), ...pols.map((p) => p.slug)],
      junos: "",
    };
    chain.junos = chain.junosList.join(" ");
    chains.set(key, chain);
    return chain;
  };

  const merge = <T extends { id: number }>(a: T[], b: T[], c: T[], keep: (x: T) => boolean): T[] => {
    const out: T[] = [];
    for (const level of [a, b, c]) for (const x of level) if (keep(x) && !out.includes(x)) out.push(x);
    return out;
  };
  const fitsImport4 = (p: PolicyContext) => p.addressFamily !== "ipv6" && p.kind !== "export";
  const fitsImport6 = (p: PolicyContext) => p.addressFamily !== "ipv4" && p.kind !== "export";
  const fitsExport4 = (p: PolicyContext) => p.addressFamily !== "ipv6" && p.kind !== "import";
  const fitsExport6 = (p: PolicyContext) => p.addressFamily !== "ipv4" && p.kind !== "import";
  const ingress = (c: CommunityContext) => c.direction === "ingress";
  const egress = (c: CommunityContext) => c.direction === "egress";

  interface Resolved {
    importPolicies: PolicyContext[];
    exportPolicies: PolicyContext[];
    communities: CommunityContext[];
    importChain: ChainContext;
    exportChain: ChainContext;
  }
  type Levels = [PolicyContext[], PolicyContext[], CommunityContext[]];
  // Sessions whose three levels are the same lists share one merge.
  const resolvedCache = new Map<number, Map<number, Resolved>>();
  const resolvedWide = new Map<string, Resolved>();
  const idOf = (l: object): number => listIds.get(l)!;
  const EMPTY_LEVELS: Levels = [EMPTY_POLICIES, EMPTY_POLICIES, EMPTY_COMMUNITIES];
  const levelsCache = perKind<Levels>();
  /** The three lists an owner contributes, from link kinds (import, export, community). */
  const levelsOf = (imp: number, exp: number, comm: number, owner: number): Levels => {
    let l = levelsCache[imp]!.get(owner);
    if (!l) {
      l =
        links[imp]!.has(owner) || links[exp]!.has(owner) || links[comm]!.has(owner)
          ? [policyLevel(imp, owner), policyLevel(exp, owner), communityLevel(comm, owner)]
          : EMPTY_LEVELS;
      levelsCache[imp]!.set(owner, l);
    }
    return l;
  };
  // A small number per distinct (import, export, communities) triple, so that the merge cache
  // is keyed by numbers (no string built per session).
  const levelIds = new Map<Levels, number>([[EMPTY_LEVELS, 0]]);
  const tripleIds = new Map<string, number>();
  const levelId = (l: Levels): number => {
    let k = levelIds.get(l);
    if (k === undefined) {
      const sig = `${idOf(l[0])},${idOf(l[1])},${idOf(l[2])}`;
      k = tripleIds.get(sig);
      if (k === undefined) tripleIds.set(sig, (k = tripleIds.size + 1));
      levelIds.set(l, k);
    }
    return k;
  };
  const resolve = (family: Family, own: Levels, as: Levels, parent: Levels): Resolved => {
    const a = levelId(own);
    const b = levelId(as);
    const c = levelId(parent);
    // Two small-integer keys (own level and family; AS and parent levels) while the ids fit
    // 15 bits, which they do up to 32,767 distinct levels; beyond that, a string.
    let inner: Map<number, Resolved> | undefined;
    const small = b < 0x8000 && c < 0x8000 && a < 0x20000000;
    const key2 = b * 0x8000 + c;
    const wide = small ? "" : `${family}|${a}|${b}|${c}`;
    if (small) {
      const key1 = a * 2 + (family === 4 ? 0 : 1);
      inner = resolvedCache.get(key1);
      if (!inner) resolvedCache.set(key1, (inner = new Map()));
    }
    const hit = inner ? inner.get(key2) : resolvedWide.get(wide);
    if (hit) return hit;
    const importPolicies = merge(own[0], as[0], parent[0], family === 4 ? fitsImport4 : fitsImport6);
    const exportPolicies = merge(own[1], as[1], parent[1], family === 4 ? fitsExport4 : fitsExport6);
    const communities = merge(own[2], as[2], parent[2], ingress);
    const sent = merge(own[2], as[2], parent[2], egress);
    const r: Resolved = {
      importPolicies,
      exportPolicies,
      communities,
      importChain: chainFor("import", importPolicies, communities),
      exportChain: chainFor("export", exportPolicies, sent.length ? sent : EMPTY_COMMUNITIES),
    };
    if (inner) inner.set(key2, r);
    else resolvedWide.set(wide, r);
    return r;
  };
  const descriptions = new Map<number, string>();
  const describe = (peer: PeerContext): string => {
    let d = descriptions.get(peer.id);
    if (d === undefined) {
      d = text(`AS${peer.asn} ${peer.name}`);
      descriptions.set(peer.id, d);
    }
    return d;
  };

  // Groups.
  const groups = new Map<string, GroupContext>();
  const ixpGroups = new Map<number, GroupContext>();
  const groupFor = (
    key: string,
    kind: "ixp" | "direct",
    routeServer: boolean,
    slug: string,
    family: Family,
    description: string,
    ixp: IxpContext | null,
    bgpGroup: BgpGroupInfo | null,
    groupAsn: number,
  ): GroupContext => {
    let g = groups.get(key);
    if (!g) {
      const short = shortIdent(slug, 40);
      const rs = routeServer ? "-rs" : "";
      g = {
        key,
        kind,
        routeServer,
        name: `pb-${short}${rs}-v${family}`,
        symbol: birdSymbol("pb", short + rs, `v${family}`),
        family,
        afi: family === 4 ? "ipv4" : "ipv6",
        inet: family === 4 ? "inet" : "inet6",
        description: safeText(`${description}${routeServer ? " route servers" : ""} IPv${family}`, dialect),
        ixp,
        bgpGroup,
        localAddress: null,
        localAsn: groupAsn,
        sessions: [],
      };
      groups.set(key, g);
    }
    return g;
  };

  const unsorted: SessionContext[] = [];
  const ipKeys: string[] = [];
  const groupOrder = new Map<GroupContext, string>();
  const ixpSymbols = new Map<number, string>();
  const ixpSymbol = (ixp: IxpContext): string => {
    let sym = ixpSymbols.get(ixp.id);
    if (sym === undefined) {
      sym = birdSymbol("pb", shortIdent(ixp.slug, 20));
      ixpSymbols.set(ixp.id, sym);
    }
    return sym;
  };

  for (const s of rows.ixpSessions) {
    const cx = connections.get(s.cid);
    if (!cx) continue;
    const { conn, ixp } = cx;
    const peer = peerOf(s.asId);
    const status = statusOf(s.f);
    const rs = (s.f & F_RS) !== 0;
    const ip = parseIp(s.ip);
    if (!ip) throw new RenderError(`IXP session ${s.id} has an invalid address`);

    const family = ip.family;
    const effective = worst(objectStatus(status), conn.status, ixp.status);
    const localAddress = family === 4 ? conn.ipv4Address : conn.ipv6Address;
    if (!localAddress) {
      const k = `connection ${conn.id} at ${ixp.name} has no IPv${family} address`;
      noLocal.set(k, (noLocal.get(k) ?? 0) + 1);
    }
    const res = resolve(
      family,
      levelsOf(IXS_IMPORT, IXS_EXPORT, IXS_COMM, s.id),
      levelsOf(AS_IMPORT, AS_EXPORT, AS_COMM, s.asId),
      levelsOf(IXP_IMPORT, IXP_EXPORT, IXP_COMM, ixp.id),
    );
    // The group by a small-integer key first: no key string built per session.
    const gk = ixp.id * 4 + (rs ? 2 : 0) + (family === 6 ? 1 : 0);
    let group = ixpGroups.get(gk);
    if (!group) {
      group = groupFor(
        `ixp:${ixp.id}:${rs ? 1 : 0}:${family}`,
        "ixp",
        rs,
        ixp.slug,
        family,
        ixp.name,
        ixp,
        null,
        ixp.localAsn,
      );
      ixpGroups.set(gk, group);
    }
    const session: SessionContext = {
      id: s.id,
      kind: "ixp",
      key: `ixp:${s.id}`,
      family,
      afi: family === 4 ? "ipv4" : "ipv6",
      address: ip.address,
      peer,
      remoteAsn: peer.asn,
      description: describe(peer),
      maxPrefixes: family === 4 ? peer.ipv4MaxPrefixes : peer.ipv6MaxPrefixes,
      status,
      effectiveStatus: effective,
      shutdown: effective !== "enabled",
      isRouteServer: rs,
      multihopTtl: ttl(s.ttl, peer, ixp.name, ip.address),
      passive: (s.f & F_PASSIVE) !== 0,
      bfd: (s.f & F_BFD) !== 0,
      password: null,
      localAsn: ixp.localAsn,
      localAsOverride: ixp.localAsn !== localAsn,
      ownLocalAsn: null,
      localAddress,
      ownLocalAddress: null,
      inet: family === 4 ? "inet" : "inet6",
      relationship: null,
      comments: text(s.comments),
      importPolicies: res.importPolicies,
      exportPolicies: res.exportPolicies,
      communities: res.communities,
      importChain: res.importChain,
      exportChain: res.exportChain,
      symbol: `${ixpSymbol(ixp)}_as${peer.asn}_i${s.id}`,
      group,
      ixp,
      connection: conn,
      bgpGroup: null,
    };
    if (s.pw) session.password = decryptPassword(s.pw, opts.secretBox, where(peer, ixp.name, ip.address));
    unsorted.push(session);
    ipKeys.push(ip.sortKey);
    if (!groupOrder.has(group)) groupOrder.set(group, `0\0${ixp.slug}\0${rs ? 1 : 0}${family}`);
  }

  for (const d of rows.directSessions) {
    const peer = peerOf(d.asId);
    const status = statusOf(d.f);
    const ip = parseIp(d.ip);
    if (!ip) throw new RenderError(`direct session ${d.id} has an invalid address`);
    const family = ip.family;
    const bgpGroup: BgpGroupInfo | null =
      d.gId !== null
        ? {
            id: d.gId,
            name: text(d.gName),
            slug: identifier(d.gSlug, `BGP group ${text(d.gName)}`),
            status: objectStatus(d.gStatus),
            comments: text(d.gComments),
          }
        : null;
    const atName = bgpGroup ? bgpGroup.name : "direct";
    const effective = worst(objectStatus(status), bgpGroup?.status ?? "enabled");
    const lip = parseIp(d.lip);
    const sessionAsn = d.lasn !== null ? asn(d.lasn, where(peer, atName, ip.address)) : localAsn;
    const res = resolve(
      family,
      levelsOf(DS_IMPORT, DS_EXPORT, DS_COMM, d.id),
      levelsOf(AS_IMPORT, AS_EXPORT, AS_COMM, d.asId),
      bgpGroup ? levelsOf(GRP_IMPORT, GRP_EXPORT, GRP_COMM, bgpGroup.id) : EMPTY_LEVELS,
    );
    const slug = bgpGroup ? bgpGroup.slug : "direct";
    const group = groupFor(
      `direct:${bgpGroup ? bgpGroup.id : 0}:${family}`,
      "direct",
      false,
      slug,
      family,
      bgpGroup ? bgpGroup.name : "Direct sessions",
      null,
      bgpGroup,
      localAsn,
    );
    const session: SessionContext = {
      id: d.id,
      kind: "direct",
      key: `direct:${d.id}`,
      family,
      afi: family === 4 ? "ipv4" : "ipv6",
      address: ip.address,
      peer,
      remoteAsn: peer.asn,
      description: describe(peer),
      maxPrefixes: family === 4 ? peer.ipv4MaxPrefixes : peer.ipv6MaxPrefixes,
      status,
      effectiveStatus: effective,
      shutdown: effective !== "enabled",
      isRouteServer: false,
      multihopTtl: ttl(d.ttl, peer, atName, ip.address),
      passive: (d.f & F_PASSIVE) !== 0,
      bfd: (d.f & F_BFD) !== 0,
      password: null,
      localAsn: sessionAsn,
      localAsOverride: sessionAsn !== localAsn,
      ownLocalAsn: null,
      localAddress: lip && lip.family === family ? lip.address : null,
      ownLocalAddress: null,
      inet: family === 4 ? "inet" : "inet6",
      relationship: d.rel,
      comments: text(d.comments),
      importPolicies: res.importPolicies,
      exportPolicies: res.exportPolicies,
      communities: res.communities,
      importChain: res.importChain,
      exportChain: res.exportChain,
      symbol: birdSymbol("pb", shortIdent(slug, 20), `as${peer.asn}`, `d${d.id}`),
      group,
      ixp: null,
      connection: null,
      bgpGroup,
    };
    if (d.pw) session.password = decryptPassword(d.pw, opts.secretBox, where(peer, atName, ip.address));
    unsorted.push(session);
    ipKeys.push(ip.sortKey);
    if (!groupOrder.has(group)) groupOrder.set(group, `1\0${slug}\0${bgpGroup ? bgpGroup.id : 0}\0${family}`);
  }

  // Groups by IXP slug (route servers after), family, then BGP groups; sessions by address.
  const rank = new Map<GroupContext, number>();
  [...groupOrder]
    .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .forEach(([g], i) => rank.set(g, i));
  const ranks = unsorted.map((x) => rank.get(x.group)!);
  const order = Array.from(unsorted.keys()).sort((a, b) => {
    const r = ranks[a]! - ranks[b]!;
    if (r !== 0) return r;
    const ka = ipKeys[a]!;
    const kb = ipKeys[b]!;
    return ka < kb ? -1 : ka > kb ? 1 : unsorted[a]!.id - unsorted[b]!.id;
  });
  const ordered: SessionContext[] = order.map((k) => unsorted[k]!);
  for (const s of ordered) {
    s.group.sessions.push(s);
    if (s.ixp) s.ixp.sessions.push(s);
  }
  // Groups in the order of their first session (sessions are sorted by group first).
  const groupList: GroupContext[] = [];
  for (const s of ordered) if (groupList[groupList.length - 1] !== s.group) groupList.push(s.group);
  const names = new Set<string>();
  for (const g of groupList) {
    if (names.has(g.name) || names.has(g.symbol))
      throw new RenderError(
        `two session groups would both be called ${g.name}: rename an IXP or BGP group slug`,
      );
    names.add(g.name);
    names.add(g.symbol);
    const first = g.sessions[0]!.localAddress;
    g.localAddress = g.sessions.every((s) => s.localAddress === first) ? first : null;
    for (const s of g.sessions) {
      s.ownLocalAsn = s.localAsn !== g.localAsn ? s.localAsn : null;
      s.ownLocalAddress = g.localAddress === null ? s.localAddress : null;
    }
    if (g.ixp) g.ixp.groups.push(g);
  }

  const ixpList = [...ixps.values()].sort(bySlug);
  const usedPolicies = new Map<number, PolicyContext>();
  const usedCommunities = new Map<number, CommunityContext>();
  for (const c of chains.values()) {
    for (const p of c.policies) usedPolicies.set(p.id, p);
    for (const x of c.communities) usedCommunities.set(x.id, x);
  }
  const chainList = [...chains.values()]
    .filter((c) => c.generated)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // One line per kind of problem, however many sessions have it.
  for (const [k, n] of noLocal) warnings.push(`${k} (${n} session${n === 1 ? "" : "s"})`);
  if (badAsSets.length)
    warnings.push(
      `${badAsSets.length} AS-SET${badAsSets.length === 1 ? "" : "s"} peerbot cannot use: ` +
        badAsSets.slice(0, 5).join(", ") +
        (badAsSets.length > 5 ? ", ..." : ""),
    );
  const ixpSessions = ordered.filter((s) => s.kind === "ixp");
  const directSessions = ordered.filter((s) => s.kind === "direct");

  return {
    dialect,
    router: {
      id: r.id,
      name: routerName,
      hostname: text(r.hostname),
      routerId: routerIdOf(r),
      platform: r.platform,
      template,
      status: objectStatus(r.status),
      localAsn,
      localAsName: text(r.localAsName),
    },
    localAsn,
    ixps: ixpList,
    groups: groupList,
    families: ([4, 6] as const)
      .map((family) => ({
        family,
        afi: (family === 4 ? "ipv4" : "ipv6") as Afi,
        groups: groupList.filter((g) => g.family === family),
        sessions: ordered.filter((s) => s.family === family),
      }))
      .filter((f) => f.groups.length > 0),
    sessions: ordered,
    ixpSessions,
    directSessions,
    policies: [...usedPolicies.values()].sort(bySlug),
    communities: [...usedCommunities.values()].sort(bySlug),
    chains: chainList,
    birdFilters: [...chains.values()]
      .filter((c) => c.birdName !== null)
      .sort((a, b) => (a.birdName! < b.birdName! ? -1 : a.birdName! > b.birdName! ? 1 : 0)),
    usesDeny: [...chains.values()].some((c) => c.deny),
    counts: {
      sessions: ordered.length,
      ixpSessions: ixpSessions.length,
      directSessions: directSessions.length,
      shutdown: ordered.filter((s) => s.shutdown).length,
    },
    warnings,
  };
}

function decryptPassword(stored: string, box: SecretBox | null | undefined, where: string): string {
  if (!box)
    throw new RenderError(
      `the session ${where} has a BGP password but no secret key is configured (PEERBOT_SECRET_KEY)`,
    );
  let plain: string;
  try {
    plain = box.decrypt(stored);
  } catch {
    throw new RenderError(
      `the BGP password of the session ${where} cannot be decrypted with the configured secret key`,
    );
  }
  return checkPassword(plain, `the session ${where}`);
}

/** Loads and builds the render context of one router (one database round trip). */
export async function loadRenderContext(
  db: Database,
  routerId: number,
  opts: LoadOptions = {},
): Promise<RenderContext> {
  return buildRenderContext(await loadRenderRows(db, routerId), opts);
}
