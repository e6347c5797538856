// Rendering loads everything with a fixed number of queries whatever the number of sessions
// (Peering Manager's lazy per-row loading is the weak spot to beat). Every query any pg client
// sends (Prisma's included, since its adapter drives the same pool) is counted.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { seedRenderData } from "../bench/render-data.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

let db: TestDatabase;
const box = SecretBox.fromString(newSecretKey());

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
});
afterAll(async () => {
  await db?.drop();
});

async function countQueries<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; queries: number; statements: number }> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  let queries = 0;
  let statements = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    queries++;
    const q = args[0];
    const text = typeof q === "string" ? q : ((q as { text?: string } | null)?.text ?? "");
    statements += text.split(";").filter((s) => s.trim().length > 0).length;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), queries, statements };
  } finally {
    proto.query = original;
  }
}

describe("query count", () => {
  it("is the same for 10 and for 1,000 sessions, in every template", async () => {
    const small = await seedRenderData(db, { sessions: 10, ixps: 2, name: "small", secretBox: box });
    const large = await seedRenderData(db, { sessions: 1000, ixps: 10, name: "large", secretBox: box });
    for (const template of ["junos", "iosxr", "eos", "bird2", "frr"]) {
      const a = await countQueries(() =>
        renderRouterConfig(db, small.routerId, { secretBox: box, template, templatesDir: null }),
      );
      const b = await countQueries(() =>
        renderRouterConfig(db, large.routerId, { secretBox: box, template, templatesDir: null }),
      );
      expect(a.result.sessions).toBe(10);
      expect(b.result.sessions).toBe(1000);
      expect(b.result.config.length).toBeGreaterThan(a.result.config.length * 50);
      expect(b.queries).toBe(a.queries);
      expect(b.statements).toBe(a.statements);
      // One round trip: a read-only transaction (JIT off) of nine SELECTs.
      expect(a.queries).toBe(1);
      expect(a.statements).toBe(12);
    }
  });
});
