// The PeeringDB digest (issue 17): after each PeeringDB sync (or daily), one message in
// PEERBOT_DIGEST_CHANNEL saying what changed that the team can act on: networks that joined
// one of our IXPs with an open policy (Peer buttons), peers that left one (a Cleanup button),
// our peers' max-prefix and policy changes, and sessions abandoned since the last digest.
//
// Each run compares a snapshot (DigestRun.snapshot: the members of our IXPs with their policy,
// our peers' figures, the abandoned session ids) with the previous run's. The first run only
// records its snapshot; a run that finds nothing posts nothing; one message at most per run
// (its table's overflow goes to an attachment, as the renderers do with long tables). One run
// at a time across processes (an advisory lock); a run whose post fails keeps `posted` false
// and the next run compares with the last snapshot that was posted or found nothing.
import { specialAsn } from "./asn.js";
import { abandonedSessions } from "./cleanup.js";
import type { Config } from "./config.js";
import type { Database } from "./db.js";
import type { Notifier } from "./ports.js";
import { alertChannel } from "./polling.js";
import type { Button, Reply } from "./reply.js";
import { plural, singleLine } from "./text.js";

export interface DigestSnapshot {
  /** Per our IXP id: [asn, policy, name] of each network with an operational port there. */
  members: Record<string, [number, string, string][]>;
  /** Per peer ASN: [policy, info_prefixes4, info_prefixes6]. */
  peers: Record<string, [string, number | null, number | null]>;
  /** Ids of the IXP sessions `cleanup` would list. */
  abandoned: number[];
  /** The same, by id: [asn, IXP name, address, reason]. */
  abandonedInfo?: Record<string, [number, string, string, string]>;
  /** Our IXPs, by id: [name, slug]. */
  ixps: Record<string, [string, string]>;
}

export interface DigestSummary {
  joined: { asn: number; name: string; ixpId: number; ixp: string; slug: string }[];
  left: { asn: number; name: string; ixpId: number; ixp: string; slug: string }[];
  changed: { asn: number; what: string }[];
  abandoned: { id: number; asn: number; ixp: string; address: string; reason: string }[];
}

const LOCK_KEY = 0x1ee_0002;

/** What the mirror and our tables say now. */
export async function digestSnapshot(
  db: Database,
  now: Date,
  abandonedAfterMs: number,
): Promise<DigestSnapshot> {
  const ixps = await db.pool.query<{ id: number; name: string; slug: string }>(
    `select x.id, x.name, x.slug from "InternetExchange" x
      where x."peeringdbIxlanId" is not null and exists (select 1 from "Connection" c where c."ixpId" = x.id)`,
  );
  const members = await db.pool.query<{ ixp_id: number; asn: string | number; policy: string; name: string }>(
    `select x.id as ixp_id, n.asn as asn, coalesce(p.policy_general, '') as policy, coalesce(p.name, '') as name
       from "InternetExchange" x
       join pdb_netixlan n on n.ixlan_id = x."peeringdbIxlanId" and n.status = 'ok' and n.operational
       left join lateral (select policy_general, name from pdb_net where asn = n.asn and status = 'ok' limit 1) p on true
      where exists (select 1 from "Connection" c where c."ixpId" = x.id)
      group by 1, 2, 3, 4
      order by 1, 2`,
  );
  const peers = await db.pool.query<{ asn: string; policy: string; p4: number | null; p6: number | null }>(
    `select a.asn::text as asn, coalesce(p.policy_general, '') as policy, p.info_prefixes4 as p4, p.info_prefixes6 as p6
       from "AutonomousSystem" a
       left join lateral (select policy_general, info_prefixes4, info_prefixes6 from pdb_net where asn = a.asn and status = 'ok' limit 1) p on true
      where not a.affiliated
        and exists (select 1 from "IxpSession" s where s."autonomousSystemId" = a.id and s.status in ('provisioning', 'enabled', 'maintenance', 'disabled'))`,
  );
  const snap: DigestSnapshot = { members: {}, peers: {}, abandoned: [], ixps: {} };
  for (const x of ixps.rows) {
    snap.ixps[x.id] = [x.name, x.slug];
    snap.members[x.id] = [];
  }
  for (const m of members.rows) snap.members[m.ixp_id]?.push([Number(m.asn), m.policy, m.name]);
  for (const p of peers.rows) snap.peers[p.asn] = [p.policy, p.p4, p.p6];
  const abandoned = await abandonedSessions(db, {}, { now, downAfterMs: abandonedAfterMs });
  snap.abandoned = abandoned.map((a) => a.id);
  snap.abandonedInfo = Object.fromEntries(
    abandoned.map((a) => [a.id, [a.asn, a.ixpName, a.address, a.reason]]),
  );
  return snap;
}

/** What changed from `prev` to `cur` that deserves a line. */
export async function digestSummary(
  db: Database,
  prev: DigestSnapshot,
  cur: DigestSnapshot,
): Promise<DigestSummary> {
  const out: DigestSummary = { joined: [], left: [], changed: [], abandoned: [] };
  // Who has sessions with us where, and which networks are ours: one query each.
  const ours = await db.pool.query<{ asn: string; ixp_id: number }>(
    `select distinct a.asn::text as asn, c."ixpId" as ixp_id from "IxpSession" s
       join "Connection" c on c.id = s."connectionId" join "AutonomousSystem" a on a.id = s."autonomousSystemId"
      where s.status in ('provisioning', 'enabled', 'maintenance', 'disabled', 'decommissioning')`,
  );
  const have = new Set(ours.rows.map((r) => `${r.asn}:${r.ixp_id}`));
  const mine = await db.pool.query<{ asn: string }>(
    `select asn::text as asn from "AutonomousSystem" where affiliated`,
  );
  const affiliated = new Set(mine.rows.map((r) => r.asn));
  for (const [ixpId, list] of Object.entries(cur.members)) {
    const before = prev.members[ixpId];
    if (!before) continue; // an IXP new to us: its members are not news
    const was = new Set(before.map((m) => m[0]));
    const is = new Set(list.map((m) => m[0]));
    const [ixp, slug] = cur.ixps[ixpId] ?? ["?", "?"];
    for (const [asn, policy, name] of list)
      if (
        !was.has(asn) &&
        policy.toLowerCase() === "open" &&
        !affiliated.has(String(asn)) &&
        specialAsn(asn)?.peerable !== false &&
        !have.has(`${asn}:${ixpId}`)
      )
        out.joined.push({ asn, name: singleLine(name, 80), ixpId: Number(ixpId), ixp, slug });
    for (const [asn, , name] of before)
      if (!is.has(asn) && have.has(`${asn}:${ixpId}`))
        out.left.push({ asn, name: singleLine(name, 80), ixpId: Number(ixpId), ixp, slug });
  }
  for (const [asn, [policy, p4, p6]] of Object.entries(cur.peers)) {
    const b = prev.peers[asn];
    if (!b) continue;
    const what: string[] = [];
    if (b[0] !== policy) what.push(`policy ${b[0] || "none"} -> ${policy || "none"}`);
    if (b[1] !== p4) what.push(`IPv4 max-prefix ${b[1] ?? "-"} -> ${p4 ?? "-"}`);
    if (b[2] !== p6) what.push(`IPv6 max-prefix ${b[2] ?? "-"} -> ${p6 ?? "-"}`);
    if (what.length) out.changed.push({ asn: Number(asn), what: what.join(", ") });
  }
  const seen = new Set(prev.abandoned);
  for (const id of cur.abandoned) {
    const info = cur.abandonedInfo?.[id];
    if (!seen.has(id) && info)
      out.abandoned.push({ id, asn: info[0], ixp: info[1], address: info[2], reason: info[3] });
  }
  return out;
}

export function digestEmpty(d: DigestSummary): boolean {
  return !d.joined.length && !d.left.length && !d.changed.length && !d.abandoned.length;
}

const REASON: Record<string, string> = {
  left: "left the IXP in PeeringDB",
  renumbered: "renumbered in PeeringDB",
  gone: "gone from PeeringDB",
  down: "down for long",
};

/** The one message of a digest. */
export function digestReply(d: DigestSummary): Reply {
  const rows: string[][] = [
    ...d.joined.map((j) => ["joined", `AS${j.asn}`, j.name, j.ixp, "open policy: `peer` them"]),
    ...d.left.map((l) => ["left", `AS${l.asn}`, l.name, l.ixp, "we have sessions there: `cleanup`"]),
    ...d.changed.map((c) => ["changed", `AS${c.asn}`, "", "", c.what]),
    ...d.abandoned.map((a) => ["abandoned", `AS${a.asn}`, a.address, a.ixp, REASON[a.reason] ?? a.reason]),
  ];
  const parts = [
    d.joined.length ? plural(d.joined.length, "open network") + " joined our IXPs" : "",
    d.left.length ? plural(d.left.length, "peer") + " left" : "",
    d.changed.length ? plural(d.changed.length, "peer") + " changed policy or max-prefix" : "",
    d.abandoned.length ? plural(d.abandoned.length, "session") + " newly abandoned" : "",
  ].filter(Boolean);
  const buttons: Button[] = [
    ...d.joined.slice(0, 3).map((j) => ({
      label: `Peer AS${j.asn} at ${j.ixp}`.slice(0, 75),
      actionId: `cmd:peer AS${j.asn} at ${j.slug}`,
      style: "primary" as const,
    })),
    ...[...new Set([...d.left.map((l) => l.slug)])]
      .slice(0, 2)
      .map((slug) => ({ label: `Cleanup ${slug}`, actionId: `cmd:cleanup ${slug}` })),
    ...(d.changed.length ? [{ label: "Max-prefix drift", actionId: "cmd:drift" }] : []),
  ];
  return {
    kind: "info",
    title: "PeeringDB digest",
    text: `${parts.join("; ")}.`,
    table: { columns: ["what", "AS", "name / address", "IXP", "note"], rows },
    buttons,
  };
}

export interface DigestRunResult {
  /** Nothing compared: the first run, or another run holds the lock. */
  skipped?: string;
  summary?: DigestSummary;
  posted: boolean;
}

/**
 * One digest run: snapshot, compare with the last run, post at most one message, record the
 * run. `trigger`: "sync:<id>", "schedule" or "command".
 */
export async function runDigest(
  s: {
    db: Database;
    config: Pick<Config, "PEERBOT_DIGEST_CHANNEL" | "PEERBOT_ABANDONED_AFTER">;
    notifier?: Notifier;
  },
  trigger: string,
  now: Date,
): Promise<DigestRunResult> {
  const channel = alertChannel(s.config.PEERBOT_DIGEST_CHANNEL);
  const client = await s.db.pool.connect();
  try {
    const lock = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [LOCK_KEY]);
    if (!lock.rows[0]?.ok) return { skipped: "another digest is running", posted: false };
    try {
      const cur = await digestSnapshot(s.db, now, s.config.PEERBOT_ABANDONED_AFTER);
      const last = await s.db.prisma.digestRun.findFirst({
        where: { OR: [{ posted: true }, { summary: { equals: {} } }] },
        orderBy: { id: "desc" },
      });
      if (!last) {
        await s.db.prisma.digestRun.create({
          data: { trigger, snapshot: cur as never, summary: {}, posted: false },
        });
        return { skipped: "the first digest only records what there is", posted: false };
      }
      const summary = await digestSummary(s.db, last.snapshot as unknown as DigestSnapshot, cur);
      const empty = digestEmpty(summary);
      const run = await s.db.prisma.digestRun.create({
        data: { trigger, snapshot: cur as never, summary: (empty ? {} : summary) as never, posted: false },
      });
      if (empty || !channel || !s.notifier) return { summary, posted: false };
      const ref = await s.notifier.post(channel, digestReply(summary));
      await s.db.prisma.digestRun.update({
        where: { id: run.id },
        data: {
          posted: true,
          messagePlatform: ref.platform,
          messageChannel: ref.channel,
          messageId: ref.messageId,
        },
      });
      return { summary, posted: true };
    } finally {
      await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    }
  } finally {
    client.release();
  }
}
