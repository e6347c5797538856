// Foundation figures: a console round trip of `sessions` over 5,000 sessions, and the RSS of
// the bot process after start.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ConsoleSession } from "../../bot/console/console.js";
import { buildRegistry } from "../../commands/index.js";
import { createTestDatabase } from "../helpers/db.js";
import { Capture, testServices } from "../helpers/services.js";
import { round, timeMedian, withRatio, type BenchResult } from "./result.js";
import { seedSessions } from "./session-data.js";

const root = path.resolve(import.meta.dirname, "../..");

export async function benchFoundation(): Promise<BenchResult[]> {
  const db = await createTestDatabase("bench_foundation");
  try {
    await seedSessions(db, 5000, 10);
    const services = testServices(db);
    const out = new Capture();
    const session = new ConsoleSession(buildRegistry(), services, "alice", out);
    const roundTrip = await timeMedian(
      async () => {
        await session.handleLine("sessions");
        if (!out.take().includes("5000 sessions")) throw new Error("sessions did not list 5000 sessions");
      },
      50,
      5,
    );
    // Baseline: the same page and count straight from pg, no parsing, rendering or audit.
    const baseline = await timeMedian(
      async () => {
        await db.pool.query(`select count(*) from "IxpSession"`);
        await db.pool.query(
          `select s.id, s."ipAddress", s.status, a.asn, a.name, i.name from "IxpSession" s
           join "AutonomousSystem" a on a.id = s."autonomousSystemId"
           join "Connection" c on c.id = s."connectionId" join "InternetExchange" i on i.id = c."ixpId"
          order by i.name, a.asn, s."ipAddress" limit 50`,
        );
      },
      50,
      5,
    );
    // The production process runs the compiled build (as the Docker image does).
    try {
      execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "ignore" });
    } catch {
      // tsc still writes its output on a type error; `npm run typecheck` is where those fail.
    }
    const rss = await rssAfterStart(db.url, "dist");
    const rssTsx = await rssAfterStart(db.url, "tsx");
    const bare = await rssAfterStart(null, "bare");
    return [
      withRatio({
        name: "console round trip: sessions over 5,000 sessions (median, warm)",
        value: round(roundTrip, 2),
        unit: "ms",
        target: 50,
        baseline: round(baseline, 2),
        note: "baseline: the same count and page as two raw SQL queries",
      }),
      withRatio({
        name: "bot process RSS after start (node --max-semi-space-size=64 dist/bot/main.js start, workers in-process)",
        value: round(rss / 1024 / 1024, 1),
        unit: "MB",
        target: 150,
        baseline: round(bare / 1024 / 1024, 1),
        note: "baseline: an idle `node` process",
      }),
      withRatio({
        name: "bot process RSS after start from the sources (bin/peerbot.js start, through tsx)",
        value: round(rssTsx / 1024 / 1024, 1),
        unit: "MB",
        baseline: round(bare / 1024 / 1024, 1),
        note: "development path, no target: tsx compiles TypeScript in the process",
      }),
    ];
  } finally {
    await db.drop();
  }
}

/** Starts `peerbot start` (or a bare node), waits until it is up, reads its RSS. */
async function rssAfterStart(url: string | null, how: "dist" | "tsx" | "bare"): Promise<number> {
  // The V8 flag the Dockerfile, `npm start` and bin/peerbot.js's shebang pass.
  const flags = ["--max-semi-space-size=64"];
  const args =
    how === "dist"
      ? [...flags, path.join(root, "dist/bot/main.js"), "start"]
      : how === "tsx"
        ? [...flags, path.join(root, "bin/peerbot.js"), "start"]
        : ["-e", "process.stderr.write('peerbot started\\n'); setInterval(() => {}, 1e6)"];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url ?? "",
      PEERBOT_NO_ENV_FILE: "true",
      PEERBOT_LOG_LEVEL: "error",
      REDIS_URL: "",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let err = "";
      const timer = setTimeout(() => reject(new Error(`peerbot start did not come up: ${err}`)), 60_000);
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (err.includes("peerbot started")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`exited with ${code}: ${err}`)));
    });
    await new Promise((r) => setTimeout(r, 2000)); // let start-up garbage settle
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb * 1024;
  } finally {
    child.kill("SIGTERM");
  }
}
