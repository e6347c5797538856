// Max-prefix drift (issue 17): peers whose PeeringDB max-prefix figure, or the size of their
// IRR list (core/irr), exceeds the limit we configure by more than PEERBOT_DRIFT_MARGIN, so
// that the session would reset on a prefix-limit hit as the peer grows. `drift` lists them;
// `drift propose` raises the limits (to the larger figure plus the margin) and plans a change
// for every router whose sessions with them render the limit.
//
// Sync flags: an AS whose max-prefix sync is off has its limits set by hand, and is listed but
// never changed. For one whose sync is on, a raise above PeeringDB's figure would be undone
// by the next sync, so the raise turns that AS's max-prefix sync off (the reply says so): the
// limit is then ours, as if typed with `as set`.
import type { ChangeRow, ChangeServices } from "./changes.js";
import { planChange } from "./changes.js";
import type { Database } from "./db.js";
import { chatAuthor, recordChanges, type HistoryEntry } from "./history.js";
import type { Actor } from "./roles.js";
import { singleLine } from "./text.js";

export interface DriftRow {
  asId: number;
  asn: number;
  name: string;
  family: 4 | 6;
  configured: number;
  peeringdb: number | null;
  irr: number | null;
  /** What we would set: the larger figure plus the margin, rounded up. */
  proposed: number;
  /** The AS's max-prefix sync is off: set by hand, not changed. */
  byHand: boolean;
}

/** Every drift, by ASN then family. Limits of 0 (none rendered) never drift. */
export async function maxPrefixDrift(db: Database, marginPct: number, asn?: number): Promise<DriftRow[]> {
  const m = 1 + marginPct / 100;
  const params: unknown[] = asn !== undefined ? [asn] : [];
  const r = await db.pool.query<{
    id: number;
    asn: string;
    name: string;
    sync: boolean;
    c4: number;
    c6: number;
    p4: number | null;
    p6: number | null;
    i4: number | null;
    i6: number | null;
  }>(
    `select a.id, a.asn::text, a.name, a."syncMaxPrefixes" as sync, a."ipv4MaxPrefixes" as c4, a."ipv6MaxPrefixes" as c6,
            n.info_prefixes4 as p4, n.info_prefixes6 as p6,
            (select l."prefixCount" from "IrrPrefixList" l where l.key = 'as:' || a.id and l.family = 4 and l."fetchedAt" is not null) as i4,
            (select l."prefixCount" from "IrrPrefixList" l where l.key = 'as:' || a.id and l.family = 6 and l."fetchedAt" is not null) as i6
       from "AutonomousSystem" a
       left join lateral (select info_prefixes4, info_prefixes6 from pdb_net where asn = a.asn and status = 'ok' limit 1) n on true
      where not a.affiliated
        and (exists (select 1 from "IxpSession" s where s."autonomousSystemId" = a.id and s.status in ('provisioning', 'enabled', 'maintenance', 'disabled'))
             or exists (select 1 from "DirectSession" d where d."autonomousSystemId" = a.id and d.status in ('provisioning', 'enabled', 'maintenance', 'disabled')))
        ${asn !== undefined ? "and a.asn = $1" : ""}
      order by a.asn`,
    params,
  );
  const out: DriftRow[] = [];
  for (const a of r.rows) {
    for (const [family, c, p, i] of [
      [4, a.c4, a.p4, a.i4],
      [6, a.c6, a.p6, a.i6],
    ] as const) {
      if (c <= 0) continue;
      const want = Math.max(p ?? 0, i ?? 0);
      if (want <= c * m) continue;
      out.push({
        asId: a.id,
        asn: Number(a.asn),
        name: singleLine(a.name, 100),
        family,
        configured: c,
        peeringdb: p,
        irr: i,
        proposed: Math.ceil(want * m),
        byHand: !a.sync,
      });
    }
  }
  return out;
}

/**
 * Raises the limits of the rows not set by hand (turning their AS's max-prefix sync off, with
 * a history row), then plans a change for each router with sessions with those networks.
 */
export async function proposeDrift(
  s: ChangeServices,
  rows: DriftRow[],
  actor: Actor,
): Promise<{ raised: DriftRow[]; changes: ChangeRow[]; unchanged: string[] }> {
  const raised = rows.filter((r) => !r.byHand);
  if (!raised.length) return { raised, changes: [], unchanged: [] };
  const byAs = new Map<number, DriftRow[]>();
  for (const r of raised) byAs.set(r.asId, [...(byAs.get(r.asId) ?? []), r]);
  await s.db.prisma.$transaction(async (tx) => {
    const history: HistoryEntry[] = [];
    for (const [asId, list] of byAs) {
      const before = await tx.autonomousSystem.findUniqueOrThrow({ where: { id: asId } });
      const data: { ipv4MaxPrefixes?: number; ipv6MaxPrefixes?: number; syncMaxPrefixes: boolean } = {
        syncMaxPrefixes: false,
      };
      for (const r of list) data[r.family === 4 ? "ipv4MaxPrefixes" : "ipv6MaxPrefixes"] = r.proposed;
      const after = await tx.autonomousSystem.update({ where: { id: asId }, data });
      history.push({
        type: "as",
        id: asId,
        repr: `AS${before.asn}`,
        action: "update",
        before: {
          ipv4MaxPrefixes: before.ipv4MaxPrefixes,
          ipv6MaxPrefixes: before.ipv6MaxPrefixes,
          syncMaxPrefixes: before.syncMaxPrefixes,
        },
        after: {
          ipv4MaxPrefixes: after.ipv4MaxPrefixes,
          ipv6MaxPrefixes: after.ipv6MaxPrefixes,
          syncMaxPrefixes: after.syncMaxPrefixes,
        },
      });
    }
    await recordChanges(tx, chatAuthor(actor), history);
  });
  const ids = [...byAs.keys()];
  const routers = await s.db.pool.query<{ id: number; name: string }>(
    `select distinct r.id, r.name from "Router" r
      where exists (select 1 from "IxpSession" x join "Connection" c on c.id = x."connectionId"
                     where c."routerId" = r.id and x."autonomousSystemId" = any($1::int[]) and x.status in ('provisioning', 'enabled', 'maintenance', 'disabled'))
         or exists (select 1 from "DirectSession" d where d."routerId" = r.id and d."autonomousSystemId" = any($1::int[])
                     and d.status in ('provisioning', 'enabled', 'maintenance', 'disabled'))
      order by r.name`,
    [ids],
  );
  const summary = `raise max-prefix limits of ${[...new Set(raised.map((r) => `AS${r.asn}`))].join(", ")}`;
  const changes: ChangeRow[] = [];
  const unchanged: string[] = [];
  for (const router of routers.rows) {
    const p = await planChange(s, { routerId: router.id, summary, actor, effects: [] });
    if (p.kind === "change") changes.push(p.change);
    else unchanged.push(router.name);
  }
  return { raised, changes, unchanged };
}
