// Start-up (issue 14): how long `peerbot console` takes to answer its first line. Each run
// spawns `bin/peerbot.js console --user alice` (with node's flags from its shebang), pipes
// `help` in and stops the clock at the first line of the reply (after the notes and the
// echoed command). With a real PostgreSQL (a migrated database of its own; target 1.5 s)
// and on the embedded database (a data folder that `peerbot migrate` made earlier, as after
// `peerbot seed-demo`; target 2.5 s), each from the compiled build (bin/peerbot.js's default
// when dist/ is current; PEERBOT_USE_BUILD=true here, so that a source edited during the run
// does not switch it) and from the TypeScript sources through tsx (PEERBOT_USE_BUILD=false).
// The baseline, in the same run, is a bare `node -e 0`. A first console on an empty data
// folder (unpacked from the build's migrated snapshot, drivers/embedded-postgres.ts) is
// reported once, without a target.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { currentBuild, root } from "../../bin/build-state.js";
import { createTestDatabase } from "../helpers/db.js";
import { median, round, withRatio, type BenchResult } from "./result.js";

const RUNS = 5;
const BIN = path.join(root, "bin/peerbot.js");
const NODE_FLAGS = ["--max-semi-space-size=64"];

function baseEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PEERBOT_NO_ENV_FILE: "true", PEERBOT_LOG_LEVEL: "warn" };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.NODE_OPTIONS; // the bench runs under tsx; the peerbot process must not
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return { ...env, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) };
}

/** ms from spawn to the first reply line of `help`; rejects if the process ends without one. */
function firstReply(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...NODE_FLAGS, BIN, "console", "--user", "alice"], {
      cwd: root,
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let answered: number | undefined;
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (answered !== undefined || line.startsWith("note:") || line.startsWith("peerbot>") || !line.trim())
        return;
      answered = performance.now() - t0;
    });
    child.stdin.end("help\n");
    child.on("close", (code) => {
      if (answered !== undefined && code === 0) resolve(answered);
      else reject(new Error(`peerbot console exited ${code} without a reply: ${err.slice(-500)}`));
    });
  });
}

async function medianOf(n: number, fn: () => Promise<number>): Promise<number> {
  await fn(); // warm the file system cache
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await fn());
  return median(xs);
}

function bareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.on("close", (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error("node -e 0")),
    );
  });
}

export async function benchStartup(): Promise<BenchResult[]> {
  if (!currentBuild()) {
    process.stderr.write("startup: dist/ is older than the sources; building it (npm run build)…\n");
    const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
    if (r.status !== 0 || !currentBuild()) throw new Error("npm run build failed");
  }
  const db = await createTestDatabase("startup-bench");
  const dataDir = mkdtempSync(path.join(tmpdir(), "peerbot-startup-"));
  try {
    const pgEnv = (build: boolean) =>
      baseEnv({ DATABASE_URL: db.url, PEERBOT_USE_BUILD: build ? "true" : "false" });
    const embEnv = (dir: string, build: boolean) =>
      baseEnv({ PEERBOT_DATA_DIR: dir, PEERBOT_USE_BUILD: build ? "true" : "false" });

    const node = await medianOf(RUNS, bareNode);

    // The first console on an empty data folder: the embedded database is created and migrated.
    const fresh = await firstReply(embEnv(path.join(dataDir, "fresh"), true));
    const made = spawnSync(process.execPath, [...NODE_FLAGS, BIN, "migrate"], {
      env: embEnv(path.join(dataDir, "ready"), true),
      encoding: "utf8",
    });
    if (made.status !== 0) throw new Error(`peerbot migrate (embedded) failed: ${made.stderr}`);

    const pgBuild = await medianOf(RUNS, () => firstReply(pgEnv(true)));
    const pgTsx = await medianOf(RUNS, () => firstReply(pgEnv(false)));
    const embBuild = await medianOf(RUNS, () => firstReply(embEnv(path.join(dataDir, "ready"), true)));
    const embTsx = await medianOf(RUNS, () => firstReply(embEnv(path.join(dataDir, "ready"), false)));

    const row = (name: string, value: number, target: number | undefined, note: string): BenchResult =>
      withRatio({ name, value: round(value, 0), unit: "ms", target, baseline: round(node, 0), note });
    return [
      row("console first reply, PostgreSQL (build)", pgBuild, 1500, `median of ${RUNS}; baseline: node -e 0`),
      row("console first reply, PostgreSQL (tsx sources)", pgTsx, undefined, "PEERBOT_USE_BUILD=false"),
      row("console first reply, embedded (build)", embBuild, 2500, "a data folder migrated earlier"),
      row("console first reply, embedded (tsx sources)", embTsx, undefined, "PEERBOT_USE_BUILD=false"),
      row(
        "console first reply, embedded, empty data folder",
        fresh,
        undefined,
        "once: from the build's snapshot",
      ),
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await db.drop();
  }
}
