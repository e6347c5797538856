// `npm run db:diff -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql
// holding the SQL that takes the database from the last migration to schema.prisma.
//
// The engine's own "diff from a migrations folder" replays the SQL into a shadow database
// and introspects it, and its introspection fails on PostgreSQL ("Column type 'char' could
// not be deserialized"). So each migration folder keeps a snapshot of the schema it was
// written from (schema.prisma beside migration.sql; `prisma migrate deploy` ignores it), and
// a new migration is the diff from the last snapshot to the current schema: no database at
// all is touched.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { noFilter, openSchemaEngine, withPanic } from "./engine.js";
import { migrationsDir, readMigrations, schemaPath } from "./migrations-folder.js";

/** The engine connects once at start, though a diff of two datamodels reads no table. */
const LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/** SQL from `from` (a schema's text, or nothing) to `to`. */
export async function diffSchemas(from: string | null, to: string): Promise<string> {
  const { engine, close } = await openSchemaEngine(process.env.DATABASE_URL ?? LOCAL_URL, [
    ["schema.prisma", to],
  ]);
  const model = (content: string) => ({
    tag: "schemaDatamodel" as const,
    files: [{ path: "schema.prisma", content }],
  });
  try {
    const r = await engine.diff({
      from: from === null ? { tag: "empty" } : model(from),
      to: model(to),
      script: true,
      exitCode: null,
      filters: noFilter,
    });
    return r.stdout ?? "";
  } catch (err) {
    throw withPanic(err);
  } finally {
    await close();
  }
}

/** The schema snapshot of the newest migration, or null when there is none. */
export function lastSnapshot(): string | null {
  const dirs = readMigrations().migrationDirectories;
  const last = dirs[dirs.length - 1];
  if (!last) return null;
  const snap = path.join(migrationsDir, last.path, "schema.prisma");
  if (!existsSync(snap))
    throw new Error(`${last.path} has no schema.prisma snapshot; db:diff cannot tell what it holds.`);
  return readFileSync(snap, "utf8");
}

export function isEmptyMigration(sql: string): boolean {
  return sql.split("\n").every((l) => l.trim() === "" || l.trim().startsWith("--"));
}

async function main(): Promise<void> {
  const name = (process.argv[2] ?? "").trim();
  if (!/^[a-z0-9_]+$/.test(name)) {
    console.error(
      "Give the migration a name of lower-case letters, digits and underscores, e.g. npm run db:diff -- add_change_requests",
    );
    process.exit(2);
  }
  const schema = readFileSync(schemaPath, "utf8");
  const sql = await diffSchemas(lastSnapshot(), schema);
  if (isEmptyMigration(sql)) {
    console.log("schema.prisma matches the last migration: nothing to write.");
    return;
  }
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const dir = path.join(migrationsDir, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  writeFileSync(path.join(dir, "schema.prisma"), schema);
  const lock = path.join(migrationsDir, "migration_lock.toml");
  if (!existsSync(lock)) writeFileSync(lock, 'provider = "postgresql"\n');
  console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql (${sql.split("\n").length} lines)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
