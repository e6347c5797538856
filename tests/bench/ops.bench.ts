// The operations face: what a log line costs through pino with both redaction passes (against
// the plain JSON.stringify of the same redacted record), and what a /metrics scrape costs on
// the demo database with its collect-at-scrape queries (against /healthz on the same server).
import { OpsServer, observeRuntime } from "../../bot/ops-server.js";
import { createLogger, redact } from "../../core/log.js";
import { enableDefaultMetrics, metrics } from "../../core/metrics.js";
import { InProcessQueue } from "../../jobs/queue.js";
import { createTestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { round, timeMedian, withRatio, type BenchResult } from "./result.js";

const FIELDS = {
  change: 42,
  router: "edge1.lon",
  steps: ["rendered", "loaded", "committed"],
  target: { host: "edge1.lon.example.net", user: "peerbot", password: "hunter2" },
  note: "Api-Key abcdef0123456789",
};

export async function benchOps(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const N = 20_000;
  let sink = 0;
  const log = createLogger("info", (l) => (sink += l.length));
  const perLine = async (fn: () => void) =>
    (await timeMedian(
      () => {
        for (let i = 0; i < N; i++) fn();
      },
      9,
      2,
    )) *
    (1000 / N);
  const pinoUs = await perLine(() => log.info("deploy step", FIELDS));
  const plainUs = await perLine(() => {
    const line = JSON.stringify({
      level: "info",
      time: new Date().toISOString(),
      msg: "deploy step",
      ...(redact(FIELDS) as object),
    });
    sink += line.length;
  });
  out.push(
    withRatio({
      name: "log line (pino, redacted) µs",
      value: round(pinoUs, 2),
      unit: "µs",
      baseline: round(plainUs, 2),
      note: `${N} lines of 5 fields; baseline: JSON.stringify of the same redacted record`,
    }),
  );

  const db = await createTestDatabase("ops-bench", { poolSize: 4 });
  try {
    await seedDemoDb(db);
    enableDefaultMetrics();
    const queue = new InProcessQueue(log);
    observeRuntime({ services: { db }, queue });
    for (let i = 0; i < 200; i++)
      metrics().commands.inc({ command: `c${i % 20}`, platform: "slack", outcome: "ok" });
    const ops = new OpsServer({ port: 0, host: "127.0.0.1", log });
    const base = `http://127.0.0.1:${await ops.start()}`;
    const scrape = await timeMedian(async () => (await fetch(base + "/metrics")).text(), 40, 5);
    const health = await timeMedian(async () => (await fetch(base + "/healthz")).text(), 40, 5);
    out.push(
      withRatio({
        name: "/metrics scrape (demo database) ms",
        value: round(scrape, 2),
        unit: "ms",
        baseline: round(health, 2),
        note: "sessions GROUP BY, pdb_sync_state, queue depth, Node's default metrics; baseline: /healthz",
      }),
    );
    await ops.close();
  } finally {
    await db.drop();
  }
  return out;
}
