// What the mirror says about a network or an exchange, for `as <asn>` and `ix <name>`. Every
// text meant for a message (all but a network's notes) comes back on one line and clipped
// (core/asn.ts singleLine): a name with a newline in PeeringDB must not add lines to a reply.
import { singleLine } from "../text.js";
import type { Database } from "../db.js";

/** One-line texts: names and the like, addresses (URLs, e-mail), long free text. */
const line = (s: string | null | undefined) => singleLine(s, 100);
const addr = (s: string | null | undefined) => singleLine(s, 200);

export interface PdbContact {
  name: string;
  role: string;
  email: string;
  phone: string;
  url: string;
  visible: string;
}

export interface NetPresence {
  ixId: number;
  ixlanId: number;
  ixName: string;
  ipv4: string | null;
  ipv6: string | null;
  speed: number;
  isRsPeer: boolean;
  operational: boolean;
  /** Our IXP there, when we are at that exchange too. */
  ourIxp: { id: number; name: string; slug: string } | null;
}

export interface NetInfo {
  netId: number;
  asn: number;
  name: string;
  aka: string;
  nameLong: string;
  website: string;
  org: { id: number; name: string } | null;
  irrAsSet: string;
  infoPrefixes4: number | null;
  infoPrefixes6: number | null;
  /** Open, Selective, Restrictive, No, or "". */
  policyGeneral: string;
  policyLocations: string;
  policyRatio: boolean;
  policyContracts: string;
  policyUrl: string;
  networkTypes: string[];
  infoScope: string;
  infoTraffic: string;
  infoRatio: string;
  neverViaRouteServers: boolean;
  lookingGlass: string;
  routeServer: string;
  notes: string;
  updated: Date;
  /** Contacts grouped by PeeringDB role ("Policy", "Technical", "NOC", ...). */
  contacts: Record<string, PdbContact[]>;
  exchanges: NetPresence[];
  /** The exchanges where both we and they are (a subset of exchanges). */
  sharedIxps: { id: number; name: string; slug: string }[];
  facilities: number;
}

interface NetRow {
  id: number;
  asn: string;
  name: string;
  aka: string;
  name_long: string;
  website: string;
  org_id: number;
  org_name: string | null;
  irr_as_set: string;
  info_prefixes4: number | null;
  info_prefixes6: number | null;
  policy_general: string;
  policy_locations: string;
  policy_ratio: boolean;
  policy_contracts: string;
  policy_url: string;
  info_types: string[];
  info_type: string;
  info_scope: string;
  info_traffic: string;
  info_ratio: string;
  info_never_via_route_servers: boolean;
  looking_glass: string;
  route_server: string;
  notes: string;
  updated: Date;
  facilities: number;
}

/** The mirror's `net` for `asn` with its organisation, contacts and exchanges; null when absent. */
export async function lookupNet(db: Database, asn: number): Promise<NetInfo | null> {
  const r = await db.pool.query<NetRow>(
    `select n.*, n.asn::text as asn, o.name as org_name,
            (select count(*)::int from pdb_netfac f where f.net_id = n.id and f.status = 'ok') as facilities
     from pdb_net n left join pdb_org o on o.id = n.org_id
     where n.asn = $1 and n.status = 'ok' order by n.id desc limit 1`,
    [asn],
  );
  const n = r.rows[0];
  if (!n) return null;
  const [contacts, exchanges] = await Promise.all([contactsOf(db, n.id), presenceOf(db, asn)]);
  const shared = new Map<number, { id: number; name: string; slug: string }>();
  for (const e of exchanges) if (e.ourIxp) shared.set(e.ourIxp.id, e.ourIxp);
  return {
    netId: n.id,
    asn: Number(n.asn),
    name: line(n.name),
    aka: line(n.aka),
    nameLong: addr(n.name_long),
    website: addr(n.website),
    org: n.org_name === null ? null : { id: n.org_id, name: line(n.org_name) },
    irrAsSet: addr(n.irr_as_set),
    infoPrefixes4: n.info_prefixes4,
    infoPrefixes6: n.info_prefixes6,
    policyGeneral: line(n.policy_general),
    policyLocations: line(n.policy_locations),
    policyRatio: n.policy_ratio,
    policyContracts: line(n.policy_contracts),
    policyUrl: addr(n.policy_url),
    networkTypes: (n.info_types.length ? n.info_types : n.info_type ? [n.info_type] : []).map(line),
    infoScope: line(n.info_scope),
    infoTraffic: line(n.info_traffic),
    infoRatio: line(n.info_ratio),
    neverViaRouteServers: n.info_never_via_route_servers,
    lookingGlass: addr(n.looking_glass),
    routeServer: addr(n.route_server),
    notes: n.notes,
    updated: n.updated,
    contacts,
    exchanges,
    sharedIxps: [...shared.values()].sort((a, b) => a.name.localeCompare(b.name)),
    facilities: n.facilities,
  };
}

const ROLE_ORDER = ["Policy", "Technical", "NOC", "Abuse", "Maintenance", "Public Relations", "Sales"];

async function contactsOf(db: Database, netId: number): Promise<Record<string, PdbContact[]>> {
  const r = await db.pool.query<PdbContact>(
    `select name, role, email, phone, url, visible from pdb_poc
     where net_id = $1 and status = 'ok' order by role, name, id`,
    [netId],
  );
  const out: Record<string, PdbContact[]> = {};
  const roles = [...new Set(r.rows.map((c) => c.role))].sort(
    (a, b) => (ROLE_ORDER.indexOf(a) + 1 || 99) - (ROLE_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  for (const role of roles)
    out[line(role)] = r.rows
      .filter((c) => c.role === role)
      .map((c) => ({
        name: line(c.name),
        role: line(c.role),
        email: addr(c.email),
        phone: line(c.phone),
        url: addr(c.url),
        visible: c.visible,
      }));
  return out;
}

/** Contacts of the network with `asn`, grouped by role; {} when the mirror has none. */
export async function contactsByRole(db: Database, asn: number): Promise<Record<string, PdbContact[]>> {
  const r = await db.pool.query<{ id: number }>(
    "select id from pdb_net where asn = $1 and status = 'ok' order by id desc limit 1",
    [asn],
  );
  const id = r.rows[0]?.id;
  return id === undefined ? {} : contactsOf(db, id);
}

async function presenceOf(db: Database, asn: number): Promise<NetPresence[]> {
  const r = await db.pool.query<{
    ix_id: number;
    ixlan_id: number;
    ix_name: string;
    ipaddr4: string | null;
    ipaddr6: string | null;
    speed: number;
    is_rs_peer: boolean;
    operational: boolean;
    our_id: number | null;
    our_name: string | null;
    our_slug: string | null;
  }>(
    `select n.ix_id, n.ixlan_id, coalesce(ix.name, nullif(n.name, ''), 'ix ' || n.ix_id) as ix_name,
            host(n.ipaddr4) as ipaddr4, host(n.ipaddr6) as ipaddr6, n.speed, n.is_rs_peer, n.operational,
            x.id as our_id, x.name as our_name, x.slug as our_slug
     from pdb_netixlan n
     left join pdb_ix ix on ix.id = n.ix_id
     left join lateral (select id, name, slug from "InternetExchange" i
                        where i."peeringdbIxlanId" = n.ixlan_id or (i."peeringdbIxlanId" is null and i."peeringdbIxId" = n.ix_id)
                        order by id limit 1) x on true
     where n.asn = $1 and n.status = 'ok'
     order by ix_name, n.ipaddr4 nulls last, n.id`,
    [asn],
  );
  return r.rows.map((row) => ({
    ixId: row.ix_id,
    ixlanId: row.ixlan_id,
    ixName: line(row.ix_name),
    ipv4: row.ipaddr4,
    ipv6: row.ipaddr6,
    speed: row.speed,
    isRsPeer: row.is_rs_peer,
    operational: row.operational,
    ourIxp:
      row.our_id === null ? null : { id: row.our_id, name: line(row.our_name), slug: row.our_slug ?? "" },
  }));
}

export interface IxInfo {
  ixId: number;
  name: string;
  aka: string;
  nameLong: string;
  city: string;
  country: string;
  regionContinent: string;
  website: string;
  techEmail: string;
  policyEmail: string;
  org: { id: number; name: string } | null;
  ixlans: { id: number; name: string; mtu: number | null; rsAsn: number | null; prefixes: string[] }[];
  /** Networks (distinct ASNs) with an ok netixlan, and how many route-server peers among the rows. */
  networks: number;
  ports: number;
  rsPeers: number;
  facilities: { id: number; name: string; city: string; country: string }[];
  updated: Date;
}

/**
 * An exchange in the mirror by PeeringDB id, or by name (exact, then prefix, then substring,
 * case-insensitive; AKA and long name count). Returns every match when a name is ambiguous.
 */
export async function lookupIx(db: Database, query: number | string): Promise<IxInfo[]> {
  let ids: number[];
  if (typeof query === "number") ids = [query];
  else {
    const q = query.trim();
    const r = await db.pool.query<{ id: number; rank: number }>(
      `select id, case when lower(name) = lower($1) or lower(aka) = lower($1) then 0
                       when name ilike $2 or aka ilike $2 then 1 else 2 end as rank
       from pdb_ix where status = 'ok' and (name ilike $3 or aka ilike $3 or name_long ilike $3)
       order by rank, name limit 20`,
      [q, `${q.replace(/[\\%_]/g, (c) => "\\" + c)}%`, `%${q.replace(/[\\%_]/g, (c) => "\\" + c)}%`],
    );
    const best = r.rows[0]?.rank;
    ids = r.rows.filter((x) => x.rank === best).map((x) => x.id);
  }
  const out: IxInfo[] = [];
  for (const id of ids) {
    const ix = await db.pool.query<{
      id: number;
      name: string;
      aka: string;
      name_long: string;
      city: string;
      country: string;
      region_continent: string;
      website: string;
      tech_email: string;
      policy_email: string;
      org_id: number;
      org_name: string | null;
      updated: Date;
    }>(
      `select ix.*, o.name as org_name from pdb_ix ix left join pdb_org o on o.id = ix.org_id where ix.id = $1`,
      [id],
    );
    const row = ix.rows[0];
    if (!row) continue;
    const [lans, counts, facs] = await Promise.all([
      db.pool.query<{
        id: number;
        name: string;
        mtu: number | null;
        rs_asn: string | null;
        prefixes: string[] | null;
      }>(
        `select l.id, l.name, l.mtu, l.rs_asn::text as rs_asn,
                (select array_agg(text(p.prefix) order by p.protocol, p.prefix) from pdb_ixpfx p
                 where p.ixlan_id = l.id and p.status = 'ok') as prefixes
         from pdb_ixlan l where l.ix_id = $1 and l.status = 'ok' order by l.id`,
        [id],
      ),
      db.pool.query<{ networks: number; ports: number; rs: number }>(
        `select count(distinct asn)::int as networks, count(*)::int as ports, count(*) filter (where is_rs_peer)::int as rs
         from pdb_netixlan where ixlan_id in (select id from pdb_ixlan where ix_id = $1) and status = 'ok'`,
        [id],
      ),
      db.pool.query<{ id: number; name: string; city: string; country: string }>(
        `select f.id, f.name, f.city, f.country from pdb_ixfac x join pdb_fac f on f.id = x.fac_id
         where x.ix_id = $1 and x.status = 'ok' order by f.name`,
        [id],
      ),
    ]);
    out.push({
      ixId: row.id,
      name: line(row.name),
      aka: line(row.aka),
      nameLong: addr(row.name_long),
      city: line(row.city),
      country: line(row.country),
      regionContinent: line(row.region_continent),
      website: addr(row.website),
      techEmail: addr(row.tech_email),
      policyEmail: addr(row.policy_email),
      org: row.org_name === null ? null : { id: row.org_id, name: line(row.org_name) },
      ixlans: lans.rows.map((l) => ({
        id: l.id,
        name: line(l.name),
        mtu: l.mtu,
        rsAsn: l.rs_asn === null || l.rs_asn === "0" ? null : Number(l.rs_asn),
        prefixes: l.prefixes ?? [],
      })),
      networks: counts.rows[0]?.networks ?? 0,
      ports: counts.rows[0]?.ports ?? 0,
      rsPeers: counts.rows[0]?.rs ?? 0,
      facilities: facs.rows.map((f) => ({
        id: f.id,
        name: line(f.name),
        city: line(f.city),
        country: line(f.country),
      })),
      updated: row.updated,
    });
  }
  return out;
}
