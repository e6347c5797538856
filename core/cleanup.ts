// Abandoned sessions (issue 17): IXP sessions whose peer no longer has that address at that
// IXP in the PeeringDB mirror (it left the exchange, or was renumbered: then the new address
// is proposed in the same change), whose peer AS vanished from PeeringDB, or that have been
// down longer than PEERBOT_ABANDONED_AFTER by the polled state. Peering Manager only flags
// such sessions; here `cleanup` lists them with their reason and proposes one change per
// router that removes them (renumbered ones replaced), through the usual four-eyes flow.
// Nothing is removed without that change.
import { draftChange, type ChangeRow, type ChangeServices, type Effect } from "./changes.js";
import { coveringStatusSql } from "./connections.js";
import type { Database, SessionStatus } from "./db.js";
import { chatAuthor, recordChanges, type HistoryEntry } from "./history.js";
import { planDrafts, statusEntry } from "./peering.js";
import type { Actor } from "./roles.js";
import { singleLine } from "./text.js";

export type AbandonReason = "left" | "renumbered" | "gone" | "down";

export interface AbandonedSession {
  id: number;
  asn: number;
  asName: string;
  ixpId: number;
  ixpName: string;
  ixpSlug: string;
  routerId: number | null;
  routerName: string;
  connectionId: number;
  address: string;
  status: SessionStatus;
  reason: AbandonReason;
  /** For `renumbered`: the peer's address of the same family there now. */
  newAddress: string | null;
  /** For `down`: since when it has not been established (its last Established, or its creation). */
  downSince: Date | null;
}

export interface CleanupScope {
  ixpId?: number;
  routerId?: number;
}

/** Every abandoned IXP session in the scope, by IXP, then address. */
export async function abandonedSessions(
  db: Database,
  scope: CleanupScope,
  opts: { now: Date; downAfterMs: number },
): Promise<AbandonedSession[]> {
  const params: unknown[] = [new Date(opts.now.getTime() - opts.downAfterMs).toISOString()];
  const cond: string[] = [];
  if (scope.ixpId !== undefined) {
    params.push(scope.ixpId);
    cond.push(`c."ixpId" = $${params.length}`);
  }
  if (scope.routerId !== undefined) {
    params.push(scope.routerId);
    cond.push(`c."routerId" = $${params.length}`);
  }
  // One pass with hash joins: the sessions, then the mirror's ports of their IXPs and networks
  // joined by (ixlan, asn) and by (ixlan, asn, address), and the networks PeeringDB has. The
  // new address of a renumbered peer is looked up afterwards, for those few only. (Per-session
  // subqueries took 2.5 s on 4,469 sessions over the full-size mirror; see hygiene.bench.ts.)
  const rows = await db.pool.query<{
    id: number;
    asn: string;
    as_name: string;
    ixp_id: number;
    ixp_name: string;
    ixp_slug: string;
    ixlan: number | null;
    router_id: number | null;
    router_name: string | null;
    connection_id: number;
    address: string;
    fam: number;
    status: SessionStatus;
    at_ixp: boolean;
    on_address: boolean;
    in_pdb: boolean;
    down_since: Date | null;
    down_long: boolean;
  }>(
    `with s as (
       select s.id, a.asn, a.name as as_name, x.id as ixp_id, x.name as ixp_name, x.slug as ixp_slug,
              x."peeringdbIxlanId" as ixlan, c."routerId" as router_id, r.name as router_name, c.id as connection_id,
              host(s."ipAddress")::inet as ip, family(s."ipAddress") as fam, s.status::text as status,
              s."bgpState"::text as state, coalesce(s."lastEstablishedAt", s."createdAt") as since
         from "IxpSession" s
         join "Connection" c on c.id = s."connectionId"
         join "InternetExchange" x on x.id = c."ixpId"
         join "AutonomousSystem" a on a.id = s."autonomousSystemId"
         left join "Router" r on r.id = c."routerId"
        where s.status in ('provisioning', 'enabled', 'maintenance', 'disabled') and not a.affiliated
          ${cond.length ? `and ${cond.join(" and ")}` : ""}
     ),
     ports as (
       select n.ixlan_id, n.asn, n.ipaddr4, n.ipaddr6 from pdb_netixlan n
        where n.status = 'ok' and n.ixlan_id in (select distinct ixlan from s where ixlan is not null)
     ),
     present as (select distinct ixlan_id, asn from ports),
     addrs as (
       select ixlan_id, asn, ipaddr4 as ip from ports where ipaddr4 is not null
       union select ixlan_id, asn, ipaddr6 from ports where ipaddr6 is not null
     ),
     nets as (select distinct asn from pdb_net where status = 'ok' and asn in (select asn from s))
     select s.id, s.asn::text as asn, s.as_name, s.ixp_id, s.ixp_name, s.ixp_slug, s.ixlan, s.router_id, s.router_name,
            s.connection_id, host(s.ip) as address, s.fam, s.status,
            p.asn is not null as at_ixp, d.asn is not null as on_address, n.asn is not null as in_pdb,
            case when s.state is not null and s.state <> 'established' then s.since end as down_since,
            s.state is not null and s.state <> 'established' and s.since < $1::timestamptz as down_long
       from s
       left join present p on p.ixlan_id = s.ixlan and p.asn = s.asn
       left join addrs d on d.ixlan_id = s.ixlan and d.asn = s.asn and d.ip = s.ip
       left join nets n on n.asn = s.asn
      order by s.ixp_slug, s.ip, s.id`,
    params,
  );
  // A renumbered peer's address of the same family there now, not covered by a session on
  // that connection: looked up for the sessions whose address PeeringDB no longer lists.
  const moved = rows.rows.filter((r) => r.ixlan !== null && r.in_pdb && !r.on_address && r.at_ixp);
  const newAddress = new Map<number, string>();
  if (moved.length) {
    const q = await db.pool.query<{ id: number; addr: string }>(
      `select m.id, (select host(case when m.fam = 4 then n.ipaddr4 else n.ipaddr6 end)
                       from pdb_netixlan n
                      where n.ixlan_id = m.ixlan and n.asn = m.asn and n.status = 'ok' and n.operational
                        and (case when m.fam = 4 then n.ipaddr4 else n.ipaddr6 end) is not null
                        and not exists (select 1 from "IxpSession" o where o."connectionId" = m.cid
                                          and host(o."ipAddress") = host(case when m.fam = 4 then n.ipaddr4 else n.ipaddr6 end)
                                          and ${coveringStatusSql("o.status")})
                      order by n.id limit 1) as addr
         from unnest($1::int[], $2::int[], $3::bigint[], $4::int[], $5::int[]) as m(id, ixlan, asn, fam, cid)`,
      [
        moved.map((r) => r.id),
        moved.map((r) => r.ixlan),
        moved.map((r) => r.asn),
        moved.map((r) => r.fam),
        moved.map((r) => r.connection_id),
      ],
    );
    for (const r of q.rows) if (r.addr) newAddress.set(r.id, r.addr);
  }
  const out: AbandonedSession[] = [];
  for (const r of rows.rows) {
    let reason: AbandonReason | null = null;
    // The mirror speaks only for IXPs linked to it; the polled state for every one.
    const linked = r.ixlan !== null;
    const moveTo = newAddress.get(r.id) ?? null;
    if (linked && !r.in_pdb) reason = "gone";
    else if (linked && !r.on_address) reason = r.at_ixp && moveTo ? "renumbered" : "left";
    else if (r.down_long) reason = "down";
    if (!reason) continue;
    out.push({
      id: r.id,
      asn: Number(r.asn),
      asName: singleLine(r.as_name, 100),
      ixpId: r.ixp_id,
      ixpName: singleLine(r.ixp_name, 100),
      ixpSlug: r.ixp_slug,
      routerId: r.router_id,
      routerName: singleLine(r.router_name ?? "", 60),
      connectionId: r.connection_id,
      address: r.address,
      status: r.status,
      reason,
      newAddress: reason === "renumbered" ? moveTo : null,
      downSince: r.down_since,
    });
  }
  return out;
}

/**
 * Proposes the cleanup: the sessions go to `decommissioning` (removed from the router when its
 * change deploys, restored if it is rejected), a renumbered peer gets a session on its new
 * address in the same change. One change per router, in one transaction with the sessions.
 */
export async function proposeCleanup(
  s: ChangeServices,
  found: AbandonedSession[],
  actor: Actor,
  summary: string,
): Promise<{ changes: ChangeRow[]; unchanged: string[]; sessions: number }> {
  const author = chatAuthor(actor);
  const byRouter = new Map<number, Effect[]>();
  const drafts = new Map<number, number>();
  let sessions = 0;
  await s.db.prisma.$transaction(async (tx) => {
    const history: HistoryEntry[] = [];
    for (const f of found) {
      if (f.routerId === null) continue;
      // Still as it was listed (another change may have taken it since).
      const now = await tx.ixpSession.updateMany({
        where: { id: f.id, status: f.status },
        data: { status: "decommissioning" },
      });
      if (now.count === 0) continue;
      sessions++;
      const repr = `${f.ixpName} ${f.address}`;
      history.push(statusEntry("ixp-session", f.id, repr, f.status, "decommissioning"));
      const effects = byRouter.get(f.routerId) ?? [];
      byRouter.set(f.routerId, effects);
      effects.push({ kind: "ixp", id: f.id, onDeploy: "decommissioned", onRevert: f.status });
      if (f.newAddress) {
        const old = await tx.ixpSession.findUniqueOrThrow({ where: { id: f.id } });
        const conn = await tx.connection.findUniqueOrThrow({ where: { id: f.connectionId } });
        const own = f.newAddress.includes(":") ? conn.ipv6Address : conn.ipv4Address;
        const len = own ? /\/(\d+)$/.exec(own)?.[1] : undefined;
        const created = await tx.ixpSession.create({
          data: {
            autonomousSystemId: old.autonomousSystemId,
            connectionId: f.connectionId,
            ipAddress: len ? `${f.newAddress}/${len}` : f.newAddress,
            isRouteServer: old.isRouteServer,
            status: "provisioning",
            comments: `renumbered from ${f.address}`,
          },
        });
        history.push({
          type: "ixp-session",
          id: created.id,
          repr: `${f.ixpName} ${f.newAddress}`,
          action: "create",
          after: created,
        });
        effects.push({ kind: "ixp", id: created.id, onDeploy: "enabled", onRevert: "delete" });
      }
    }
    await recordChanges(tx, author, history);
    for (const [routerId, effects] of byRouter)
      drafts.set(routerId, await draftChange(tx, s, { routerId, summary, actor, effects }));
  });
  const r = await planDrafts(s, summary, actor, byRouter, drafts);
  return { ...r, sessions };
}
