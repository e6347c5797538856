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
