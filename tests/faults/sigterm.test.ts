// Graceful shutdown of real `peerbot worker` processes (tests/helpers/workers.ts: file routers
// whose commits are slow and logged by the router itself), two workers on the shared Redis
// under a key prefix of this file's own. SIGTERM the worker that runs a deploy:
// - within the grace, /readyz answers 503 at once, the deploy finishes there, the worker
//   exits 0, and the change is deployed exactly once (one commit on the router, the router's
//   file is the approved configuration, one deploy job completed, one audit row and one
//   history row), with no lock left;
// - with a deploy longer than the grace, the worker hands the job back and exits 0, and the
//   other worker finishes the change.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approveChange, deployJobId, DEPLOY_QUEUE, effectsOf, getChange } from "../../core/changes.js";
import { addDirectSession } from "../../core/direct.js";
import { sha256 } from "../../core/diff.js";
import { ROUTER_LOCK_CLASS } from "../../jobs/router-lock.js";
import { until } from "../helpers/until.js";
import {
  createFleet,
  deviceCommits,
  startWorker,
  type Fleet,
  type WorkerProcess,
} from "../helpers/workers.js";

const LATENCY_MS = 4_000;
let fleet: Fleet;
const started: WorkerProcess[] = [];
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

beforeAll(async () => {
  fleet = await createFleet({
    label: import.meta.filename,
    routers: 1,
    latencyMs: LATENCY_MS,
    settings: { PEERBOT_RECONCILE_INTERVAL: "2s", PEERBOT_LOG_LEVEL: "info" },
  });
}, 60_000);

afterAll(async () => {
  for (const w of started)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  await Promise.all(started.map((w) => w.exited));
  await fleet?.close();
});

function worker(env: Record<string, string>): WorkerProcess {
  const w = startWorker(fleet, env);
  started.push(w);
  return w;
}

/** The port the worker's operations server listens on, from its start-up line. */
function opsPort(w: WorkerProcess): number {
  const m = /health on port (\d+)/.exec(w.output());
  if (!m) throw new Error(`no health port in: ${w.output()}`);
  return Number(m[1]);
}

/** The worker whose child is the router's slow `git commit` right now, if any. */
function committing(workers: WorkerProcess[]): WorkerProcess | undefined {
  const shim = path.join(fleet.dataDir, "bin", "git");
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let cmd: string;
    let ppid: number;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      ppid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
    } catch {
      continue;
    }
    if (!cmd.includes(shim) || !cmd.includes("commit")) continue;
    const w = workers.find((x) => x.child.pid === ppid);
    if (w) return w;
  }
  return undefined;
}

let asn = 4_200_100_000;
/** A direct session on the fleet's router, planned by alice and approved by bob. */
async function approvedChange(): Promise<number> {
  const res = await addDirectSession(fleet.services, {
    asn: ++asn,
    routerName: fleet.routers[0]!,
    remote: `10.9.${asn % 250}.1`,
    relationship: "customer",
    actor: alice,
  });
  const id = res.changes[0]!.id;
  await approveChange(fleet.services, id, bob);
  return id;
}

async function settled(id: number) {
  return until(
    () => getChange(fleet.db, id),
    (c) => !["queued", "deploying"].includes(c!.status),
    { ms: 60_000, every: 100 },
  );
}

async function noLockLeft(): Promise<void> {
  expect(
    await fleet.db.prisma.changeRequest.count({
      where: { status: { in: ["queued", "deploying", "planning"] } },
    }),
  ).toBe(0);
  const { rows } = await fleet.db.pool.query(
    `select l.objid, l.objsubid, a.pid, a.state, a.query, a.backend_start from pg_locks l
       left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.classid = $1 and l.objsubid = 2 and l.granted`,
    [ROUTER_LOCK_CLASS],
  );
  expect(rows, JSON.stringify(rows)).toEqual([]);
}

function routerFile(): string {
  return readFileSync(path.join(fleet.dataDir, "routers", fleet.routers[0]!, "bgp.conf"), "utf8");
}

describe("SIGTERM to a worker in the middle of a deploy", () => {
  it("finishes the deploy within the grace, answers 503 meanwhile, exits 0: deployed exactly once", async () => {
    const pair = [worker({ PEERBOT_SHUTDOWN_GRACE: "30s" }), worker({ PEERBOT_SHUTDOWN_GRACE: "30s" })];
    await Promise.all(pair.map((w) => w.ready));
    for (const w of pair)
      expect((await fetch(`http://127.0.0.1:${opsPort(w)}/readyz`)).status, w.output()).toBe(200);

    const id = await approvedChange();
    const runner = await until(
      async () => committing(pair),
      (w) => w !== undefined,
      { ms: 30_000, every: 20 },
    );
    expect(runner, "a worker committing the change").toBeDefined();
    const other = pair.find((w) => w !== runner)!;
    const port = opsPort(runner!);
    runner!.child.kill("SIGTERM");
    // Not ready from the first moment, while the deploy still runs there.
    const during = await until(
      () =>
        fetch(`http://127.0.0.1:${port}/readyz`).then(async (r) => ({
          status: r.status,
          body: await r.json(),
        })),
      (r) => r.status === 503,
      { ms: 2_000, every: 20 },
    );
    expect(during.status).toBe(503);
    expect((during.body as { notReady: string[] }).notReady).toContain("shutdown");
    expect((await getChange(fleet.db, id))!.status).toBe("deploying");

    const exit = await runner!.exited;
    expect(exit, runner!.output()).toEqual({ code: 0, signal: null });
    expect(runner!.output()).toContain("shut down");

    const done = (await settled(id))!;
    expect(done.status, done.reason).toBe("deployed");
    expect(sha256(routerFile())).toBe(done.configSha256);
    expect(deviceCommits(fleet).filter((c) => c.change === id)).toHaveLength(1);
    expect(await jobState(deployJobId(done, done.deployAttempt))).toBe("completed");
    expect(done.deployAttempt).toBe(1);
    expect(
      await fleet.db.prisma.auditEvent.count({ where: { command: "change.deployed", args: `#${id}` } }),
    ).toBe(1);
    expect(await historyOfDeploy(id)).toBe(1);
    await noLockLeft();
    // The other worker was never disturbed.
    expect(other.child.exitCode).toBeNull();
    other.child.kill("SIGTERM");
    expect(await other.exited).toEqual({ code: 0, signal: null });
  }, 120_000);

  it("hands a deploy longer than the grace back: the other worker finishes it", async () => {
    const pair = [worker({ PEERBOT_SHUTDOWN_GRACE: "1s" }), worker({ PEERBOT_SHUTDOWN_GRACE: "1s" })];
    await Promise.all(pair.map((w) => w.ready));
    const id = await approvedChange();
    const runner = await until(
      async () => committing(pair),
      (w) => w !== undefined,
      { ms: 30_000, every: 20 },
    );
    expect(runner, "a worker committing the change").toBeDefined();
    const other = pair.find((w) => w !== runner)!;
    const t0 = Date.now();
    runner!.child.kill("SIGTERM");
    const exit = await runner!.exited;
    expect(exit, runner!.output()).toEqual({ code: 0, signal: null });
    // It left after the grace, not after the deploy.
    expect(Date.now() - t0).toBeLessThan(LATENCY_MS);
    expect(runner!.output()).toContain("goes back to the queue");

    const done = (await settled(id))!;
    expect(done.status, `${done.reason} | ${done.steps.join(" | ")}`).toBe("deployed");
    expect(sha256(routerFile())).toBe(done.configSha256);
    expect(await jobState(deployJobId(done, done.deployAttempt))).toBe("completed");
    expect(
      await fleet.db.prisma.auditEvent.count({ where: { command: "change.deployed", args: `#${id}` } }),
    ).toBe(1);
    expect(await historyOfDeploy(id)).toBe(1);
    await noLockLeft();
    expect(other.child.exitCode).toBeNull();
    other.child.kill("SIGTERM");
    expect(await other.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});

/** The deploy job's state, once it has left `active` (it completes a moment after the change). */
async function jobState(jobId: string): Promise<string | undefined> {
  return until(
    async () => (await fleet.producer.queue(DEPLOY_QUEUE).getJob(jobId))?.getState(),
    (s) => s !== "active",
    { ms: 10_000, every: 50 },
  );
}

/** History rows that record the change's session becoming enabled. */
async function historyOfDeploy(id: number): Promise<number> {
  const ids = effectsOf((await getChange(fleet.db, id))!).map((e) => String(e.id));
  expect(ids).toHaveLength(1);
  const { rows } = await fleet.db.pool.query<{ n: string }>(
    `select count(*) as n from "ObjectChange"
      where "objectType" ilike '%session%' and "objectId" = $1 and "after"->>'status' = 'enabled'`,
    [ids[0]],
  );
  return Number(rows[0]!.n);
}
