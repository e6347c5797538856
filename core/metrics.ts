// The process's Prometheus metrics (prom-client): one Registry per process, shown by the
// operations server's GET /metrics (bot/ops-server.ts).
//
// Counted where they happen: commands (commands/dispatch.ts), jobs (jobs/queue.ts, both queue
// implementations), deploys (jobs/deploy.ts), e-mails (jobs/email.ts). Collected at scrape,
// each with one bounded query: queue depth (from the job queue), sessions by BGP state (one
// GROUP BY per session table), the PeeringDB mirror's last sync and rows (pdb_sync_state).
// A source that fails or is slower than SCRAPE_TIMEOUT_MS leaves its series out of that
// scrape and counts in peerbot_scrape_failures_total; the rest of the scrape is unaffected.
import { readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Database } from "./db.js";

/** How long one collect-at-scrape source may take. */
export const SCRAPE_TIMEOUT_MS = 2_000;

/** Jobs per queue and state, as the job queue counts them. */
export type QueueDepth = Record<string, Record<string, number>>;

export interface ScrapeSources {
  db?: Database;
  queueDepth?: () => Promise<QueueDepth>;
}

export interface Metrics {
  registry: Registry;
  commands: Counter<"command" | "platform" | "outcome">;
  commandSeconds: Histogram<"command" | "platform">;
  jobs: Counter<"queue" | "outcome">;
  jobSeconds: Histogram<"queue" | "outcome">;
  deploys: Counter<"outcome">;
  emails: Counter<"outcome">;
  scrapeFailures: Counter<"source">;
  /** What the collect-at-scrape gauges read; set by the process that serves /metrics. */
  sources: ScrapeSources;
}

let current: Metrics | undefined;
let defaultsOn = false;

/** Rejects when `p` takes longer than `ms`. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** A query bounded in time on the client (query_timeout) and on the server (statement_timeout). */
async function boundedQuery<R extends object>(db: Database, text: string, ms: number): Promise<R[]> {
  const connecting = db.pool.connect();
  const client = await within(connecting, ms, "the database").catch((err: unknown) => {
    // A connection that arrives after the deadline goes back to the pool unused.
    void connecting.then(
      (c) => c.release(),
      () => {},
    );
    throw err;
  });
  let broken: Error | undefined;
  try {
    await client.query(`set statement_timeout = ${Math.max(1, Math.floor(ms))}`);
    const r = await client.query<R>({ text, query_timeout: ms } as { text: string });
    return r.rows;
  } catch (err) {
    broken = err as Error;
    throw err;
  } finally {
    if (!broken) await client.query("reset statement_timeout").catch(() => {});
    // A timed-out connection may still run the query: let it go instead of reusing it.
    client.release(broken);
  }
}

function build(): Metrics {
  const registry = new Registry();
  const m: Metrics = {
    registry,
    sources: {},
    commands: new Counter({
      name: "peerbot_commands_total",
      help: "Commands and button presses, by command, platform and outcome (ok, user_error, denied, error).",
      labelNames: ["command", "platform", "outcome"],
      registers: [registry],
    }),
    commandSeconds: new Histogram({
      name: "peerbot_command_duration_seconds",
      help: "Time from a command's arrival to its reply, by command and platform.",
      labelNames: ["command", "platform"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    jobs: new Counter({
      name: "peerbot_jobs_total",
      help: "Job attempts by queue and outcome (completed, retried, failed).",
      labelNames: ["queue", "outcome"],
      registers: [registry],
    }),
    jobSeconds: new Histogram({
      name: "peerbot_job_duration_seconds",
      help: "Duration of a job attempt, by queue and outcome.",
      labelNames: ["queue", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    deploys: new Counter({
      name: "peerbot_deploys_total",
      help: "Deploy jobs by outcome (deployed, failed, rolled_back, stale, skipped, error).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    emails: new Counter({
      name: "peerbot_emails_total",
      help: "E-mail delivery attempts by outcome (sent, retry, failed, skipped, error).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    scrapeFailures: new Counter({
      name: "peerbot_scrape_failures_total",
      help: "Collect-at-scrape sources that failed or timed out, by source.",
      labelNames: ["source"],
      registers: [registry],
    }),
  };

  const failed = (source: string, gauge: { reset(): void }) => {
    gauge.reset();
    m.scrapeFailures.inc({ source });
  };

  new Gauge({
    name: "peerbot_queue_jobs",
    help: "Jobs in each queue by state (waiting, active, delayed, failed), read at scrape.",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      const src = m.sources.queueDepth;
      if (!src) return;
      try {
        const depth = await within(src(), SCRAPE_TIMEOUT_MS, "the job queue");
        this.reset();
        for (const [queue, states] of Object.entries(depth))
          for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
      } catch {
        failed("queue", this);
      }
    },
  });

  new Gauge({
    name: "peerbot_sessions",
    help: "BGP sessions by kind (ixp, direct) and last polled BGP state (unknown: never polled).",
    labelNames: ["kind", "state"],
    registers: [registry],
    async collect() {
      const db = m.sources.db;
      if (!db) return;
      try {
        const rows = await boundedQuery<{ kind: string; state: string | null; n: string }>(
          db,
          `select 'ixp' as kind, "bgpState"::text as state, count(*) as n from "IxpSession" group by 2
           union all
           select 'direct', "bgpState"::text, count(*) from "DirectSession" group by 2`,
          SCRAPE_TIMEOUT_MS,
        );
        this.reset();
        for (const r of rows) this.set({ kind: r.kind, state: r.state ?? "unknown" }, Number(r.n));
      } catch {
        failed("sessions", this);
      }
    },
  });

  // Both PeeringDB gauges come from one query per scrape (the second collect reuses it).
  type PdbRow = { type: string; at: number | null; rows: number };
  let pdbRead: { at: number; rows: Promise<PdbRow[]> } | undefined;
  const pdbState = (db: Database): Promise<PdbRow[]> => {
    if (!pdbRead || Date.now() - pdbRead.at > 1_000)
      pdbRead = {
        at: Date.now(),
        rows: boundedQuery<PdbRow>(
          db,
          `select type, extract(epoch from last_success_at)::float8 as at, rows from pdb_sync_state`,
          SCRAPE_TIMEOUT_MS,
        ),
      };
    return pdbRead.rows;
  };
  new Gauge({
    name: "peerbot_peeringdb_rows",
    help: "Rows in the PeeringDB mirror after the last successful sync, by object type.",
    labelNames: ["type"],
    registers: [registry],
    async collect() {
      const db = m.sources.db;
      if (!db) return;
      try {
        const rows = await pdbState(db);
        this.reset();
        for (const r of rows) this.set({ type: r.type }, Number(r.rows));
      } catch {
        failed("peeringdb", this);
      }
    },
  });
  new Gauge({
    name: "peerbot_peeringdb_last_sync_timestamp_seconds",
    help: "When the last successful PeeringDB sync of each object type finished (Unix time).",
    labelNames: ["type"],
    registers: [registry],
    async collect() {
      const db = m.sources.db;
      if (!db) return;
      try {
        const rows = await pdbState(db);
        this.reset();
        for (const r of rows) if (r.at !== null) this.set({ type: r.type }, Number(r.at));
      } catch {
        this.reset();
      }
    },
  });
  return m;
}

/** This process's metrics, made on first use. */
export function metrics(): Metrics {
  current ??= build();
  return current;
}

/** Adds Node's default metrics (heap, event loop lag, GC, handles) to the registry, once. */
export function enableDefaultMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: metrics().registry });
}

/** Starts timing a job attempt; the returned function records its outcome and duration. */
export function observeJob(queue: string): (outcome: string) => void {
  const started = performance.now();
  return (outcome) => {
    const m = metrics();
    m.jobs.inc({ queue, outcome });
    m.jobSeconds.observe({ queue, outcome }, (performance.now() - started) / 1000);
  };
}

/** The migrations in `dir` (folders holding a migration.sql), sorted by name. */
export function migrationNames(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

/**
 * The migrations of `expected` that the database has not finished applying (from
 * _prisma_migrations, as `prisma migrate deploy` keeps it); all of them when it has no table.
 */
export async function pendingMigrations(
  db: Database,
  expected: string[],
  ms = SCRAPE_TIMEOUT_MS,
): Promise<string[]> {
  const table = await boundedQuery<{ t: string | null }>(
    db,
    `select to_regclass('_prisma_migrations')::text as t`,
    ms,
  );
  if (!table[0]?.t) return expected;
  const rows = await boundedQuery<{ migration_name: string }>(
    db,
    `select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null`,
    ms,
  );
  const applied = new Set(rows.map((r) => r.migration_name));
  return expected.filter((n) => !applied.has(n));
}

/** `select 1`, bounded in time. */
export async function databaseAnswers(db: Database, ms = SCRAPE_TIMEOUT_MS): Promise<void> {
  await boundedQuery(db, "select 1", ms);
}
