// The `peeringdb-sync` queue. Thin: the worker calls core's runSync and reports its progress
// ({type, rows}) on the job, which the `sync` command's message follows. Scheduled hourly by
// default (with a jitter, so that every peerbot does not call PeeringDB on the hour), one at
// a time: a request made while a sync runs joins it instead of queueing another, and two
// processes never sync together (core holds an advisory lock; the loser reports "skipped").
import type { Job, Queue } from "bullmq";
import type { Database } from "../core/db.js";
import type { Logger } from "../core/log.js";
import { SyncBusyError, runSync, type SyncReport, type TypeSyncResult } from "../core/peeringdb/sync.js";
import type { PdbType, PeeringDbSource } from "../core/peeringdb/types.js";

export const PEERINGDB_SYNC_QUEUE = "peeringdb-sync";
export const PEERINGDB_SYNC_JOB = "peeringdb-sync";
/** The job scheduler's id (one per queue). */
export const PEERINGDB_SYNC_SCHEDULER = "peeringdb-sync-schedule";
/** The id of a sync asked for by someone; removed when it ends, so that the next ask makes a new one. */
export const PEERINGDB_SYNC_NOW = "peeringdb-sync-now";
const DEFAULT_JITTER_MS = 5 * 60_000;

export interface PeeringdbSyncData {
  /** Who asked ("schedule", "console:alice", ...), for the log. */
  requestedBy?: string;
  full?: boolean;
  types?: PdbType[];
}

export interface PeeringdbSyncProgress {
  type: PdbType;
  rows: number;
}

/** What a job returns: JSON-safe, small. */
export interface PeeringdbSyncResult {
  ok: boolean;
  skipped?: string;
  durationMs: number;
  /** Each type's result, with the skipped records counted instead of listed. */
  types: (Pick<
    TypeSyncResult,
    "type" | "mode" | "ok" | "fetched" | "upserted" | "deleted" | "rows" | "error"
  > & {
    skipped: number;
  })[];
  linked?: SyncReport["linked"];
}

export interface PeeringdbSyncDeps {
  db: Database;
  /** A PeeringDbClient (or any source); made per job when a factory is given. */
  source: PeeringDbSource | (() => PeeringDbSource & { close?(): Promise<void> });
  log?: Logger;
}

export function summarize(report: SyncReport): PeeringdbSyncResult {
  return {
    ok: report.ok,
    durationMs: report.durationMs,
    types: report.types.map((t) => ({
      type: t.type,
      mode: t.mode,
      ok: t.ok,
      fetched: t.fetched,
      upserted: t.upserted,
      deleted: t.deleted,
      skipped: t.skipped.length,
      rows: t.rows,
      ...(t.error ? { error: t.error } : {}),
    })),
    ...(report.linked ? { linked: report.linked } : {}),
  };
}

/**
 * Runs one sync for a job, reporting {type, rows} through `progress` (at most every 250 ms,
 * and at the end of each type). Works with the lead's JobContext or a bare BullMQ job.
 */
export async function runPeeringdbSyncJob(
  deps: PeeringdbSyncDeps,
  data: PeeringdbSyncData,
  progress: (p: PeeringdbSyncProgress) => Promise<void> | void,
): Promise<PeeringdbSyncResult> {
  const made = typeof deps.source === "function" ? deps.source() : null;
  const source = made ?? (deps.source as PeeringDbSource);
  let last = 0;
  let lastType: PdbType | null = null;
  let pending: Promise<void> = Promise.resolve();
  const onProgress = (type: PdbType, rows: number) => {
    const now = Date.now();
    if (type === lastType && now - last < 250) return;
    last = now;
    lastType = type;
    pending = pending.then(() => Promise.resolve(progress({ type, rows })).catch(() => {}));
  };
  const t0 = Date.now();
  try {
    const report = await runSync(deps.db, source, onProgress, {
      full: data.full,
      types: data.types,
      logger: deps.log,
    });
    await pending;
    deps.log?.info("PeeringDB sync done", {
      ok: report.ok,
      ms: report.durationMs,
      by: data.requestedBy ?? "",
      failed: report.types.filter((t) => !t.ok).map((t) => t.type),
    });
    return summarize(report);
  } catch (err) {
    if (err instanceof SyncBusyError) {
      deps.log?.info("PeeringDB sync skipped: another process is syncing", { by: data.requestedBy ?? "" });
      return { ok: true, skipped: err.message, durationMs: Date.now() - t0, types: [] };
    }
    throw err;
  } finally {
    await made?.close?.();
  }
}

/** The BullMQ processor, for a Worker of PEERINGDB_SYNC_QUEUE made by hand. */
export function peeringdbSyncProcessor(deps: PeeringdbSyncDeps): (job: Job) => Promise<PeeringdbSyncResult> {
  return (job) =>
    runPeeringdbSyncJob(deps, (job.data ?? {}) as PeeringdbSyncData, (p) => job.updateProgress({ ...p }));
}

/**
 * The repeatable schedule: every `everyMs` (default hourly), shifted by a random offset below
 * `jitterMs` (default 5 minutes, at most the interval) chosen when the schedule is set.
 * Upserting again replaces it.
 */
export async function schedulePeeringdbSync(
  queue: Queue,
  opts: { everyMs?: number; jitterMs?: number; random?: () => number } = {},
): Promise<{ everyMs: number; offsetMs: number }> {
  const everyMs = Math.max(60_000, opts.everyMs ?? 3_600_000);
  const jitter = Math.min(opts.jitterMs ?? DEFAULT_JITTER_MS, everyMs - 1);
  const offsetMs = Math.floor((opts.random ?? Math.random)() * Math.max(0, jitter));
  await queue.upsertJobScheduler(
    PEERINGDB_SYNC_SCHEDULER,
    { every: everyMs, offset: offsetMs },
    {
      name: PEERINGDB_SYNC_JOB,
      data: { requestedBy: "schedule" } satisfies PeeringdbSyncData,
      opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
    },
  );
  return { everyMs, offsetMs };
}

/**
 * Asks for a sync now. If one is running (scheduled or asked for), that job is returned and
 * `joined` is true; otherwise a job with the fixed id PEERINGDB_SYNC_NOW is added (BullMQ
 * returns the existing one while it waits or runs, so concurrent asks share it).
 */
export async function requestPeeringdbSync(
  queue: Queue,
  data: PeeringdbSyncData = {},
): Promise<{ job: Job; joined: boolean }> {
  const active = (await queue.getActive()).find((j) => j.name === PEERINGDB_SYNC_JOB);
  if (active) return { job: active as Job, joined: true };
  const existing = await queue.getJob(PEERINGDB_SYNC_NOW);
  if (existing && !(await existing.isCompleted()) && !(await existing.isFailed()))
    return { job: existing, joined: true };
  if (existing) await existing.remove().catch(() => {});
  const job = await queue.add(PEERINGDB_SYNC_JOB, data, {
    jobId: PEERINGDB_SYNC_NOW,
    removeOnComplete: true,
    removeOnFail: true,
  });
  return { job, joined: false };
}
