// Import of our own footprint (Peering Manager's "Import IXPs and Connections"): our ASNs'
// netixlan rows in the mirror become proposed IXPs and connections, with addresses carrying
// the peering LAN's prefix length; nothing is created until applyImport, which creates them
// in one transaction and skips whatever exists by then (applying twice creates nothing).
import type { Database } from "../db.js";
import { UserError } from "../errors.js";
import { processAuthor, recordChanges, type HistoryAuthor, type HistoryEntry } from "../history.js";
import { repr } from "../objects/repr.js";

export interface ProposedConnection {
  netixlanId: number;
  asn: number;
  /** With the peering LAN's prefix length, e.g. "195.66.226.250/22" (/32 or /128 when PeeringDB has no prefix). */
  ipv4Address: string | null;
  ipv6Address: string | null;
  /** Mbit/s. */
  speed: number;
  isRsPeer: boolean;
  operational: boolean;
  /** The connection we already have for it, if any (then nothing is created). */
  existingConnectionId: number | null;
}

export interface ProposedIxp {
  ixId: number;
  ixlanId: number;
  name: string;
  /** Slug to create it with (made unique again when applied). */
  slug: string;
  /** Our ASN at this exchange (the IXP's local AS). */
  localAsn: number;
  prefixes: string[];
  /** Our IXP for this exchange, if we already have one. */
  existingIxpId: number | null;
  connections: ProposedConnection[];
}

export interface ImportProposal {
  asns: number[];
  ixps: ProposedIxp[];
  newIxps: number;
  newConnections: number;
}

export interface ImportResult {
  createdIxps: { id: number; name: string; slug: string }[];
  createdConnections: number;
  skippedConnections: number;
}

export function slugify(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50)
    .replace(/-+$/, "");
  return s || "ixp";
}

interface Row {
  id: number;
  ix_id: number;
  ixlan_id: number;
  asn: string;
  ix_name: string;
  ipv4: string | null;
  ipv6: string | null;
  speed: number;
  is_rs_peer: boolean;
  operational: boolean;
  prefixes: string[] | null;
  existing_ixp: number | null;
  existing_conn: number | null;
}

/** What importing our ASNs' (default: every affiliated AS) PeeringDB footprint would create. */
export async function proposeImport(db: Database, ourAsns?: readonly number[]): Promise<ImportProposal> {
  let asns = ourAsns ? [...new Set(ourAsns)] : [];
  if (!ourAsns) {
    const ours = await db.prisma.autonomousSystem.findMany({
      where: { affiliated: true },
      select: { asn: true },
    });
    asns = ours.map((a) => Number(a.asn));
  }
  if (!asns.length)
    throw new UserError(
      "peerbot does not know our ASN yet.",
      "Add our autonomous system (affiliated) first.",
    );
  const r = await db.pool.query<Row>(
    `select n.id, n.ix_id, n.ixlan_id, n.asn::text as asn,
            coalesce(ix.name, nullif(n.name, ''), 'ix ' || n.ix_id) as ix_name,
            text(coalesce((select set_masklen(n.ipaddr4, masklen(p.prefix)) from pdb_ixpfx p
                           where p.ixlan_id = n.ixlan_id and p.status = 'ok' and n.ipaddr4 <<= p.prefix
                           order by masklen(p.prefix) desc limit 1), n.ipaddr4)) as ipv4,
            text(coalesce((select set_masklen(n.ipaddr6, masklen(p.prefix)) from pdb_ixpfx p
                           where p.ixlan_id = n.ixlan_id and p.status = 'ok' and n.ipaddr6 <<= p.prefix
                           order by masklen(p.prefix) desc limit 1), n.ipaddr6)) as ipv6,
            n.speed, n.is_rs_peer, n.operational,
            (select array_agg(text(p.prefix) order by p.protocol, p.prefix) from pdb_ixpfx p
             where p.ixlan_id = n.ixlan_id and p.status = 'ok') as prefixes,
            x.id as existing_ixp,
            (select c.id from "Connection" c
             where c."peeringdbNetixlanId" = n.id
                or (c."ixpId" = x.id and (host(c."ipv4Address")::inet = n.ipaddr4 or host(c."ipv6Address")::inet = n.ipaddr6))
             order by c.id limit 1) as existing_conn
     from pdb_netixlan n
     left join pdb_ix ix on ix.id = n.ix_id
     left join lateral (select i.id from "InternetExchange" i
                        where i."peeringdbIxlanId" = n.ixlan_id or (i."peeringdbIxlanId" is null and i."peeringdbIxId" = n.ix_id)
                        order by i.id limit 1) x on true
     where n.asn = any($1::bigint[]) and n.status = 'ok'
     order by ix_name, n.ixlan_id, n.asn, n.id`,
    [asns],
  );
  const byLan = new Map<string, ProposedIxp>();
  for (const row of r.rows) {
    const asn = Number(row.asn);
    const key = `${row.ixlan_id}/${asn}`;
    let ixp = byLan.get(key);
    if (!ixp) {
      ixp = {
        ixId: row.ix_id,
        ixlanId: row.ixlan_id,
        name: row.ix_name,
        slug: slugify(row.ix_name),
        localAsn: asn,
        prefixes: row.prefixes ?? [],
        existingIxpId: row.existing_ixp,
        connections: [],
      };
      byLan.set(key, ixp);
    }
    ixp.connections.push({
      netixlanId: row.id,
      asn,
      ipv4Address: row.ipv4,
      ipv6Address: row.ipv6,
      speed: row.speed,
      isRsPeer: row.is_rs_peer,
      operational: row.operational,
      existingConnectionId: row.existing_conn,
    });
  }
  const ixps = [...byLan.values()];
  return {
    asns,
    ixps,
    newIxps: ixps.filter((x) => x.existingIxpId === null).length,
    newConnections: ixps.reduce(
      (n, x) => n + x.connections.filter((c) => c.existingConnectionId === null).length,
      0,
    ),
  };
}

/**
 * Creates the proposal's missing IXPs and connections in one transaction (only the exchanges
 * in `onlyIxlans`, when given), each with its row in the change history (via "import"; by
 * `author`, the admin who confirmed, when given). What exists by then is left alone.
 */
export async function applyImport(
  db: Database,
  proposal: ImportProposal,
  opts: { onlyIxlans?: readonly number[]; author?: HistoryAuthor } = {},
): Promise<ImportResult> {
  const wanted = opts.onlyIxlans ? new Set(opts.onlyIxlans) : null;
  const author = opts.author ?? processAuthor("import", "import", "PeeringDB import");
  return db.prisma.$transaction(
    async (tx) => {
      const result: ImportResult = { createdIxps: [], createdConnections: 0, skippedConnections: 0 };
      const history: HistoryEntry[] = [];
      const localAs = new Map<number, number>();
      for (const ixp of proposal.ixps) {
        if (wanted && !wanted.has(ixp.ixlanId)) continue;
        let asId = localAs.get(ixp.localAsn);
        if (asId === undefined) {
          const as = await tx.autonomousSystem.findUnique({
            where: { asn: BigInt(ixp.localAsn) },
            select: { id: true },
          });
          if (!as)
            throw new UserError(
              `AS${ixp.localAsn} is not in peerbot's database.`,
              "Add it (affiliated) first.",
            );
          asId = as.id;
          localAs.set(ixp.localAsn, asId);
        }
        let ixpId = (
          await tx.internetExchange.findFirst({
            where: {
              OR: [{ peeringdbIxlanId: ixp.ixlanId }, { peeringdbIxlanId: null, peeringdbIxId: ixp.ixId }],
            },
            orderBy: { id: "asc" },
            select: { id: true },
          })
        )?.id;
        if (ixpId === undefined) {
          let slug = ixp.slug;
          for (
            let i = 2;
            await tx.internetExchange.findUnique({ where: { slug }, select: { id: true } });
            i++
          )
            slug = `${ixp.slug}-${i}`;
          const created = await tx.internetExchange.create({
            data: {
              name: ixp.name,
              slug,
              peeringdbIxId: ixp.ixId,
              peeringdbIxlanId: ixp.ixlanId,
              localAsId: asId,
              prefixes: ixp.prefixes,
            },
          });
          ixpId = created.id;
          result.createdIxps.push({ id: created.id, name: created.name, slug: created.slug });
          history.push({
            type: "ixp",
            id: created.id,
            repr: repr.ixp(created),
            action: "create",
            after: created,
          });
        }
        const existing = await tx.connection.findMany({
          where: { ixpId },
          select: { peeringdbNetixlanId: true, ipv4Address: true, ipv6Address: true },
        });
        const host = (a: string | null) => (a ? a.replace(/\/\d+$/, "") : null);
        let n = existing.length;
        for (const c of ixp.connections) {
          const clash =
            (await tx.connection.findUnique({
              where: { peeringdbNetixlanId: c.netixlanId },
              select: { id: true },
            })) ||
            existing.some(
              (e) =>
                (c.ipv4Address && host(e.ipv4Address) === host(c.ipv4Address)) ||
                (c.ipv6Address && host(e.ipv6Address) === host(c.ipv6Address)),
            );
          if (clash) {
            result.skippedConnections++;
            continue;
          }
          n++;
          const conn = await tx.connection.create({
            data: {
              name: n > 1 ? `${ixp.name} #${n}` : ixp.name,
              ixpId,
              ipv4Address: c.ipv4Address,
              ipv6Address: c.ipv6Address,
              speed: c.speed,
              status: c.operational ? "enabled" : "disabled",
              peeringdbNetixlanId: c.netixlanId,
            },
          });
          history.push({
            type: "connection",
            id: conn.id,
            repr: repr.connection(conn, ixp.name),
            action: "create",
            after: conn,
          });
          existing.push({
            peeringdbNetixlanId: c.netixlanId,
            ipv4Address: c.ipv4Address,
            ipv6Address: c.ipv6Address,
          });
          result.createdConnections++;
        }
      }
      await recordChanges(tx, author, history);
      return result;
    },
    { timeout: 60_000 },
  );
}
