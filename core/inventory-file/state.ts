// What the database holds, as records (model.ts), read in a few queries: one per table and one
// per attachment table, whatever the size of the inventory. Secrets are read as "is one set",
// never as ciphertext.
import type { Database, Prisma } from "../db.js";
import {
  byText,
  type AsRec,
  type CommunityRec,
  type ConnectionRec,
  type ContactRec,
  type DirectSessionRec,
  type GroupRec,
  type IxpRec,
  type IxpSessionRec,
  type PolicyRec,
  type RouterRec,
  type SecretRef,
} from "./model.js";

/** Raw SQL on the pool's Prisma client or inside a transaction of it. */
export type Query = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => Promise<T[]>;

export function queryOf(client: Database["prisma"] | Prisma.TransactionClient): Query {
  return <T>(sql: string, ...params: unknown[]) => client.$queryRawUnsafe<T[]>(sql, ...params);
}

export interface Stored<R> {
  id: number;
  rec: R;
}

export interface StoredConnection extends Stored<ConnectionRec> {
  ixpId: number;
}

export interface StoredIxpSession extends Stored<IxpSessionRec> {
  connectionId: number;
}

/** The tables of the implicit many-to-many attachments: [table, owner column, policy/community column]. */
export const LINK_TABLES = {
  as: {
    import: ["_AsImportPolicies", "A", "B"],
    export: ["_AsExportPolicies", "A", "B"],
    communities: ["_AutonomousSystemToCommunity", "A", "B"],
  },
  ixp: {
    import: ["_IxpImportPolicies", "A", "B"],
    export: ["_IxpExportPolicies", "A", "B"],
    communities: ["_CommunityToInternetExchange", "B", "A"],
  },
  group: {
    import: ["_GroupImportPolicies", "A", "B"],
    export: ["_GroupExportPolicies", "A", "B"],
    communities: ["_BgpGroupToCommunity", "A", "B"],
  },
  "ixp-session": {
    import: ["_IxpSessionImportPolicies", "A", "B"],
    export: ["_IxpSessionExportPolicies", "A", "B"],
    communities: ["_CommunityToIxpSession", "B", "A"],
  },
  "direct-session": {
    import: ["_DirectSessionImportPolicies", "A", "B"],
    export: ["_DirectSessionExportPolicies", "A", "B"],
    communities: ["_CommunityToDirectSession", "B", "A"],
  },
} as const satisfies Record<
  string,
  Record<"import" | "export" | "communities", readonly [string, "A" | "B", "A" | "B"]>
>;
export type LinkOwner = keyof typeof LINK_TABLES;

/** A change that is not over yet: it may still deploy or revert the sessions it carries. */
export interface OpenChange {
  id: number;
  routerId: number;
  status: string;
  /** "ixp:<id>" / "direct:<id>" of the sessions it carries. */
  sessions: string[];
}

export interface State {
  policies: Map<string, Stored<PolicyRec>>;
  communities: Map<string, Stored<CommunityRec>>;
  groups: Map<string, Stored<GroupRec>>;
  ases: Map<number, Stored<AsRec>>;
  contacts: Stored<ContactRec>[];
  ixps: Map<string, Stored<IxpRec>>;
  routers: Map<string, Stored<RouterRec>>;
  connections: StoredConnection[];
  ixpSessions: StoredIxpSession[];
  directSessions: Stored<DirectSessionRec>[];
  /** Database id -> natural key. */
  names: {
    as: Map<number, number>;
    policy: Map<number, string>;
    community: Map<number, string>;
    group: Map<number, string>;
    ixp: Map<number, string>;
    router: Map<number, string>;
  };
  openChanges: OpenChange[];
  /** Every change request of each router (router id -> count): they go with a deleted router. */
  changesPerRouter: Map<number, number>;
}

/** Statuses of a change that is not over (core/changes/model.ts: not terminal). */
export const ACTIVE_CHANGE_STATUSES = ["planning", "pending", "queued", "deploying"];

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

export async function loadState(q: Query): Promise<State> {
  const [
    policies,
    communities,
    groups,
    ases,
    contacts,
    ixps,
    routers,
    connections,
    ixpSessions,
    directSessions,
    changes,
    perRouter,
  ] = await Promise.all([
    q(
      `select id, name, slug, kind::text as kind, weight, "addressFamily"::text as family, comments from "RoutingPolicy"`,
    ),
    q(
      `select id, name, slug, value, kind::text as kind, direction::text as direction, comments from "Community"`,
    ),
    q(`select id, name, slug, status::text as status, comments from "BgpGroup"`),
    q(
      `select id, asn::text as asn, name, "irrAsSet", "ipv4MaxPrefixes", "ipv6MaxPrefixes", "generalPolicy", affiliated,
                comments, "peeringdbNetId", "syncName", "syncIrrAsSet", "syncMaxPrefixes", "syncPolicy", "emailFrom", "emailReplyTo"
           from "AutonomousSystem"`,
    ),
    q(`select id, name, role, email, phone, "autonomousSystemId" from "Contact" order by id`),
    q(
      `select id, name, slug, "peeringdbIxId", "peeringdbIxlanId", "localAsId", status::text as status, prefixes, comments
           from "InternetExchange"`,
    ),
    q(
      `select id, name, hostname, port, platform::text as platform, "localAsId", status::text as status, template,
                "pollSessionState", "bgpRouterId", "fourEyes", username, "passwordEnc" is not null as "hasPassword",
                "privateKeyEnc" is not null as "hasKey", "credentialEnv", "hostKeyFingerprint", "configPath", comments
           from "Router"`,
    ),
    q(
      `select id, name, "ixpId", "routerId", "ipv4Address" as v4, "ipv6Address" as v6, vlan, "macAddress", speed,
                status::text as status, "peeringdbNetixlanId", comments
           from "Connection" order by id`,
    ),
    q(
      `select s.id, a.asn::text as asn, s."connectionId", s."ipAddress" as ip, s."isRouteServer", s.status::text as status,
                s."passwordEnc" is not null as "hasPassword", s."multihopTtl", s.passive, s.bfd, s.comments
           from "IxpSession" s join "AutonomousSystem" a on a.id = s."autonomousSystemId" order by s.id`,
    ),
    q(
      `select s.id, a.asn::text as asn, s."routerId", s."bgpGroupId", s."localAsn"::text as "localAsn",
                s."localIpAddress" as "localIp", s."ipAddress" as ip, s.relationship::text as relationship,
                s.status::text as status, s."passwordEnc" is not null as "hasPassword", s."passwordEnv", s."multihopTtl",
                s.passive, s.bfd, s.comments
           from "DirectSession" s join "AutonomousSystem" a on a.id = s."autonomousSystemId" order by s.id`,
    ),
    q(
      `select id, "routerId", status::text as status, effects from "ChangeRequest" where status::text = any($1::text[])`,
      ACTIVE_CHANGE_STATUSES,
    ),
    q(`select "routerId", count(*)::int as n from "ChangeRequest" group by 1`),
  ]);

  const names = {
    as: new Map(ases.map((r) => [num(r.id), num(r.asn)])),
    policy: new Map(policies.map((r) => [num(r.id), str(r.slug)])),
    community: new Map(communities.map((r) => [num(r.id), str(r.slug)])),
    group: new Map(groups.map((r) => [num(r.id), str(r.slug)])),
    ixp: new Map(ixps.map((r) => [num(r.id), str(r.slug)])),
    router: new Map(routers.map((r) => [num(r.id), str(r.name)])),
  };
  const links = await loadLinks(q, names);
  const att = (owner: LinkOwner, id: number) => ({
    import_policies: links[owner].import.get(id) ?? [],
    export_policies: links[owner].export.get(id) ?? [],
    communities: links[owner].communities.get(id) ?? [],
  });

  const state: State = {
    policies: new Map(
      policies.map((r) => [
        str(r.slug),
        {
          id: num(r.id),
          rec: {
            slug: str(r.slug),
            name: str(r.name),
            kind: str(r.kind),
            family: str(r.family),
            weight: num(r.weight),
            comments: str(r.comments),
          },
        },
      ]),
    ),
    communities: new Map(
      communities.map((r) => [
        str(r.slug),
        {
          id: num(r.id),
          rec: {
            slug: str(r.slug),
            name: str(r.name),
            value: str(r.value),
            kind: str(r.kind),
            direction: str(r.direction),
            comments: str(r.comments),
          },
        },
      ]),
    ),
    groups: new Map(
      groups.map((r) => [
        str(r.slug),
        {
          id: num(r.id),
          rec: {
            slug: str(r.slug),
            name: str(r.name),
            status: str(r.status),
            comments: str(r.comments),
            ...att("group", num(r.id)),
          },
        },
      ]),
    ),
    ases: new Map(
      ases.map((r) => [
        num(r.asn),
        {
          id: num(r.id),
          rec: {
            asn: num(r.asn),
            name: str(r.name),
            affiliated: Boolean(r.affiliated),
            irr_as_set: str(r.irrAsSet),
            ipv4_max_prefixes: num(r.ipv4MaxPrefixes),
            ipv6_max_prefixes: num(r.ipv6MaxPrefixes),
            policy: str(r.generalPolicy),
            comments: str(r.comments),
            peeringdb_id: numOrNull(r.peeringdbNetId),
            sync_name: Boolean(r.syncName),
            sync_irr_as_set: Boolean(r.syncIrrAsSet),
            sync_max_prefixes: Boolean(r.syncMaxPrefixes),
            sync_policy: Boolean(r.syncPolicy),
            email_from: str(r.emailFrom),
            email_reply_to: str(r.emailReplyTo),
            ...att("as", num(r.id)),
          },
        },
      ]),
    ),
    contacts: contacts.map((r) => ({
      id: num(r.id),
      rec: {
        asn: names.as.get(num(r.autonomousSystemId)) ?? 0,
        name: str(r.name),
        role: str(r.role),
        email: str(r.email),
        phone: str(r.phone),
      },
    })),
    ixps: new Map(
      ixps.map((r) => [
        str(r.slug),
        {
          id: num(r.id),
          rec: {
            slug: str(r.slug),
            name: str(r.name),
            local_as: names.as.get(num(r.localAsId)) ?? 0,
            peeringdb_ix_id: numOrNull(r.peeringdbIxId),
            peeringdb_ixlan_id: numOrNull(r.peeringdbIxlanId),
            prefixes: (r.prefixes as string[] | null) ?? [],
            status: str(r.status),
            comments: str(r.comments),
            ...att("ixp", num(r.id)),
          },
        },
      ]),
    ),
    routers: new Map(
      routers.map((r) => [
        str(r.name),
        {
          id: num(r.id),
          rec: {
            name: str(r.name),
            hostname: str(r.hostname),
            port: num(r.port),
            platform: str(r.platform),
            local_as: names.as.get(num(r.localAsId)) ?? 0,
            status: str(r.status),
            template: str(r.template),
            config_path: str(r.configPath),
            bgp_router_id: str(r.bgpRouterId),
            poll_session_state: Boolean(r.pollSessionState),
            four_eyes: Boolean(r.fourEyes),
            username: str(r.username),
            credential: secretOf(Boolean(r.hasPassword), str(r.credentialEnv)),
            private_key: r.hasKey ? "stored" : "none",
            host_key: str(r.hostKeyFingerprint),
            comments: str(r.comments),
          },
        },
      ]),
    ),
    connections: connections.map((r) => ({
      id: num(r.id),
      ixpId: num(r.ixpId),
      rec: {
        ixp: names.ixp.get(num(r.ixpId)) ?? "",
        router: r.routerId === null ? null : (names.router.get(num(r.routerId)) ?? null),
        name: str(r.name),
        ipv4: (r.v4 as string | null) ?? null,
        ipv6: (r.v6 as string | null) ?? null,
        vlan: numOrNull(r.vlan),
        mac: str(r.macAddress),
        speed: num(r.speed),
        status: str(r.status),
        peeringdb_netixlan_id: numOrNull(r.peeringdbNetixlanId),
        comments: str(r.comments),
      },
    })),
    ixpSessions: ixpSessions.map((r) => ({
      id: num(r.id),
      connectionId: num(r.connectionId),
      rec: {
        asn: num(r.asn),
        ip: str(r.ip),
        status: str(r.status),
        route_server: Boolean(r.isRouteServer),
        password: r.hasPassword ? "stored" : "none",
        multihop_ttl: numOrNull(r.multihopTtl),
        passive: Boolean(r.passive),
        bfd: Boolean(r.bfd),
        comments: str(r.comments),
        ...att("ixp-session", num(r.id)),
      },
    })),
    directSessions: directSessions.map((r) => ({
      id: num(r.id),
      rec: {
        router: r.routerId === null ? null : (names.router.get(num(r.routerId)) ?? null),
        ip: str(r.ip),
        asn: num(r.asn),
        local_asn: numOrNull(r.localAsn),
        local_ip: (r.localIp as string | null) ?? null,
        relationship: str(r.relationship),
        status: str(r.status),
        group: r.bgpGroupId === null ? null : (names.group.get(num(r.bgpGroupId)) ?? null),
        password: secretOf(Boolean(r.hasPassword), str(r.passwordEnv)),
        multihop_ttl: numOrNull(r.multihopTtl),
        passive: Boolean(r.passive),
        bfd: Boolean(r.bfd),
        comments: str(r.comments),
        ...att("direct-session", num(r.id)),
      },
    })),
    names,
    openChanges: changes.map((c) => ({
      id: num(c.id),
      routerId: num(c.routerId),
      status: str(c.status),
      sessions: Array.isArray(c.effects)
        ? (c.effects as { kind?: unknown; id?: unknown }[]).map((e) => `${String(e.kind)}:${String(e.id)}`)
        : [],
    })),
    changesPerRouter: new Map(perRouter.map((r) => [num(r.routerId), num(r.n)])),
  };
  return state;
}

/** A stored password wins over a variable (drivers/router/factory.ts reads them in that order). */
function secretOf(stored: boolean, env: string): SecretRef {
  return stored ? "stored" : env ? `env:${env}` : "none";
}

type Links = Record<LinkOwner, Record<"import" | "export" | "communities", Map<number, string[]>>>;

async function loadLinks(q: Query, names: State["names"]): Promise<Links> {
  const jobs: Promise<void>[] = [];
  const out = {} as Links;
  for (const [owner, tables] of Object.entries(LINK_TABLES) as [
    LinkOwner,
    (typeof LINK_TABLES)[LinkOwner],
  ][]) {
    out[owner] = { import: new Map(), export: new Map(), communities: new Map() };
    for (const which of ["import", "export", "communities"] as const) {
      const [table, ownerCol, otherCol] = tables[which];
      const map = out[owner][which];
      const lookup = which === "communities" ? names.community : names.policy;
      jobs.push(
        q<{ o: number; x: number }>(`select "${ownerCol}" as o, "${otherCol}" as x from "${table}"`).then(
          (rows) => {
            for (const r of rows) {
              const slug = lookup.get(Number(r.x));
              if (slug === undefined) continue;
              const list = map.get(Number(r.o));
              if (list) list.push(slug);
              else map.set(Number(r.o), [slug]);
            }
            for (const list of map.values()) list.sort(byText);
          },
        ),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}
