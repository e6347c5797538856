// Issue 17's benchmarks over the full-size generated PeeringDB mirror (pdb-generator.ts,
// loaded with COPY) and 5,000 of our IXP sessions at its ten largest exchanges:
// - `cleanup` (abandonedSessions) and `missing` (missingSessions): target median <= 200 ms
//   each; baseline: the plainest way, one query per session (Peering Manager's per-object
//   lookups), measured on 500 sessions and scaled to 5,000;
// - the digest's computation (snapshot and comparison) after what an incremental sync leaves
//   (1,000 networks' figures changed, 100 ports gone): target <= 1 s.
import type { Database } from "../../core/db.js";
import { abandonedSessions } from "../../core/cleanup.js";
import { digestSnapshot, digestSummary } from "../../core/digest.js";
import { missingSessions } from "../../core/peeringdb/missing.js";
import setup from "../global-setup.js";
import { createTestDatabase } from "../helpers/db.js";
import { generatePeeringDb } from "./pdb-generator.js";
import { copyFloor } from "./peeringdb.bench.js";
import { round, timeMedian, withRatio, type BenchResult } from "./result.js";

const DAY = 86_400_000;

/** Our AS, ten IXPs (the largest ixlans) with a connection each, and 5,000 sessions. */
async function seedOurs(db: Database): Promise<number> {
  const q = (sql: string, p: unknown[] = []) => db.pool.query(sql, p);
  const us = await q(
    `insert into "AutonomousSystem" (asn, name, affiliated, "updatedAt") values (64500, 'Us', true, now()) returning id`,
  );
  const usId = (us.rows[0] as { id: number }).id;
  const router = await q(
    `insert into "Router" (name, hostname, platform, "localAsId", "updatedAt") values ('edge1', 'edge1', 'file', $1, now()) returning id`,
    [usId],
  );
  const routerId = (router.rows[0] as { id: number }).id;
  const lans = await q(
    `select ixlan_id, count(*) n from pdb_netixlan where status = 'ok' group by 1 order by 2 desc limit 10`,
  );
  let sessions = 0;
  for (const [i, lan] of (lans.rows as { ixlan_id: number }[]).entries()) {
    const x = await q(
      `insert into "InternetExchange" (name, slug, "localAsId", "peeringdbIxlanId", "updatedAt") values ($1, $2, $3, $4, now()) returning id`,
      [`IX ${i}`, `ix-${i}`, usId, lan.ixlan_id],
    );
    const ixpId = (x.rows[0] as { id: number }).id;
    const c = await q(
      `insert into "Connection" ("ixpId", "routerId", "ipv4Address", "ipv6Address", "updatedAt")
       values ($1, $2, $3, $4, now()) returning id`,
      [ixpId, routerId, `100.${64 + i}.0.1/16`, `2001:db8:${i}::1/64`],
    );
    const connId = (c.rows[0] as { id: number }).id;
    // Networks at this IXP, in the mirror's order: sessions with the first 280 (both families
    // for most, IPv4 only for every fifth), so that each IXP holds about 500 sessions.
    const r = await q(
      `with m as (select distinct on (asn) asn, host(ipaddr4) v4, host(ipaddr6) v6 from pdb_netixlan
                  where ixlan_id = $1 and status = 'ok' and ipaddr4 is not null and ipaddr6 is not null order by asn, id),
            picked as (select * from m order by asn limit 280),
            ases as (insert into "AutonomousSystem" (asn, name, "updatedAt") select asn, 'AS' || asn, now() from picked
                     on conflict (asn) do update set name = excluded.name returning id, asn)
       insert into "IxpSession" ("autonomousSystemId", "connectionId", "ipAddress", status, "updatedAt")
       select a.id, $2, v.ip::inet, 'enabled', now()
         from picked p join ases a on a.asn = p.asn
         cross join lateral (values (p.v4), (case when p.asn % 5 = 0 then null else p.v6 end)) v(ip)
        where v.ip is not null
       returning id`,
      [lan.ixlan_id, connId],
    );
    sessions += r.rowCount ?? 0;
  }
  // Half the sessions polled, some of them down for long.
  await q(
    `update "IxpSession" set "bgpState" = case when id % 17 = 0 then 'idle'::"BgpState" else 'established'::"BgpState" end,
            "lastEstablishedAt" = now() - (id % 60) * interval '1 day' where id % 2 = 0`,
  );
  return sessions;
}

/** The plainest cleanup: each session's peer looked up in the mirror by its own query. */
async function cleanupOneByOne(db: Database, limit: number): Promise<number> {
  const s = await db.pool.query<{ asn: string; ip: string; ixlan: number }>(
    `select a.asn::text as asn, host(s."ipAddress") as ip, x."peeringdbIxlanId" as ixlan
       from "IxpSession" s join "Connection" c on c.id = s."connectionId" join "InternetExchange" x on x.id = c."ixpId"
       join "AutonomousSystem" a on a.id = s."autonomousSystemId" order by s.id limit $1`,
    [limit],
  );
  let found = 0;
  for (const r of s.rows) {
    const n = await db.pool.query(
      `select 1 from pdb_netixlan where ixlan_id = $1 and asn = $2 and status = 'ok' and (ipaddr4 = $3::inet or ipaddr6 = $3::inet)`,
      [r.ixlan, r.asn, r.ip],
    );
    if (!n.rowCount) found++;
  }
  return found;
}

/** The plainest missing: per peer and IXP of ours, one query for its ports and one for our sessions. */
async function missingOneByOne(db: Database, limitPeers: number): Promise<number> {
  const peers = await db.pool.query<{ asn: string }>(
    `select distinct a.asn::text as asn from "AutonomousSystem" a join "IxpSession" s on s."autonomousSystemId" = a.id
      where not a.affiliated order by 1 limit $1`,
    [limitPeers],
  );
  const ixps = await db.pool.query<{ id: number; lan: number }>(
    `select id, "peeringdbIxlanId" as lan from "InternetExchange"`,
  );
  let found = 0;
  for (const p of peers.rows)
    for (const x of ixps.rows) {
      const at = await db.pool.query(
        `select 1 from pdb_netixlan where ixlan_id = $1 and asn = $2 and status = 'ok' and operational`,
        [x.lan, p.asn],
      );
      if (!at.rowCount) continue;
      const have = await db.pool.query(
        `select 1 from "IxpSession" s join "Connection" c on c.id = s."connectionId" join "AutonomousSystem" a on a.id = s."autonomousSystemId"
          where a.asn = $1 and c."ixpId" = $2`,
        [p.asn, x.id],
      );
      if (!have.rowCount) found++;
    }
  return found;
}

export async function benchHygiene(): Promise<BenchResult[]> {
  if (!process.env.PEERBOT_TEST_TEMPLATE) await setup();
  const results: BenchResult[] = [];
  const db = await createTestDatabase("bench_hygiene", { poolSize: 4 });
  try {
    const gen = generatePeeringDb();
    await copyFloor(db, gen.data);
    const sessions = await seedOurs(db);
    await db.pool.query("analyze");
    const now = new Date();
    const opts = { now, downAfterMs: 30 * DAY };

    const abandoned = await abandonedSessions(db, {}, opts);
    const cleanup = await timeMedian(() => abandonedSessions(db, {}, opts), 20, 3);
    const t0 = performance.now();
    await cleanupOneByOne(db, 500);
    const plainCleanup = ((performance.now() - t0) * sessions) / 500;
    results.push(
      withRatio({
        name: `cleanup over the full mirror, ${sessions.toLocaleString("en-US")} sessions at 10 IXPs (median)`,
        value: round(cleanup, 1),
        unit: "ms",
        target: 200,
        baseline: round(plainCleanup, 0),
        note: `${abandoned.length} abandoned found; baseline: one mirror query per session, measured on 500 and scaled`,
      }),
    );

    const missing = await missingSessions(db, { now });
    const miss = await timeMedian(() => missingSessions(db, { now }), 20, 3);
    const peers = await db.pool.query<{ n: string }>(
      `select count(distinct "autonomousSystemId")::text as n from "IxpSession"`,
    );
    const nPeers = Number(peers.rows[0]!.n);
    const t1 = performance.now();
    await missingOneByOne(db, 100);
    const plainMissing = ((performance.now() - t1) * nPeers) / 100;
    results.push(
      withRatio({
        name: `missing over the full mirror, ${nPeers.toLocaleString("en-US")} peers at 10 IXPs (median)`,
        value: round(miss, 1),
        unit: "ms",
        target: 200,
        baseline: round(plainMissing, 0),
        note: `${missing.length} missing found; baseline: two queries per peer and IXP, measured on 100 peers and scaled`,
      }),
    );

    // The digest: a snapshot, then what an incremental sync leaves, then snapshot and compare.
    const before = await digestSnapshot(db, now, 30 * DAY);
    await db.pool.query(
      `update pdb_net set info_prefixes4 = coalesce(info_prefixes4, 0) + 10, policy_general = 'Open'
        where id in (select id from pdb_net order by id limit 1000)`,
    );
    await db.pool.query(
      `update pdb_netixlan set status = 'deleted' where id in (select n.id from pdb_netixlan n
         join "InternetExchange" x on x."peeringdbIxlanId" = n.ixlan_id order by n.id limit 100)`,
    );
    let summary = await digestSummary(db, before, await digestSnapshot(db, now, 30 * DAY));
    const digest = await timeMedian(
      async () => {
        summary = await digestSummary(db, before, await digestSnapshot(db, now, 30 * DAY));
      },
      5,
      1,
    );
    results.push({
      name: "digest after an incremental sync (1,000 networks changed, 100 ports gone): snapshot and comparison (median)",
      value: round(digest, 0),
      unit: "ms",
      target: 1000,
      note: `${summary.changed.length} peers changed, ${summary.left.length} left, ${summary.joined.length} joined, ${summary.abandoned.length} newly abandoned; ${Object.values(
        before.members,
      )
        .reduce((n, l) => n + l.length, 0)
        .toLocaleString("en-US")} members of our IXPs in each snapshot`,
    });
  } finally {
    await db.drop();
  }
  return results;
}
