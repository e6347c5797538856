// The last IX-API pass of each endpoint (IxApiSnapshot): every object of our account as the
// driver fetched it, stored as the IxApiPass itself (`peer rs` and `ix` read `data` as one),
// with its fetch time and the HTTP requests it took. A pass that fails keeps the last good data
// and records the error, one sentence, and when; the next good pass clears it. The refresh of
// every endpoint (jobs/ixapi.ts) runs one at a time across processes under an advisory lock.
import type { Database, Prisma } from "../db.js";
import type { Services } from "../services.js";
import { errorLine, singleLine } from "../text.js";
import { IxApiError, type IxApiClient, type IxApiPass } from "./port.js";

/** The BullMQ queue and job name of the refresh of every endpoint (jobs/ixapi.ts runs it). */
export const IXAPI_QUEUE = "ixapi-refresh";
export const IXAPI_JOB = "ixapi-refresh";

/** Arbitrary, fixed: the advisory lock that keeps refreshes of every endpoint one at a time. */
const LOCK_KEY = 0x1ee_0003;

export interface RefreshOutcome {
  endpointId: number;
  ok: boolean;
  /** HTTP requests this refresh made (the version check, logins and refreshes included). */
  requests: number;
  configs: number;
  services: number;
  features: number;
  routeServers: number;
  ips: number;
  macs: number;
  /** Objects the exchange sent that failed validation and were left out, and which (at most 20). */
  invalid: number;
  skipped: string[];
  /** One sentence; empty when it worked. */
  error: string;
  fetchedAt: Date | null;
  durationMs: number;
}

export interface StoredSnapshot {
  /** The last good pass, or null when none has worked yet. */
  pass: IxApiPass | null;
  fetchedAt: Date | null;
  requests: number;
  error: string;
  errorAt: Date | null;
}

/** What a person is told of a failed pass: one sentence, never a stack or a secret. */
function failure(err: unknown): string {
  const m = err instanceof IxApiError ? err.message : `The IX-API pass failed: ${errorLine(err)}`;
  return singleLine(m, 300) || "The IX-API pass failed.";
}

class Deadline extends Error {}

/**
 * Fetches one endpoint's pass (version check, then every list) and stores it. Never throws for
 * the IX-API's faults (nor for a client that cannot be made: a variable not set); they are
 * recorded and answered. `deadlineMs` bounds the whole pass (a command's refresh).
 */
export async function refreshSnapshot(
  s: Pick<Services, "db" | "ixapi">,
  endpointId: number,
  opts: { deadlineMs?: number } = {},
): Promise<RefreshOutcome> {
  const t0 = performance.now();
  const out: RefreshOutcome = {
    endpointId,
    ok: false,
    requests: 0,
    configs: 0,
    services: 0,
    features: 0,
    routeServers: 0,
    ips: 0,
    macs: 0,
    invalid: 0,
    skipped: [],
    error: "",
    fetchedAt: null,
    durationMs: 0,
  };
  let client: IxApiClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let abandoned = false;
  try {
    if (!s.ixapi) throw new IxApiError("No IX-API client is configured in this peerbot.");
    const make = s.ixapi;
    const work = (async () => {
      const c = await make(endpointId);
      client = c;
      // Made after the deadline: nobody will close it but this.
      if (abandoned) await c.close().catch(() => {});
      await c.checkVersion();
      return c.fetchAll();
    })();
    // A late answer of an abandoned pass must not count as a rejection nobody handled.
    work.catch(() => {});
    const pass = await (opts.deadlineMs
      ? Promise.race([
          work,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Deadline()), opts.deadlineMs);
          }),
        ])
      : work);
    out.requests = client?.requestCount ?? pass.requests;
    out.fetchedAt = new Date(pass.fetchedAt);
    if (Number.isNaN(out.fetchedAt.getTime())) out.fetchedAt = new Date();
    out.configs = pass.configs.length;
    out.services = pass.services.length;
    out.features = pass.features.length;
    out.routeServers = pass.features.filter((f) => f.type === "route_server").length;
    out.ips = pass.ips.length;
    out.macs = pass.macs.length;
    out.invalid = typeof pass.invalid === "number" ? pass.invalid : 0;
    out.skipped = (Array.isArray(pass.skipped) ? pass.skipped : [])
      .slice(0, 20)
      .map((x) => singleLine(x, 200));
    const data = pass as unknown as Prisma.InputJsonValue;
    const row = { fetchedAt: out.fetchedAt, data, requests: out.requests, error: "", errorAt: null };
    await s.db.prisma.ixApiSnapshot.upsert({
      where: { endpointId },
      create: { endpointId, ...row },
      update: row,
    });
    out.ok = true;
  } catch (err) {
    out.requests = client?.requestCount ?? 0;
    out.error =
      err instanceof Deadline
        ? `The IX-API pass did not finish within ${Math.round((opts.deadlineMs ?? 0) / 1000)} s; the last good snapshot is kept.`
        : failure(err);
    const errorAt = new Date();
    // The endpoint may have been removed meanwhile: then there is nothing to record.
    const exists = await s.db.prisma.ixApiEndpoint.count({ where: { id: endpointId } });
    if (exists)
      await s.db.prisma.ixApiSnapshot.upsert({
        where: { endpointId },
        create: { endpointId, error: out.error, errorAt, requests: out.requests },
        update: { error: out.error, errorAt },
      });
  } finally {
    abandoned = true;
    if (timer) clearTimeout(timer);
    await (client as IxApiClient | undefined)?.close().catch(() => {});
    out.durationMs = Math.round(performance.now() - t0);
  }
  return out;
}

function isPass(v: unknown): v is IxApiPass {
  if (!v || typeof v !== "object") return false;
  const p = v as Record<string, unknown>;
  return ["configs", "services", "features", "ips", "macs"].every((k) => Array.isArray(p[k]));
}

/** An endpoint's stored snapshot, or null when it was never refreshed. */
export async function loadSnapshot(db: Database, endpointId: number): Promise<StoredSnapshot | null> {
  const row = await db.prisma.ixApiSnapshot.findUnique({ where: { endpointId } });
  if (!row) return null;
  return {
    pass: isPass(row.data) ? row.data : null,
    fetchedAt: row.fetchedAt,
    requests: row.requests,
    error: row.error,
    errorAt: row.errorAt,
  };
}

export interface RefreshAllResult {
  skipped?: string;
  endpoints: number;
  ok: number;
  failed: number;
  requests: number;
  durationMs: number;
  /** Up to 20 one-line failures, `<endpoint>: …`. */
  failures: string[];
}

/**
 * Refreshes every endpoint in turn (one exchange's API at a time is plenty), one refresh of
 * everything at a time across processes (a PostgreSQL advisory lock; the loser is `skipped`).
 */
export async function refreshAllSnapshots(
  s: Pick<Services, "db" | "ixapi">,
  onProgress?: (done: number, total: number) => Promise<void> | void,
): Promise<RefreshAllResult> {
  const t0 = performance.now();
  const result: RefreshAllResult = {
    endpoints: 0,
    ok: 0,
    failed: 0,
    requests: 0,
    durationMs: 0,
    failures: [],
  };
  const lockClient = await s.db.pool.connect();
  try {
    const lock = await lockClient.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [LOCK_KEY]);
    if (!lock.rows[0]?.ok) return { ...result, skipped: "another IX-API refresh is running" };
    try {
      const endpoints = await s.db.prisma.ixApiEndpoint.findMany({
        select: { id: true, name: true },
        orderBy: { id: "asc" },
      });
      result.endpoints = endpoints.length;
      let done = 0;
      for (const e of endpoints) {
        const r = await refreshSnapshot(s, e.id);
        result.requests += r.requests;
        if (r.ok) result.ok++;
        else {
          result.failed++;
          if (result.failures.length < 20) result.failures.push(`${e.name}: ${r.error}`);
        }
        await onProgress?.(++done, endpoints.length);
      }
      result.durationMs = Math.round(performance.now() - t0);
      return result;
    } finally {
      await lockClient.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    }
  } finally {
    lockClient.release();
  }
}
