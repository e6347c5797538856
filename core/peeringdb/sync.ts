// The mirror sync: every type in dependency order, each in one transaction on one pg
// connection. Pages stream from the source straight into COPY (into the table itself on a
// first load, else into a temporary stage that is merged with one DELETE and one INSERT ...
// ON CONFLICT). `status: "deleted"` objects delete their rows. The watermark (newest
// `updated` seen) and the counts go to pdb_sync_state in the same transaction, so a type
// that fails (HTTP error, malformed answer) leaves both its rows and its watermark as they
// were, and the next run fetches the same window again.
//
// One sync at a time: a second runSync on the same Database in this process joins the
// running one; another process finds the advisory lock taken and gets SyncBusyError.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import copyStreams from "pg-copy-streams";
import type { Database } from "../db.js";
import type { Logger } from "../log.js";
import { refreshFromMirror, type LinkReport } from "./link.js";
import { SYNC_STATE_TABLE, TABLES, columnNames, copyEncoder } from "./tables.js";
import { PDB_TYPES, type PdbPage, type PdbType, type PeeringDbSource, type SkippedRecord } from "./types.js";

export type SyncProgress = (type: PdbType, rows: number) => void;

export interface SyncOptions {
  /** Types to sync (always applied in dependency order); default all. */
  types?: readonly PdbType[];
  /** Fetch everything again, ignoring the watermarks; rows PeeringDB no longer lists are removed. */
  full?: boolean;
  /** Seconds subtracted from the watermark when asking `since` (default 300). */
  overlapSeconds?: number;
  /**
   * Load with COPY (the default on a PostgreSQL server) or with multi-row inserts (the
   * default on the embedded PGlite server, which does not speak COPY over the wire).
   */
  bulk?: "copy" | "insert";
  /** Link our AS/IXPs/connections and refresh AS fields afterwards (default true). */
  link?: boolean;
  logger?: Logger;
  now?: () => Date;
}

export interface TypeSyncResult {
  type: PdbType;
  mode: "full" | "incremental";
  ok: boolean;
  /** Valid records received (not counting deleted or skipped ones). */
  fetched: number;
  /** Rows inserted or changed. */
  upserted: number;
  deleted: number;
  skipped: SkippedRecord[];
  /** Rows in the table afterwards. */
  rows: number;
  /** `since` sent (unix seconds), for an incremental sync. */
  since: number | null;
  watermark: string | null;
  requests: number;
  durationMs: number;
  error?: string;
}

export interface SyncReport {
  ok: boolean;
  startedAt: string;
  durationMs: number;
  types: TypeSyncResult[];
  linked?: LinkReport;
}

/** Another process holds the sync lock. */
export class SyncBusyError extends Error {
  constructor() {
    super("A PeeringDB sync is already running.");
    this.name = "SyncBusyError";
  }
}

/** Arbitrary, fixed: the advisory lock that keeps syncs one at a time across processes. */
const LOCK_KEY = 7_356_213_401;
/** Skipped records kept in a report, per type (all are counted). */
const MAX_SKIPPED_REPORTED = 500;
/** Skipped records logged one by one, per type. */
const MAX_SKIPPED_LOGGED = 20;

const running = new WeakMap<Database, { promise: Promise<SyncReport>; listeners: Set<SyncProgress> }>();

/**
 * Syncs the mirror from `source` (PeeringDbClient, or anything yielding pages). The first
 * sync of a type is full, later ones incremental. Types that fail are reported (ok: false)
 * and do not stop the others.
 */
export function runSync(
  db: Database,
  source: PeeringDbSource,
  onProgress?: SyncProgress,
  opts: SyncOptions = {},
): Promise<SyncReport> {
  const current = running.get(db);
  if (current) {
    if (onProgress) current.listeners.add(onProgress);
    return current.promise;
  }
  const listeners = new Set<SyncProgress>(onProgress ? [onProgress] : []);
  const emit: SyncProgress = (type, rows) => {
    for (const l of listeners) {
      try {
        l(type, rows);
      } catch {
        // a listener's failure is not the sync's
      }
    }
  };
  const promise = syncAll(db, source, emit, { bulk: db.embedded ? "insert" : "copy", ...opts }).finally(() =>
    running.delete(db),
  );
  running.set(db, { promise, listeners });
  return promise;
}

/** Whether a sync runs in this process for `db`. */
export function isSyncRunning(db: Database): boolean {
  return running.has(db);
}

async function syncAll(
  db: Database,
  source: PeeringDbSource,
  emit: SyncProgress,
  opts: SyncOptions,
): Promise<SyncReport> {
  const now = opts.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const wanted = new Set(opts.types ?? PDB_TYPES);
  const results: TypeSyncResult[] = [];
  const client = await db.pool.connect();
  let broken: Error | undefined;
  try {
    const lock = await client.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [LOCK_KEY]);
    if (!lock.rows[0]?.ok) throw new SyncBusyError();
    try {
      const states = await loadStates(client);
      const requests0 = new Map(PDB_TYPES.map((t) => [t, requestsOf(source, t)]));
      const plan = PDB_TYPES.filter((t) => wanted.has(t)).map((type) => {
        const state = states.get(type) ?? null;
        const since = sinceFor(state, opts);
        return { type, state, since, pages: primed(source.pages(type, since === null ? {} : { since })) };
      });
      for (let i = 0; i < plan.length; i++) {
        const { type, state, since, pages } = plan[i]!;
        // Once this type's last page is in, the next type's first request goes out while
        // this one finishes loading, merges and commits.
        const fetched = () => plan[i + 1]?.pages.start();
        results.push(
          await syncType(
            client,
            source,
            pages.iterable,
            fetched,
            requests0,
            type,
            state,
            since,
            emit,
            opts,
            now,
          ),
        );
      }
    } finally {
      await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch((err: Error) => (broken = err));
    }
  } catch (err) {
    if (!(err instanceof SyncBusyError)) broken = err as Error;
    throw err;
  } finally {
    client.release(broken);
  }
  const report: SyncReport = {
    ok: results.every((r) => r.ok),
    startedAt: started.toISOString(),
    durationMs: 0,
    types: results,
  };
  if (opts.link ?? true) report.linked = await refreshFromMirror(db);
  report.durationMs = Math.round(performance.now() - t0);
  return report;
}

interface StateRow {
  type: string;
  watermark: Date | null;
}

async function loadStates(client: pg.PoolClient): Promise<Map<string, StateRow>> {
  const r = await client.query<StateRow>(`select type, watermark from ${SYNC_STATE_TABLE}`);
  return new Map(r.rows.map((row) => [row.type, row]));
}

function requestsOf(source: PeeringDbSource, type: PdbType): number {
  return source.requestsFor?.(type) ?? 0;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function useInserts(_client: pg.PoolClient, opts: SyncOptions): boolean {
  return opts.bulk === "insert";
}

/** PostgreSQL text cannot hold NUL (and json refuses \u0000): drop it, as the COPY path does. */
function noNul(v: unknown): unknown {
  if (typeof v === "string") return v.includes("\0") ? v.replaceAll("\0", "") : v;
  if (Array.isArray(v)) return v.map(noNul);
  return v;
}

function sinceFor(state: StateRow | null, opts: SyncOptions): number | null {
  if (opts.full || !state?.watermark) return null;
  return Math.max(0, Math.floor(state.watermark.getTime() / 1000) - (opts.overlapSeconds ?? 300));
}

/** An iterable whose first item can be asked for ahead of its consumer. */
function primed<T>(source: AsyncIterable<T>): { start(): void; iterable: AsyncIterable<T> } {
  let it: AsyncIterator<T> | undefined;
  let first: Promise<IteratorResult<T>> | undefined;
  const start = () => {
    if (it) return;
    it = source[Symbol.asyncIterator]();
    first = it.next();
    first.catch(() => {}); // awaited by the consumer; never left unhandled
  };
  async function* iterable(): AsyncGenerator<T> {
    start();
    const iter = it as AsyncIterator<T>;
    let done = false;
    try {
      for (let r = await (first as Promise<IteratorResult<T>>); !r.done; r = await iter.next()) yield r.value;
      done = true;
    } finally {
      if (!done) await iter.return?.();
    }
  }
  return { start, iterable: { [Symbol.asyncIterator]: iterable } };
}

async function syncType(
  client: pg.PoolClient,
  source: PeeringDbSource,
  pageStream: AsyncIterable<PdbPage>,
  fetched: () => void,
  requests0ByType: ReadonlyMap<PdbType, number>,
  type: PdbType,
  state: StateRow | null,
  since: number | null,
  emit: SyncProgress,
  opts: SyncOptions,
  now: () => Date,
): Promise<TypeSyncResult> {
  const t0 = performance.now();
  const requests0 = requests0ByType.get(type) ?? 0;
  const log = opts.logger;
  const { table } = TABLES[type];
  const cols = columnNames(type);
  const colList = cols.join(", ");
  const mode = since === null ? "full" : "incremental";
  const result: TypeSyncResult = {
    type,
    mode,
    ok: false,
    fetched: 0,
    upserted: 0,
    deleted: 0,
    skipped: [],
    rows: 0,
    since,
    watermark: state?.watermark?.toISOString() ?? null,
    requests: 0,
    durationMs: 0,
  };
  const deletedIds: number[] = [];
  const skippedIds: number[] = [];
  let skippedCount = 0;
  let maxUpdated: number | null = null;

  await client.query("begin");
  try {
    // A first load goes straight into the (empty) table; anything else through a stage.
    let direct = false;
    if (mode === "full") {
      const r = await client.query<{ any: boolean }>(`select exists(select 1 from ${table}) as any`);
      direct = !r.rows[0]?.any;
    }
    const stage = `pdb_stage_${type}`;
    if (!direct)
      await client.query(`create temp table ${stage} (like ${table} including defaults) on commit drop`);

    const written = direct ? new Set<number>() : null;
    async function* pages(): AsyncGenerator<readonly unknown[]> {
      for await (const page of pageStream) {
        if (page.maxUpdated) {
          const ms = Date.parse(page.maxUpdated);
          if (maxUpdated === null || ms > maxUpdated) maxUpdated = ms;
        }
        deletedIds.push(...page.deleted);
        for (const s of page.skipped) {
          skippedCount++;
          if (s.id !== null) skippedIds.push(s.id);
          if (result.skipped.length < MAX_SKIPPED_REPORTED) result.skipped.push(s);
          if (skippedCount <= MAX_SKIPPED_LOGGED)
            log?.warn(`PeeringDB ${type} ${s.id ?? "(no id)"} skipped: ${s.reason}`, { type, id: s.id });
        }
        // A row can show up twice when the data moves between pages: a direct load keeps the first.
        const records = written
          ? page.records.filter((r) => !written.has(r.id) && written.add(r.id))
          : page.records;
        result.fetched += page.records.length;
        emit(type, result.fetched);
        yield records;
      }
      // The last page is in: the next type's first request goes out (and its answer is
      // parsed) while this one's last rows are loaded, merged and committed.
      fetched();
    }
    const target = direct ? table : stage;
    try {
      if (useInserts(client, opts)) {
        // The embedded PGlite server does not speak COPY's sub-protocol: one multi-row insert a
        // page instead, its rows passed as JSON whose keys are the column names.
        for await (const records of pages()) {
          if (!records.length) continue;
          const rows = records.map((r) => {
            const rec = r as Record<string, unknown>;
            const o: Record<string, unknown> = {};
            for (const c of cols) o[c] = noNul(rec[c] ?? null);
            return o;
          });
          await client.query(
            `insert into ${target} (${colList}) select ${colList} from json_populate_recordset(null::${table}, $1::json)`,
            [JSON.stringify(rows)],
          );
        }
      } else {
        const encode = copyEncoder(type);
        async function* chunks(): AsyncGenerator<string> {
          for await (const records of pages()) {
            const text = encode(records as never);
            if (text) yield text;
          }
        }
        const copy = client.query(copyStreams.from(`copy ${target} (${colList}) from stdin`));
        await pipeline(Readable.from(chunks(), { highWaterMark: 2 }), copy);
      }
    } finally {
      // Every page is in (or the type failed): the next type may start fetching (if not already).
      fetched();
    }

    if (deletedIds.length) {
      const r = await client.query(`delete from ${table} where id = any($1::int[])`, [deletedIds]);
      result.deleted += r.rowCount ?? 0;
    }
    if (direct) {
      result.upserted = written?.size ?? 0;
    } else {
      const nonKey = cols.filter((c) => c !== "id");
      const set = nonKey.map((c) => `${c} = excluded.${c}`).join(", ");
      const differs = `(${nonKey.map((c) => `t.${c}`).join(", ")}) is distinct from (${nonKey.map((c) => `excluded.${c}`).join(", ")})`;
      const r = await client.query(
        `insert into ${table} as t (${colList})
         select distinct on (id) ${colList} from ${stage} order by id, updated desc
         on conflict (id) do update set ${set} where ${differs}`,
      );
      result.upserted = r.rowCount ?? 0;
      if (mode === "full") {
        // Everything PeeringDB lists was just fetched: what it no longer lists is gone
        // (except rows whose new version was skipped as malformed: keep the old one).
        const gone = await client.query(
          `delete from ${table} t where not exists (select 1 from ${stage} s where s.id = t.id)
           and not (t.id = any($1::int[]))`,
          [skippedIds],
        );
        result.deleted += gone.rowCount ?? 0;
      }
    }
    const count = await client.query<{ n: number }>(`select count(*)::int as n from ${table}`);
    result.rows = count.rows[0]?.n ?? 0;
    const newMark =
      maxUpdated !== null && (!state?.watermark || maxUpdated > state.watermark.getTime())
        ? new Date(maxUpdated)
        : (state?.watermark ?? null);
    result.watermark = newMark?.toISOString() ?? null;
    result.requests = requestsOf(source, type) - requests0;
    result.durationMs = Math.round(performance.now() - t0);
    const at = now();
    await client.query(
      `insert into ${SYNC_STATE_TABLE} as s (type, watermark, last_attempt_at, last_success_at, last_full_at,
         last_status, last_error, rows, fetched, upserted, deleted, skipped, requests, duration_ms)
       values ($1, $2, $3, $3, $4, 'ok', '', $5, $6, $7, $8, $9, $10, $11)
       on conflict (type) do update set watermark = excluded.watermark, last_attempt_at = excluded.last_attempt_at,
         last_success_at = excluded.last_success_at, last_full_at = coalesce(excluded.last_full_at, s.last_full_at),
         last_status = 'ok', last_error = '', rows = excluded.rows, fetched = excluded.fetched,
         upserted = excluded.upserted, deleted = excluded.deleted, skipped = excluded.skipped,
         requests = excluded.requests, duration_ms = excluded.duration_ms`,
      [
        type,
        newMark,
        at,
        mode === "full" ? at : null,
        result.rows,
        result.fetched,
        result.upserted,
        result.deleted,
        skippedCount,
        result.requests,
        result.durationMs,
      ],
    );
    await client.query("commit");
    result.ok = true;
  } catch (err) {
    await client.query("rollback").catch(() => {});
    result.ok = false;
    result.error = message(err);
    result.requests = requestsOf(source, type) - requests0;
    result.durationMs = Math.round(performance.now() - t0);
    log?.error(`PeeringDB ${type} sync failed; the mirror keeps its previous ${type} rows: ${result.error}`, {
      type,
    });
    await client
      .query(
        `insert into ${SYNC_STATE_TABLE} as s (type, last_attempt_at, last_status, last_error)
         values ($1, $2, 'failed', $3)
         on conflict (type) do update set last_attempt_at = excluded.last_attempt_at,
           last_status = 'failed', last_error = excluded.last_error`,
        [type, now(), result.error.slice(0, 1000)],
      )
      .catch(() => {});
    return result;
  }
  // Fresh statistics after a full load, so that the first `peers` gets a good plan (a small
  // sample: these tables need row counts and common values, not fine histograms).
  if (mode === "full") {
    await client
      .query(`begin; set local default_statistics_target = 10; analyze ${table}; commit`)
      .catch(() => client.query("rollback").catch(() => {}));
  }
  log?.info(
    `PeeringDB ${type}: ${mode}, ${result.fetched} fetched, ${result.upserted} upserted, ${result.deleted} deleted, ${skippedCount} skipped, ${result.rows} rows (${result.durationMs} ms)`,
    { type },
  );
  emit(type, result.fetched);
  return result;
}

/** The sync state of every type, for `sync status`. */
export async function syncStatus(db: Database): Promise<
  {
    type: PdbType;
    watermark: Date | null;
    lastAttemptAt: Date | null;
    lastSuccessAt: Date | null;
    lastFullAt: Date | null;
    lastStatus: string;
    lastError: string;
    rows: number;
    skipped: number;
  }[]
> {
  const r = await db.pool.query<{
    type: string;
    watermark: Date | null;
    last_attempt_at: Date | null;
    last_success_at: Date | null;
    last_full_at: Date | null;
    last_status: string;
    last_error: string;
    rows: number;
    skipped: number;
  }>(`select * from ${SYNC_STATE_TABLE}`);
  const byType = new Map(r.rows.map((row) => [row.type, row]));
  return PDB_TYPES.map((type) => {
    const s = byType.get(type);
    return {
      type,
      watermark: s?.watermark ?? null,
      lastAttemptAt: s?.last_attempt_at ?? null,
      lastSuccessAt: s?.last_success_at ?? null,
      lastFullAt: s?.last_full_at ?? null,
      lastStatus: s?.last_status ?? "never",
      lastError: s?.last_error ?? "",
      rows: s?.rows ?? 0,
      skipped: s?.skipped ?? 0,
    };
  });
}
