// Session-state polling: ask a router for its BGP neighbours, match them to our IXP and direct
// sessions by remote address, and store state, prefix counts, polledAt and lastEstablishedAt
// (as Peering Manager does: the last poll that saw the session Established). Then:
//
// - alerts, to PEERBOT_ALERT_CHANNEL: when an enabled session leaves Established ("down"), and
//   when one stays down longer than PEERBOT_ALERT_DOWN_AFTER ("stuck"); a session that comes
//   back after an alert gets a "back up" message. Each is sent once per transition, never once
//   per poll: the alert sent is stored on the session (alertedState/alertedAt) and claimed
//   with a conditional update, so two pollers of one router cannot both send it.
// - the change that enabled a session is told when the session comes up: its message gets a
//   step "AS64501 192.0.2.2: BGP session Established ...", once.
//
// Also the `status` listing: state, prefixes, last established and polled-at per session.
import type { ChangeServices } from "./changes.js";
import { effectsOf, refreshMessage, routerInfo } from "./changes.js";
import { clip, utc } from "./text.js";
import { markConfigured } from "./email/tracking.js";
import { ALERT_CHANNEL_FORMAT, ALERT_CHANNEL_PROBLEM } from "./config.js";
import type { Database } from "./db.js";
import type { BgpNeighbor, BgpNeighborState } from "./ports.js";
import type { Button, Reply } from "./reply.js";

export const POLL_QUEUE = "poll-sessions";

/** An address in one spelling: IPv6 compressed and lower-case (as PostgreSQL's host()), no zone. */
export function normalizeIp(address: string): string {
  let a = address.trim();
  const pct = a.indexOf("%");
  if (pct > 0) a = a.slice(0, pct);
  const slash = a.indexOf("/");
  if (slash > 0) a = a.slice(0, slash);
  if (!a.includes(":")) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a.toLowerCase();
  }
}

interface SessionRow {
  kind: "ixp" | "direct";
  id: number;
  ip: string;
  status: string;
  state: BgpNeighborState | null;
  lastEstablishedAt: Date | null;
  updatedAt: Date;
  alertedState: string | null;
  asn: string;
  asName: string;
  where: string;
}

export interface PollReport {
  routerId: number;
  router: string;
  skipped?: string;
  error?: string;
  neighbors: number;
  sessions: number;
  /** Sessions the router knows (matched by address). */
  matched: number;
  established: number;
  alerts: number;
  /** Changes whose message was told that a session came up. */
  changesNoted: number;
  durationMs: number;
}

const SESSIONS_SQL = `
  select 'ixp' as kind, s.id, host(s."ipAddress") as ip, s.status::text as status, s."bgpState"::text as state,
         s."lastEstablishedAt", s."updatedAt", s."alertedState", a.asn::text as asn, a.name as "asName", i.name as "where"
    from "IxpSession" s
    join "Connection" c on c.id = s."connectionId"
    join "InternetExchange" i on i.id = c."ixpId"
    join "AutonomousSystem" a on a.id = s."autonomousSystemId"
   where c."routerId" = $1
  union all
  select 'direct', d.id, host(d."ipAddress"), d.status::text, d."bgpState"::text,
         d."lastEstablishedAt", d."updatedAt", d."alertedState", a.asn::text, a.name, 'direct'
    from "DirectSession" d
    join "AutonomousSystem" a on a.id = d."autonomousSystemId"
   where d."routerId" = $1`;

function updateSql(table: "IxpSession" | "DirectSession"): string {
  return `
  update "${table}" t
     set "bgpState" = v.state::"BgpState",
         "receivedPrefixCount" = v.rcv,
         "acceptedPrefixCount" = v.acc,
         "advertisedPrefixCount" = v.adv,
         "polledAt" = $6,
         "lastEstablishedAt" = case when v.state = 'established' then $6 else t."lastEstablishedAt" end
    from unnest($1::int[], $2::text[], $3::int[], $4::int[], $5::int[]) as v(id, state, rcv, acc, adv)
   where t.id = v.id`;
}

const TABLE = { ixp: "IxpSession", direct: "DirectSession" } as const;

/**
 * Where alerts go: PEERBOT_ALERT_CHANNEL names its platform, "slack:C0123", "discord:1234…" or
 * "console:…"; null when it is not set. A value without its platform is refused (loadConfig
 * refuses it first, with the same words), never guessed from the id's shape.
 */
export function alertChannel(setting: string | undefined): { platform: string; channel: string } | null {
  const v = (setting ?? "").trim();
  if (!v) return null;
  const m = ALERT_CHANNEL_FORMAT.exec(v);
  if (!m) throw new Error(`PEERBOT_ALERT_CHANNEL: ${ALERT_CHANNEL_PROBLEM}`);
  return { platform: m[1]!, channel: m[2]! };
}

function ago(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return "less than a minute";
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`;
}

const STATE_NAMES: Record<BgpNeighborState, string> = {
  idle: "Idle",
  connect: "Connect",
  active: "Active",
  opensent: "OpenSent",
  openconfirm: "OpenConfirm",
  established: "Established",
};

/** A BGP state as routers print it: "OpenConfirm", "Established". */
export function bgpStateName(s: string): string {
  return STATE_NAMES[s as BgpNeighborState] ?? s;
}

const stateName = (s: BgpNeighborState | null) =>
  s === null ? "not configured on the router" : bgpStateName(s);

/** An alert's buttons: the network's sessions and their polled status (intents, see core/reply.ts). */
export function sessionButtons(asn: string): Button[] {
  return [
    { label: "Open session", intent: { command: "sessions", args: [{ asn }] } },
    { label: "Status", intent: { command: "status", args: [{ asn }] } },
  ];
}

/**
 * Polls one router: reads its BGP neighbours through its driver and updates its sessions.
 * A router that cannot be reached is reported (error) and logged; the next poll tries again.
 */
export async function pollRouter(s: ChangeServices, routerId: number): Promise<PollReport> {
  const t0 = Date.now();
  const report: PollReport = {
    routerId,
    router: "",
    neighbors: 0,
    sessions: 0,
    matched: 0,
    established: 0,
    alerts: 0,
    changesNoted: 0,
    durationMs: 0,
  };
  const router = await s.db.prisma.router.findUnique({ where: { id: routerId } });
  if (!router) return { ...report, skipped: "no such router" };
  report.router = router.name;
  if (!router.pollSessionState) return { ...report, skipped: "polling is off for this router" };
  if (router.status === "disabled") return { ...report, skipped: "the router is disabled" };

  let neighbors: BgpNeighbor[];
  const driver = s.drivers(routerInfo(router));
  try {
    neighbors = await driver.getBgpNeighbors();
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    s.log.warn("polling a router failed", { router: router.name, err: clip(msg.split("\n")[0] ?? msg, 300) });
    return { ...report, error: clip(msg.split("\n")[0] ?? msg, 300), durationMs: Date.now() - t0 };
  } finally {
    await driver.close().catch(() => {});
  }
  report.neighbors = neighbors.length;
  const byAddress = new Map<string, BgpNeighbor>();
  for (const n of neighbors) byAddress.set(normalizeIp(n.remoteAddress), n);

  const { rows } = await s.db.pool.query<SessionRow>(SESSIONS_SQL, [routerId]);
  report.sessions = rows.length;
  const now = s.clock.now();

  const updates = { ixp: newBatch(), direct: newBatch() };
  const cameUp: SessionRow[] = [];
  const transitions: Array<{ row: SessionRow; next: BgpNeighborState | null; n?: BgpNeighbor }> = [];
  for (const row of rows) {
    const n = byAddress.get(normalizeIp(row.ip));
    if (n) report.matched++;
    const next = n ? n.state : null;
    if (next === "established") report.established++;
    const b = updates[row.kind];
    b.id.push(row.id);
    b.state.push(next);
    b.rcv.push(n?.receivedPrefixes ?? null);
    b.acc.push(n?.acceptedPrefixes ?? null);
    b.adv.push(n?.advertisedPrefixes ?? null);
    if (next === "established" && row.state !== "established") cameUp.push(row);
    transitions.push({ row, next, ...(n ? { n } : {}) });
  }
  for (const kind of ["ixp", "direct"] as const) {
    const b = updates[kind];
    if (!b.id.length) continue;
    await s.db.pool.query(updateSql(TABLE[kind]), [b.id, b.state, b.rcv, b.acc, b.adv, now]);
  }

  report.alerts = await alertTransitions(s, router.name, transitions, now);
  if (cameUp.length) report.changesNoted = await noteEstablished(s, routerId, cameUp, byAddress, now);
  // Their peering requests (core/email) become `configured`.
  if (cameUp.length) await markConfigured(s.db, routerId, cameUp);
  report.durationMs = Date.now() - t0;
  s.log.debug("polled a router", { ...report });
  return report;
}

function newBatch() {
  return {
    id: [] as number[],
    state: [] as Array<string | null>,
    rcv: [] as Array<number | null>,
    acc: [] as Array<number | null>,
    adv: [] as Array<number | null>,
  };
}

/** Sets alertedState from `from` (null: none) to `to`, atomically; true when this call did it. */
async function claimAlert(
  db: Database,
  row: SessionRow,
  to: string | null,
  now: Date,
  onlyFrom?: Array<string | null>,
): Promise<boolean> {
  const table = TABLE[row.kind];
  const cond =
    onlyFrom === undefined
      ? `"alertedState" is distinct from $2`
      : onlyFrom.map((v) => (v === null ? `"alertedState" is null` : `"alertedState" = '${v}'`)).join(" or ");
  const r = await db.pool.query(
    `update "${table}" set "alertedState" = $2, "alertedAt" = $3 where id = $1 and (${cond})`,
    [row.id, to, now],
  );
  return (r.rowCount ?? 0) > 0;
}

async function alertTransitions(
  s: ChangeServices,
  routerName: string,
  list: Array<{ row: SessionRow; next: BgpNeighborState | null; n?: BgpNeighbor }>,
  now: Date,
): Promise<number> {
  const channel = alertChannel(s.config.PEERBOT_ALERT_CHANNEL);
  const downAfter = s.config.PEERBOT_ALERT_DOWN_AFTER;
  let sent = 0;
  for (const { row, next, n } of list) {
    const who = `AS${row.asn} ${clip(row.asName, 60)} at ${row.where === "direct" ? "a direct session" : row.where}, ${row.ip} on ${routerName}`;
    if (next === "established") {
      if (row.alertedState === null) continue;
      if (!(await claimAlert(s.db, row, null, now))) continue;
      if (channel && s.notifier) {
        await post(s, channel, {
          kind: "success",
          title: `BGP session back up: ${who}`,
          text: `Established again${n?.receivedPrefixes !== undefined ? `, ${n.receivedPrefixes} prefixes received` : ""}; it was ${row.alertedState === "stuck" ? `down for more than ${ago(downAfter)}` : "down"}.`,
          buttons: sessionButtons(row.asn),
          context: `polled ${utc(now)}`,
        });
        sent++;
      }
      continue;
    }
    if (row.status !== "enabled") {
      // Disabled, in maintenance, being set up or removed: not an outage. Forget old alerts.
      if (row.alertedState !== null) await claimAlert(s.db, row, null, now);
      continue;
    }
    if (!channel || !s.notifier) continue;
    if (row.state === "established" && row.alertedState === null) {
      if (await claimAlert(s.db, row, "down", now, [null])) {
        await post(s, channel, {
          kind: "error",
          title: `BGP session down: ${who}`,
          text: `It left Established: now ${stateName(next)}.${row.lastEstablishedAt ? ` Last seen Established ${utc(row.lastEstablishedAt)}.` : ""}`,
          buttons: sessionButtons(row.asn),
          context: `polled ${utc(now)}`,
        });
        sent++;
      }
      continue;
    }
    // Down since it was last seen up, or (never up) since its status last changed.
    const since = row.lastEstablishedAt ?? row.updatedAt;
    if (row.alertedState !== "stuck" && now.getTime() - since.getTime() >= downAfter) {
      if (await claimAlert(s.db, row, "stuck", now, [null, "down"])) {
        await post(s, channel, {
          kind: "warning",
          title: `BGP session still down: ${who}`,
          text: `${row.lastEstablishedAt ? `Down since ${utc(row.lastEstablishedAt)}` : `Never Established since ${utc(row.updatedAt)}`} (${ago(now.getTime() - since.getTime())}); now ${stateName(next)}.`,
          buttons: sessionButtons(row.asn),
          context: `polled ${utc(now)} · alerts after ${ago(downAfter)} down`,
        });
        sent++;
      }
    }
  }
  return sent;
}

async function post(s: ChangeServices, channel: { platform: string; channel: string }, reply: Reply) {
  try {
    await s.notifier!.post(channel, reply);
  } catch (err) {
    s.log.warn("could not post a session alert", {
      channel: `${channel.platform}:${channel.channel}`,
      err: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Tells the recently deployed changes that enabled these sessions that they came up. */
async function noteEstablished(
  s: ChangeServices,
  routerId: number,
  up: SessionRow[],
  byAddress: Map<string, BgpNeighbor>,
  now: Date,
): Promise<number> {
  const changes = await s.db.prisma.changeRequest.findMany({
    where: { routerId, status: "deployed", deployedAt: { gte: new Date(now.getTime() - 7 * 86_400_000) } },
    select: { id: true, effects: true, steps: true },
    orderBy: { id: "desc" },
  });
  let noted = 0;
  for (const c of changes) {
    const effects = effectsOf(c);
    const lines: string[] = [];
    for (const row of up) {
      if (!effects.some((e) => e.kind === row.kind && e.id === row.id && e.onDeploy === "enabled")) continue;
      const tag = `AS${row.asn} ${row.ip}: BGP session Established`;
      if (c.steps.some((l) => l.startsWith(tag))) continue;
      const n = byAddress.get(normalizeIp(row.ip));
      const counts =
        n?.receivedPrefixes !== undefined
          ? `, ${n.receivedPrefixes} prefixes received, ${n.advertisedPrefixes ?? 0} advertised`
          : "";
      lines.push(`${tag}${counts} (polled ${now.toISOString().slice(11, 19)} UTC)`);
    }
    if (!lines.length) continue;
    await s.db.prisma.changeRequest.update({ where: { id: c.id }, data: { steps: { push: lines } } });
    await refreshMessage(s, c.id);
    noted++;
  }
  return noted;
}

// ---------------------------------------------------------------------------------------
// status <router|IXP|AS>
// ---------------------------------------------------------------------------------------

export interface StatusFilter {
  asn?: number;
  ixpId?: number;
  routerId?: number;
}

export interface StatusRow {
  kind: "ixp" | "direct";
  id: number;
  asn: string;
  asName: string;
  where: string;
  router: string;
  ip: string;
  status: string;
  bgpState: string | null;
  received: number | null;
  accepted: number | null;
  advertised: number | null;
  lastEstablishedAt: Date | null;
  polledAt: Date | null;
  alertedState: string | null;
}

export interface StatusPage {
  rows: StatusRow[];
  total: number;
  page: number;
  pages: number;
  established: number;
  down: number;
  notPolled: number;
  alerted: number;
  lastPolledAt: Date | null;
}

/** One page of sessions with their polled state; the totals cover all pages. */
export async function sessionStatus(
  db: Database,
  f: StatusFilter,
  page = 1,
  perPage = 40,
): Promise<StatusPage> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const ixpWhere: string[] = [];
  const dirWhere: string[] = [];
  if (f.asn !== undefined) {
    const x = p(String(f.asn));
    ixpWhere.push(`a.asn = ${x}::bigint`);
    dirWhere.push(`a.asn = ${x}::bigint`);
  }
  if (f.routerId !== undefined) {
    const x = p(f.routerId);
    ixpWhere.push(`c."routerId" = ${x}`);
    dirWhere.push(`d."routerId" = ${x}`);
  }
  if (f.ixpId !== undefined) {
    ixpWhere.push(`c."ixpId" = ${p(f.ixpId)}`);
    dirWhere.push("false");
  }
  const w = (l: string[]) => (l.length ? `where ${l.join(" and ")}` : "");
  const base = `
    select 'ixp' as kind, s.id, a.asn::text as asn, a.name as "asName", i.name as "where", coalesce(r.name, '') as router,
           host(s."ipAddress") as ip, s.status::text as status, s."bgpState"::text as "bgpState",
           s."receivedPrefixCount" as received, s."acceptedPrefixCount" as accepted, s."advertisedPrefixCount" as advertised,
           s."lastEstablishedAt", s."polledAt", s."alertedState", 0 as ord, s."ipAddress" as sortip
      from "IxpSession" s
      join "Connection" c on c.id = s."connectionId"
      join "InternetExchange" i on i.id = c."ixpId"
      join "AutonomousSystem" a on a.id = s."autonomousSystemId"
      left join "Router" r on r.id = c."routerId"
      ${w(ixpWhere)}
    union all
    select 'direct', d.id, a.asn::text, a.name, 'direct', coalesce(r.name, ''),
           host(d."ipAddress"), d.status::text, d."bgpState"::text,
           d."receivedPrefixCount", d."acceptedPrefixCount", d."advertisedPrefixCount",
           d."lastEstablishedAt", d."polledAt", d."alertedState", 1, d."ipAddress"
      from "DirectSession" d
      join "AutonomousSystem" a on a.id = d."autonomousSystemId"
      left join "Router" r on r.id = d."routerId"
      ${w(dirWhere)}`;
  const totals = await db.pool.query<{
    total: string;
    established: string;
    down: string;
    not_polled: string;
    alerted: string;
    last: Date | null;
  }>(
    `select count(*) as total,
            count(*) filter (where "bgpState" = 'established') as established,
            count(*) filter (where "polledAt" is not null and "bgpState" is distinct from 'established') as down,
            count(*) filter (where "polledAt" is null) as not_polled,
            count(*) filter (where "alertedState" is not null) as alerted,
            max("polledAt") as last
       from (${base}) x`,
    params,
  );
  const t = totals.rows[0]!;
  const total = Number(t.total);
  const pages = Math.max(1, Math.ceil(total / perPage));
  const pg = Math.min(Math.max(1, page), pages);
  const rows = await db.pool.query<StatusRow>(
    `select * from (${base}) x order by ord, "where", asn::bigint, sortip limit ${perPage} offset ${(pg - 1) * perPage}`,
    params,
  );
  return {
    rows: rows.rows,
    total,
    page: pg,
    pages,
    established: Number(t.established),
    down: Number(t.down),
    notPolled: Number(t.not_polled),
    alerted: Number(t.alerted),
    lastPolledAt: t.last,
  };
}

/** "3/1/2": received/accepted/advertised prefixes, blank when never polled. */
export function prefixCounts(r: Pick<StatusRow, "received" | "accepted" | "advertised">): string {
  if (r.received === null && r.accepted === null && r.advertised === null) return "";
  const v = (n: number | null) => (n === null ? "-" : String(n));
  return `${v(r.received)}/${v(r.accepted)}/${v(r.advertised)}`;
}

export const formatTime = (d: Date | null) => (d ? utc(d) : "");
