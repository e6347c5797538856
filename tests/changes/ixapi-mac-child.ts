// A peerbot process for tests/changes/ixapi-mac.test.ts: approves IX-API change argv[2] as bob
// and runs its deploy in-process through the real IX-API client, and SIGKILLs itself at the
// point named by PEERBOT_KILL_AT, exactly as a crash would stop it there:
//   approve:enqueue   after the approval committed `queued`, before the job exists
//   before:<op>[#n]   before the n-th call of a client operation (createMac,
//   after:<op>[#n]    patchNetworkServiceConfig, getNetworkServiceConfig, listMacs), or right
//                     after it returned
// Any other value (e.g. "wait") kills nothing: the parent kills it from outside. Reads
// DATABASE_URL and PEERBOT_SECRET_KEY, and the endpoint's key and secret from the variables its
// row names; prints "survived <status>" when the kill point was never reached.
import { approveChange, getChange } from "../../core/changes.js";
import { loadConfig } from "../../core/config.js";
import { SecretBox } from "../../core/crypto.js";
import { openDatabase } from "../../core/db.js";
import type { IxApiClient, IxApiClientFactory } from "../../core/ixapi/port.js";
import { createLogger } from "../../core/log.js";
import { systemClock, type DriverFactory, type JobQueue } from "../../core/ports.js";
import { createIxApiClientFactory } from "../../drivers/ixapi/index.js";
import { registerDeployWorker } from "../../jobs/deploy.js";
import { InProcessQueue } from "../../jobs/queue.js";

const killAt = process.env.PEERBOT_KILL_AT ?? "";
const calls = new Map<string, number>();
const OPS = new Set(["createMac", "patchNetworkServiceConfig", "getNetworkServiceConfig", "listMacs"]);

function maybeDie(point: string): void {
  const n = (calls.get(point) ?? 0) + 1;
  calls.set(point, n);
  if (killAt === point || killAt === `${point}#${n}`) process.kill(process.pid, "SIGKILL");
}

function killable(c: IxApiClient): IxApiClient {
  return new Proxy(c, {
    get(t, k) {
      const v: unknown = Reflect.get(t, k, t);
      if (typeof v !== "function") return v;
      const fn = (v as (...a: unknown[]) => Promise<unknown>).bind(t);
      if (typeof k !== "string" || !OPS.has(k)) return fn;
      return async (...a: unknown[]) => {
        maybeDie(`before:${k}`);
        const r = await fn(...a);
        maybeDie(`after:${k}`);
        return r;
      };
    },
  });
}

async function main(): Promise<void> {
  const id = Number(process.argv[2]);
  const config = loadConfig({ PEERBOT_NO_ENV_FILE: "true", PEERBOT_LOG_LEVEL: "debug" });
  const log = createLogger("debug");
  const db = openDatabase(process.env.DATABASE_URL!, { poolSize: 2 });
  const secrets = SecretBox.fromString(process.env.PEERBOT_SECRET_KEY!);
  const real = createIxApiClientFactory({ db, secrets, timeoutMs: 10_000, logger: log });
  const ixapi: IxApiClientFactory = async (endpointId) => killable(await real(endpointId));
  const drivers: DriverFactory = () => {
    throw new Error("an IX-API change has no router");
  };
  const queue = new InProcessQueue(log);
  const jobs: JobQueue = {
    enqueue: async (...a) => {
      maybeDie("approve:enqueue");
      return queue.enqueue(...a);
    },
    jobState: (q, j) => queue.jobState(q, j),
  };
  const services = { db, config, clock: systemClock, jobs, secrets, log, drivers, ixapi };
  registerDeployWorker(queue, services, { backoffMs: 10 });
  await approveChange(services, id, { platform: "console", userId: "bob", userName: "bob" });
  await queue.drain();
  process.stdout.write(`survived ${(await getChange(db, id))?.status}\n`);
  await db.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`ixapi-mac-child failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
