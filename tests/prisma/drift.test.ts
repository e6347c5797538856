// The committed migrations must build the same database schema as schema.prisma.
// Database A is built by applying prisma/migrations; database B by the engine's diff from
// nothing to schema.prisma. Their `pg_dump --schema-only` must be the same.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSchemas } from "../../prisma/diff.js";
import { migrate } from "../../prisma/migrate.js";
import { schemaPath } from "../../prisma/migrations-folder.js";
import { createScratchDb, type ScratchDb } from "../helpers/scratch-db.js";

const run = promisify(execFile);
const made: ScratchDb[] = [];
let fromMigrations: string;

async function dumpSchema(url: string): Promise<string> {
  const { stdout } = await run(
    "pg_dump",
    ["--schema-only", "--no-owner", "--no-privileges", "--exclude-table=_prisma_migrations", url],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  // Column order is not drift (a migration's ADD COLUMN appends; a fresh CREATE TABLE follows
  // the model), so lines are compared as a sorted list, without their trailing commas.
  return stdout
    .split("\n")
    .filter(
      (l) =>
        !l.startsWith("--") &&
        !l.startsWith("\\restrict") &&
        !l.startsWith("\\unrestrict") &&
        l.trim() !== "",
    )
    .map((l) => l.replace(/,$/, ""))
    .sort()
    .join("\n");
}

async function buildFromSchema(schema: string, label: string): Promise<string> {
  const db = await createScratchDb(label);
  made.push(db);
  const sql = await diffSchemas(null, schema);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
  return dumpSchema(db.url);
}

/** Lines present in one dump and not the other, for a readable failure. */
function drift(a: string, b: string): string[] {
  const sa = new Set(a.split("\n"));
  const sb = new Set(b.split("\n"));
  return [
    ...[...sa].filter((l) => !sb.has(l)).map((l) => `- ${l}`),
    ...[...sb].filter((l) => !sa.has(l)).map((l) => `+ ${l}`),
  ];
}

beforeAll(async () => {
  const db = await createScratchDb("drift_mig");
  made.push(db);
  await migrate(db.url, { lock: false });
  fromMigrations = await dumpSchema(db.url);
}, 120_000);

afterAll(async () => {
  for (const d of made) await d.drop();
});

describe("schema drift", () => {
  it("the migrations produce exactly the schema of schema.prisma", async () => {
    const fromSchema = await buildFromSchema(readFileSync(schemaPath, "utf8"), "drift_schema");
    expect(drift(fromMigrations, fromSchema)).toEqual([]);
    expect(fromSchema).toBe(fromMigrations);
  });

  it("a field added to schema.prisma without a migration is caught", async () => {
    const schema = readFileSync(schemaPath, "utf8").replace(
      /model Router \{\n/,
      'model Router {\n  driftProbe String @default("")\n',
    );
    expect(schema).toContain("driftProbe");
    const fromSchema = await buildFromSchema(schema, "drift_probe");
    const d = drift(fromMigrations, fromSchema);
    expect(d.some((l) => l.includes('"driftProbe"'))).toBe(true);
  });
});
