// IRR benchmarks (issue 16): the real bgpq4 against the fake IRRd on loopback.
// - fetching AS-BIG (one origin with 200,000 IPv4 /24s) through bgpq4 and storing it;
// - rendering a 200-session router where one peer carries that list, on every platform,
//   against the same render with the peer's IRR filter off (target: <= 1 s);
// - refreshing 1,000 AS-SETs at PEERBOT_IRR_CONCURRENCY (default 4; target: <= 60 s), against
//   the same refresh one at a time (measured on 100 of them, per set).
import { loadConfig } from "../../core/config.js";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { irrSettings, refreshAll, refreshAs } from "../../core/irr/cache.js";
import { renderRouterConfig } from "../../core/render/index.js";
import { createBgpq4Fetcher } from "../../drivers/irr/bgpq4.js";
import { FakeIrrd, manySets } from "../fakes/irrd.js";
import { createTestDatabase } from "../helpers/db.js";
import { seedRenderData } from "./render-data.js";
import { round, timeMedian, withRatio, type BenchResult } from "./result.js";

export async function benchIrr(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const db = await createTestDatabase("bench_irr");
  const irrd = new FakeIrrd({ data: manySets(1000) });
  await irrd.start();
  try {
    const config = loadConfig({ PEERBOT_IRR_HOST: irrd.host, PEERBOT_IRR_SOURCES: "RIPE" });
    const settings = irrSettings(config);
    const fetcher = createBgpq4Fetcher({ host: irrd.host, timeoutMs: 120_000 });
    const box = SecretBox.fromString(newSecretKey());
    const { routerId } = await seedRenderData(db, {
      sessions: 200,
      ixps: 2,
      platform: "junos",
      secretBox: box,
    });

    // The peer that carries the big list: the AS of the router's first IPv4 session.
    const s = await db.pool.query<{ asId: number; id: number }>(
      `select s."autonomousSystemId" as "asId", s.id from "IxpSession" s join "Connection" c on c.id = s."connectionId"
        where c."routerId" = $1 and family(s."ipAddress") = 4 order by s.id limit 1`,
      [routerId],
    );
    const { asId, id: sessionId } = s.rows[0]!;
    await db.pool.query(`update "AutonomousSystem" set "irrAsSet" = 'AS-BIG' where id = $1`, [asId]);
    const t0 = performance.now();
    const fetched = await refreshAs(db, fetcher, asId, settings);
    const fetchMs = performance.now() - t0;
    const count = fetched.families.find((f) => f.family === 4)?.count ?? 0;
    if (count !== 200_000) throw new Error(`expected 200,000 IPv4 prefixes, got ${count}`);
    results.push({
      name: "fetch AS-BIG (200,000 IPv4 prefixes) through bgpq4 and store it, both families and the AS list",
      value: round(fetchMs, 0),
      unit: "ms",
      note: "bgpq4 -j against the fake IRRd on loopback, JSON parsed and checked, one upsert per family",
    });

    const opts = { secretBox: box, templatesDir: null };
    for (const template of ["junos", "frr", "bird2", "eos", "iosxr"]) {
      await db.pool.query(`update "IxpSession" set "irrFilter" = null where id = $1`, [sessionId]);
      const plain = await renderRouterConfig(db, routerId, { ...opts, template });
      const without = await timeMedian(() => renderRouterConfig(db, routerId, { ...opts, template }), 10, 2);
      await db.pool.query(`update "IxpSession" set "irrFilter" = true where id = $1`, [sessionId]);
      const big = await renderRouterConfig(db, routerId, { ...opts, template });
      const lines = big.config.split("\n").length - plain.config.split("\n").length;
      if (lines < 200_000) throw new Error(`${template}: the list added only ${lines} lines`);
      const withList = await timeMedian(() => renderRouterConfig(db, routerId, { ...opts, template }), 5, 1);
      results.push(
        withRatio({
          name: `render ${template}, 200 sessions, one peer filtered by a 200,000-prefix IRR list (median)`,
          value: round(withList, 0),
          unit: "ms",
          target: 1000,
          baseline: round(without, 1),
          note: `baseline: the same router with that peer's IRR filter off; the list adds ${lines.toLocaleString("en-US")} lines (${(big.config.length / 1e6).toFixed(1)} MB)`,
        }),
      );
    }

    // 1,000 networks, one AS-SET each.
    const ids: number[] = [];
    for (let i = 1; i <= 1000; i++) {
      const r = await db.pool.query<{ id: number }>(
        `insert into "AutonomousSystem" (asn, name, "irrAsSet", "updatedAt") values ($1, $2, $3, now()) returning id`,
        [3_000_000 + i, `Bench ${i}`, `AS-MANY${i}`],
      );
      ids.push(r.rows[0]!.id);
    }
    const seq0 = performance.now();
    const seq = await refreshAll(db, fetcher, { ...settings, concurrency: 1 }, undefined, ids.slice(0, 100));
    const perSetSeq = (performance.now() - seq0) / 100;
    if (seq.ok !== 100)
      throw new Error(`sequential refresh: ${seq.failed} failed: ${seq.failures.join("; ")}`);
    const all = await refreshAll(db, fetcher, settings, undefined, ids);
    if (all.ok !== 1000)
      throw new Error(`refresh of 1,000: ${all.failed} failed: ${all.failures.join("; ")}`);
    results.push(
      withRatio({
        name: `refresh 1,000 AS-SETs through bgpq4, ${settings.concurrency} at a time (PEERBOT_IRR_CONCURRENCY)`,
        value: round(all.durationMs / 1000, 1),
        unit: "s",
        target: 60,
        baseline: round((perSetSeq * 1000) / 1000, 1),
        note: `baseline: the same refresh one at a time, measured on 100 sets (${round(perSetSeq, 1)} ms per set) and scaled to 1,000; each set is three bgpq4 runs (IPv4, IPv6, origins)`,
      }),
    );
  } finally {
    await irrd.close();
    await db.drop();
  }
  return results;
}
