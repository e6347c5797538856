// Applies pending migrations from prisma/migrations, recording them in _prisma_migrations
// exactly as `prisma migrate deploy` does, so either tool can take over from the other.
import pg from "pg";
import { noFilter, openSchemaEngine, withPanic } from "./engine.js";
import { readMigrations, schemaPath } from "./migrations-folder.js";
import { readFileSync } from "node:fs";

/** Any constant will do, as long as every peerbot process uses the same one. */
const MIGRATION_LOCK_KEY = 0x70656572; // "peer"

export interface MigrateOptions {
  /** Serialise concurrent migrators with a PostgreSQL advisory lock (needs a second connection). */
  lock?: boolean;
  log?: (line: string) => void;
  /** Runs before the schema engine connects (the embedded server takes one connection at a time). */
  beforeEngine?: () => Promise<void>;
}

/**
 * Whether every migration in prisma/migrations is recorded as applied, read with two cheap
 * queries: when it is, there is nothing for the schema engine (about a second to load) to do.
 * A migration that started and neither finished nor was rolled back counts as not applied, so
 * that the engine reports it.
 */
export async function migrationsCurrent(client: pg.Client | pg.Pool): Promise<boolean> {
  const t = await client.query<{ t: string | null }>("select to_regclass('_prisma_migrations')::text as t");
  if (!t.rows[0]?.t) return false;
  const { rows } = await client.query<{
    migration_name: string;
    finished_at: Date | null;
    rolled_back_at: Date | null;
  }>("select migration_name, finished_at, rolled_back_at from _prisma_migrations");
  if (rows.some((r) => !r.finished_at && !r.rolled_back_at)) return false;
  const done = new Set(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => r.migration_name));
  return readMigrations().migrationDirectories.every((m) => done.has(m.path));
}

/** migrationsCurrent on a connection of its own. */
export async function migrationsCurrentAt(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await migrationsCurrent(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function migrate(connectionString: string, opts: MigrateOptions = {}): Promise<string[]> {
  const lock = opts.lock ?? true;
  let lockClient: pg.Client | undefined;
  if (lock) {
    lockClient = new pg.Client({ connectionString });
    await lockClient.connect();
    await lockClient.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  }
  try {
    // Most starts have nothing to apply: two queries instead of the schema engine.
    if (lockClient ? await migrationsCurrent(lockClient) : await migrationsCurrentAt(connectionString))
      return [];
    await opts.beforeEngine?.();
    const { engine, close } = await openSchemaEngine(
      connectionString,
      [["schema.prisma", readFileSync(schemaPath, "utf8")]],
      opts.log,
    );
    try {
      const out = await engine.applyMigrations({ migrationsList: readMigrations(), filters: noFilter });
      return out.appliedMigrationNames;
    } catch (err) {
      throw withPanic(err);
    } finally {
      await close();
    }
  } finally {
    if (lockClient) {
      await lockClient.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
      await lockClient.end();
    }
  }
}
