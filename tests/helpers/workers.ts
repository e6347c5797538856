// Many `peerbot worker` processes deploying to many routers, for the fault test and the bench.
//
// The routers are `file` routers, each in a folder that is a git repository of its own, so
// the file driver commits every deploy there. Their "device latency" is that repository's:
// the workers run with a `git` first on their PATH that sleeps before each commit and logs
// when the commit started and ended, with its folder and its message (which names the change)
// to a log of its own. That log is the device's record: two commits of one router that
// overlap in time are two deploys of one router at once.
//
// The test process plans and approves the changes (through core, as a command would), with
// its own BullMQ producer on a key prefix of its own; the workers take the jobs from Redis.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { approveChange } from "../../core/changes.js";
import { newSecretKey, SecretBox } from "../../core/crypto.js";
import { addDirectSession } from "../../core/direct.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { seedDemoDb } from "./demo.js";
import { dbUrl } from "./pg.js";
import { testServices, type TestServices } from "./services.js";

export const REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
const BIN = path.resolve(import.meta.dirname, "../../bin/peerbot.js");
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

export interface Fleet {
  db: TestDatabase;
  services: TestServices;
  producer: BullJobQueue;
  dataDir: string;
  prefix: string;
  routers: string[];
  deviceLog: string;
  /** The environment every worker process gets. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export interface FleetOptions {
  label: string;
  routers: number;
  /** Each commit on a router takes this long. */
  latencyMs: number;
  /** Settings for the workers (PEERBOT_*). */
  settings?: Record<string, string>;
}

function slowGit(dir: string, realGit: string, latencyMs: number, log: string): void {
  const script = `#!/bin/sh
# A router's git repository that takes ${latencyMs} ms to commit, logging each commit.
dir=""; msg=""; prev=""; commit=""
for a in "$@"; do
  case "$prev" in -C) dir="$a" ;; -m) msg="$a" ;; esac
  [ "$a" = commit ] && commit=1
  prev="$a"
done
if [ -z "$commit" ]; then exec ${realGit} "$@"; fi
start=$(date +%s%3N)
sleep ${(latencyMs / 1000).toFixed(3)}
${realGit} "$@"; rc=$?
printf 'commit %s %s %s %s\\n' "$start" "$(date +%s%3N)" "$(basename "$dir")" "$msg" >> ${log}
exit $rc
`;
  writeFileSync(path.join(dir, "git"), script);
  chmodSync(path.join(dir, "git"), 0o755);
}

export async function createFleet(opts: FleetOptions): Promise<Fleet> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-fleet-"));
  const shim = path.join(dataDir, "bin");
  mkdirSync(shim);
  const deviceLog = path.join(dataDir, "device.log");
  writeFileSync(deviceLog, "");
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  slowGit(shim, realGit, opts.latencyMs, deviceLog);

  const db = await createTestDatabase(opts.label, { poolSize: 8 });
  const key = newSecretKey();
  const services = testServices(db, { PEERBOT_LOG_LEVEL: "warn" }, dataDir);
  services.secrets = SecretBox.fromString(key);
  services.drivers = createDriverFactory({ secrets: services.secrets, dataDir });
  await seedDemoDb(db, dataDir);
  const prefix = `peerbot-test-${randomBytes(4).toString("hex")}`;
  const producer = new BullJobQueue(REDIS, prefix, services.log);
  services.jobs = producer;
  // Registered for its job options (attempts, backoff) only: this process never starts it.
  registerDeployWorker(producer, services);

  const us = await db.prisma.autonomousSystem.findFirstOrThrow({ where: { affiliated: true } });
  const routers: string[] = [];
  for (let i = 1; i <= opts.routers; i++) {
    const name = `edge${String(i).padStart(2, "0")}.fleet`;
    const folder = path.join(dataDir, "routers", name);
    mkdirSync(folder, { recursive: true });
    execFileSync(realGit, ["init", "-q", folder]);
    await db.prisma.router.create({
      data: {
        name,
        hostname: name,
        platform: "file",
        template: "bird2",
        localAsId: us.id,
        configPath: path.join("routers", name, "bgp.conf"),
      },
    });
    routers.push(name);
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${shim}:${process.env.PATH ?? ""}`,
    PEERBOT_NO_ENV_FILE: "true",
    DATABASE_URL: dbUrl(db.name),
    DATABASE_POOL_SIZE: "6",
    REDIS_URL: REDIS,
    PEERBOT_QUEUE_PREFIX: prefix,
    PEERBOT_DATA_DIR: dataDir,
    PEERBOT_SECRET_KEY: key,
    PEERBOT_LOG_LEVEL: "warn",
    // No other work in the workers: these routers are not polled, PeeringDB is far away.
    PEERINGDB_SYNC_INTERVAL: "24h",
    PEERBOT_HTTP_PORT: "0",
    ...opts.settings,
  };
  return {
    db,
    services,
    producer,
    dataDir,
    prefix,
    routers,
    deviceLog,
    env,
    async close() {
      for (const q of ["deploy", "poll-sessions", "peeringdb-sync", "email"])
        await producer
          .queue(q)
          .obliterate({ force: true })
          .catch(() => {});
      await producer.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The young generation of a worker process, in MiB, as bin/container-entry.sh gives it. */
export const WORKER_SEMI_SPACE_MB = 4;

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker says it waits for jobs. */
  ready: Promise<void>;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startWorker(
  fleet: Pick<Fleet, "env">,
  extraEnv: Record<string, string> = {},
  semiSpaceMb = WORKER_SEMI_SPACE_MB,
): WorkerProcess {
  // As the image and `npm run worker` run it (bin/container-entry.sh).
  const child = spawn(process.execPath, [`--max-semi-space-size=${semiSpaceMb}`, BIN, "worker"], {
    env: { ...fleet.env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      if (out.includes("waiting for jobs")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(({ code, signal }) =>
      reject(new Error(`the worker exited (${code ?? signal}) before it was ready: ${out}`)),
    );
  });
  ready.catch(() => {});
  return { child, ready, output: () => out, exited };
}

export interface Commit {
  router: string;
  change: number;
  start: number;
  end: number;
}

/** The routers' own record of every commit, in the order they ended. */
export function deviceCommits(fleet: Pick<Fleet, "deviceLog">): Commit[] {
  if (!existsSync(fleet.deviceLog)) return [];
  return readFileSync(fleet.deviceLog, "utf8")
    .split("\n")
    .filter((l) => l.startsWith("commit "))
    .map((l) => {
      const [, start, end, router, ...msg] = l.split(" ");
      const m = /#(\d+)/.exec(msg.join(" "));
      return { router: router!, change: m ? Number(m[1]) : 0, start: Number(start), end: Number(end) };
    });
}

/** Pairs of commits on one router that overlap in time. */
export function overlaps(commits: Commit[]): [Commit, Commit][] {
  const out: [Commit, Commit][] = [];
  const byRouter = new Map<string, Commit[]>();
  for (const c of commits) byRouter.set(c.router, [...(byRouter.get(c.router) ?? []), c]);
  for (const list of byRouter.values()) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 1; i < list.length; i++)
      if (list[i]!.start < list[i - 1]!.end) out.push([list[i - 1]!, list[i]!]);
  }
  return out;
}

/** The most commits (of any routers) in progress at one moment. */
export function mostAtOnce(commits: Commit[]): number {
  const edges = commits.flatMap((c) => [
    [c.start, 1],
    [c.end, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d!));
  return most;
}

export interface ChainsResult {
  changes: number[];
  ms: number;
}

/**
 * `perRouter` changes on every router, one after another on each router and side by side
 * across routers: a direct session planned by alice and approved by bob, the next one as soon
 * as the router's previous change has ended (a router takes no new change while one is
 * queued or deploying). `afterApprove` runs after each approval (to add load or faults).
 */
export async function runChains(
  fleet: Fleet,
  perRouter: number,
  opts: { timeoutMs?: number; afterApprove?: (changeId: number) => Promise<void> } = {},
): Promise<ChainsResult> {
  const t0 = performance.now();
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  const changes: number[] = [];
  // Planning is this process's work, a few at a time (as a few people would type): twenty
  // at once only wait for the pool.
  let planning = 0;
  const turn: (() => void)[] = [];
  const plan = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (planning >= 3) await new Promise<void>((ok) => turn.push(ok));
    else planning++;
    try {
      // On a machine this busy a planning transaction can outlive Prisma's 5 s: try again,
      // as the person would (nothing of a timed-out transaction stays).
      for (let i = 1; ; i++) {
        try {
          return await fn();
        } catch (err) {
          if (i >= 3 || !/transaction/i.test(String((err as Error).message))) throw err;
        }
      }
    } finally {
      const next = turn.shift();
      if (next) next();
      else planning--;
    }
  };
  await Promise.all(
    fleet.routers.map(async (routerName, r) => {
      for (let k = 0; k < perRouter; k++) {
        const id = await plan(async () => {
          const res = await addDirectSession(fleet.services, {
            asn: 4_200_000_000 + r * 100 + k,
            routerName,
            remote: `10.${r + 1}.${k}.1`,
            relationship: "customer",
            actor: alice,
          });
          const change = res.changes[0]!.id;
          await approveChange(fleet.services, change, bob);
          return change;
        });
        changes.push(id);
        await opts.afterApprove?.(id);
        for (;;) {
          const c = await fleet.db.prisma.changeRequest.findUniqueOrThrow({
            where: { id },
            select: { status: true, phase: true, steps: true, deployAttempt: true, uid: true },
          });
          if (!["queued", "deploying"].includes(c.status)) break;
          if (Date.now() > deadline) {
            const job = await fleet.producer.queue("deploy").getJob(`deploy-${c.uid}-${c.deployAttempt}`);
            throw new Error(
              `change #${id} is still ${c.status} (phase ${c.phase}, try ${c.deployAttempt}, job ${await job?.getState()}): ${c.steps.join(" | ")}`,
            );
          }
          await new Promise((ok) => setTimeout(ok, 50));
        }
      }
    }),
  );
  return { changes: changes.sort((a, b) => a - b), ms: performance.now() - t0 };
}
