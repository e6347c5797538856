// PeeringDB figures (issue 3), on the full-size generated set served by the fake over
// loopback:
//  - full sync, run in a child process for its own wall time and peak RSS, beside the floor
//    of loading the same rows with COPY alone into a fresh database (same tables, indexes);
//  - incremental sync of 1,000 changed and 100 deleted rows;
//  - available peers at the largest exchange (1,017 networks) with 3 of our connections and
//    500 existing sessions (median of warm runs).
import { spawn } from "node:child_process";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import copyStreams from "pg-copy-streams";
import type { Database } from "../../core/db.js";
import { availablePeers, parsePeerFilters } from "../../core/peeringdb/available.js";
import { runSync } from "../../core/peeringdb/sync.js";
import { TABLES, columnNames, copyEncoder } from "../../core/peeringdb/tables.js";
import { PDB_TYPES } from "../../core/peeringdb/types.js";
import { PeeringDbClient } from "../../drivers/peeringdb/client.js";
import { validatePage } from "../../drivers/peeringdb/validate.js";
import { FakePeeringDb, type Raw } from "../fakes/peeringdb-server.js";
import setup from "../global-setup.js";
import { createTestDatabase } from "../helpers/db.js";
import { generatePeeringDb } from "./pdb-generator.js";
import { median, round, timeMedian, withRatio, type BenchResult } from "./result.js";

const root = path.resolve(import.meta.dirname, "../..");
const KEY = "bench-api-key";
const US = 64500;

interface ChildResult {
  wallMs: number;
  maxRssMb: number;
  ok: boolean;
  requests: number;
  types: { type: string; rows: number; skipped: number; ms: number; error?: string }[];
}

function syncInChild(dbUrl: string, apiUrl: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(root, "tests/bench/peeringdb-sync-child.ts"), dbUrl, apiUrl, KEY],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`sync child exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? "") as ChildResult);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

/** The floor: the same rows, already validated and encoded, loaded with COPY alone. */
export async function copyFloor(db: Database, data: Record<string, Raw[]>): Promise<number> {
  const texts = PDB_TYPES.map((type) => {
    const page = validatePage(type, data[type] ?? []);
    return { type, text: copyEncoder(type)(page.records) };
  });
  const client = await db.pool.connect();
  try {
    const t0 = performance.now();
    for (const { type, text } of texts) {
      await client.query("begin");
      const copy = client.query(
        copyStreams.from(`copy ${TABLES[type].table} (${columnNames(type).join(", ")}) from stdin`),
      );
      await pipeline(Readable.from([text]), copy);
      await client.query("commit");
    }
    return performance.now() - t0;
  } finally {
    client.release();
  }
}

/** 1,000 changed rows and 100 deleted ones, spread over the types that change most. */
function mutate(fake: FakePeeringDb): { changed: number; deleted: number } {
  let changed = 0;
  let deleted = 0;
  const touched = new Set<string>();
  const every = (type: string, count: number, fn: (row: Raw, i: number) => void) => {
    const rows = fake.rows(type).filter((r) => r.status === "ok");
    const step = Math.floor(rows.length / count);
    for (let i = 0; i < count; i++) {
      const row = rows[i * step + 1] as Raw;
      touched.add(`${type}/${String(row.id)}`);
      fn(row, i);
    }
  };
  every("netixlan", 500, (r, i) => {
    fake.update("netixlan", r.id as number, {
      speed: (r.speed as number) === 100_000 ? 400_000 : 100_000,
      notes: `changed ${i}`,
    });
    changed++;
  });
  every("net", 300, (r, i) => {
    fake.update("net", r.id as number, {
      name: `${String(r.name)} (renamed ${i})`,
      policy_general: "Selective",
    });
    changed++;
  });
  every("poc", 100, (r) => {
    fake.update("poc", r.id as number, { email: `new-${String(r.id)}@example.net` });
    changed++;
  });
  every("org", 100, (r) => {
    fake.update("org", r.id as number, { website: `https://example.org/${String(r.id)}` });
    changed++;
  });
  // Deletions: rows not among the changed ones (offset by half a step).
  const del = (type: string, count: number) => {
    const rows = fake.rows(type).filter((r) => r.status === "ok");
    const step = Math.floor(rows.length / count);
    for (let i = 0; i < count; i++) {
      let row = rows[i * step + Math.floor(step / 2)] as Raw;
      if (touched.has(`${type}/${String(row.id)}`)) row = rows[i * step + Math.floor(step / 2) + 1] as Raw;
      fake.remove(type, row.id as number);
      deleted++;
    }
  };
  del("netixlan", 70);
  del("poc", 30);
  return { changed, deleted };
}

/** Our AS, the largest IXP with 3 connections, and 500 sessions with its members. */
export async function seedOurs(db: Database, ixlanId: number): Promise<number> {
  const us = await db.prisma.autonomousSystem.create({
    data: { asn: BigInt(US), name: "Us", affiliated: true },
  });
  const ixp = await db.prisma.internetExchange.create({
    data: { name: "Largest IX", slug: "largest", localAsId: us.id, peeringdbIxlanId: ixlanId },
  });
  const lan = await db.pool.query<{ prefix: string; protocol: string }>(
    "select host(prefix) as prefix, protocol from pdb_ixpfx where ixlan_id = $1",
    [ixlanId],
  );
  const v4base = lan.rows.find((r) => r.protocol === "IPv4")?.prefix ?? "100.0.0.0";
  const v6base = lan.rows.find((r) => r.protocol === "IPv6")?.prefix ?? "2001:db8::";
  const [a, b, c] = v4base.split(".").map(Number) as [number, number, number];
  // `peers` counts enabled connections with a router (core/connections.ts).
  const router = await db.prisma.router.create({
    data: { name: "edge1.largest", hostname: "edge1.largest", platform: "file", localAsId: us.id },
  });
  const conns: number[] = [];
  for (let i = 0; i < 3; i++) {
    const conn = await db.prisma.connection.create({
      data: {
        ixpId: ixp.id,
        routerId: router.id,
        ipv4Address: `${a}.${b}.${c + 7}.${250 + i}/21`,
        ipv6Address: `${v6base}fbf4:${i + 1}/64`,
      },
    });
    conns.push(conn.id);
  }
  const members = await db.pool.query<{ asn: string; ipaddr4: string | null; ipaddr6: string | null }>(
    `select asn::text, host(ipaddr4) as ipaddr4, host(ipaddr6) as ipaddr6 from pdb_netixlan
     where ixlan_id = $1 and status = 'ok' and ipaddr4 is not null and ipaddr6 is not null order by id limit 250`,
    [ixlanId],
  );
  await db.prisma.autonomousSystem.createMany({
    data: members.rows.map((m) => ({ asn: BigInt(m.asn), name: `AS${m.asn}` })),
    skipDuplicates: true,
  });
  const ases = new Map(
    (await db.prisma.autonomousSystem.findMany({ select: { id: true, asn: true } })).map((x) => [
      String(x.asn),
      x.id,
    ]),
  );
  // 200 members with both addresses on the first connection (400), 100 of them also IPv4 on the second.
  const sessions: {
    autonomousSystemId: number;
    connectionId: number;
    ipAddress: string;
    status: "enabled";
  }[] = [];
  members.rows.slice(0, 200).forEach((m, i) => {
    const asId = ases.get(m.asn) as number;
    sessions.push({
      autonomousSystemId: asId,
      connectionId: conns[0]!,
      ipAddress: m.ipaddr4!,
      status: "enabled",
    });
    sessions.push({
      autonomousSystemId: asId,
      connectionId: conns[0]!,
      ipAddress: m.ipaddr6!,
      status: "enabled",
    });
    if (i < 100)
      sessions.push({
        autonomousSystemId: asId,
        connectionId: conns[1]!,
        ipAddress: m.ipaddr4!,
        status: "enabled",
      });
  });
  await db.prisma.ixpSession.createMany({ data: sessions });
  return ixp.id;
}

export async function benchPeeringdb(): Promise<BenchResult[]> {
  if (!process.env.PEERBOT_TEST_TEMPLATE) await setup();
  const t0 = performance.now();
  const gen = generatePeeringDb();
  const rows = Object.values(gen.data).reduce((n, r) => n + r.length, 0);
  process.stderr.write(`  generated ${rows} rows in ${Math.round(performance.now() - t0)} ms\n`);
  const fake = await FakePeeringDb.start({ data: gen.data, apiKey: KEY });
  const syncDb = await createTestDatabase("bench_peeringdb_sync", { poolSize: 4 });
  const floorDb = await createTestDatabase("bench_peeringdb_copy", { poolSize: 2 });
  try {
    // Let the fake cut its rows to the fields the client asks for once, before anything is
    // timed (the real PeeringDB's own cost is not ours to measure).
    const warm = new PeeringDbClient({ baseUrl: fake.url, apiKey: KEY, minIntervalMs: 0 });
    for (const type of PDB_TYPES) for await (const _page of warm.pages(type)) void _page;
    await warm.close();
    // Full sync, in a child process of its own.
    const full = await syncInChild(syncDb.url, fake.url);
    if (!full.ok || full.types.some((t) => t.skipped))
      throw new Error(`full sync failed or skipped rows: ${JSON.stringify(full.types)}`);
    const mirrored = full.types.reduce((n, t) => n + t.rows, 0);
    const floor = await copyFloor(floorDb, gen.data);

    // Incremental.
    const { changed, deleted } = mutate(fake);
    const client = new PeeringDbClient({ baseUrl: fake.url, apiKey: KEY, minIntervalMs: 0 });
    const ti = performance.now();
    const inc = await runSync(syncDb, client);
    const incMs = performance.now() - ti;
    await client.close();
    const upserted = inc.types.reduce((n, t) => n + t.upserted, 0);
    const removed = inc.types.reduce((n, t) => n + t.deleted, 0);
    process.stderr.write(
      `  incremental: ${inc.types.map((t) => `${t.type} +${t.upserted} -${t.deleted} since=${t.since}`).join(", ")}\n`,
    );
    if (!inc.ok || upserted !== changed || removed !== deleted)
      throw new Error(
        `incremental sync: ok=${inc.ok}, ${upserted}/${changed} upserted, ${removed}/${deleted} deleted`,
      );

    // Available peers.
    const ixpId = await seedOurs(syncDb, gen.largest.ixlanId);
    await syncDb.pool.query("analyze");
    const first = await availablePeers(syncDb, ixpId);
    const peers = await timeMedian(() => availablePeers(syncDb, ixpId), 100, 10);
    const { filters } = parsePeerFilters(["policy:open,selective", "rs:no", "speed:>=10G"]);
    const filtered = await timeMedian(
      () => availablePeers(syncDb, ixpId, filters, { sort: "speed" }),
      100,
      10,
    );
    const lastPage = await timeMedian(() => availablePeers(syncDb, ixpId, {}, { page: first.pages }), 50, 5);
    const incRuns: number[] = [incMs];

    return [
      withRatio({
        name: `full sync of ${mirrored.toLocaleString("en")} rows over loopback (child process)`,
        value: round(full.wallMs / 1000, 2),
        unit: "s",
        target: 20,
        baseline: round(floor / 1000, 2),
        targetRatio: 3,
        note: `baseline: COPY alone of the same rows into the same tables; ${full.requests} requests of 5,000 rows; per type ms: ${full.types.map((t) => `${t.type} ${t.ms}`).join(", ")}`,
      }),
      {
        name: "full sync peak RSS (child process)",
        value: full.maxRssMb,
        unit: "MB",
        target: 400,
      },
      {
        name: `incremental sync: ${changed.toLocaleString("en")} changed + ${deleted} deleted rows`,
        value: round(median(incRuns), 0),
        unit: "ms",
        target: 1000,
      },
      {
        name: `peers at an IXP of ${gen.largest.networks.toLocaleString("en")} networks, 3 connections, 500 sessions (median)`,
        value: round(peers, 2),
        unit: "ms",
        target: 20,
        note: `${first.total} available rows, ${first.pages} pages of 20`,
      },
      {
        name: "peers with policy, rs and speed filters, sorted by speed (median)",
        value: round(filtered, 2),
        unit: "ms",
      },
      { name: "peers, last page (median)", value: round(lastPage, 2), unit: "ms" },
    ];
  } finally {
    await fake.close();
    await syncDb.drop();
    await floorDb.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchPeeringdb()
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
