// Runs once before the test files: makes sure the Prisma client is generated and that a
// template database with every migration applied exists. Each test file then clones it
// (CREATE DATABASE ... TEMPLATE), which takes a fraction of a second.
import { createHash } from "node:crypto";
import pg from "pg";
import { ensureGenerated } from "../prisma/generate.js";
import { migrate } from "../prisma/migrate.js";
import { readMigrations } from "../prisma/migrations-folder.js";
import { adminUrl, dbUrl } from "./helpers/pg.js";

export function templateName(): string {
  const h = createHash("sha256");
  for (const m of readMigrations().migrationDirectories) {
    h.update(m.path);
    h.update(m.migrationFile.content.tag === "ok" ? m.migrationFile.content.value : "");
  }
  return `peerbot_tpl_${h.digest("hex").slice(0, 16)}`;
}

export default async function setup(): Promise<void> {
  ensureGenerated({ quiet: true });
  const name = templateName();
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query("select pg_advisory_lock(4242)");
    const { rowCount } = await admin.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) {
      await admin.query(`create database "${name}_building"`).catch(async () => {
        await admin.query(`drop database if exists "${name}_building"`);
        await admin.query(`create database "${name}_building"`);
      });
      await migrate(dbUrl(`${name}_building`), { lock: false });
      await admin.query(`alter database "${name}_building" rename to "${name}"`);
    }
  } finally {
    await admin.query("select pg_advisory_unlock(4242)").catch(() => {});
    await admin.end();
  }
  process.env.PEERBOT_TEST_TEMPLATE = name;
}
