// Migrations apply from scratch, re-apply as a no-op, and two processes running
// `peerbot migrate` at once do not collide.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import { readMigrations } from "../../prisma/migrations-folder.js";
import { createScratchDb, type ScratchDb } from "../helpers/scratch-db.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const made: ScratchDb[] = [];
afterAll(async () => {
  for (const d of made) await d.drop();
});

async function appliedRows(url: string): Promise<{ migration_name: string; finished_at: Date | null }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(
      "select migration_name, finished_at from _prisma_migrations order by migration_name",
    );
    return r.rows;
  } finally {
    await c.end();
  }
}

describe("migrations", () => {
  const all = readMigrations().migrationDirectories.map((m) => m.path);

  it("apply from scratch, then re-apply as a no-op", async () => {
    const db = await createScratchDb("mig_scratch");
    made.push(db);
    expect(await migrate(db.url)).toEqual(all);
    expect(await migrate(db.url)).toEqual([]);
    const rows = await appliedRows(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(all);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it("two processes migrating at once apply each migration exactly once", async () => {
    const db = await createScratchDb("mig_race");
    made.push(db);
    const env = {
      ...process.env,
      DATABASE_URL: db.url,
      PEERBOT_NO_ENV_FILE: "true",
      PEERBOT_LOG_LEVEL: "error",
    };
    const bin = path.join(root, "bin/peerbot.js");
    const [a, b] = await Promise.all([
      run(process.execPath, [bin, "migrate"], { env, cwd: root }),
      run(process.execPath, [bin, "migrate"], { env, cwd: root }),
    ]);
    expect(a.stdout).toContain("up to date");
    expect(b.stdout).toContain("up to date");
    const rows = await appliedRows(db.url);
    expect(rows.map((r) => r.migration_name)).toEqual(all);
  }, 120_000);
});
