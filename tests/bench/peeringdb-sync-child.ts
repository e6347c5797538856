// Runs one PeeringDB sync in a process of its own, so that the benchmark reads this
// process's own peak RSS. Usage: node --import tsx peeringdb-sync-child.ts <db-url> <api-url> [api-key]
// Prints one JSON line: {wallMs, maxRssMb, ok, types: [...]}.
import { openDatabase } from "../../core/db.js";
import { runSync } from "../../core/peeringdb/sync.js";
import { PeeringDbClient } from "../../drivers/peeringdb/client.js";

async function main(): Promise<void> {
  const [dbUrl, apiUrl, apiKey] = process.argv.slice(2);
  if (!dbUrl || !apiUrl) throw new Error("usage: peeringdb-sync-child.ts <db-url> <api-url> [api-key]");
  const db = openDatabase(dbUrl, { poolSize: 3 });
  const client = new PeeringDbClient({ baseUrl: apiUrl, apiKey, minIntervalMs: 0 });
  const t0 = performance.now();
  const report = await runSync(db, client);
  const wallMs = performance.now() - t0;
  await client.close();
  await db.close();
  const out = {
    wallMs: Math.round(wallMs),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ok: report.ok,
    requests: client.requests,
    types: report.types.map((t) => ({
      type: t.type,
      rows: t.rows,
      skipped: t.skipped.length,
      ms: t.durationMs,
      error: t.error,
    })),
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
