// What an e-mail is made from: our affiliated AS, their network (from our database or straight
// from the PeeringDB mirror), every IXP we share with both sides' addresses, the sessions we
// already have with them and the ones still missing, and the template context drawn from it.
// Facts are loaded for many networks at once with a fixed number of queries (loadFacts), so
// that `request all` for 500 networks costs what it costs for one. Every text from outside is
// on one line (core/text.ts singleLine). templates/email/README.md documents the context.
import { COVERING_STATUSES } from "../connections.js";
import type { Database, SessionStatus } from "../db.js";
import { singleLine, utc } from "../text.js";

const line = (s: string | null | undefined, n = 100) => singleLine(s, n);
const url = (s: string | null | undefined) => singleLine(s, 300);
/** The host part of an inet value ("195.66.224.21/22" -> "195.66.224.21"). */
export const hostOf = (ip: string | null | undefined) => (ip ?? "").replace(/\/\d+$/, "");
const familyOf = (ip: string): "IPv4" | "IPv6" => (ip.includes(":") ? "IPv6" : "IPv4");
const covering = new Set<string>(COVERING_STATUSES);

export const peeringDbUrl = (asn: number | bigint) => `https://www.peeringdb.com/asn/${asn}`;

// ---------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------

export interface LocalAsFacts {
  id: number;
  asn: bigint;
  name: string;
  irrAsSet: string;
  policy: string;
  ipv4MaxPrefixes: number;
  ipv6MaxPrefixes: number;
  emailFrom: string;
  emailReplyTo: string;
  /** From our own PeeringDB record, when we are in the mirror. */
  policyUrl: string;
  website: string;
  inPeeringdb: boolean;
}

export interface OurConnection {
  id: number;
  usable: boolean;
  routerId: number | null;
  routerName: string;
  ipv4: string;
  ipv6: string;
}

export interface OurIxp {
  id: number;
  name: string;
  slug: string;
  peeringdbIxId: number | null;
  peeringdbIxlanId: number | null;
  connections: OurConnection[];
}

export interface Presence {
  ixpId: number;
  ipv4: string | null;
  ipv6: string | null;
  operational: boolean;
  isRsPeer: boolean;
  speed: number;
}

export interface SessionRow {
  kind: "ixp" | "direct";
  id: number;
  /** IXP sessions: the connection and its IXP. */
  connectionId: number | null;
  ixpId: number | null;
  routerId: number | null;
  ip: string;
  localIp: string;
  status: SessionStatus;
  isRouteServer: boolean;
}

export interface PeerFacts {
  asn: bigint;
  /** The AS row, when the network is an AS in peerbot. */
  asId?: number;
  affiliated: boolean;
  inPeeringdb: boolean;
  name: string;
  aka: string;
  policy: string;
  policyUrl: string;
  irrAsSet: string;
  website: string;
  ipv4MaxPrefixes: number;
  ipv6MaxPrefixes: number;
  localContacts: { role: string; email: string; name: string }[];
  pdbContacts: { role: string; email: string; name: string; visible: string }[];
  presence: Presence[];
  sessions: SessionRow[];
}

export interface Facts {
  local: LocalAsFacts;
  ixps: Map<number, OurIxp>;
  routers: Map<number, string>;
  peers: Map<bigint, PeerFacts>;
}

interface NetRow {
  id: number;
  asn: string;
  name: string;
  aka: string;
  policy_general: string;
  policy_url: string;
  irr_as_set: string;
  website: string;
  info_prefixes4: number | null;
  info_prefixes6: number | null;
}

/**
 * Everything needed to write to the networks `asns` on behalf of the affiliated AS `localAsId`,
 * in a fixed number of queries whatever the number of networks.
 */
export async function loadFacts(db: Database, localAsId: number, asns: readonly bigint[]): Promise<Facts> {
  const unique = [...new Set(asns)];
  const asnTexts = unique.map(String);
  const p = db.prisma;
  const localRow = await p.autonomousSystem.findUniqueOrThrow({ where: { id: localAsId } });
  const [ourNet, ixpRows, pdbNets, asRows, routers] = await Promise.all([
    db.pool.query<NetRow>(
      `select id, asn::text as asn, name, aka, policy_general, policy_url, irr_as_set, website,
              info_prefixes4, info_prefixes6
         from pdb_net where asn = $1 and status = 'ok' order by id desc limit 1`,
      [String(localRow.asn)],
    ),
    p.internetExchange.findMany({
      where: { localAsId },
      include: { connections: { include: { router: { select: { name: true } } }, orderBy: { id: "asc" } } },
      orderBy: { name: "asc" },
    }),
    db.pool.query<NetRow>(
      `select distinct on (asn) id, asn::text as asn, name, aka, policy_general, policy_url, irr_as_set,
              website, info_prefixes4, info_prefixes6
         from pdb_net where asn = any($1::bigint[]) and status = 'ok' order by asn, id desc`,
      [asnTexts],
    ),
    p.autonomousSystem.findMany({
      where: { asn: { in: unique } },
      include: { contacts: { orderBy: { id: "asc" } } },
    }),
    p.router.findMany({ where: { localAsId }, select: { id: true, name: true } }),
  ]);

  const ixps = new Map<number, OurIxp>();
  for (const x of ixpRows) {
    ixps.set(x.id, {
      id: x.id,
      name: line(x.name),
      slug: x.slug,
      peeringdbIxId: x.peeringdbIxId,
      peeringdbIxlanId: x.peeringdbIxlanId,
      connections: x.connections.map((c) => ({
        id: c.id,
        usable: c.status === "enabled" && c.routerId !== null && x.status === "enabled",
        routerId: c.routerId,
        routerName: line(c.router?.name),
        ipv4: hostOf(c.ipv4Address),
        ipv6: hostOf(c.ipv6Address),
      })),
    });
  }
  const connIxp = new Map<number, number>();
  for (const x of ixps.values()) for (const c of x.connections) connIxp.set(c.id, x.id);

  const ixlanToIxp = new Map<number, number>();
  const ixToIxp = new Map<number, number>();
  for (const x of ixps.values()) {
    if (x.peeringdbIxlanId !== null) ixlanToIxp.set(x.peeringdbIxlanId, x.id);
    else if (x.peeringdbIxId !== null) ixToIxp.set(x.peeringdbIxId, x.id);
  }
  const asIds = asRows.map((a) => a.id);
  const netIds = pdbNets.rows.map((n) => n.id);
  const routerIds = routers.map((r) => r.id);
  const [pocs, presence, ixpSessions, directSessions] = await Promise.all([
    netIds.length
      ? db.pool.query<{ net_id: number; role: string; email: string; name: string; visible: string }>(
          `select net_id, role, email, name, visible from pdb_poc
            where net_id = any($1::int[]) and status = 'ok' order by net_id, id`,
          [netIds],
        )
      : { rows: [] },
    ixlanToIxp.size || ixToIxp.size
      ? db.pool.query<{
          asn: string;
          ix_id: number;
          ixlan_id: number;
          ipaddr4: string | null;
          ipaddr6: string | null;
          operational: boolean;
          is_rs_peer: boolean;
          speed: number;
        }>(
          `select asn::text as asn, ix_id, ixlan_id, host(ipaddr4) as ipaddr4, host(ipaddr6) as ipaddr6,
                  operational, is_rs_peer, speed
             from pdb_netixlan
            where asn = any($1::bigint[]) and status = 'ok'
              and (ixlan_id = any($2::int[]) or ix_id = any($3::int[]))
            order by id`,
          [asnTexts, [...ixlanToIxp.keys()], [...ixToIxp.keys()]],
        )
      : { rows: [] },
    asIds.length && connIxp.size
      ? p.ixpSession.findMany({
          where: { autonomousSystemId: { in: asIds }, connectionId: { in: [...connIxp.keys()] } },
          select: {
            id: true,
            autonomousSystemId: true,
            connectionId: true,
            ipAddress: true,
            status: true,
            isRouteServer: true,
          },
          orderBy: { id: "asc" },
        })
      : [],
    asIds.length && routerIds.length
      ? p.directSession.findMany({
          where: { autonomousSystemId: { in: asIds }, routerId: { in: routerIds } },
          select: {
            id: true,
            autonomousSystemId: true,
            routerId: true,
            ipAddress: true,
            localIpAddress: true,
            status: true,
          },
          orderBy: { id: "asc" },
        })
      : [],
  ]);

  const ourPdb = ourNet.rows[0];
  const local: LocalAsFacts = {
    id: localRow.id,
    asn: localRow.asn,
    name: line(localRow.name) || `AS${localRow.asn}`,
    irrAsSet: line(localRow.irrAsSet || ourPdb?.irr_as_set),
    policy: line(localRow.generalPolicy || ourPdb?.policy_general, 40),
    ipv4MaxPrefixes: localRow.ipv4MaxPrefixes || (ourPdb?.info_prefixes4 ?? 0),
    ipv6MaxPrefixes: localRow.ipv6MaxPrefixes || (ourPdb?.info_prefixes6 ?? 0),
    emailFrom: localRow.emailFrom,
    emailReplyTo: localRow.emailReplyTo,
    policyUrl: url(ourPdb?.policy_url),
    website: url(ourPdb?.website),
    inPeeringdb: !!ourPdb,
  };

  const peers = new Map<bigint, PeerFacts>();
  const netByAsn = new Map(pdbNets.rows.map((n) => [BigInt(n.asn), n]));
  const asByAsn = new Map(asRows.map((a) => [a.asn, a]));
  const asnById = new Map(asRows.map((a) => [a.id, a.asn]));
  const pocsByNet = new Map<number, PeerFacts["pdbContacts"]>();
  for (const r of pocs.rows) {
    const list = pocsByNet.get(r.net_id) ?? [];
    list.push({ role: line(r.role, 40), email: r.email, name: line(r.name), visible: r.visible });
    pocsByNet.set(r.net_id, list);
  }
  for (const asn of unique) {
    const net = netByAsn.get(asn);
    const row = asByAsn.get(asn);
    if (!net && !row) continue;
    peers.set(asn, {
      asn,
      asId: row?.id,
      affiliated: row?.affiliated ?? false,
      inPeeringdb: !!net,
      name: line(row?.name || net?.name) || `AS${asn}`,
      aka: line(net?.aka),
      policy: line(row?.generalPolicy || net?.policy_general, 40),
      policyUrl: url(net?.policy_url),
      irrAsSet: line(row?.irrAsSet || net?.irr_as_set),
      website: url(net?.website),
      ipv4MaxPrefixes: row?.ipv4MaxPrefixes || (net?.info_prefixes4 ?? 0),
      ipv6MaxPrefixes: row?.ipv6MaxPrefixes || (net?.info_prefixes6 ?? 0),
      localContacts: (row?.contacts ?? []).map((c) => ({
        role: line(c.role, 40),
        email: c.email,
        name: line(c.name),
      })),
      pdbContacts: net ? (pocsByNet.get(net.id) ?? []) : [],
      presence: [],
      sessions: [],
    });
  }
  for (const r of presence.rows) {
    const ixpId = ixlanToIxp.get(r.ixlan_id) ?? ixToIxp.get(r.ix_id);
    const peer = peers.get(BigInt(r.asn));
    if (ixpId === undefined || !peer) continue;
    peer.presence.push({
      ixpId,
      ipv4: r.ipaddr4,
      ipv6: r.ipaddr6,
      operational: r.operational,
      isRsPeer: r.is_rs_peer,
      speed: r.speed,
    });
  }
  /** The sessions list of the peer an AS row id is, when it is one of the peers loaded. */
  const sessionsOf = (asId: number) => peers.get(asnById.get(asId) as bigint)?.sessions;
  for (const s of ixpSessions) {
    sessionsOf(s.autonomousSystemId)?.push({
      kind: "ixp",
      id: s.id,
      connectionId: s.connectionId,
      ixpId: connIxp.get(s.connectionId) ?? null,
      routerId: null,
      ip: hostOf(s.ipAddress),
      localIp: "",
      status: s.status,
      isRouteServer: s.isRouteServer,
    });
  }
  for (const s of directSessions) {
    sessionsOf(s.autonomousSystemId)?.push({
      kind: "direct",
      id: s.id,
      connectionId: null,
      ixpId: null,
      routerId: s.routerId,
      ip: hostOf(s.ipAddress),
      localIp: hostOf(s.localIpAddress),
      status: s.status,
      isRouteServer: false,
    });
  }
  return { local, ixps, routers: new Map(routers.map((r) => [r.id, line(r.name)])), peers };
}

// ---------------------------------------------------------------------------
// Shared exchanges, existing and missing sessions
// ---------------------------------------------------------------------------

/** One BGP session, as a template shows it. */
export interface SessionContext {
  kind: "ixp" | "direct";
  /** The IXP's name ("" for a direct session). */
  ixp: string;
  /** Our router's name ("" when unknown). */
  router: string;
  family: "IPv4" | "IPv6";
  /** Our address, and theirs (no prefix length). */
  ours: string;
  theirs: string;
  /** The session's status in peerbot, or "missing" for one we do not have yet. */
  status: string;
  routeServer: boolean;
}

export interface Addresses {
  ipv4: string[];
  ipv6: string[];
}

export interface SharedIxpContext {
  id: number;
  name: string;
  slug: string;
  peeringdbIxId: number | null;
  /** Our addresses there (our usable connections), and theirs (their operational PeeringDB ports). */
  ours: Addresses;
  theirs: Addresses;
  /** Their total port speed there, Mbit/s, and whether they are at its route servers. */
  speed: number;
  routeServer: boolean;
  /** Sessions we have with them there, and the pairs of addresses still without one. */
  sessions: SessionContext[];
  missing: SessionContext[];
  /** This is the IXP the e-mail is about. */
  requested: boolean;
}

const uniq = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];

/** The session as a template shows it. */
export function sessionContext(f: Facts, s: SessionRow): SessionContext {
  const ixp = s.ixpId !== null ? f.ixps.get(s.ixpId) : undefined;
  const conn = ixp?.connections.find((c) => c.id === s.connectionId);
  const family = familyOf(s.ip);
  const ours = s.kind === "ixp" ? (family === "IPv4" ? conn?.ipv4 : conn?.ipv6) : s.localIp;
  return {
    kind: s.kind,
    ixp: ixp?.name ?? "",
    router: s.kind === "ixp" ? (conn?.routerName ?? "") : (f.routers.get(s.routerId ?? -1) ?? ""),
    family,
    ours: ours ?? "",
    theirs: s.ip,
    status: s.status,
    routeServer: s.isRouteServer,
  };
}

/**
 * The exchanges we share with the network (ours with a connection, theirs in PeeringDB, or a
 * session with them there), by name, with both sides' addresses, the sessions we have and the
 * ones missing: for each of our usable connections and each of their operational addresses of
 * its family, a session is missing unless one of theirs on that connection and address is in
 * a covering status (core/connections.ts).
 */
export function sharedIxps(f: Facts, peer: PeerFacts, requestedIxpId?: number): SharedIxpContext[] {
  const out: SharedIxpContext[] = [];
  for (const x of f.ixps.values()) {
    const here = peer.presence.filter((p) => p.ixpId === x.id);
    const sessions = peer.sessions.filter((s) => s.kind === "ixp" && s.ixpId === x.id);
    if (!here.length && !sessions.length) continue;
    const usable = x.connections.filter((c) => c.usable);
    const live = here.filter((p) => p.operational);
    const theirs = { ipv4: uniq(live.map((p) => p.ipv4)), ipv6: uniq(live.map((p) => p.ipv6)) };
    const missing: SessionContext[] = [];
    for (const c of usable) {
      for (const [family, list, own] of [
        ["IPv4", theirs.ipv4, c.ipv4],
        ["IPv6", theirs.ipv6, c.ipv6],
      ] as const) {
        if (!own) continue;
        for (const ip of list) {
          const covered = sessions.some(
            (s) => s.connectionId === c.id && s.ip === ip && covering.has(s.status),
          );
          if (!covered)
            missing.push({
              kind: "ixp",
              ixp: x.name,
              router: c.routerName,
              family,
              ours: own,
              theirs: ip,
              status: "missing",
              routeServer: false,
            });
        }
      }
    }
    out.push({
      id: x.id,
      name: x.name,
      slug: x.slug,
      peeringdbIxId: x.peeringdbIxId,
      ours: { ipv4: uniq(usable.map((c) => c.ipv4)), ipv6: uniq(usable.map((c) => c.ipv6)) },
      theirs,
      speed: here.reduce((n, p) => n + (p.speed || 0), 0),
      routeServer: here.some((p) => p.isRsPeer),
      sessions: sessions.filter((s) => s.status !== "decommissioned").map((s) => sessionContext(f, s)),
      missing,
      requested: x.id === requestedIxpId,
    });
  }
  return out.sort((a, b) => Number(b.requested) - Number(a.requested) || a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------------------
// The template context
// ---------------------------------------------------------------------------

export interface MomentContext {
  /** "2026-12-01 21:58 UTC" */
  utc: string;
  /** "2026-12-01T21:58:00.000Z" */
  iso: string;
  /** "2026-12-01" */
  date: string;
}

export const moment = (d: Date): MomentContext => ({
  utc: utc(d),
  iso: d.toISOString(),
  date: d.toISOString().slice(0, 10),
});

export interface MaintenanceContext {
  start: MomentContext;
  end: MomentContext;
  /** "2 h 30 min" */
  duration: string;
  reason: string;
  /** What is worked on: a router of ours, or an IXP. */
  scope: { kind: "router" | "ixp"; name: string };
  sessions: SessionContext[];
}

export interface EmailContext {
  kind: string;
  now: MomentContext;
  requester: { name: string };
  local: {
    asn: number;
    name: string;
    irrAsSet: string;
    policy: string;
    ipv4MaxPrefixes: number;
    ipv6MaxPrefixes: number;
    peeringdbUrl: string;
    /** Our peering policy (PeeringDB policy_url), "" when we are not in the mirror or have none. */
    policyUrl: string;
    website: string;
    /** Every IXP where we have a usable connection, with our addresses. */
    ixps: { name: string; slug: string; ipv4: string[]; ipv6: string[] }[];
  };
  peer: {
    asn: number;
    name: string;
    aka: string;
    inDatabase: boolean;
    inPeeringdb: boolean;
    peeringdbUrl: string;
    policy: string;
    policyUrl: string;
    irrAsSet: string;
    website: string;
    ipv4MaxPrefixes: number;
    ipv6MaxPrefixes: number;
  };
  /** The IXP the e-mail is about (also first in sharedIxps), or null. */
  ixp: SharedIxpContext | null;
  sharedIxps: SharedIxpContext[];
  /** Across every shared IXP (and direct sessions for `existing`). */
  sessions: { existing: SessionContext[]; missing: SessionContext[] };
  /** sessions_configured: the sessions it announces; [] otherwise. */
  configured: SessionContext[];
  changeId: number | null;
  maintenance: MaintenanceContext | null;
}

export function duration(ms: number): string {
  const min = Math.round(ms / 60_000);
  const d = Math.floor(min / 1440);
  const h = Math.floor((min % 1440) / 60);
  const m = min % 60;
  const parts = [d ? `${d} d` : "", h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean);
  return parts.length ? parts.join(" ") : "less than a minute";
}

export function buildContext(
  f: Facts,
  peer: PeerFacts,
  opts: {
    kind: string;
    now: Date;
    requester: string;
    ixpId?: number;
    configured?: SessionContext[];
    changeId?: number;
    maintenance?: MaintenanceContext;
  },
): { context: EmailContext; shared: SharedIxpContext[] } {
  const shared = sharedIxps(f, peer, opts.ixpId);
  const direct = peer.sessions
    .filter((s) => s.kind === "direct" && s.status !== "decommissioned")
    .map((s) => sessionContext(f, s));
  const localIxps = [...f.ixps.values()]
    .map((x) => ({ x, usable: x.connections.filter((c) => c.usable) }))
    .filter(({ usable }) => usable.length)
    .map(({ x, usable }) => ({
      name: x.name,
      slug: x.slug,
      ipv4: uniq(usable.map((c) => c.ipv4)),
      ipv6: uniq(usable.map((c) => c.ipv6)),
    }));
  const context: EmailContext = {
    kind: opts.kind,
    now: moment(opts.now),
    requester: { name: line(opts.requester) },
    local: {
      asn: Number(f.local.asn),
      name: f.local.name,
      irrAsSet: f.local.irrAsSet,
      policy: f.local.policy,
      ipv4MaxPrefixes: f.local.ipv4MaxPrefixes,
      ipv6MaxPrefixes: f.local.ipv6MaxPrefixes,
      peeringdbUrl: peeringDbUrl(f.local.asn),
      policyUrl: f.local.policyUrl,
      website: f.local.website,
      ixps: localIxps,
    },
    peer: {
      asn: Number(peer.asn),
      name: peer.name,
      aka: peer.aka,
      inDatabase: peer.asId !== undefined,
      inPeeringdb: peer.inPeeringdb,
      peeringdbUrl: peeringDbUrl(peer.asn),
      policy: peer.policy,
      policyUrl: peer.policyUrl,
      irrAsSet: peer.irrAsSet,
      website: peer.website,
      ipv4MaxPrefixes: peer.ipv4MaxPrefixes,
      ipv6MaxPrefixes: peer.ipv6MaxPrefixes,
    },
    ixp: shared.find((x) => x.requested) ?? null,
    sharedIxps: shared,
    sessions: {
      existing: [...shared.flatMap((x) => x.sessions), ...direct],
      missing: shared.flatMap((x) => x.missing),
    },
    configured: opts.configured ?? [],
    changeId: opts.changeId ?? null,
    maintenance: opts.maintenance ?? null,
  };
  return { context, shared };
}

/** A session for the journal (JSON-safe). */
export const sessionDetail = (s: SessionContext) => ({
  kind: s.kind,
  ixp: s.ixp,
  router: s.router,
  family: s.family,
  ours: s.ours,
  theirs: s.theirs,
  status: s.status,
});
