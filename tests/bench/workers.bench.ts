// Many workers (issue 14): sixty changes over twenty file routers whose commits take 1 s
// (tests/helpers/workers.ts), deployed by one `peerbot worker` and then, on a fresh database,
// by three, each with PEERBOT_DEPLOY_CONCURRENCY=4: the speedup of three over one (target
// >= 2.5). And the resident memory of an idle `peerbot worker` after start (target <= 120 MB),
// beside a bare `node -e` measured in the same run.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  WORKER_SEMI_SPACE_MB,
  createFleet,
  runChains,
  startWorker,
  type WorkerProcess,
} from "../helpers/workers.js";
import { round, type BenchResult } from "./result.js";

const ROUTERS = 20;
const PER_ROUTER = 3;
const LATENCY_MS = 1_000;

async function deploysWith(workers: number, concurrency: number): Promise<number> {
  const fleet = await createFleet({
    label: `workers-bench-${workers}-${concurrency}`,
    routers: ROUTERS,
    latencyMs: LATENCY_MS,
    settings: { PEERBOT_DEPLOY_CONCURRENCY: String(concurrency) },
  });
  const procs: WorkerProcess[] = [];
  try {
    for (let i = 0; i < workers; i++) procs.push(startWorker(fleet));
    await Promise.all(procs.map((p) => p.ready));
    const run = await runChains(fleet, PER_ROUTER, { timeoutMs: 300_000 });
    return run.ms;
  } finally {
    for (const p of procs) p.child.kill("SIGTERM");
    await Promise.all(procs.map((p) => p.exited));
    await fleet.close();
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** RSS of a fresh worker 2 s after it said it waits for jobs (its first reconciler tick and the schedules done). */
async function oneWorkerRss(
  fleet: Awaited<ReturnType<typeof createFleet>>,
  semiSpaceMb: number,
): Promise<number> {
  const w = startWorker(fleet, {}, semiSpaceMb);
  try {
    await w.ready;
    await new Promise((ok) => setTimeout(ok, 2_000));
    return rssMb(w.child.pid!);
  } finally {
    w.child.kill("SIGTERM");
    await w.exited;
  }
}

const median3 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The median of three workers started as the image and `npm run worker` start one (8 MiB young
 * generation), and of three started as `npx peerbot worker` is (the shebang's 64), beside a bare
 * node process.
 */
async function workerRss(): Promise<{ worker: number; shebang: number; bare: number }> {
  const fleet = await createFleet({ label: "workers-bench-rss", routers: 0, latencyMs: 0 });
  try {
    const worker: number[] = [];
    const shebang: number[] = [];
    for (let i = 0; i < 3; i++) {
      worker.push(await oneWorkerRss(fleet, WORKER_SEMI_SPACE_MB));
      shebang.push(await oneWorkerRss(fleet, 64));
    }
    const bare =
      Number(
        execFileSync(process.execPath, ["-e", "process.stdout.write(String(process.memoryUsage().rss))"], {
          encoding: "utf8",
        }),
      ) /
      1024 /
      1024;
    return { worker: median3(worker), shebang: median3(shebang), bare };
  } finally {
    await fleet.close();
  }
}

/**
 * Two pairs of runs. With one deploy at a time per worker, the time is the devices' (1 s each):
 * the speedup is what a second and third process add (target >= 2.5). With the default four
 * at a time per worker, one worker already runs four routers at once; three are then bound by
 * what else a deploy costs (planning the next change of a router after its last one deployed,
 * the renders and diffs, on this machine's 2 cores): reported, without a target.
 */
export async function benchWorkers(): Promise<BenchResult[]> {
  const n = ROUTERS * PER_ROUTER;
  const out: BenchResult[] = [];
  for (const concurrency of [1, 4]) {
    const one = await deploysWith(1, concurrency);
    const three = await deploysWith(3, concurrency);
    const each = `PEERBOT_DEPLOY_CONCURRENCY=${concurrency}`;
    out.push(
      {
        name: `${n} deploys over ${ROUTERS} routers (1 s each), 1 worker, ${concurrency} at a time`,
        value: round(one / 1000, 2),
        unit: "s",
        note: `${round(n / (one / 1000), 2)} deploys/s; ${each}`,
      },
      {
        name: `${n} deploys over ${ROUTERS} routers (1 s each), 3 workers, ${concurrency} at a time each`,
        value: round(three / 1000, 2),
        unit: "s",
        note: `${round(n / (three / 1000), 2)} deploys/s; ${each}`,
      },
      {
        name: `speedup of 3 workers over 1, ${concurrency} at a time each`,
        value: round(one / three, 2),
        unit: "x",
        ...(concurrency === 1 ? { target: 2.5, higherIsBetter: true } : {}),
      },
    );
  }
  const rss = await workerRss();
  out.push(
    {
      name: `peerbot worker RSS after start (as the image runs it: --max-semi-space-size=${WORKER_SEMI_SPACE_MB}; median of 3)`,
      value: round(rss.worker, 1),
      unit: "MB",
      target: 120,
      baseline: round(rss.bare, 1),
      ratio: round(rss.worker / rss.bare, 2),
      note: "baseline: node -e (a bare Node process) in the same run; measured 2 s after the worker waits for jobs",
    },
    {
      name: "peerbot worker RSS after start, as `npx peerbot worker` runs it (the shebang's --max-semi-space-size=64; median of 3)",
      value: round(rss.shebang, 1),
      unit: "MB",
      baseline: round(rss.bare, 1),
      ratio: round(rss.shebang / rss.bare, 2),
      note: "no target: the image and `npm run worker` start workers with the smaller young generation",
    },
  );
  return out;
}
