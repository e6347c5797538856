// How each kind of record is a database row: its table, its columns (what a file may write),
// the row's values, what its history snapshot says of its secrets, and its name in `history`.
// The snapshot is the row as the database names it (localAsId, ipv4Address, …) with its
// attachments by slug, so that history rows from a file read like those from chat.
import type {
  AsRec,
  Attachments,
  CommunityRec,
  ConnectionRec,
  ContactRec,
  DirectSessionRec,
  GroupRec,
  IxpRec,
  IxpSessionRec,
  Kind,
  PolicyRec,
  RouterRec,
} from "./model.js";
import { repr } from "../objects/repr.js";
import { cols, type Col } from "./sql.js";

/** Ids and names the rows need, of what is there and of what the apply creates. */
export interface RowContext {
  as(asn: number): number | null;
  ixp(slug: string): number | null;
  router(name: string | null): number | null;
  group(slug: string | null): number | null;
  ixpName(slug: string): string;
  /** The connection an IXP session is on: its id (once it exists) and its IXP's slug. */
  connectionOf(r: IxpSessionRec): { id: number | null; ixp: string };
}

export interface TableSpec<R> {
  table: string;
  columns: Col[];
  /** The column whose RETURNING value checks the order of inserted rows. */
  check: string;
  row(r: R, c: RowContext): Record<string, unknown>;
  /** Secrets as the history shows them ("(set)" or null; a variable's name): never written from a file. */
  secrets?(r: R): Record<string, unknown>;
  links?: true;
  /** How `history` names it (core/objects/repr.ts, as chat and imports name it). */
  repr(r: R, c: RowContext, id: number): string;
}

export interface Recs {
  policy: PolicyRec;
  community: CommunityRec;
  group: GroupRec;
  as: AsRec;
  contact: ContactRec;
  ixp: IxpRec;
  router: RouterRec;
  connection: ConnectionRec;
  "ixp-session": IxpSessionRec;
  "direct-session": DirectSessionRec;
}

export const envOf = (ref: string) => (ref.startsWith("env:") ? ref.slice(4) : "");
const set = (ref: string) => (ref === "stored" ? "(set)" : null);

export const TABLES: { [K in Kind]: TableSpec<Recs[K]> } = {
  policy: {
    table: "RoutingPolicy",
    columns: cols("name slug kind:PolicyKind weight:int addressFamily:AddressFamily comments"),
    check: "slug",
    row: (r) => ({
      name: r.name,
      slug: r.slug,
      kind: r.kind,
      weight: r.weight,
      addressFamily: r.family,
      comments: r.comments,
    }),
    repr: (r) => r.slug,
  },
  community: {
    table: "Community",
    columns: cols("name slug value kind:CommunityKind direction:CommunityDirection comments"),
    check: "slug",
    row: (r) => ({
      name: r.name,
      slug: r.slug,
      value: r.value,
      kind: r.kind,
      direction: r.direction,
      comments: r.comments,
    }),
    repr: (r) => r.slug,
  },
  group: {
    table: "BgpGroup",
    columns: cols("name slug status:ObjectStatus comments"),
    check: "slug",
    row: (r) => ({ name: r.name, slug: r.slug, status: r.status, comments: r.comments }),
    links: true,
    repr: (r) => r.slug,
  },
  as: {
    table: "AutonomousSystem",
    columns: cols(
      "asn:bigint name irrAsSet ipv4MaxPrefixes:int ipv6MaxPrefixes:int generalPolicy affiliated:bool comments " +
        "peeringdbNetId:int syncName:bool syncIrrAsSet:bool syncMaxPrefixes:bool syncPolicy:bool emailFrom emailReplyTo",
    ),
    check: "asn",
    row: (r) => ({
      asn: String(r.asn),
      name: r.name,
      irrAsSet: r.irr_as_set,
      ipv4MaxPrefixes: r.ipv4_max_prefixes,
      ipv6MaxPrefixes: r.ipv6_max_prefixes,
      generalPolicy: r.policy,
      affiliated: r.affiliated,
      comments: r.comments,
      peeringdbNetId: r.peeringdb_id,
      syncName: r.sync_name,
      syncIrrAsSet: r.sync_irr_as_set,
      syncMaxPrefixes: r.sync_max_prefixes,
      syncPolicy: r.sync_policy,
      emailFrom: r.email_from,
      emailReplyTo: r.email_reply_to,
    }),
    links: true,
    repr: (r) => repr.as(r),
  },
  contact: {
    table: "Contact",
    columns: cols("name role email phone autonomousSystemId:int"),
    check: "email",
    row: (r, c) => ({
      name: r.name,
      role: r.role,
      email: r.email,
      phone: r.phone,
      autonomousSystemId: c.as(r.asn),
    }),
    repr: (r) => repr.contact(r, r.asn),
  },
  ixp: {
    table: "InternetExchange",
    columns: cols(
      "name slug peeringdbIxId:int peeringdbIxlanId:int localAsId:int status:ObjectStatus prefixes:textlist comments",
    ),
    check: "slug",
    row: (r, c) => ({
      name: r.name,
      slug: r.slug,
      peeringdbIxId: r.peeringdb_ix_id,
      peeringdbIxlanId: r.peeringdb_ixlan_id,
      localAsId: c.as(r.local_as),
      status: r.status,
      prefixes: r.prefixes,
      comments: r.comments,
    }),
    links: true,
    repr: (r) => repr.ixp(r),
  },
  router: {
    table: "Router",
    columns: cols(
      "name hostname port:int platform:RouterPlatform localAsId:int status:ObjectStatus template pollSessionState:bool " +
        "bgpRouterId fourEyes:bool username hostKeyFingerprint configPath comments",
    ),
    check: "name",
    row: (r, c) => ({
      name: r.name,
      hostname: r.hostname,
      port: r.port,
      platform: r.platform,
      localAsId: c.as(r.local_as),
      status: r.status,
      template: r.template,
      pollSessionState: r.poll_session_state,
      bgpRouterId: r.bgp_router_id,
      fourEyes: r.four_eyes,
      username: r.username,
      hostKeyFingerprint: r.host_key,
      configPath: r.config_path,
      comments: r.comments,
    }),
    secrets: (r) => ({
      passwordEnc: set(r.credential),
      privateKeyEnc: set(r.private_key),
      credentialEnv: envOf(r.credential),
    }),
    repr: (r) => repr.router(r),
  },
  connection: {
    table: "Connection",
    columns: cols(
      "name ixpId:int routerId:int ipv4Address:inet ipv6Address:inet vlan:int macAddress speed:int " +
        "status:ObjectStatus peeringdbNetixlanId:int comments",
    ),
    check: "ixpId",
    row: (r, c) => ({
      name: r.name,
      ixpId: c.ixp(r.ixp),
      routerId: c.router(r.router),
      ipv4Address: r.ipv4,
      ipv6Address: r.ipv6,
      vlan: r.vlan,
      macAddress: r.mac,
      speed: r.speed,
      status: r.status,
      peeringdbNetixlanId: r.peeringdb_netixlan_id,
      comments: r.comments,
    }),
    repr: (r, c, id) => repr.connection({ id, ipv4Address: r.ipv4, ipv6Address: r.ipv6 }, c.ixpName(r.ixp)),
  },
  "ixp-session": {
    table: "IxpSession",
    columns: cols(
      "autonomousSystemId:int connectionId:int ipAddress:inet isRouteServer:bool status:SessionStatus " +
        "multihopTtl:int passive:bool bfd:bool comments",
    ),
    check: "ipAddress",
    row: (r, c) => ({
      autonomousSystemId: c.as(r.asn),
      connectionId: c.connectionOf(r).id,
      ipAddress: r.ip,
      isRouteServer: r.route_server,
      status: r.status,
      multihopTtl: r.multihop_ttl,
      passive: r.passive,
      bfd: r.bfd,
      comments: r.comments,
    }),
    secrets: (r) => ({ passwordEnc: set(r.password) }),
    links: true,
    repr: (r, c) => repr.ixpSession(c.ixpName(c.connectionOf(r).ixp), r.ip),
  },
  "direct-session": {
    table: "DirectSession",
    columns: cols(
      "autonomousSystemId:int routerId:int bgpGroupId:int localAsn:bigint localIpAddress:inet ipAddress:inet " +
        "relationship:Relationship status:SessionStatus multihopTtl:int passive:bool bfd:bool comments",
    ),
    check: "ipAddress",
    row: (r, c) => ({
      autonomousSystemId: c.as(r.asn),
      routerId: c.router(r.router),
      bgpGroupId: c.group(r.group),
      localAsn: r.local_asn === null ? null : String(r.local_asn),
      localIpAddress: r.local_ip,
      ipAddress: r.ip,
      relationship: r.relationship,
      status: r.status,
      multihopTtl: r.multihop_ttl,
      passive: r.passive,
      bfd: r.bfd,
      comments: r.comments,
    }),
    secrets: (r) => ({ passwordEnc: set(r.password), passwordEnv: envOf(r.password) }),
    links: true,
    repr: (r) => repr.directSession(r.router, r.ip),
  },
};

/** The object as `history` keeps it: the row, its secrets as "(set)", its attachments by slug. */
export function snapshotOf<K extends Kind>(
  kind: K,
  r: Recs[K],
  id: number,
  c: RowContext,
): Record<string, unknown> {
  const spec = TABLES[kind] as TableSpec<Recs[K]>;
  const row = spec.row(r, c);
  // bigint columns travel as text; the history keeps the number.
  for (const k of ["asn", "localAsn"]) if (typeof row[k] === "string") row[k] = Number(row[k]);
  const a = r as unknown as Attachments;
  return {
    id,
    ...row,
    ...(spec.secrets?.(r) ?? {}),
    ...(spec.links
      ? { importPolicies: a.import_policies, exportPolicies: a.export_policies, communities: a.communities }
      : {}),
  };
}
