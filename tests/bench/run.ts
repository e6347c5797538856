// `npm run bench [-- name-filter]`: runs every benchmark, each suite in a fresh node process,
// prints a table and writes the same figures to bench-results.json. Each issue adds its
// module to SUITES.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import setup from "../global-setup.js";
import type { BenchResult } from "./result.js";

type Suite = { name: string; load: () => Promise<() => Promise<BenchResult[]>> };

const SUITES: Suite[] = [
  { name: "foundation", load: async () => (await import("./foundation.bench.js")).benchFoundation },
  { name: "peeringdb", load: async () => (await import("./peeringdb.bench.js")).benchPeeringdb },
  { name: "render", load: async () => (await import("./render.bench.js")).benchRender },
  { name: "changes", load: async () => (await import("./changes.bench.js")).benchChanges },
  { name: "parse", load: async () => (await import("./parse.bench.js")).benchParse },
  { name: "routers", load: async () => (await import("./routers.bench.js")).benchRouters },
  { name: "inventory", load: async () => (await import("./inventory.bench.js")).benchInventory },
  { name: "mail", load: async () => (await import("./mail.bench.js")).benchMail },
  { name: "email", load: async () => (await import("./email.bench.js")).benchEmail },
  { name: "workers", load: async () => (await import("./workers.bench.js")).benchWorkers },
  {
    name: "import-sessions",
    load: async () => (await import("./import-sessions.bench.js")).benchImportSessions,
  },
  { name: "startup", load: async () => (await import("./startup.bench.js")).benchStartup },
  { name: "chat", load: async () => (await import("./chat.bench.js")).benchChat },
  { name: "ops", load: async () => (await import("./ops.bench.js")).benchOps },
  { name: "irr", load: async () => (await import("./irr.bench.js")).benchIrr },
  { name: "hygiene", load: async () => (await import("./hygiene.bench.js")).benchHygiene },
  { name: "ixapi", load: async () => (await import("./ixapi.bench.js")).benchIxapi },
];

function verdict(r: BenchResult): string {
  const okValue = r.target === undefined || (r.higherIsBetter ? r.value >= r.target : r.value <= r.target);
  const okRatio = r.targetRatio === undefined || r.ratio === undefined || r.ratio <= r.targetRatio;
  return okValue && okRatio ? "ok" : "MISSED";
}

/**
 * Runs one suite in a process of its own (same node flags), so that no suite is measured on
 * a heap an earlier one grew: a render after the PeeringDB suite took 108 ms instead of 90.
 */
async function runSuite(name: string): Promise<BenchResult[]> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--suite", name],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const at = out.lastIndexOf(MARKER);
  if (code !== 0 || at < 0) throw new Error(`the ${name} benchmarks failed (exit ${code})`);
  process.stdout.write(out.slice(0, at));
  return JSON.parse(out.slice(at + MARKER.length)) as BenchResult[];
}

/** Precedes a child's results on its stdout (whatever else a suite prints comes before). */
const MARKER = "\n@@peerbot-bench-results@@\n";

async function main(): Promise<void> {
  if (process.argv[2] === "--suite") {
    // The child: one suite, its results as JSON on stdout.
    await setup();
    const suite = SUITES.find((s) => s.name === process.argv[3]);
    if (!suite) throw new Error(`no benchmark suite ${process.argv[3]}`);
    const out = await (await suite.load())();
    process.stdout.write(MARKER + JSON.stringify(out));
    process.exit(0);
  }
  const filter = process.argv[2];
  // A suite's own name runs that suite alone (`mail` is not also `email`); else a substring.
  const exact = SUITES.some((s) => s.name === filter);
  await setup();
  const results: (BenchResult & { suite: string; verdict: string })[] = [];
  for (const s of SUITES) {
    if (filter && (exact ? s.name !== filter : !s.name.includes(filter))) continue;
    process.stderr.write(`bench: ${s.name}…\n`);
    for (const r of await runSuite(s.name)) results.push({ suite: s.name, ...r, verdict: verdict(r) });
  }
  const rows = results.map((r) => [
    r.suite,
    r.name,
    `${r.value} ${r.unit}`,
    r.target === undefined ? "" : `${r.higherIsBetter ? ">=" : "<="} ${r.target} ${r.unit}`,
    r.baseline === undefined ? "" : `${r.baseline} ${r.unit}`,
    r.ratio === undefined ? "" : `${r.ratio}x${r.targetRatio ? ` (<= ${r.targetRatio}x)` : ""}`,
    r.verdict,
  ]);
  const head = ["suite", "benchmark", "value", "target", "baseline", "ratio", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  console.log(line(head));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const row of rows) console.log(line(row));
  for (const r of results) if (r.note) console.log(`  note (${r.name}): ${r.note}`);
  writeFileSync(
    "bench-results.json",
    JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2) + "\n",
  );
  console.log("\nwrote bench-results.json");
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
