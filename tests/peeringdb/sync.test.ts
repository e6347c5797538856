import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runSync, syncStatus, type SyncReport } from "../../core/peeringdb/sync.js";
import { PDB_TYPES, type PdbType } from "../../core/peeringdb/types.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { FakePeeringDb, loadFixtures, type Raw } from "../fakes/peeringdb-server.js";
import { capturingLogger, count, fakeClient, resetMirror } from "./helpers.js";

let db: TestDatabase;
let fake: FakePeeringDb;
const fixtures = loadFixtures();

beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
});
afterAll(async () => {
  await fake?.close();
  await db?.drop();
});
beforeEach(async () => {
  await fake?.close();
  fake = await FakePeeringDb.start({ data: structuredClone(fixtures) });
  await resetMirror(db);
});

const byType = (r: SyncReport, t: PdbType) => {
  const x = r.types.find((y) => y.type === t);
  if (!x) throw new Error(`no result for ${t}`);
  return x;
};

describe("PeeringDB mirror sync against the fake", () => {
  it("loads every type in full on the first run, in dependency order, with depth=0 and pages", async () => {
    const client = fakeClient(fake, { pageSize: 200 });
    const progress: [PdbType, number][] = [];
    const report = await runSync(db, client, (type, rows) => progress.push([type, rows]));
    await client.close();
    expect(report.ok).toBe(true);
    expect(report.types.map((t) => t.type)).toEqual([...PDB_TYPES]);
    for (const t of report.types) {
      expect(t.mode).toBe("full");
      expect(t.skipped).toEqual([]);
      expect(t.rows).toBe(fixtures[t.type]!.length);
      expect(await count(db, `pdb_${t.type}`)).toBe(fixtures[t.type]!.length);
    }
    // Pages: 500 rows at 200 a page is 3 requests; every request asked depth=0 and no since.
    expect(byType(report, "net").requests).toBe(3);
    const netReqs = fake.requests.filter((r) => r.type === "net");
    expect(netReqs.map((r) => r.query.skip)).toEqual(["0", "200", "400"]);
    // Only the fields the mirror keeps are asked for.
    expect(netReqs[0]!.query.fields?.split(",")).toEqual(
      expect.arrayContaining(["id", "asn", "status", "updated"]),
    );
    expect(netReqs[0]!.query.fields).not.toContain("social_media");
    expect(fake.requests.every((r) => r.query.depth === "0" && r.query.since === undefined)).toBe(true);
    // Progress names each type with its growing row count.
    expect(progress.filter(([t]) => t === "net").map(([, n]) => n)).toEqual([200, 400, 500, 500]);
    expect(progress[0]?.[0]).toBe("org");

    // Real values arrive intact: 4-byte ASN column, arrays, nulls, addresses.
    const google = await db.pool.query(
      `select n.asn::text, n.info_types, n.policy_general, x.ipaddr4::text, x.ipaddr6::text, x.speed, x.is_rs_peer
       from pdb_net n join pdb_netixlan x on x.net_id = n.id where n.asn = 15169 and x.ixlan_id = 18 order by x.id limit 1`,
    );
    expect(google.rows[0]).toMatchObject({
      asn: "15169",
      info_types: ["Content"],
      policy_general: "Selective",
    });
    const v6only = fixtures.netixlan!.find((r) => r.ipaddr4 === null)!;
    const row = await db.pool.query("select ipaddr4, ipaddr6::text from pdb_netixlan where id = $1", [
      v6only.id,
    ]);
    expect(row.rows[0]).toEqual({ ipaddr4: null, ipaddr6: v6only.ipaddr6 });
    const state = await syncStatus(db);
    expect(state.every((s) => s.lastStatus === "ok" && s.watermark !== null && s.lastFullAt !== null)).toBe(
      true,
    );
  });

  it("is incremental afterwards: since the watermark (less an overlap), applying updates and deletions", async () => {
    const client = fakeClient(fake);
    await runSync(db, client);
    const netState = (await syncStatus(db)).find((s) => s.type === "net")!;
    const before = fake.requests.length;

    const net = fixtures.net![0]!;
    fake.update("net", net.id as number, { name: 'Renamed "quoted"\nnet ✓', policy_general: "Open" });
    const gone = fixtures.netixlan![3]!;
    fake.remove("netixlan", gone.id as number);
    const fresh: Raw = { ...fixtures.netixlan![0]!, id: 999_999, ipaddr4: "198.32.118.250", ipaddr6: null };
    fake.put("netixlan", fresh);
    fake.remove("poc", fixtures.poc![0]!.id as number);

    const report = await runSync(db, client);
    await client.close();
    expect(report.ok).toBe(true);
    const reqs = fake.requests.slice(before);
    expect(reqs).toHaveLength(PDB_TYPES.length);
    const sinceNet = Number(reqs.find((r) => r.type === "net")!.query.since);
    expect(sinceNet).toBe(Math.floor(netState.watermark!.getTime() / 1000) - 300);
    for (const t of report.types) expect(t.mode).toBe("incremental");
    expect(byType(report, "net")).toMatchObject({ upserted: 1, deleted: 0, rows: 500 });
    expect(byType(report, "netixlan")).toMatchObject({ upserted: 1, deleted: 1, rows: 500 });
    expect(byType(report, "poc")).toMatchObject({ deleted: 1, rows: 39 });
    const n = await db.pool.query("select name, policy_general from pdb_net where id = $1", [net.id]);
    expect(n.rows[0]).toEqual({ name: 'Renamed "quoted"\nnet ✓', policy_general: "Open" });
    expect(await count(db, "pdb_netixlan", `id = ${Number(gone.id)}`)).toBe(0);
    expect(await count(db, "pdb_netixlan", "id = 999999")).toBe(1);

    // Nothing changed since: a third run changes nothing, though the overlap refetches.
    const again = await runSync(db, fakeClient(fake));
    expect(again.types.every((t) => t.upserted === 0 && t.deleted === 0)).toBe(true);
  });

  it("waits for Retry-After on 429 and then completes", async () => {
    fake.addFault({ kind: "429", retryAfter: 1, match: (r) => r.type === "ix" });
    const log = capturingLogger();
    const client = fakeClient(fake, { logger: log, backoffMs: 5_000 });
    const t0 = Date.now();
    const report = await runSync(db, client, undefined, { types: ["ix"] });
    await client.close();
    const elapsed = Date.now() - t0;
    expect(report.ok).toBe(true);
    expect(byType(report, "ix").rows).toBe(500);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(4_000); // Retry-After, not the 5 s backoff
    const ixReqs = fake.requests.filter((r) => r.type === "ix");
    expect(ixReqs.map((r) => r.status)).toEqual([429, 200]);
    expect(log.lines.some((l) => l.includes("429") && l.includes("1000 ms"))).toBe(true);
  });

  it("backs off exponentially on 429 without Retry-After", async () => {
    fake.addFault({ kind: "429", match: (r) => r.type === "ix", times: 2 });
    const waits: number[] = [];
    const client = fakeClient(fake, {
      maxRetries: 3,
      backoffMs: 100,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const report = await runSync(db, client, undefined, { types: ["ix"] });
    await client.close();
    expect(report.ok).toBe(true);
    expect(waits).toEqual([100, 200]);
  });

  it("keeps the previous mirror when a 500 comes in the middle of a type, and the next run completes", async () => {
    await runSync(db, fakeClient(fake));
    const firstNx = fixtures.netixlan![0]!;
    const lastNx = fixtures.netixlan![499]!;
    const net = fixtures.net![10]!;
    fake.update("netixlan", firstNx.id as number, { speed: 123_000 });
    fake.update("netixlan", lastNx.id as number, { speed: 456_000 });
    fake.update("net", net.id as number, { name: "Changed while netixlan fails" });
    const mark = (await syncStatus(db)).find((s) => s.type === "netixlan")!.watermark;

    // Make the incremental netixlan answer span pages, and fail its second page for good.
    const before = fake.requests.length;
    let netixlanPages = 0;
    fake.addFault({
      kind: "5xx",
      times: 2, // the first try and the one retry
      match: (r) => r.type === "netixlan" && r.n > before && ++netixlanPages >= 2,
    });
    const log = capturingLogger();
    const report = await runSync(db, fakeClient(fake, { pageSize: 1, logger: log }), undefined, {
      logger: log,
    });
    expect(report.ok).toBe(false);
    const nx = byType(report, "netixlan");
    expect(nx.ok).toBe(false);
    expect(nx.error).toMatch(/HTTP 500/);
    // The other types went on.
    expect(byType(report, "net")).toMatchObject({ ok: true, upserted: 1 });
    expect(byType(report, "ixfac").ok).toBe(true);
    // The first page (already fetched and streamed) was rolled back with the rest.
    const speeds = await db.pool.query("select id, speed from pdb_netixlan where id = any($1) order by id", [
      [firstNx.id, lastNx.id],
    ]);
    expect(speeds.rows.map((r) => r.speed)).toEqual([firstNx.speed, lastNx.speed]);
    expect(await count(db, "pdb_netixlan")).toBe(500);
    const st = (await syncStatus(db)).find((s) => s.type === "netixlan")!;
    expect(st.lastStatus).toBe("failed");
    expect(st.watermark).toEqual(mark);
    expect(log.lines.some((l) => l.startsWith("error") && l.includes("netixlan"))).toBe(true);

    const next = await runSync(db, fakeClient(fake));
    expect(next.ok).toBe(true);
    expect(byType(next, "netixlan")).toMatchObject({ mode: "incremental", upserted: 2 });
    const after = await db.pool.query("select speed from pdb_netixlan where id = any($1) order by id", [
      [firstNx.id, lastNx.id],
    ]);
    expect(after.rows.map((r) => r.speed)).toEqual([123_000, 456_000]);
  });

  it("aborts a type on malformed JSON and keeps its rows", async () => {
    await runSync(db, fakeClient(fake), undefined, { types: ["org"] });
    fake.update("org", fixtures.org![0]!.id as number, { name: "never applied" });
    fake.addFault({ kind: "malformed", match: (r) => r.type === "org" });
    const report = await runSync(db, fakeClient(fake), undefined, { types: ["org"] });
    expect(report.ok).toBe(false);
    expect(byType(report, "org").error).toMatch(/not valid JSON/);
    const r = await db.pool.query("select name from pdb_org where id = $1", [fixtures.org![0]!.id]);
    expect(r.rows[0].name).toBe(fixtures.org![0]!.name);
  });

  it("skips a malformed record, reports it by type and id, and loads the rest", async () => {
    const nets = fixtures.net!;
    fake.put("net", { ...nets[1]!, asn: "not a number" }, { bump: false });
    fake.put("netixlan", { ...fixtures.netixlan![2]!, ipaddr4: "999.1.2.3" }, { bump: false });
    fake.put("net", { ...nets[2]!, id: undefined }, { bump: false });
    const log = capturingLogger();
    const report = await runSync(db, fakeClient(fake), undefined, {
      logger: log,
      types: ["net", "netixlan"],
    });
    expect(report.ok).toBe(true);
    const net = byType(report, "net");
    expect(net.skipped).toHaveLength(2);
    expect(net.skipped).toEqual(
      expect.arrayContaining([
        { type: "net", id: null, reason: expect.stringMatching(/^id: /) },
        { type: "net", id: nets[1]!.id, reason: expect.stringMatching(/^asn: /) },
      ]),
    );
    expect(net.rows).toBe(499);
    expect(byType(report, "netixlan").skipped).toEqual([
      { type: "netixlan", id: fixtures.netixlan![2]!.id, reason: expect.stringMatching(/^ipaddr4: /) },
    ]);
    expect(log.lines.some((l) => l.includes(`net ${nets[1]!.id} skipped`))).toBe(true);
    expect(log.lines.some((l) => l.includes(`netixlan ${fixtures.netixlan![2]!.id} skipped`))).toBe(true);
    const st = (await syncStatus(db)).find((s) => s.type === "net")!;
    expect(st.skipped).toBe(2);
  });

  it("removes on a forced full sync what PeeringDB no longer lists, keeping rows whose update was malformed", async () => {
    await runSync(db, fakeClient(fake), undefined, { types: ["ixfac"] });
    const rows = fake.rows("ixfac");
    fake.set("ixfac", [
      ...rows.slice(2, 400),
      { ...rows[400]!, fac_id: "x" },
      ...rows.slice(401).map((r) => ({ ...r, name: `${String(r.name)}!` })),
    ]);
    const report = await runSync(db, fakeClient(fake), undefined, { types: ["ixfac"], full: true });
    expect(byType(report, "ixfac")).toMatchObject({
      mode: "full",
      ok: true,
      deleted: 2,
      upserted: 99,
      rows: 498,
    });
    expect(byType(report, "ixfac").skipped).toHaveLength(1);
    expect(await count(db, "pdb_ixfac", `id = ${Number(rows[400]!.id)}`)).toBe(1);
  });

  it("runs one sync at a time: a second call in the process joins the running one", async () => {
    const client = fakeClient(fake);
    fake.addFault({ kind: "slow", delayMs: 300, match: (r) => r.type === "org" });
    const seen: string[] = [];
    const a = runSync(db, client, undefined, { types: ["org"] });
    const b = runSync(db, client, (t) => seen.push(t));
    expect(b).toBe(a);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBe(rb);
    expect(seen).toContain("org");
    expect(fake.requests.filter((r) => r.type === "org")).toHaveLength(1);
  });
});
