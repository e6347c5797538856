// A private database per test file, cloned from the migrated template made in global-setup.
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../../core/db.js";
import { adminUrl, dbUrl } from "./pg.js";

export interface TestDatabase extends Database {
  name: string;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** `label` names the test file in the database name, to tell them apart in pg_stat_activity. */
export async function createTestDatabase(
  label: string,
  opts: { poolSize?: number } = {},
): Promise<TestDatabase> {
  const template = process.env.PEERBOT_TEST_TEMPLATE;
  if (!template)
    throw new Error("PEERBOT_TEST_TEMPLATE is not set: run the tests through vitest (tests/global-setup.ts)");
  const slug = path
    .basename(label)
    .replace(/\.test\.ts$/, "")
    .replace(/[^a-z0-9]+/gi, "_")
    .toLowerCase()
    .slice(0, 30);
  const name = `peerbot_t_${slug}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    // Cloning needs the template to have no other sessions; retry briefly if one lingers.
    for (let i = 0; ; i++) {
      try {
        await admin.query(`create database "${name}" template "${template}"`);
        break;
      } catch (err) {
        if (i >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const db = openDatabase(dbUrl(name), { poolSize: opts.poolSize ?? 5 });
  return {
    ...db,
    name,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      try {
        await a.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
