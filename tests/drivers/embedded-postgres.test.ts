// The embedded database's snapshot: a new data folder starts from a migrated one (no initdb,
// no migration to apply), an existing folder is never overwritten, and a tarball with a path
// outside the folder is refused (PGlite then makes the database itself).
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../drivers/embedded-postgres.js";
import { migrate } from "../../prisma/migrate.js";
import { readMigrations } from "../../prisma/migrations-folder.js";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** A one-file tar (ustar header by hand) whose entry is named `name`. */
function tarOf(name: string, body: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, "latin1");
  header.write("0000644\0", 100, "latin1");
  header.write("0000000\0", 108, "latin1");
  header.write("0000000\0", 116, "latin1");
  header.write(Buffer.byteLength(body).toString(8).padStart(11, "0") + "\0", 124, "latin1");
  header.write("00000000000\0", 136, "latin1");
  header.write("0", 156, "latin1");
  header.write("ustar\0", 257, "latin1");
  header.write("        ", 148, "latin1");
  let sum = 0;
  for (const b of header) sum += b;
  header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body, 0, "latin1");
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

describe("embedded database snapshot", () => {
  let work: string;
  let snapshot: string;
  const migrations = readMigrations().migrationDirectories.length;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "peerbot-embedded-"));
    const made = await startEmbeddedPostgres(path.join(work, "maker"), { snapshot: false });
    try {
      expect(made.fromSnapshot).toBe(false);
      await migrate(made.url, { lock: false });
      await made.idle();
      snapshot = path.join(work, "pgdata.tar.gz");
      writeFileSync(snapshot, await made.dump());
    } finally {
      await made.stop();
    }
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("starts a new data folder migrated, and leaves an existing one as it is", async () => {
    const dir = path.join(work, "fresh");
    const first = await startEmbeddedPostgres(dir, { snapshot });
    try {
      expect(first.fromSnapshot).toBe(true);
      const rows = await query<{ n: string }>(
        first.url,
        "select count(*) as n from _prisma_migrations where finished_at is not null",
      );
      expect(Number(rows[0]!.n)).toBe(migrations);
      await first.idle();
      expect(await migrate(first.url, { lock: false })).toEqual([]);
      await first.idle();
      await query(first.url, "create table kept (v text); insert into kept values ('still here')");
    } finally {
      await first.stop();
    }
    expect(readdirSync(dir)).toEqual(["pgdata"]); // no staging folder left beside it

    const again = await startEmbeddedPostgres(dir, { snapshot });
    try {
      expect(again.fromSnapshot).toBe(false);
      expect(await query<{ v: string }>(again.url, "select v from kept")).toEqual([{ v: "still here" }]);
    } finally {
      await again.stop();
    }
  }, 180_000);

  it("refuses a tarball with a path outside the data folder and creates the database instead", async () => {
    const evil = path.join(work, "evil.tar.gz");
    writeFileSync(evil, gzipSync(tarOf("../escaped", "x")));
    const dir = path.join(work, "refused");
    const db = await startEmbeddedPostgres(dir, { snapshot: evil });
    try {
      expect(db.fromSnapshot).toBe(false);
      expect(existsSync(path.join(dir, "escaped"))).toBe(false);
      expect(existsSync(path.join(work, "escaped"))).toBe(false);
      expect(existsSync(path.join(dir, "pgdata", "PG_VERSION"))).toBe(true);
      expect(await query<{ one: number }>(db.url, "select 1 as one")).toEqual([{ one: 1 }]);
    } finally {
      await db.stop();
    }
  }, 180_000);
});
