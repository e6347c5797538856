// Linking peerbot's objects to the mirror, in a few set-based statements (no per-row work):
// autonomous systems to their `net` by ASN, then their name, AS-SET, max prefixes and policy
// refreshed field by field unless that field's sync flag is off; IXPs to their ix/ixlan (from
// whichever id is known, or from the peering LAN our connection addresses sit in) and their
// prefixes; connections to their netixlan by our ASN and address. Each row a statement changes
// gets its row in the change history in the same statement (via "sync", by "sync"), with the
// row's data before and after: nothing is recorded when nothing changed.
import { randomUUID } from "node:crypto";
import type { Database } from "../db.js";

/**
 * A PeeringDB name as peerbot stores it: on one line (control characters, line and paragraph
 * separators and runs of space made one space) and at most 100 characters, as
 * core/asn.ts singleLine does for names `peer` stores, so that no name adds a line to a message.
 */
const ONE_LINE_NAME = String.raw`left(btrim(regexp_replace(n.name, '[[:cntrl:]\u2028\u2029[:space:]]+', ' ', 'g')), 100)`;

export interface LinkReport {
  /** Autonomous systems newly linked to a PeeringDB net. */
  asLinked: number;
  /** Autonomous systems whose fields changed from PeeringDB. */
  asRefreshed: number;
  ixpsLinked: number;
  /** IXPs whose prefix list changed. */
  ixpPrefixes: number;
  connectionsLinked: number;
}

const NOW_UTC = `(now() at time zone 'UTC')`;

/** What core/history.ts snapshot() leaves out of a row's data. */
const NOISE = `'{createdAt,updatedAt}'::text[]`;

/**
 * `update` (an UPDATE of `table` aliased `alias`, with `o` in its FROM list as the row before)
 * run with one history row per row it changed. `reprSql` names the object from the new row.
 * $1 is the request id.
 */
function recorded(update: string, type: string, reprSql: string, alias: string): string {
  return `with changed as (${update}
      returning ${alias}.id, ${reprSql} as repr, to_jsonb(o) - ${NOISE} as before, to_jsonb(${alias}) - ${NOISE} as after)
    insert into "ObjectChange" (at, actor, "actorName", via, "requestId", "objectType", "objectId", "objectRepr", action, before, after)
    select ${NOW_UTC}, 'sync', 'PeeringDB sync', 'sync', $1, '${type}', id::text, left(repr, 300), 'update', before, after
      from changed`;
}

/** How the history names an IXP and a connection (core/objects/repr.ts), in SQL. */
const oneLine = (col: string) =>
  String.raw`left(btrim(regexp_replace(${col}, '[[:cntrl:]\u2028\u2029[:space:]]+', ' ', 'g')), 100)`;
const IXP_REPR = oneLine("x.name");
const CONNECTION_REPR = `(select ${oneLine("i.name")} from "InternetExchange" i where i.id = c."ixpId")
  || ' ' || coalesce(host(c."ipv4Address"), host(c."ipv6Address"), '#' || c.id)`;

export async function refreshFromMirror(db: Database): Promise<LinkReport> {
  const client = await db.pool.connect();
  try {
    await client.query("begin");
    const request = [randomUUID()];
    const asLinked = await client.query(
      recorded(
        `update "AutonomousSystem" a set "peeringdbNetId" = n.id, "updatedAt" = ${NOW_UTC}
       from (select distinct on (asn) id, asn from pdb_net where status = 'ok' order by asn, id desc) n,
            "AutonomousSystem" o
       where o.id = a.id and n.asn = a.asn and a."peeringdbNetId" is distinct from n.id
         and not exists (select 1 from "AutonomousSystem" b where b."peeringdbNetId" = n.id)`,
        "as",
        `'AS' || a.asn`,
        "a",
      ),
      request,
    );
    const asRefreshed = await client.query(
      recorded(
        `update "AutonomousSystem" a set
         name = case when a."syncName" and n.name <> '' then ${ONE_LINE_NAME} else a.name end,
         "irrAsSet" = case when a."syncIrrAsSet" then n.irr_as_set else a."irrAsSet" end,
         "ipv4MaxPrefixes" = case when a."syncMaxPrefixes" then coalesce(n.info_prefixes4, 0) else a."ipv4MaxPrefixes" end,
         "ipv6MaxPrefixes" = case when a."syncMaxPrefixes" then coalesce(n.info_prefixes6, 0) else a."ipv6MaxPrefixes" end,
         "generalPolicy" = case when a."syncPolicy" then n.policy_general else a."generalPolicy" end,
         "updatedAt" = ${NOW_UTC}
       from pdb_net n, "AutonomousSystem" o
       where o.id = a.id and n.id = a."peeringdbNetId" and n.status = 'ok' and (
         (a."syncName" and n.name <> '' and a.name <> ${ONE_LINE_NAME})
         or (a."syncIrrAsSet" and a."irrAsSet" <> n.irr_as_set)
         or (a."syncMaxPrefixes" and (a."ipv4MaxPrefixes" <> coalesce(n.info_prefixes4, 0)
                                      or a."ipv6MaxPrefixes" <> coalesce(n.info_prefixes6, 0)))
         or (a."syncPolicy" and a."generalPolicy" <> n.policy_general))`,
        "as",
        `'AS' || a.asn`,
        "a",
      ),
      request,
    );
    // IXPs: the ixlan from the ix, the ix from the ixlan, or both from our addresses.
    let ixpsLinked = 0;
    ixpsLinked +=
      (
        await client.query(
          recorded(
            `update "InternetExchange" x set "peeringdbIxlanId" = l.id, "updatedAt" = ${NOW_UTC}
           from (select distinct on (ix_id) id, ix_id from pdb_ixlan where status = 'ok' order by ix_id, id) l,
                "InternetExchange" o
           where o.id = x.id and x."peeringdbIxlanId" is null and l.ix_id = x."peeringdbIxId"`,
            "ixp",
            IXP_REPR,
            "x",
          ),
          request,
        )
      ).rowCount ?? 0;
    ixpsLinked +=
      (
        await client.query(
          recorded(
            `update "InternetExchange" x set "peeringdbIxId" = l.ix_id, "updatedAt" = ${NOW_UTC}
           from pdb_ixlan l, "InternetExchange" o
           where o.id = x.id and x."peeringdbIxId" is null and l.id = x."peeringdbIxlanId"`,
            "ixp",
            IXP_REPR,
            "x",
          ),
          request,
        )
      ).rowCount ?? 0;
    ixpsLinked +=
      (
        await client.query(
          recorded(
            `update "InternetExchange" x set "peeringdbIxlanId" = m.ixlan_id, "peeringdbIxId" = m.ix_id,
             "updatedAt" = ${NOW_UTC}
           from (select distinct on (c."ixpId") c."ixpId" as ixp_id, p.ixlan_id, l.ix_id
                 from "Connection" c
                 join pdb_ixpfx p on p.status = 'ok'
                   and (host(c."ipv4Address")::inet <<= p.prefix or host(c."ipv6Address")::inet <<= p.prefix)
                 join pdb_ixlan l on l.id = p.ixlan_id
                 order by c."ixpId", p.ixlan_id) m,
                "InternetExchange" o
           where o.id = x.id and x.id = m.ixp_id and x."peeringdbIxId" is null and x."peeringdbIxlanId" is null`,
            "ixp",
            IXP_REPR,
            "x",
          ),
          request,
        )
      ).rowCount ?? 0;
    // Prefixes: PeeringDB's are added; ones entered by hand are kept.
    const ixpPrefixes = await client.query(
      recorded(
        `update "InternetExchange" x
       set prefixes = x.prefixes || array(select p from unnest(m.pdb) p where p <> all(x.prefixes) order by p),
           "updatedAt" = ${NOW_UTC}
       from (select x2.id, array_agg(distinct text(f.prefix)) as pdb
             from "InternetExchange" x2
             join pdb_ixpfx f on f.ixlan_id = x2."peeringdbIxlanId" and f.status = 'ok'
             group by x2.id) m,
            "InternetExchange" o
       where o.id = x.id and x.id = m.id and not (m.pdb <@ x.prefixes)`,
        "ixp",
        IXP_REPR,
        "x",
      ),
      request,
    );
    const connectionsLinked = await client.query(
      recorded(
        `update "Connection" c set "peeringdbNetixlanId" = m.netixlan_id, "updatedAt" = ${NOW_UTC}
       from (select distinct on (netixlan_id) * from (
               select distinct on (c2.id) c2.id as connection_id, n.id as netixlan_id
               from "Connection" c2
               join "InternetExchange" x on x.id = c2."ixpId"
               join "AutonomousSystem" a on a.id = x."localAsId"
               join pdb_netixlan n on n.ixlan_id = x."peeringdbIxlanId" and n.asn = a.asn and n.status = 'ok'
                 and (n.ipaddr4 = host(c2."ipv4Address")::inet or n.ipaddr6 = host(c2."ipv6Address")::inet)
               where c2."peeringdbNetixlanId" is null
               order by c2.id, n.id) one_per_connection
             order by netixlan_id, connection_id) m,
            "Connection" o
       where o.id = c.id and c.id = m.connection_id
         and not exists (select 1 from "Connection" d where d."peeringdbNetixlanId" = m.netixlan_id)`,
        "connection",
        CONNECTION_REPR,
        "c",
      ),
      request,
    );
    await client.query("commit");
    return {
      asLinked: asLinked.rowCount ?? 0,
      asRefreshed: asRefreshed.rowCount ?? 0,
      ixpsLinked,
      ixpPrefixes: ixpPrefixes.rowCount ?? 0,
      connectionsLinked: connectionsLinked.rowCount ?? 0,
    };
  } catch (err) {
    await client.query("rollback").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
