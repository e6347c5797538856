// Shared by the PeeringDB tests: a client pointed at the fake with no spacing, a logger that
// keeps every line as written (no redaction, so a leak would show), and a mirror reset.
import type { Database } from "../../core/db.js";
import type { Logger } from "../../core/log.js";
import { PDB_TYPES } from "../../core/peeringdb/types.js";
import { TABLES } from "../../core/peeringdb/tables.js";
import { PeeringDbClient, type PeeringDbClientOptions } from "../../drivers/peeringdb/client.js";
import type { FakePeeringDb } from "../fakes/peeringdb-server.js";

export function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${msg} ${fields ? JSON.stringify(fields) : ""}`);
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export function fakeClient(fake: FakePeeringDb, opts: PeeringDbClientOptions = {}): PeeringDbClient {
  return new PeeringDbClient({
    baseUrl: fake.url,
    minIntervalMs: 0,
    backoffMs: 10,
    maxRetries: 1,
    ...opts,
  });
}

export async function resetMirror(db: Database): Promise<void> {
  const tables = PDB_TYPES.map((t) => TABLES[t].table);
  await db.pool.query(`truncate ${tables.join(", ")}, pdb_sync_state`);
}

export async function count(db: Database, table: string, where = "true"): Promise<number> {
  const r = await db.pool.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`);
  return r.rows[0]?.n ?? 0;
}
