// `peer` from command to posted diff, device I/O excluded (the router's configuration is
// held in memory): parse, authorise, PeeringDB mirror look-up, sessions created, render,
// diff, change stored, reply built, audit written.
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { rejectChange } from "../../core/changes.js";
import { seedDemoDb } from "../helpers/demo.js";
import { createTestDatabase } from "../helpers/db.js";
import { testServices } from "../helpers/services.js";
import { median, round, type BenchResult } from "./result.js";
import { MemoryRouter } from "../fakes/memory-router.js";

export async function benchChanges(): Promise<BenchResult[]> {
  const db = await createTestDatabase("bench_changes");
  try {
    await seedDemoDb(db, "/tmp/peerbot-bench-unused");
    const services = testServices(db);
    services.drivers = () => new MemoryRouter();
    const registry = buildRegistry();
    const actor = { platform: "console" as const, userId: "alice", userName: "alice" };
    // Networks at LINX LON1 in the bundled PeeringDB data that the demo does not peer with.
    const { rows } = await db.pool.query<{ asn: string }>(
      `select distinct x.asn::text from pdb_netixlan x join pdb_net n on n.asn = x.asn and n.status = 'ok'
        where x.ixlan_id = 18 and x.status = 'ok' and x.asn not in (64500, 15169, 8075, 702) order by 1 limit 25`,
    );
    const times: number[] = [];
    for (const [i, r] of rows.entries()) {
      const t = performance.now();
      const { reply, outcome } = await dispatch(registry, services, {
        actor,
        channel: "bench",
        text: `peer AS${r.asn} at LINX`,
      });
      const dt = performance.now() - t;
      if (outcome !== "ok" || !reply.code?.content.includes(`as ${r.asn};`))
        throw new Error(`peer AS${r.asn} did not post a diff: ${reply.text}`);
      if (i >= 5) times.push(dt); // the first five warm up
      const id = Number(/^change:(\d+)$/.exec(reply.track ?? "")?.[1]);
      await rejectChange(services, id, { ...actor, userId: "bob", userName: "bob" }, "bench");
    }
    return [
      {
        name: `peer: command to posted diff, device I/O excluded (median of ${times.length}, warm)`,
        value: round(median(times), 2),
        unit: "ms",
        target: 300,
        note: "the demo network plus the bundled PeeringDB mirror; each change is rejected (untimed) before the next",
      },
    ];
  } finally {
    await db.drop();
  }
}
