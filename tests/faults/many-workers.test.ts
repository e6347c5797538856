// Three real `peerbot worker` processes on the shared Redis (a key prefix of this file's own)
// and a database of this file's own deploy sixty changes to twenty routers (tests/helpers/
// workers.ts: file routers whose commits take 300 ms and are logged by the router itself),
// while every fifth deploy gets a second job of its own (as BullMQ makes when it takes back a
// job whose worker stalled while that worker still runs it) and one worker is SIGKILLed
// midway. Every change ends deployed exactly once, with one commit on its router; no two
// commits of one router overlap in time; the deploys the dead worker held are finished by the
// others.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployJobId, DEPLOY_QUEUE } from "../../core/changes.js";
import { sha256 } from "../../core/diff.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  createFleet,
  deviceCommits,
  mostAtOnce,
  overlaps,
  runChains,
  startWorker,
  type Fleet,
  type WorkerProcess,
} from "../helpers/workers.js";

let fleet: Fleet;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  fleet = await createFleet({
    label: import.meta.filename,
    routers: 20,
    latencyMs: 300,
    settings: {
      PEERBOT_DEPLOY_CONCURRENCY: "4",
      // A dead worker's deploys are taken back within seconds, not BullMQ's 30 s.
      PEERBOT_JOB_STALL_AFTER: "5s",
      PEERBOT_RECONCILE_INTERVAL: "2s",
    },
  });
}, 60_000);

afterAll(async () => {
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.exited));
  await fleet?.close();
});

describe("three workers, twenty routers, sixty changes", () => {
  it("deploys each change once, one deploy per router at a time, and none is lost to a SIGKILL", async () => {
    for (let i = 0; i < 3; i++) workers.push(startWorker(fleet));
    await Promise.all(workers.map((w) => w.ready));
    const victim = workers[0]!;

    // SIGKILL the first worker once a third of the deploys are done, in the middle of its own.
    let killedAt = 0;
    let stop = false;
    const watcher = (async () => {
      while (!stop) {
        const done = await fleet.db.prisma.changeRequest.count({
          where: { status: "deployed", router: { name: { endsWith: ".fleet" } } },
        });
        if (done >= 20) {
          victim.child.kill("SIGKILL");
          killedAt = done;
          return;
        }
        await new Promise((ok) => setTimeout(ok, 50));
      }
    })();

    const duplicated: number[] = [];
    const run = await runChains(fleet, 3, {
      timeoutMs: 100_000,
      afterApprove: async (id) => {
        if (id % 5 !== 0) return;
        duplicated.push(id);
        await fleet.producer.enqueue(
          DEPLOY_QUEUE,
          "deploy",
          { changeId: id, attempt: 1 },
          { jobId: `dup-${id}` },
        );
      },
    }).finally(() => (stop = true));
    await watcher;
    expect((await victim.exited).signal).toBe("SIGKILL");
    expect(killedAt).toBeGreaterThanOrEqual(20);
    expect(run.changes).toHaveLength(60);

    // Every change deployed, once.
    const rows = await fleet.db.prisma.changeRequest.findMany({
      where: { id: { in: run.changes } },
      include: { router: true },
      orderBy: { id: "asc" },
    });
    expect(rows.filter((c) => c.status !== "deployed").map((c) => [c.id, c.status, c.reason])).toEqual([]);
    const audits = await fleet.db.prisma.auditEvent.groupBy({
      by: ["args"],
      where: { command: "change.deployed" },
      _count: true,
    });
    expect(audits).toHaveLength(60);
    expect(audits.filter((a) => a._count !== 1)).toEqual([]);

    // The routers' own record: one commit per change, never two of one router at once.
    const commits = deviceCommits(fleet);
    const perChange = new Map<number, number>();
    for (const c of commits) perChange.set(c.change, (perChange.get(c.change) ?? 0) + 1);
    // Never two; none only for a deploy the SIGKILL cut between writing the file and its git
    // commit (the router runs it, and the next worker found it there): at most the dead
    // worker's PEERBOT_DEPLOY_CONCURRENCY.
    expect(run.changes.filter((id) => (perChange.get(id) ?? 0) > 1)).toEqual([]);
    expect(run.changes.filter((id) => perChange.get(id) !== 1).length).toBeLessThanOrEqual(4);
    expect(overlaps(commits)).toEqual([]);
    // And each router ends with its last change's configuration.
    for (const name of fleet.routers) {
      const last = rows.filter((c) => c.router!.name === name).at(-1)!;
      const file = readFileSync(path.join(fleet.dataDir, "routers", name, "bgp.conf"), "utf8");
      expect(sha256(file), name).toBe(last.configSha256);
    }

    // The second jobs waited for the first (or the first for them) and then found nothing to do.
    const deploy = fleet.producer.queue(DEPLOY_QUEUE);
    for (const id of duplicated) {
      const state = async () => (await deploy.getJob(`dup-${id}`))?.getState();
      const end = Date.now() + 10_000;
      while ((await state()) !== "completed" && Date.now() < end)
        await new Promise((ok) => setTimeout(ok, 100));
      expect(await state(), `dup-${id}`).toBe("completed");
    }
    // The worker died with deploys in hand, and the others finished them.
    const stalled = await Promise.all(
      rows.map(async (c) => (await deploy.getJob(deployJobId(c, 1)))?.stalledCounter ?? 0),
    );
    const requeued = rows.filter((c) => c.deployAttempt > 1).length;
    expect(stalled.reduce((a, b) => a + b, 0) + requeued).toBeGreaterThan(0);
    // Side by side: at some moment several routers were committing at once.
    expect(mostAtOnce(commits)).toBeGreaterThanOrEqual(3);
  }, 150_000);
});
