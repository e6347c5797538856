// A peerbot process for the tests that kill one: approves change argv[2] as bob and runs its
// deploy in-process with the real file driver, and SIGKILLs itself at the point named by
// PEERBOT_KILL_AT, exactly as a crash would stop it there:
//   approve:enqueue        after the approval committed `queued`, before the job exists
//   before:<op>[#n]        before the n-th call of a router operation (getConfig, loadCandidate,
//   after:<op>[#n]         commit, confirm, rollback, close), or right after it returned
// Reads DATABASE_URL, PEERBOT_SECRET_KEY and PEERBOT_DATA_DIR; prints "survived <status>" when
// the kill point was never reached.
import { approveChange, getChange } from "../../core/changes.js";
import { loadConfig } from "../../core/config.js";
import { SecretBox } from "../../core/crypto.js";
import { openDatabase } from "../../core/db.js";
import { createLogger } from "../../core/log.js";
import { systemClock, type DriverFactory, type JobQueue, type RouterDriver } from "../../core/ports.js";
import { createDriverFactory } from "../../drivers/router/factory.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { InProcessQueue } from "../../jobs/queue.js";

const killAt = process.env.PEERBOT_KILL_AT ?? "";
const calls = new Map<string, number>();

function maybeDie(point: string): void {
  const n = (calls.get(point) ?? 0) + 1;
  calls.set(point, n);
  if (killAt === point || killAt === `${point}#${n}`) process.kill(process.pid, "SIGKILL");
}

function killable(d: RouterDriver): RouterDriver {
  const wrap =
    <A extends unknown[], R>(op: string, fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      maybeDie(`before:${op}`);
      const r = await fn(...a);
      maybeDie(`after:${op}`);
      return r;
    };
  return {
    getConfig: wrap("getConfig", () => d.getConfig()),
    loadCandidate: wrap("loadCandidate", (c: string) => d.loadCandidate(c)),
    commit: wrap("commit", (s: number) => d.commit(s)),
    confirm: wrap("confirm", () => d.confirm()),
    rollback: wrap("rollback", () => d.rollback()),
    getBgpNeighbors: () => d.getBgpNeighbors(),
    close: wrap("close", () => d.close()),
  };
}

async function main(): Promise<void> {
  const id = Number(process.argv[2]);
  const config = loadConfig({ PEERBOT_NO_ENV_FILE: "true", PEERBOT_LOG_LEVEL: "warn" });
  const log = createLogger("warn");
  const db = openDatabase(process.env.DATABASE_URL!, { poolSize: 2 });
  const secrets = SecretBox.fromString(process.env.PEERBOT_SECRET_KEY!);
  const real = createDriverFactory({ secrets, dataDir: process.env.PEERBOT_DATA_DIR! });
  const drivers: DriverFactory = (router, opts) => killable(real(router, opts));
  const queue = new InProcessQueue(log);
  const jobs: JobQueue = {
    enqueue: async (...a) => {
      maybeDie("approve:enqueue");
      return queue.enqueue(...a);
    },
    jobState: (q, j) => queue.jobState(q, j),
  };
  const services = { db, config, clock: systemClock, jobs, secrets, log, drivers };
  registerDeployWorker(queue, services);
  await approveChange(services, id, { platform: "console", userId: "bob", userName: "bob" });
  await queue.drain();
  process.stdout.write(`survived ${(await getChange(db, id))?.status}\n`);
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`kill-child failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
