// Start-up: configuration -> database (a server, or the embedded PGlite) -> migrations ->
// secrets -> job queue. Shared by every `peerbot` subcommand.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config, RoleBinding } from "../core/config.js";
import { roleBinding } from "../core/config.js";
import { SecretBox, newSecretKey } from "../core/crypto.js";
import { openDatabase, type Database } from "../core/db.js";
import { createLogger, type Logger } from "../core/log.js";
import type { Notifier } from "../core/ports.js";
import type { Services } from "../core/services.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../drivers/embedded-postgres.js";
import { InProcessQueue, type RunnableQueue } from "../jobs/queue.js";
import { migrate, migrationsCurrentAt } from "../prisma/migrate.js";
import { createServices } from "./services.js";

/** In the embedded demo, with no PEERBOT_ROLES, these console users get these roles. */
export const DEMO_ROLES: RoleBinding[] = [
  "console:alice=operator",
  "console:bob=approver",
  "console:admin=admin",
].map((s) => roleBinding.parse(s));

export interface Runtime {
  services: Services;
  queue: RunnableQueue;
  embedded: boolean;
  notes: string[];
  /**
   * Stops the job workers, then closes the pools. With `graceMs`, running jobs get that long
   * to finish before they are handed back to the queue (graceful shutdown).
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

export interface BootOptions {
  /** May this subcommand fall back to the embedded database? (console, seed-demo, migrate) */
  allowEmbedded: boolean;
  /**
   * Apply migrations in a child process, so that the schema engine's WebAssembly memory
   * (about 70 MB that a WebAssembly instance never gives back) stays out of a long-lived bot.
   */
  migrateInChild?: boolean;
  notifier?: Notifier;
  log?: Logger;
}

export async function boot(config: Config, opts: BootOptions): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.PEERBOT_LOG_LEVEL);
  const notes: string[] = [];
  let embedded: EmbeddedPostgres | undefined;
  let url = config.DATABASE_URL;
  if (!url) {
    if (!opts.allowEmbedded) {
      throw new Error(
        "DATABASE_URL is not set: `peerbot start` and `peerbot worker` need a PostgreSQL server.",
      );
    }
    embedded = await startEmbeddedPostgres(config.PEERBOT_DATA_DIR);
    url = embedded.url;
    notes.push(
      `Using the embedded database in ${path.resolve(config.PEERBOT_DATA_DIR)} (set DATABASE_URL to use a server).`,
    );
  }
  let db: Database | undefined;
  let queue: RunnableQueue | undefined;
  try {
    if (opts.migrateInChild && !embedded) {
      // Nothing pending (the usual start): no child process, no schema engine.
      if (!(await migrationsCurrentAt(url))) await migrateInChild(url);
    } else await migrate(url, { lock: !embedded, beforeEngine: async () => embedded?.idle() });
    await embedded?.idle();
    db = openDatabase(url, { poolSize: embedded ? 1 : config.DATABASE_POOL_SIZE, embedded: !!embedded });

    const cfg: Config = { ...config };
    if (embedded && cfg.PEERBOT_ROLES.length === 0) {
      cfg.PEERBOT_ROLES = DEMO_ROLES;
      notes.push(
        "Demo roles: alice is an operator, bob an approver, admin an admin (set PEERBOT_ROLES to change).",
      );
    }
    const secrets = loadSecrets(cfg, !!embedded);

    if (cfg.REDIS_URL) {
      const { BullJobQueue } = await import("../jobs/bull-queue.js");
      queue = new BullJobQueue(cfg.REDIS_URL, cfg.PEERBOT_QUEUE_PREFIX, log);
    } else {
      queue = new InProcessQueue(log);
      notes.push("No REDIS_URL: jobs run inside this process.");
    }
    const services: Services = createServices({
      db,
      config: cfg,
      jobs: queue,
      notifier: opts.notifier,
      secrets,
      log,
    });
    if (services.mailer.kind === "outbox")
      notes.push(
        `No PEERBOT_SMTP_URL: e-mails are written as .eml files to ${path.resolve(services.mailer.describe)}.`,
      );
    const q = queue;
    const d = db;
    return {
      services,
      queue: q,
      embedded: !!embedded,
      notes,
      async close(closeOpts: { graceMs?: number } = {}) {
        await q
          .close(closeOpts)
          .catch((err: unknown) => log.warn("closing the job queue failed", { err: String(err) }));
        await d.close().catch(() => {});
        await embedded?.stop();
      },
    };
  } catch (err) {
    await queue?.close().catch(() => {});
    await db?.close().catch(() => {});
    await embedded?.stop();
    throw err;
  }
}

/** PEERBOT_SECRET_KEY, or (embedded mode only) a key kept in the data directory. */
function loadSecrets(config: Config, embedded: boolean): SecretBox | undefined {
  if (config.PEERBOT_SECRET_KEY) return SecretBox.fromString(config.PEERBOT_SECRET_KEY);
  if (!embedded) return undefined;
  const file = path.resolve(config.PEERBOT_DATA_DIR, "secret.key");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, newSecretKey() + "\n", { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return SecretBox.fromString(readFileSync(file, "utf8"));
}

async function migrateInChild(url: string): Promise<void> {
  const { execFile } = await import("node:child_process");
  // The same entry point this process started from: bin/peerbot.js, or dist/bot/main.js.
  const entry = process.argv[1] as string;
  await new Promise<void>((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, entry, "migrate"],
      { env: { ...process.env, DATABASE_URL: url, PEERBOT_NO_ENV_FILE: "true" } },
      (err, _stdout, stderr) =>
        err ? reject(new Error(`migrations failed: ${stderr.trim() || err.message}`)) : resolve(),
    );
  });
}
