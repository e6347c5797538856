// The operations HTTP server of `peerbot start` and `peerbot worker`, on PEERBOT_HTTP_HOST:
// PEERBOT_HTTP_PORT:
//   GET /healthz  200 while the process runs (liveness);
//   GET /readyz   200 when every readiness check passes: PostgreSQL answers, the migrations in
//                 prisma/migrations are all applied, Redis answers (when configured), each
//                 chat platform can receive events; otherwise 503 with a JSON body naming what
//                 is not ready. 503 while starting and from the first SIGTERM or SIGINT on;
//   GET /metrics  the process's Prometheus metrics (core/metrics.ts), in the text format.
// Every check is bounded in time, so a probe never hangs on a dead dependency.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { redact, type Logger } from "../core/log.js";
import {
  SCRAPE_TIMEOUT_MS,
  databaseAnswers,
  enableDefaultMetrics,
  metrics,
  migrationNames,
  pendingMigrations,
  within,
} from "../core/metrics.js";
import type { Database } from "../core/db.js";
import type { BullJobQueue } from "../jobs/bull-queue.js";
import type { RunnableQueue } from "../jobs/queue.js";
import { migrationsDir } from "../prisma/migrations-folder.js";
import type { ChatPlatform } from "./chat-platform.js";
// --- inbound peering requests (bot/inbound-route.ts) ---
import { INBOUND_PATH, inboundRoute, type OpsRoute } from "./inbound-route.js";
import type { Services } from "../core/services.js";

/** Routes of the runtime this process observes (observeRuntime), for every OpsServer. */
const runtimeRoutes = new Map<string, OpsRoute>();
// --- end inbound peering requests ---

/** The port cannot be had: a mistake in the settings, told in one sentence. */
export class OpsListenError extends Error {
  override name = "OpsListenError";
}

/** One readiness check: resolves when ready, rejects (or resolves to a sentence) when not. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void | string>;
}

export interface OpsServerOptions {
  port: number;
  host: string;
  log: Logger;
}

type Readiness = { ready: boolean; notReady: string[]; checks: Record<string, string> };

export class OpsServer {
  private readonly server: http.Server;
  private checks: ReadinessCheck[] | undefined;
  private stopping = false;
  private listening?: number;
  // --- inbound peering requests: routes of this server (mount), before the runtime's ---
  private readonly routes = new Map<string, OpsRoute>();

  /** Serves `path` (any method) with `route` on this server. */
  mount(path: string, route: OpsRoute): void {
    this.routes.set(path, route);
  }
  // --- end inbound peering requests ---

  constructor(private readonly opts: OpsServerOptions) {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  /** The port listened on, once started. */
  get port(): number | undefined {
    return this.listening;
  }

  /** From now on /readyz runs these checks (until then it answers "starting"). */
  setChecks(checks: ReadinessCheck[]): void {
    this.checks = checks;
  }

  /** /readyz answers 503 from now on: the process is shutting down. */
  shutdown(): void {
    this.stopping = true;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", (err: NodeJS.ErrnoException) =>
        reject(
          err.code === "EADDRINUSE" || err.code === "EACCES"
            ? new OpsListenError(
                `the operations server cannot listen on ${this.opts.host}:${this.opts.port} (${err.code === "EADDRINUSE" ? "the port is in use" : "not allowed"}): set PEERBOT_HTTP_PORT to another port, or 0 for any free one`,
              )
            : err,
        ),
      );
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.removeAllListeners("error");
        this.server.on("error", (err) => this.opts.log.warn("operations server error", { err: err.message }));
        resolve();
      });
    });
    this.listening = (this.server.address() as AddressInfo).port;
    this.opts.log.info("operations server listening", {
      host: this.opts.host,
      port: this.listening,
      paths: ["/healthz", "/readyz", "/metrics"],
    });
    return this.listening;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    setTimeout(() => this.server.closeAllConnections(), 1_000).unref();
    await closed;
  }

  /** What /readyz answers, checks run in parallel. */
  async readiness(): Promise<Readiness> {
    if (this.stopping)
      return {
        ready: false,
        notReady: ["shutdown"],
        checks: { shutdown: "peerbot is shutting down" },
      };
    if (!this.checks)
      return { ready: false, notReady: ["startup"], checks: { startup: "peerbot is starting" } };
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          const problem = await within(c.check(), SCRAPE_TIMEOUT_MS + 500, c.name);
          return [c.name, problem ?? "ok"] as const;
        } catch (err) {
          return [c.name, err instanceof Error ? err.message : String(err)] as const;
        }
      }),
    );
    const checks: Record<string, string> = {};
    for (const [name, r] of results) checks[name] = redact(r) as string;
    const notReady = results.filter(([, r]) => r !== "ok").map(([n]) => n);
    // A shutdown that began while the checks ran is what the answer says.
    if (this.stopping) {
      notReady.unshift("shutdown");
      checks.shutdown = "peerbot is shutting down";
    }
    return { ready: notReady.length === 0, notReady, checks };
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?", 1)[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const json = (status: number, body: unknown) =>
      send(status, "application/json; charset=utf-8", JSON.stringify(body) + "\n");
    try {
      // --- inbound peering requests ---
      const route = path ? (this.routes.get(path) ?? runtimeRoutes.get(path)) : undefined;
      if (route) return await route(req, res);
      // --- end inbound peering requests ---
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.setHeader("allow", "GET, HEAD");
        return json(405, { error: "only GET and HEAD are served here" });
      }
      if (path === "/healthz") return json(200, { alive: true });
      if (path === "/readyz") {
        const r = await this.readiness();
        return json(r.ready ? 200 : 503, r);
      }
      if (path === "/metrics") {
        const registry = metrics().registry;
        return send(200, registry.contentType, await registry.metrics());
      }
      return json(404, { error: "not found: the paths are /healthz, /readyz and /metrics" });
    } catch (err) {
      this.opts.log.error("operations server: request failed", { path, err });
      if (!res.headersSent) json(500, { error: "internal error; see the log" });
      else res.destroy();
    }
  }
}

/**
 * The readiness checks of a running process: its database (answering, migrations current),
 * its Redis (when the queue is BullMQ's) and the chat platforms it serves.
 */
export function readinessChecks(
  rt: { services: { db: Database }; queue: RunnableQueue },
  platforms: readonly ChatPlatform[] = [],
  dir = migrationsDir,
): ReadinessCheck[] {
  const expected = migrationNames(dir);
  const db = rt.services.db;
  const checks: ReadinessCheck[] = [
    { name: "database", check: () => databaseAnswers(db) },
    {
      name: "migrations",
      async check() {
        const pending = await pendingMigrations(db, expected);
        if (pending.length)
          return `${pending.length} migration(s) not applied (${pending.slice(0, 3).join(", ")}${pending.length > 3 ? ", …" : ""}); run \`peerbot migrate\``;
      },
    },
  ];
  if (rt.queue.kind === "bullmq") {
    const queue = rt.queue as BullJobQueue;
    checks.push({ name: "redis", check: () => within(queue.ping(), SCRAPE_TIMEOUT_MS, "Redis") });
  }
  for (const p of platforms)
    checks.push({
      name: p.name,
      async check() {
        const r = p.ready ? p.ready() : true;
        if (r !== true) return r;
      },
    });
  return checks;
}

/** Starts the operations server and points the collect-at-scrape metrics at `rt`. */
export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  enableDefaultMetrics();
  const ops = new OpsServer(opts);
  await ops.start();
  return ops;
}

/** Points the collect-at-scrape gauges (queue depth, sessions, PeeringDB) at this process's runtime. */
export function observeRuntime(rt: { services: { db: Database }; queue: RunnableQueue }): void {
  const m = metrics();
  m.sources.db = rt.services.db;
  m.sources.queueDepth = () => rt.queue.counts();
  // --- inbound peering requests: POST /peering-requests answers once the runtime is up ---
  if ("mailer" in rt.services) runtimeRoutes.set(INBOUND_PATH, inboundRoute(rt.services as Services));
  // --- end inbound peering requests ---
}
