// The `deploy` queue: one job per approved change (the job id is the change id). Thin: it
// calls core/changes, which reports each step in the change's message.
import { UnrecoverableError } from "bullmq";
import { deployChange, DEPLOY_QUEUE, getChange, type ChangeServices } from "../core/changes.js";
import { DriverError } from "../core/ports.js";
import { requestPoll } from "./poll-sessions.js";
import type { RunnableQueue } from "./queue.js";

export function registerDeployWorker(queue: RunnableQueue, services: ChangeServices): void {
  queue.register(
    DEPLOY_QUEUE,
    async (job) => {
      const { changeId } = job.data as { changeId: number };
      try {
        const outcome = await deployChange(services, changeId);
        if (outcome === "deployed") {
          // Poll the router soon, so that the change's message shows the sessions come up.
          const c = await getChange(services.db, changeId);
          if (c?.router.pollSessionState)
            await requestPoll(services.jobs, c.routerId, 15_000).catch(() => {});
        }
        return outcome;
      } catch (err) {
        // Only a router that could not be reached is worth another try.
        if (err instanceof DriverError && err.transient) throw err;
        throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
      }
    },
    // One deploy at a time (per worker process); routers are also locked in the database.
    { attempts: 5, backoffMs: 5_000, concurrency: 1 },
  );
}
