// Missing sessions (issue 17): networks we already peer with, found by the PeeringDB mirror at
// one of our other IXPs where we have no session with them, and networks we peer with in one
// address family at an IXP where both of us have the other too. One SQL query over our
// sessions, our connections and pdb_netixlan; each row says what is missing and at which IXP,
// so that a Peer button can fix it (`peer AS<n> at <ixp> [v4|v6]`).
//
// The rules are `peers`' (core/peeringdb/available.ts): only operational `ok` ports count, our
// own networks, hidden peers (until their expiry) and ASNs peerbot never peers with are left
// out, a session "exists" in the statuses that cover an address (core/connections.ts), and an
// IXP counts only where we have an enabled connection on a router (with an address of the
// family in question).
import { peerableAsnSql } from "../asn.js";
import { coveringStatusSql } from "../connections.js";
import type { Database } from "../db.js";
import { singleLine } from "../text.js";

export interface MissingSession {
  asn: number;
  name: string;
  ixpId: number;
  ixpName: string;
  ixpSlug: string;
  /** `ixp`: no session with them at this IXP (we peer elsewhere); `family`: one family is missing here. */
  kind: "ixp" | "family";
  /** The families we could add here. */
  families: (4 | 6)[];
  /** Where we already peer with them (IXP names), for `ixp` rows. */
  peeredAt: string[];
}

export interface MissingFilter {
  asn?: number;
  ixpId?: number;
  now?: Date;
}

/** Every missing session, by ASN then IXP. */
export async function missingSessions(db: Database, f: MissingFilter = {}): Promise<MissingSession[]> {
  const params: unknown[] = [(f.now ?? new Date()).toISOString()];
  const cond: string[] = [];
  if (f.asn !== undefined) {
    params.push(f.asn);
    cond.push(`p.asn = $${params.length}`);
  }
  if (f.ixpId !== undefined) {
    params.push(f.ixpId);
    cond.push(`o.id = $${params.length}`);
  }
  // Our sessions folded to one row per (network, IXP) with the families they cover, joined to
  // the mirror's ports by hash joins; where else we peer comes from one row per network. (A
  // correlated EXISTS per port and family over the sessions took 240 ms for 5,010 sessions.)
  const rows = await db.pool.query<{
    asn: string;
    name: string;
    ixp_id: number;
    ixp_name: string;
    ixp_slug: string;
    peered_here: boolean;
    miss4: boolean;
    miss6: boolean;
    peered_ids: number[];
    peered_names: string[];
  }>(
    `with ours as (
       select x.id, x.name, x.slug, x."peeringdbIxlanId" as ixlan_id,
              bool_or(c."ipv4Address" is not null) as v4, bool_or(c."ipv6Address" is not null) as v6
         from "InternetExchange" x
         join "Connection" c on c."ixpId" = x.id and c.status = 'enabled' and c."routerId" is not null
        where x."peeringdbIxlanId" is not null
        group by x.id
     ),
     peered as materialized (
       select a.asn, c."ixpId" as ixp_id,
              bool_or(family(s."ipAddress") = 4) as p4, bool_or(family(s."ipAddress") = 6) as p6
         from "IxpSession" s
         join "Connection" c on c.id = s."connectionId"
         join "AutonomousSystem" a on a.id = s."autonomousSystemId"
        where ${coveringStatusSql("s.status")} and not a.affiliated
        group by 1, 2
     ),
     elsewhere as (
       select q.asn, array_agg(q.ixp_id order by x.name) as ids, array_agg(x.name order by x.name) as names
         from peered q join "InternetExchange" x on x.id = q.ixp_id
        group by q.asn
     ),
     present as (
       select n.asn, o.id as ixp_id, bool_or(n.ipaddr4 is not null) as has4, bool_or(n.ipaddr6 is not null) as has6
         from pdb_netixlan n
         join ours o on o.ixlan_id = n.ixlan_id
         join elsewhere e on e.asn = n.asn
        where n.status = 'ok' and n.operational and ${peerableAsnSql("n.asn")}
          and not exists (select 1 from "HiddenPeer" h where h."ixpId" = o.id and h.asn = n.asn
                            and (h."until" is null or h."until" > ($1::timestamptz at time zone 'UTC')))
        group by 1, 2
     ),
     gaps as (
       select p.asn, o.id, o.name, o.slug, q.asn is not null as peered_here,
              p.has4 and o.v4 and not coalesce(q.p4, false) as miss4,
              p.has6 and o.v6 and not coalesce(q.p6, false) as miss6
         from present p
         join ours o on o.id = p.ixp_id
         left join peered q on q.asn = p.asn and q.ixp_id = o.id
        ${cond.length ? `where ${cond.join(" and ")}` : ""}
     )
     select g.asn::text as asn, coalesce(a.name, '') as name, g.id as ixp_id, g.name as ixp_name, g.slug as ixp_slug,
            g.peered_here, g.miss4, g.miss6, e.ids as peered_ids, e.names as peered_names
       from gaps g
       join elsewhere e on e.asn = g.asn
       left join "AutonomousSystem" a on a.asn = g.asn
      where g.miss4 or g.miss6
      order by g.asn, g.slug`,
    params,
  );
  return rows.rows.map((r) => ({
    asn: Number(r.asn),
    name: singleLine(r.name, 100),
    ixpId: r.ixp_id,
    ixpName: singleLine(r.ixp_name, 100),
    ixpSlug: r.ixp_slug,
    kind: r.peered_here ? "family" : "ixp",
    families: [...(r.miss4 ? [4 as const] : []), ...(r.miss6 ? [6 as const] : [])],
    peeredAt: r.peered_names.filter((_, i) => r.peered_ids[i] !== r.ixp_id).map((n) => singleLine(n, 60)),
  }));
}
