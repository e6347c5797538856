// The reconciler's advisory lock is a session lock: it must be taken and released on one
// connection. Through the pool, the unlock could run on another connection, free nothing, and
// leave the lock held by a pooled connection, so that every other process skipped the
// reconciler until that connection happened to close.
import { afterAll, beforeAll, expect, it } from "vitest";
import { reconcileChanges } from "../../core/changes.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testServices, type TestServices } from "../helpers/services.js";

let db: TestDatabase;
let services: TestServices;

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
  services = testServices(db);
});
afterAll(async () => {
  await db?.drop();
});

async function advisoryLocksHeld(): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    `select count(*) as n from pg_locks where locktype = 'advisory' and objid = 7262 and granted
        and database = (select oid from pg_database where datname = current_database())`,
  );
  return Number(rows[0]!.n);
}

it("leaves no lock behind, however busy the pool is", async () => {
  for (let i = 0; i < 20; i++) {
    // Other work on the pool meanwhile, ending at staggered moments, so that the lock's and
    // the unlock's queries land on different pooled connections.
    const busy = Array.from({ length: 5 }, (_, k) => db.pool.query(`select pg_sleep(${(k * i) / 1000})`));
    await reconcileChanges(services);
    await Promise.all(busy);
  }
  expect(await advisoryLocksHeld()).toBe(0);
});

it("lets only one process run it at a time, and the next one once it is done", async () => {
  const other = await db.pool.connect();
  try {
    await other.query("select pg_advisory_lock(7262)");
    // Another process holds it: this one skips (and does not wait).
    const started = Date.now();
    await reconcileChanges(services);
    expect(Date.now() - started).toBeLessThan(5_000);
    await other.query("select pg_advisory_unlock(7262)");
  } finally {
    other.release();
  }
  await reconcileChanges(services);
  expect(await advisoryLocksHeld()).toBe(0);
});
