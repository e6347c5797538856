// The `deploy` queue: one job per approved change (the job id is the change id). Thin: it
// calls core/changes, which reports each step in the change's message.
import { UnrecoverableError } from "bullmq";
import { deployChange, DEPLOY_QUEUE, type ChangeServices } from "../core/changes.js";
import { DriverError } from "../core/ports.js";
import type { RunnableQueue } from "./queue.js";

export function registerDeployWorker(queue: RunnableQueue, services: ChangeServices): void {
  queue.register(
    DEPLOY_QUEUE,
    async (job) => {
      const { changeId } = job.data as { changeId: number };
      try {
        return await deployChange(services, changeId);
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
