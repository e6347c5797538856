// The `deploy` queue: one job per deploy attempt of an approved change (its id is made of the
// change's uid and the attempt number). Thin: it calls core/changes, which reports each step
// in the change's message. What the job's own retries cannot finish, core ends on the last
// attempt, and the reconciler (core/changes reconcileChanges) picks up what a lost job left.
import { UnrecoverableError } from "bullmq";
import {
  deployChange,
  DEPLOY_QUEUE,
  errorLine,
  getChange,
  giveUpDeploy,
  type ChangeServices,
} from "../core/changes.js";
import { DriverError } from "../core/ports.js";
import { requestPoll } from "./poll-sessions.js";
import type { RunnableQueue } from "./queue.js";

export function registerDeployWorker(
  queue: RunnableQueue,
  services: ChangeServices,
  retry: { attempts?: number; backoffMs?: number } = {},
): void {
  queue.register(
    DEPLOY_QUEUE,
    async (job) => {
      const { changeId, attempt } = job.data as { changeId: number; attempt?: number };
      try {
        const outcome = await deployChange(services, changeId, attempt);
        if (outcome === "deployed") {
          // Poll the router soon, so that the change's message shows the sessions come up.
          const c = await getChange(services.db, changeId);
          if (c?.router.pollSessionState)
            await requestPoll(services.jobs, c.routerId, 15_000).catch(() => {});
        }
        return outcome;
      } catch (err) {
        // A router that could not be reached, or a database that went away, is worth another
        // try; on the last one the change is ended from what the router has, so that its
        // router is not left locked (if the database is still away, the reconciler does it).
        const retry = err instanceof DriverError && err.transient;
        if (retry && job.attempt < job.attempts) throw err;
        await giveUpDeploy(
          services,
          changeId,
          retry ? `gave up after ${job.attempts} tries: ${errorLine(err)}` : errorLine(err),
        ).catch((e: unknown) =>
          services.log.warn("could not end a deploy", { change: changeId, err: errorLine(e) }),
        );
        throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
      }
    },
    // One deploy at a time (per worker process); routers are also locked in the database.
    { attempts: retry.attempts ?? 5, backoffMs: retry.backoffMs ?? 5_000, concurrency: 1 },
  );
}
