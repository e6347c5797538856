// Reads prisma/migrations the way `prisma migrate deploy` does: one folder per migration,
// named <timestamp>_<name>, each with a migration.sql, plus migration_lock.toml.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fromRoot } from "../core/paths.js";
import type { MigrationList } from "./engine.js";

export const prismaDir = fromRoot("prisma");
export const migrationsDir = path.join(prismaDir, "migrations");
export const schemaPath = path.join(prismaDir, "schema.prisma");

export function readMigrations(baseDir = migrationsDir): MigrationList {
  const lockPath = path.join(baseDir, "migration_lock.toml");
  const names = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(path.join(baseDir, d.name, "migration.sql")))
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: {
          tag: "ok" as const,
          value: readFileSync(path.join(baseDir, name, "migration.sql"), "utf8"),
        },
      },
    })),
  };
}
