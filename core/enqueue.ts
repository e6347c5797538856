// Adding a job with a time limit: a queue that does not answer (Redis away) must not hold up
// the command or button that queued it. Callers log the failure and leave the row as queued,
// for the reconciler to queue again.
import type { JobQueue } from "./ports.js";

/** How long an enqueue may take before the caller is answered and the reconciler takes over. */
export const ENQUEUE_TIMEOUT_MS = 5_000;

/** `jobs.enqueue(...)`, rejected when the queue has not answered within ENQUEUE_TIMEOUT_MS. */
export async function enqueueInTime(jobs: JobQueue, ...args: Parameters<JobQueue["enqueue"]>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      jobs.enqueue(...args),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("the job queue did not answer in time")),
          ENQUEUE_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
