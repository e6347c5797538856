import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../core/log.js";
import { runSync } from "../../core/peeringdb/sync.js";
import {
  PeeringDbClient,
  PeeringDbError,
  USER_AGENT,
  parseRetryAfter,
} from "../../drivers/peeringdb/client.js";
import { StaticPeeringDbSource, readPeeringDbDir } from "../../drivers/peeringdb/static-source.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { FIXTURES_DIR, FakePeeringDb } from "../fakes/peeringdb-server.js";
import { capturingLogger, count, fakeClient, resetMirror } from "./helpers.js";

const KEY = "sEcReT-9f8e7d6c5b4a-api-key";

let fake: FakePeeringDb;
let db: TestDatabase;
beforeAll(async () => {
  fake = await FakePeeringDb.start({ apiKey: KEY, gzip: true });
  db = await createTestDatabase(import.meta.filename);
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
});
afterEach(() => {
  fake.clearFaults();
  vi.restoreAllMocks();
});

/** Everything written to the console and to stdout/stderr while `fn` runs. */
async function captureOutput(fn: () => Promise<void>): Promise<string> {
  const out: string[] = [];
  const keep = (...args: unknown[]) => {
    out.push(args.map((a) => (typeof a === "string" ? a : (JSON.stringify(a) ?? String(a)))).join(" "));
  };
  for (const m of ["log", "info", "warn", "error", "debug"] as const)
    vi.spyOn(console, m).mockImplementation(keep);
  const so = vi
    .spyOn(process.stdout, "write")
    .mockImplementation((chunk: unknown) => (keep(String(chunk)), true));
  const se = vi
    .spyOn(process.stderr, "write")
    .mockImplementation((chunk: unknown) => (keep(String(chunk)), true));
  try {
    await fn();
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
  return out.join("\n");
}

describe("PeeringDB client", () => {
  it("sends no Authorization header without a key, and a descriptive User-Agent", async () => {
    const client = fakeClient(fake);
    const from = fake.requests.length;
    const pocs = await client.list("poc");
    await client.close();
    expect(client.authenticated).toBe(false);
    const reqs = fake.requests.slice(from);
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect(r.authorization).toBeUndefined();
      expect(r.userAgent).toBe(USER_AGENT);
    }
    // Anonymous callers see public contacts only.
    expect(pocs.records.every((p) => p.visible === "Public")).toBe(true);
  });

  it("sends the key as Api-Key when set, and never logs it or puts it in an error", async () => {
    fake.put("poc", { ...fake.rows("poc")[0]!, id: 777_777, visible: "Users", name: "Users-only contact" });
    const log = capturingLogger();
    const json: string[] = [];
    let errText = "";
    const output = await captureOutput(async () => {
      const client = fakeClient(fake, { apiKey: KEY, logger: log });
      const from = fake.requests.length;
      await resetMirror(db);
      const report = await runSync(db, client, undefined, {
        logger: createLogger("debug", (l) => json.push(l)),
        types: ["poc", "net"],
      });
      expect(report.ok).toBe(true);
      for (const r of fake.requests.slice(from)) expect(r.authorization).toBe(`Api-Key ${KEY}`);
      // With the key the Users-only contact is visible too.
      expect(await count(db, "pdb_poc", "id = 777777")).toBe(1);

      // Failures: 429 exhausted, a 5xx, a refused key. None of them says the key.
      fake.addFault({ kind: "429", times: 5 });
      const e1 = await client.get("net", 1).catch((e: unknown) => e);
      fake.clearFaults();
      fake.addFault({ kind: "5xx", times: 5, status: 503 });
      const e2 = await client.get("net", 1).catch((e: unknown) => e);
      fake.clearFaults();
      const wrong = fakeClient(fake, { apiKey: `${KEY}-wrong`, logger: log });
      const e3 = await wrong.get("net", 1).catch((e: unknown) => e);
      await wrong.close();
      await client.close();
      for (const e of [e1, e2, e3]) {
        expect(e).toBeInstanceOf(PeeringDbError);
        errText += `${(e as Error).message}\n${(e as Error).stack}\n${JSON.stringify(e)}\n`;
      }
      expect((e3 as PeeringDbError).status).toBe(401);
      console.error("sync finished", report.types.length);
    });
    expect(log.lines.length).toBeGreaterThan(3);
    expect(log.lines.some((l) => l.includes("GET /poc"))).toBe(true);
    const everything = [...log.lines, ...json, output, errText].join("\n");
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain("sEcReT");
  });

  it("gets a clear error where a key is required and none is set", async () => {
    const strict = await FakePeeringDb.start({ apiKey: KEY, requireKey: true });
    try {
      const err = await fakeClient(strict)
        .get("net", 1)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PeeringDbError);
      expect((err as PeeringDbError).status).toBe(401);
      expect((err as Error).message).toMatch(/HTTP 401 \(Authentication required\)/);
      expect((await fakeClient(strict, { apiKey: KEY }).get("net", 1))?.id).toBe(1);
    } finally {
      await strict.close();
    }
  });

  it("spaces requests by the configured interval (defaults: 3 s anonymous, 1.5 s with a key)", async () => {
    expect(new PeeringDbClient().minIntervalMs).toBe(3000);
    expect(new PeeringDbClient({ apiKey: "k" }).minIntervalMs).toBe(1500);
    const client = fakeClient(fake, { minIntervalMs: 150 });
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) await client.get("ix", 18);
    await client.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(440);
  });

  it("reads gzip answers, fetches one object, filters lists, and returns null for a missing one", async () => {
    const client = fakeClient(fake, { pageSize: 10 });
    const linx = await client.get("ix", 18);
    expect(linx?.name).toBe("LINX LON1");
    expect(await client.get("ix", 999_999)).toBeNull();
    const at = await client.list("netixlan", { ixlan_id: 18, asn__in: "15169,6939" });
    expect(new Set(at.records.map((r) => r.asn))).toEqual(new Set([15169, 6939]));
    expect(at.records.every((r) => r.ixlan_id === 18)).toBe(true);
    await client.close();
  });

  it("times out a slow answer and reports it", async () => {
    fake.addFault({ kind: "slow", delayMs: 1500, times: 2 });
    const client = fakeClient(fake, { timeoutMs: 300, maxRetries: 0 });
    await expect(client.get("ix", 18)).rejects.toThrow(/Timeout/i);
    await client.close();
  });

  it("reads Retry-After as seconds or as a date", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
    const now = Date.parse("2026-04-16T10:00:00Z");
    expect(parseRetryAfter("Thu, 16 Apr 2026 10:00:30 GMT", now)).toBe(30_000);
  });

  it("validates the bundled real records without skipping any (static source for seed-demo)", async () => {
    await resetMirror(db);
    const report = await runSync(db, new StaticPeeringDbSource(readPeeringDbDir(FIXTURES_DIR)));
    expect(report.ok).toBe(true);
    for (const t of report.types) {
      expect(t.skipped).toEqual([]);
      expect(t.rows).toBeGreaterThan(0);
    }
  });
});
