// The IRR cache: per autonomous system and address family, the prefixes bgpq4 found for the
// AS's AS-SETs (IrrPrefixList, key `as:<id>`), the origin ASNs, when and from what. Renders
// read only this table (core/render/irr.ts); nothing here is ever on a render's path.
//
// A refresh that fails (timeout, bgpq4 error, unreadable output) records the error and marks
// the list stale, keeping the last good prefixes; a list over the per-family cap is stored as
// a count only and marked, so that no template ever receives it. `irr <AS-SET>` lists for a
// set typed by hand are cached under `set:<SET>` the same way.
import type { Config } from "../config.js";
import type { Database } from "../db.js";
import { UserError } from "../errors.js";
import { clip } from "../text.js";
import { parseAsSets, validateSources } from "./sets.js";
import { IrrError, type IrrFetcher, type IrrPrefix } from "./types.js";

/** The BullMQ queue and job name of the refresh of every network (jobs/irr.ts runs it). */
export const IRR_QUEUE = "irr-refresh";
export const IRR_JOB = "irr-refresh";

export interface IrrSettings {
  /** PEERBOT_IRR_SOURCES: the default sources (empty: the server's own). */
  sources: string[];
  /** PEERBOT_IRR_MAX_PREFIXES_IPV4 / _IPV6: a bigger list is marked over the cap, not rendered. */
  maxPrefixes4: number;
  maxPrefixes6: number;
  /** PEERBOT_IRR_CONCURRENCY: bgpq4 children at once during a refresh of many. */
  concurrency: number;
}

export function irrSettings(c: Config): IrrSettings {
  return {
    sources: c.PEERBOT_IRR_SOURCES ? c.PEERBOT_IRR_SOURCES.split(",").map((s) => s.toUpperCase()) : [],
    maxPrefixes4: c.PEERBOT_IRR_MAX_PREFIXES_IPV4,
    maxPrefixes6: c.PEERBOT_IRR_MAX_PREFIXES_IPV6,
    concurrency: c.PEERBOT_IRR_CONCURRENCY,
  };
}

export interface FamilyOutcome {
  family: 4 | 6;
  count: number;
  ok: boolean;
  overCap: boolean;
  error: string;
}

export interface RefreshOutcome {
  asn: number;
  sets: string[];
  sources: string[];
  families: FamilyOutcome[];
  asns: number;
  /** The AS's IRR is turned off: nothing was asked. */
  skipped: boolean;
}

// Extra bgpq4 options an AS may carry (irrArgs): the ones that shape the list, each with its
// value checked. Anything else (-h, -S, -j, -l, -f, output formats) is peerbot's to set.
const ARG_RULES: Record<string, ((v: string) => boolean) | null> = {
  "-A": null,
  "-p": null,
  "-r": (v) => /^\d{1,3}$/.test(v) && Number(v) <= 128,
  "-R": (v) => /^\d{1,3}$/.test(v) && Number(v) <= 128,
  "-m": (v) => /^\d{1,3}$/.test(v) && Number(v) <= 128,
  "-L": (v) => /^\d{1,2}$/.test(v),
};

/** An AS's extra bgpq4 options, or one sentence saying what is wrong. */
export function parseIrrArgs(text: string): string[] | { error: string } {
  const words = text.trim() ? text.trim().split(/\s+/) : [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!(w in ARG_RULES))
      return {
        error: `${clip(w, 20)} is not a bgpq4 option peerbot passes through: use -A, -p, -r N, -R N, -m N or -L N.`,
      };
    const check = ARG_RULES[w];
    out.push(w);
    if (check) {
      const v = words[++i];
      if (v === undefined || !check(v)) return { error: `${w} needs a number, as in "${w} 24".` };
      out.push(v);
    }
  }
  return out;
}

interface AsRow {
  id: number;
  asn: bigint;
  irrAsSet: string;
  irrSources: string;
  irrArgs: string;
  irrEnabled: boolean;
}

function message(err: unknown): string {
  const m = err instanceof IrrError ? err.message : `bgpq4 failed: ${(err as Error)?.message ?? String(err)}`;
  return clip(m.replace(/[\x00-\x1f\x7f]+/g, " "), 300);
}

/**
 * Fetches one key's lists (both families) and stores them: the last good list survives a
 * failure (marked stale), an over-large one is stored as a count. Never throws for the IRR's
 * faults; a database fault propagates.
 */
async function refreshKey(
  db: Database,
  irr: IrrFetcher,
  key: string,
  asId: number | null,
  q: { sets: string[]; sources: string[]; extraArgs?: string[] },
  settings: IrrSettings,
): Promise<{ families: FamilyOutcome[]; asns: number }> {
  const now = new Date();
  const families: FamilyOutcome[] = [];
  // Both families and the AS list at once: three children of bgpq4, each one connection.
  const [v4, v6, asns] = await Promise.allSettled([
    irr.prefixes({ ...q, family: 4 }),
    irr.prefixes({ ...q, family: 6 }),
    irr.asns(q),
  ]);
  const asnList = asns.status === "fulfilled" ? asns.value : null;
  const noneAtAll =
    v4.status === "fulfilled" && v6.status === "fulfilled" && v4.value.length === 0 && v6.value.length === 0;
  // One statement per kind of outcome (usually one in all): a refresh of 1,000 sets spent
  // most of its time in four Prisma round trips per set before.
  const good: unknown[][] = [];
  const bad: { family: 4 | 6; error: string }[] = [];
  for (const [family, r] of [
    [4, v4],
    [6, v6],
  ] as const) {
    // bgpq4 answers a set the server does not know (or hides from the sources) with an empty
    // list and exit 0: no prefix in either family is recorded as a failure, the last good
    // lists kept. One empty family alone is a network without (say) IPv6 objects.
    const empty = noneAtAll && r.status === "fulfilled";
    if (r.status === "rejected" || empty) {
      const error = empty
        ? `the IRR has no IPv${family} prefixes for ${q.sets.join(" ")}${q.sources.length ? ` in ${q.sources.join(",")}` : ""} (an unknown or empty AS-SET?)`
        : message((r as PromiseRejectedResult).reason);
      bad.push({ family, error });
      continue;
    }
    const list: IrrPrefix[] = (r as PromiseFulfilledResult<IrrPrefix[]>).value;
    const cap = family === 4 ? settings.maxPrefixes4 : settings.maxPrefixes6;
    const overCap = list.length > cap;
    const error = overCap
      ? `${list.length.toLocaleString("en-US")} prefixes is over the cap of ${cap.toLocaleString("en-US")} (PEERBOT_IRR_MAX_PREFIXES_IPV${family})`
      : "";
    good.push([family, JSON.stringify(overCap ? [] : list), list.length, error, overCap]);
    families.push({ family, count: list.length, ok: true, overCap, error });
  }
  const asnJson = asnList ? JSON.stringify(asnList) : null;
  if (good.length) {
    const values = good
      .map((_, i) => {
        const k = 7 + i * 5;
        return `($1, $${k}::int, $2::int, $${k + 1}::jsonb, $${k + 2}::int, coalesce($3::jsonb, '[]'), $4::text[], $5::text[], $6::timestamptz, $${k + 3}, case when $${k + 4}::boolean then $6::timestamptz end, false, $${k + 4}::boolean, $6::timestamptz)`;
      })
      .join(", ");
    await db.pool.query(
      `insert into "IrrPrefixList" (key, family, "autonomousSystemId", prefixes, "prefixCount", asns, sets, sources,
                                    "fetchedAt", error, "errorAt", stale, "overCap", "updatedAt")
       values ${values}
       on conflict (key, family) do update set
         "autonomousSystemId" = excluded."autonomousSystemId", prefixes = excluded.prefixes,
         "prefixCount" = excluded."prefixCount",
         asns = case when $3::jsonb is null then "IrrPrefixList".asns else excluded.asns end,
         sets = excluded.sets, sources = excluded.sources, "fetchedAt" = excluded."fetchedAt",
         error = excluded.error, "errorAt" = excluded."errorAt", stale = false, "overCap" = excluded."overCap",
         "updatedAt" = excluded."updatedAt"`,
      [key, asId, asnJson, q.sets, q.sources, now, ...good.flat()],
    );
  }
  if (bad.length) {
    // The last good list stays; the error is recorded and the list marked stale.
    const values = bad
      .map(
        (_, i) =>
          `($1, $${6 + i * 2}::int, $2::int, $3::text[], $4::text[], $${7 + i * 2}, $5::timestamptz, true, $5::timestamptz)`,
      )
      .join(", ");
    const r = await db.pool.query<{ family: number; n: number }>(
      `insert into "IrrPrefixList" (key, family, "autonomousSystemId", sets, sources, error, "errorAt", stale, "updatedAt")
       values ${values}
       on conflict (key, family) do update set
         error = excluded.error, "errorAt" = excluded."errorAt", stale = true, "updatedAt" = excluded."updatedAt"
       returning family, "prefixCount" as n`,
      [key, asId, q.sets, q.sources, now, ...bad.flatMap((b) => [b.family, b.error])],
    );
    for (const b of bad)
      families.push({
        family: b.family,
        count: r.rows.find((x) => x.family === b.family)?.n ?? 0,
        ok: false,
        overCap: false,
        error: b.error,
      });
  }
  families.sort((x, y) => x.family - y.family);
  return { families, asns: asnList?.length ?? 0 };
}

/** What an AS's lists are built from: its AS-SETs and sources, or one sentence. */
export function irrQueryOf(
  a: AsRow,
  settings: Pick<IrrSettings, "sources">,
): { sets: string[]; sources: string[]; extraArgs: string[] } | { error: string } {
  const asn = Number(a.asn);
  const parsed = parseAsSets(a.irrAsSet, asn);
  if ("error" in parsed) return { error: `AS${asn}'s AS-SET field cannot be used: ${parsed.error}` };
  let sources = settings.sources;
  if (a.irrSources.trim()) {
    const s = validateSources(a.irrSources);
    if (!Array.isArray(s)) return { error: `AS${asn}'s IRR sources cannot be used: ${s.error}` };
    sources = s;
  }
  // A source named in the field (RIPE::AS-FOO) wins over the defaults.
  if (parsed.sources.length) sources = parsed.sources;
  const args = parseIrrArgs(a.irrArgs);
  if (!Array.isArray(args)) return { error: `AS${asn}'s bgpq4 options cannot be used: ${args.error}` };
  return { sets: parsed.sets, sources, extraArgs: args };
}

const AS_SELECT = {
  id: true,
  asn: true,
  irrAsSet: true,
  irrSources: true,
  irrArgs: true,
  irrEnabled: true,
} as const;

/** Refreshes one AS's lists now (`irr refresh`, the daily job). */
export async function refreshAs(
  db: Database,
  irr: IrrFetcher,
  asId: number,
  settings: IrrSettings,
): Promise<RefreshOutcome> {
  const a = await db.prisma.autonomousSystem.findUnique({ where: { id: asId }, select: AS_SELECT });
  if (!a) throw new UserError(`No autonomous system has id ${asId}.`, "List them with `ases`.");
  const asn = Number(a.asn);
  if (!a.irrEnabled) return { asn, sets: [], sources: [], families: [], asns: 0, skipped: true };
  const q = irrQueryOf(a, settings);
  if ("error" in q) {
    // Recorded on both families like any failed fetch: the last good list stays, marked stale.
    const now = new Date();
    for (const family of [4, 6] as const)
      await db.prisma.irrPrefixList.upsert({
        where: { key_family: { key: `as:${a.id}`, family } },
        create: {
          key: `as:${a.id}`,
          family,
          autonomousSystemId: a.id,
          error: q.error,
          errorAt: now,
          stale: true,
        },
        update: { error: q.error, errorAt: now, stale: true },
      });
    return {
      asn,
      sets: [],
      sources: [],
      families: [4, 6].map((f) => ({
        family: f as 4 | 6,
        count: 0,
        ok: false,
        overCap: false,
        error: q.error,
      })),
      asns: 0,
      skipped: false,
    };
  }
  const r = await refreshKey(db, irr, `as:${a.id}`, a.id, q, settings);
  return { asn, sets: q.sets, sources: q.sources, ...r, skipped: false };
}

/** Refreshes the lists of a set typed by hand (`irr AS-FOO`), cached under `set:<SET>`. */
export async function refreshSet(
  db: Database,
  irr: IrrFetcher,
  set: string,
  settings: IrrSettings,
): Promise<{ families: FamilyOutcome[]; asns: number }> {
  return refreshKey(db, irr, `set:${set}`, null, { sets: [set], sources: settings.sources }, settings);
}

/** The autonomous systems a refresh of everything covers: those with sessions, IRR on. */
export async function asesToRefresh(db: Database): Promise<number[]> {
  const rows = await db.pool.query<{ id: number }>(
    `select a.id from "AutonomousSystem" a
      where a."irrEnabled" and not a.affiliated
        and (exists (select 1 from "IxpSession" s where s."autonomousSystemId" = a.id and s.status <> 'decommissioned')
             or exists (select 1 from "DirectSession" d where d."autonomousSystemId" = a.id and d.status <> 'decommissioned'))
      order by a.asn`,
  );
  return rows.rows.map((r) => r.id);
}

/** Arbitrary, fixed: the advisory lock that keeps refreshes of everything one at a time. */
const LOCK_KEY = 0x1ee_0001;

export interface RefreshAllResult {
  skipped?: string;
  ases: number;
  ok: number;
  failed: number;
  overCap: number;
  durationMs: number;
  /** Up to 20 one-line failures, `AS714 IPv4: …`. */
  failures: string[];
}

/**
 * Refreshes every AS with sessions, `settings.concurrency` at a time, one refresh of
 * everything at a time across processes (a PostgreSQL advisory lock; the loser is `skipped`).
 */
export async function refreshAll(
  db: Database,
  irr: IrrFetcher,
  settings: IrrSettings,
  onProgress?: (done: number, total: number) => Promise<void> | void,
  ids?: number[],
): Promise<RefreshAllResult> {
  const t0 = performance.now();
  const client = await db.pool.connect();
  try {
    const lock = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [LOCK_KEY]);
    if (!lock.rows[0]?.ok)
      return {
        skipped: "another IRR refresh is running",
        ases: 0,
        ok: 0,
        failed: 0,
        overCap: 0,
        durationMs: 0,
        failures: [],
      };
    try {
      const todo = ids ?? (await asesToRefresh(db));
      const result: RefreshAllResult = {
        ases: todo.length,
        ok: 0,
        failed: 0,
        overCap: 0,
        durationMs: 0,
        failures: [],
      };
      let next = 0;
      let done = 0;
      const worker = async () => {
        while (next < todo.length) {
          const id = todo[next++]!;
          const r = await refreshAs(db, irr, id, settings);
          const bad = r.families.filter((f) => !f.ok);
          if (bad.length) {
            result.failed++;
            for (const f of bad)
              if (result.failures.length < 20) result.failures.push(`AS${r.asn} IPv${f.family}: ${f.error}`);
          } else result.ok++;
          if (r.families.some((f) => f.overCap)) result.overCap++;
          done++;
          await onProgress?.(done, todo.length);
        }
      };
      await Promise.all(
        Array.from({ length: Math.max(1, Math.min(settings.concurrency, todo.length)) }, worker),
      );
      result.durationMs = Math.round(performance.now() - t0);
      return result;
    } finally {
      await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

export interface IrrListView {
  family: 4 | 6;
  count: number;
  sets: string[];
  sources: string[];
  fetchedAt: Date | null;
  error: string;
  errorAt: Date | null;
  stale: boolean;
  overCap: boolean;
  first: IrrPrefix[];
  asns: number;
}

/** The cached lists of a key (`as:<id>` or `set:<SET>`), IPv4 first; the first prefixes only. */
export async function irrLists(db: Database, key: string, firstN = 5): Promise<IrrListView[]> {
  const rows = await db.pool.query<{
    family: number;
    n: number;
    sets: string[];
    sources: string[];
    at: Date | null;
    error: string;
    errorAt: Date | null;
    stale: boolean;
    over: boolean;
    first: IrrPrefix[] | null;
    asns: number;
  }>(
    `select family, "prefixCount" as n, sets, sources, "fetchedAt" as at, error, "errorAt" as "errorAt", stale,
            "overCap" as over, jsonb_path_query_array(prefixes, ('$[0 to ' || $2::int || ']')::jsonpath) as first,
            jsonb_array_length(asns) as asns
       from "IrrPrefixList" where key = $1 order by family`,
    [key, Math.max(0, firstN - 1)],
  );
  return rows.rows.map((r) => ({
    family: r.family as 4 | 6,
    count: r.n,
    sets: r.sets,
    sources: r.sources,
    fetchedAt: r.at,
    error: r.error,
    errorAt: r.errorAt,
    stale: r.stale,
    overCap: r.over,
    first: firstN > 0 ? (r.first ?? []) : [],
    asns: r.asns,
  }));
}
