// The `deploy` queue: one job per deploy attempt of an approved change (its id is made of the
// change's uid and the attempt number). Thin: it calls core/changes, which reports each step
// in the change's message. What the job's own retries cannot finish, core ends on the last
// attempt, and the reconciler (core/changes reconcileChanges) picks up what a lost job left.
import {
  deployChange,
  DEPLOY_QUEUE,
  errorLine,
  getChange,
  giveUpDeploy,
  type ChangeServices,
} from "../core/changes.js";
import { childLogger } from "../core/log.js";
import { metrics } from "../core/metrics.js";
import { DriverError } from "../core/ports.js";
import { requestPoll } from "./poll-sessions.js";
import { JobUnrecoverable, type RunnableQueue } from "./queue.js";
import { routerLocks } from "./router-lock.js";

/** How long a deploy of a router that another deploy holds waits before it looks again. */
export const LOCKED_ROUTER_DELAY_MS = 1_000;

export function registerDeployWorker(
  queue: RunnableQueue,
  services: ChangeServices,
  retry: { attempts?: number; backoffMs?: number } = {},
): void {
  const locks = routerLocks(services.db, services.log);
  queue.register(
    DEPLOY_QUEUE,
    async (job) => {
      const { changeId, attempt } = job.data as { changeId: number; attempt?: number };
      // A router that could not be reached, or a database that went away, is worth another
      // try; on the last one the change is ended from what the router has, so that its router
      // is not left locked (if the database is still away, the reconciler does it).
      const fail = async (err: unknown): Promise<never> => {
        const transient = err instanceof DriverError && err.transient;
        const again = transient && job.attempt < job.attempts;
        metrics().deploys.inc({ outcome: again ? "retry" : "error" });
        if (again) throw err;
        await giveUpDeploy(
          services,
          changeId,
          transient ? `gave up after ${job.attempts} tries: ${errorLine(err)}` : errorLine(err),
        ).catch((e: unknown) =>
          services.log.warn("could not end a deploy", { change: changeId, err: errorLine(e) }),
        );
        throw new JobUnrecoverable(err instanceof Error ? err.message : String(err));
      };
      // One deploy per router across every process: a job whose router another deploy holds
      // waits its turn (delayed, its attempts untouched); it never fails for the lock.
      let row: { routerId: number | null; connectionId: number | null } | null;
      try {
        row = await getChange(services.db, changeId);
      } catch (err) {
        return fail(err);
      }
      if (!row) return "skipped";
      // An IX-API change has no router: it holds its connection instead, under the negated id
      // (the same lock class; router ids are positive).
      const lockKey = row.routerId ?? -(row.connectionId ?? 0);
      const lock = await locks.tryLock(lockKey).catch((err: unknown) => {
        services.log.warn("could not take a router lock; the deploy waits", {
          change: changeId,
          err: errorLine(err),
        });
        return null;
      });
      if (!lock) throw await job.delay(LOCKED_ROUTER_DELAY_MS + Math.floor(Math.random() * 250));
      try {
        // Every line the deploy logs carries the change id (and the job's queue and id).
        const log = childLogger(job.log ?? services.log, { change: changeId });
        const outcome = await deployChange({ ...services, log }, changeId, attempt);
        metrics().deploys.inc({ outcome });
        if (outcome === "deployed") {
          // Poll the router soon, so that the change's message shows the sessions come up.
          const c = await getChange(services.db, changeId);
          if (c?.router?.pollSessionState)
            await requestPoll(services.jobs, c.router.id, 15_000).catch(() => {});
        }
        return outcome;
      } catch (err) {
        return await fail(err);
      } finally {
        await lock.release();
      }
    },
    // PEERBOT_DEPLOY_CONCURRENCY deploys at once per process, each to a router of its own.
    {
      attempts: retry.attempts ?? 5,
      backoffMs: retry.backoffMs ?? 5_000,
      concurrency: services.config.PEERBOT_DEPLOY_CONCURRENCY,
      inProcessConcurrency: services.config.PEERBOT_DEPLOY_CONCURRENCY,
      stallAfterMs: services.config.PEERBOT_JOB_STALL_AFTER,
    },
  );
}
