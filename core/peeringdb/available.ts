// Available peers at an IXP, in one SQL query over the mirror and our own tables: one row
// per network (ASN) with a port at the IXP's ixlan that is operational and not yet covered;
// networks that are ours, hidden (until their expiry) or under an ASN peerbot never peers
// with at an IXP (AS_TRANS, private, reserved: core/asn.ts) are left out. A port is covered
// when, on every one of our usable connections to the IXP, each of its addresses that the
// connection can reach (an IPv4 address needs a connection with IPv4, likewise IPv6) already
// has a session with that network: a peer we reach on one of two ports is still available on
// the other. What "usable connection" and "a session on an address" mean is
// core/connections.ts, shared with `peer`. With no usable connection at the IXP nothing is
// covered, so the list shows who is there. A network's row gathers its uncovered ports
// (their addresses, their total speed); the filters on port fields (route server, speed,
// family) pick ports, the others networks.
import { createHash } from "node:crypto";
import { peerableAsnSql } from "../asn.js";
import { singleLine } from "../text.js";
import { coveringStatusSql, usableConnectionsSql } from "../connections.js";
import type { Database } from "../db.js";
import { UserError } from "../errors.js";

export const POLICIES = ["Open", "Selective", "Restrictive", "No"] as const;
export type SortKey = "name" | "asn" | "speed";

export interface AvailablePeerFilters {
  /** Any of these general policies (case-insensitive): open, selective, restrictive, no. */
  policy?: string[];
  /** Ports at the route servers only (true), or only those not at them (false). */
  rs?: boolean;
  /** Ports of at least this many Mbit/s. */
  minSpeed?: number;
  /** Network type contains this (case-insensitive), e.g. "content", "nsp", "isp". */
  type?: string;
  /** Only ports with an address of this family. */
  family?: "ipv4" | "ipv6";
  /** Free text: name, AKA, IRR AS-SET (substring, case-insensitive) or the ASN ("AS714" or "714"). */
  text?: string;
}

export interface AvailablePeerOptions {
  sort?: SortKey;
  /** Default: ascending for name and ASN, descending for speed. */
  descending?: boolean;
  /** 1-based. */
  page?: number;
  pageSize?: number;
  /** Hidden peers expire against this moment (default now). */
  now?: Date;
}

export interface AvailablePeer {
  asn: number;
  netId: number;
  /** On one line. */
  name: string;
  /** The network's uncovered ports at the IXP (netixlan ids), at least one. */
  netixlanIds: number[];
  /** Their addresses. */
  ipv4: string[];
  ipv6: string[];
  /** Their total speed, Mbit/s. */
  speed: number;
  ports: number;
  /** How many of them are at the route servers. */
  rsPorts: number;
  /** At the route servers on at least one of them. */
  isRsPeer: boolean;
  /** Open, Selective, Restrictive, No, or "". */
  policy: string;
  /** info_types joined with ", " (or info_type). */
  networkType: string;
  irrAsSet: string;
  /** We have a session with this ASN somewhere else (another IXP, or a direct session). */
  peersWithUsElsewhere: boolean;
  /** Our usable connections at this IXP on which this network still lacks a session (empty when we have none). */
  missingOn: number[];
}

export interface AvailablePeerPage {
  ixpId: number;
  ixlanId: number;
  /** Networks on this page. */
  rows: AvailablePeer[];
  /** Networks in all. */
  total: number;
  /** The page asked for: past `pages` when it is beyond the last (then `rows` is empty). */
  page: number;
  pages: number;
  pageSize: number;
  /** Our usable connections at the IXP; with none, `peer` cannot add a session there. */
  usableConnections: number;
}

export interface IxpKey {
  id: number;
  peeringdbIxId?: number | null;
  peeringdbIxlanId?: number | null;
}

const SORT_SQL: Record<SortKey, (t: string) => string> = {
  name: (t) => `lower(${t}.name)`,
  asn: (t) => `${t}.asn`,
  speed: (t) => `${t}.speed`,
};

/** Reads "10G", "100g", "400M", "1T", "10000" (Mbit/s) into Mbit/s; null when unreadable. */
export function parseSpeed(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([mgt])?(?:bps|b|bit\/s)?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "m").toLowerCase();
  const mbps = unit === "t" ? n * 1_000_000 : unit === "g" ? n * 1000 : n;
  return Number.isFinite(mbps) ? Math.round(mbps) : null;
}

/**
 * Reads `peers` filter words: `policy:open` (or `policy:open,selective`), `rs:yes|no`,
 * `speed:>=10G`, `type:content`, `family:ipv6` / `v4` / `v6`, `sort:name|asn|speed`,
 * `page:N`; anything else is free text. Throws UserError on a bad value.
 */
export function parsePeerFilters(words: readonly string[]): {
  filters: AvailablePeerFilters;
  options: AvailablePeerOptions;
} {
  const filters: AvailablePeerFilters = {};
  const options: AvailablePeerOptions = {};
  const free: string[] = [];
  const hint =
    "Filters: policy:open|selective|restrictive|no, rs:yes|no, speed:>=10G, type:content, family:ipv4|ipv6, sort:name|asn|speed, page:N, or free text.";
  for (const w of words) {
    const m = /^([a-z]+):(.*)$/i.exec(w);
    const key = m?.[1]?.toLowerCase();
    const value = (m?.[2] ?? "").trim();
    if (!m || !key) {
      if (/^v[46]$/i.test(w)) filters.family = w.toLowerCase() === "v4" ? "ipv4" : "ipv6";
      else free.push(w);
      continue;
    }
    switch (key) {
      case "policy": {
        const wanted = value.split(",").map((p) => p.trim().toLowerCase());
        for (const p of wanted)
          if (!POLICIES.some((q) => q.toLowerCase() === p))
            throw new UserError(
              `"${p}" is not a peering policy.`,
              "Use policy:open, selective, restrictive or no.",
            );
        filters.policy = wanted;
        break;
      }
      case "rs": {
        const v = value.toLowerCase();
        if (["yes", "y", "true", "1"].includes(v)) filters.rs = true;
        else if (["no", "n", "false", "0"].includes(v)) filters.rs = false;
        else throw new UserError(`rs:${value} is not yes or no.`, "Use rs:yes or rs:no.");
        break;
      }
      case "speed": {
        const s = parseSpeed(value.replace(/^>=?/, ""));
        if (s === null)
          throw new UserError(`speed:${value} is not a speed.`, "Use e.g. speed:>=10G or speed:>=400M.");
        filters.minSpeed = s;
        break;
      }
      case "type":
        if (!value)
          throw new UserError("type: needs a network type.", "Use e.g. type:content, type:nsp, type:isp.");
        filters.type = value;
        break;
      case "family":
      case "af": {
        const v = value.toLowerCase().replace(/^ip/, "");
        if (v === "v4" || v === "4") filters.family = "ipv4";
        else if (v === "v6" || v === "6") filters.family = "ipv6";
        else throw new UserError(`family:${value} is not ipv4 or ipv6.`, "Use family:ipv4 or family:ipv6.");
        break;
      }
      case "sort": {
        const v = value.toLowerCase().replace(/^-/, "");
        if (v !== "name" && v !== "asn" && v !== "speed")
          throw new UserError(
            `sort:${value} is not name, asn or speed.`,
            "Use sort:name, sort:asn or sort:speed.",
          );
        options.sort = v;
        if (value.startsWith("-")) options.descending = true;
        break;
      }
      case "page": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new UserError(`page:${value} is not a page number.`, hint);
        options.page = n;
        break;
      }
      default:
        free.push(w);
    }
  }
  if (free.length) filters.text = free.join(" ");
  return { filters, options };
}

interface Row {
  asn: string;
  net_id: number;
  name: string;
  netixlan_ids: number[];
  ipv4: string[];
  ipv6: string[];
  speed: string;
  ports: number;
  rs_ports: number;
  policy: string;
  network_type: string;
  irr_as_set: string;
  elsewhere: boolean;
  missing_on: number[] | null;
  total: string;
  usable: number;
}

/** Resolves the ixlan of an IXP (its own, else the first ixlan of its ix in the mirror), in one query. */
async function ixlanOf(db: Database, ixp: number | IxpKey): Promise<{ id: number; ixlanId: number }> {
  if (typeof ixp !== "number" && ixp.peeringdbIxlanId) return { id: ixp.id, ixlanId: ixp.peeringdbIxlanId };
  const id = typeof ixp === "number" ? ixp : ixp.id;
  const r = await db.pool.query<{ ixlan_id: number | null }>(
    `select coalesce(x."peeringdbIxlanId",
              (select l.id from pdb_ixlan l where l.ix_id = x."peeringdbIxId" and l.status = 'ok' order by l.id limit 1)
            ) as ixlan_id
     from "InternetExchange" x where x.id = $1`,
    [id],
  );
  const row = r.rows[0];
  if (!row)
    throw new UserError(`There is no IXP with id ${id}.`, "Type `ixps` to list the exchanges peerbot knows.");
  if (row.ixlan_id) return { id, ixlanId: row.ixlan_id };
  throw new UserError(
    "This IXP is not linked to PeeringDB, so peerbot cannot tell who is there.",
    "Set its PeeringDB ix id, or run `sync` and `import ixps` to link it.",
  );
}

/** Builds the query's WHERE clauses for the filters; pushes the parameters. */
function filterSql(f: AvailablePeerFilters, params: unknown[]): string {
  const where: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.policy?.length)
    where.push(`lower(c.policy) = any(${p(f.policy.map((x) => x.toLowerCase()))}::text[])`);
  if (f.rs !== undefined) where.push(`c.is_rs_peer = ${p(f.rs)}`);
  if (f.minSpeed !== undefined) where.push(`c.speed >= ${p(f.minSpeed)}`);
  if (f.type) where.push(`c.network_type ilike ${p(`%${escapeLike(f.type)}%`)}`);
  if (f.family === "ipv4") where.push("c.ipaddr4 is not null");
  if (f.family === "ipv6") where.push("c.ipaddr6 is not null");
  const text = f.text?.trim();
  if (text) {
    const asn = /^(?:as)?\s*(\d{1,10})$/i.exec(text);
    const like = p(`%${escapeLike(text)}%`);
    const parts = [`c.name ilike ${like}`, `c.aka ilike ${like}`, `c.irr_as_set ilike ${like}`];
    if (asn) parts.push(`c.asn = ${p(Number(asn[1]))}::bigint`);
    where.push(`(${parts.join(" or ")})`);
  }
  return where.length ? `and ${where.join(" and ")}` : "";
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => "\\" + c);
}

export async function availablePeers(
  db: Database,
  ixp: number | IxpKey,
  filters: AvailablePeerFilters = {},
  opts: AvailablePeerOptions = {},
): Promise<AvailablePeerPage> {
  const { id: ixpId, ixlanId } = await ixlanOf(db, ixp);
  const pageSize = Math.max(1, Math.min(500, opts.pageSize ?? 20));
  const page = Math.max(1, Math.floor(opts.page ?? 1));
  const sort = opts.sort ?? "name";
  const desc = opts.descending ?? sort === "speed";
  const now = (opts.now ?? new Date()).toISOString();
  const params: unknown[] = [ixpId, ixlanId, now];
  const where = filterSql(filters, params);
  params.push(pageSize, (page - 1) * pageSize);
  const limit = `$${params.length - 1}`;
  const offset = `$${params.length}`;
  const order = (t: string) => `${SORT_SQL[sort](t)} ${desc ? "desc" : "asc"}, ${t}.asn`;

  // Sessions are looked up by host address and ASN (one hash join per family), the covering
  // rule is evaluated against our few connections per port, and the network is fetched by
  // primary key per port (the LIMIT keeps the planner from hashing the whole pdb_net instead).
  // Ports are then gathered per network, and networks are counted and paged.
  const sql = `
    with conns as (${usableConnectionsSql("$1")}),
    sess as (
      select host(s."ipAddress")::inet as ip, a.asn, array_agg(distinct s."connectionId") as cids
      from "IxpSession" s
      join conns on conns.id = s."connectionId"
      join "AutonomousSystem" a on a.id = s."autonomousSystemId"
      where ${coveringStatusSql("s.status")}
      group by 1, 2
    ),
    members as (
      select n.id, n.net_id, n.asn, n.ipaddr4, n.ipaddr6, n.speed, n.is_rs_peer
      from pdb_netixlan n
      where n.ixlan_id = $2 and n.status = 'ok' and n.operational and ${peerableAsnSql("n.asn")}
        and not exists (select 1 from "AutonomousSystem" a where a.affiliated and a.asn = n.asn)
        and not exists (select 1 from "HiddenPeer" h where h."ixpId" = $1 and h.asn = n.asn
                          and (h."until" is null or h."until" > ($3::timestamptz at time zone 'UTC')))
    ),
    c as materialized (
      select m.id as netixlan_id, m.net_id, m.asn, m.ipaddr4, m.ipaddr6, m.speed, m.is_rs_peer,
             coalesce(nullif(net.name, ''), 'AS' || m.asn) as name, coalesce(net.aka, '') as aka,
             coalesce(net.policy_general, '') as policy, coalesce(net.irr_as_set, '') as irr_as_set,
             coalesce(nullif(array_to_string(net.info_types, ', '), ''), net.info_type, '') as network_type,
             array(select k.id from conns k
                   where (k.v4 and m.ipaddr4 is not null and not (k.id = any(coalesce(s4.cids, '{}'))))
                      or (k.v6 and m.ipaddr6 is not null and not (k.id = any(coalesce(s6.cids, '{}'))))
                   order by k.id) as missing_on
      from members m
      left join sess s4 on s4.ip = m.ipaddr4 and s4.asn = m.asn
      left join sess s6 on s6.ip = m.ipaddr6 and s6.asn = m.asn
      left join lateral (
        select name, aka, policy_general, irr_as_set, info_types, info_type from pdb_net where id = m.net_id limit 1
      ) net on true
    ),
    open as materialized (
      select c.* from c
      where (cardinality(c.missing_on) > 0 or not exists (select 1 from conns)) ${where}
    ),
    nets as (
      -- A network's fields are the same on each of its ports: plain aggregates, no sorting.
      select o.asn, min(o.net_id) as net_id, max(o.name) as name, max(o.policy) as policy,
             max(o.irr_as_set) as irr_as_set, max(o.network_type) as network_type,
             sum(o.speed) as speed, count(*)::int as ports, (count(*) filter (where o.is_rs_peer))::int as rs_ports
      from open o
      group by o.asn
    ),
    paged as (
      select g.*, count(*) over () as total from nets g
      order by ${order("g")}
      limit ${limit} offset ${offset}
    ),
    -- The ports and connections of the networks on this page only.
    ports as (
      select o.asn, array_agg(o.netixlan_id order by o.netixlan_id) as netixlan_ids,
             array_remove(array_agg(host(o.ipaddr4) order by o.ipaddr4), null) as ipv4,
             array_remove(array_agg(host(o.ipaddr6) order by o.ipaddr6), null) as ipv6
      from open o where o.asn in (select asn from paged)
      group by o.asn
    ),
    missing as (
      select o.asn, array_agg(distinct k order by k) as missing_on
      from open o, unnest(o.missing_on) k where o.asn in (select asn from paged)
      group by o.asn
    )
    select p.asn::text as asn, p.net_id, p.name, x.netixlan_ids, x.ipv4, x.ipv6, p.speed::text as speed,
           p.ports, p.rs_ports, p.policy, p.network_type, p.irr_as_set, p.total::text as total,
           m.missing_on, (select count(*)::int from conns) as usable,
           exists (
             select 1 from "AutonomousSystem" a
             where a.asn = p.asn and (
               exists (select 1 from "IxpSession" s join "Connection" k on k.id = s."connectionId"
                       where s."autonomousSystemId" = a.id and k."ixpId" <> $1 and s.status <> 'decommissioned')
               or exists (select 1 from "DirectSession" d
                          where d."autonomousSystemId" = a.id and d.status <> 'decommissioned'))
           ) as elsewhere
    from paged p
    join ports x on x.asn = p.asn
    left join missing m on m.asn = p.asn
    order by ${order("p")}`;
  // Named, so each pooled connection parses and plans each shape of the query once.
  const name = `pdb-peers-${createHash("sha1").update(sql).digest("hex").slice(0, 16)}`;
  const r = await db.pool.query<Row>({ name, text: sql, values: params });
  let total = Number(r.rows[0]?.total ?? 0);
  let usable = r.rows[0]?.usable;
  if (!r.rows.length) {
    if (page > 1) {
      // Past the last page: count without paging, so the caller can offer the last one.
      const again = await availablePeers(db, { id: ixpId, peeringdbIxlanId: ixlanId }, filters, {
        ...opts,
        page: 1,
      });
      total = again.total;
      usable = again.usableConnections;
    } else {
      const u = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from (${usableConnectionsSql("$1")}) k`,
        [ixpId],
      );
      usable = u.rows[0]?.n ?? 0;
    }
  }
  return {
    ixpId,
    ixlanId,
    rows: r.rows.map((row) => ({
      asn: Number(row.asn),
      netId: row.net_id,
      name: singleLine(row.name, 100),
      netixlanIds: row.netixlan_ids,
      ipv4: row.ipv4,
      ipv6: row.ipv6,
      speed: Number(row.speed),
      ports: row.ports,
      rsPorts: row.rs_ports,
      isRsPeer: row.rs_ports > 0,
      policy: singleLine(row.policy, 40),
      networkType: singleLine(row.network_type, 100),
      irrAsSet: singleLine(row.irr_as_set, 100),
      peersWithUsElsewhere: row.elsewhere,
      missingOn: row.missing_on ?? [],
    })),
    total,
    page,
    pages: Math.max(1, Math.ceil(total / pageSize)),
    pageSize,
    usableConnections: usable ?? 0,
  };
}
