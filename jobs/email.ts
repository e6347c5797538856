// The `email` queue: one job per delivery attempt of an e-mail (its id made of the
// Message-ID's uuid and the attempt number). Thin: core/email delivers, records the attempt,
// queues the next one after a temporary failure (with its delay) and redraws the messages.
// The queue's own retries are for bookkeeping that failed (the database went away); the
// reconciler (core/email reconcileEmails) picks up what a dead worker left.
import { deliverEmail, EMAIL_QUEUE, type EmailServices } from "../core/email/index.js";
import { childLogger } from "../core/log.js";
import { metrics } from "../core/metrics.js";
import type { RunnableQueue } from "./queue.js";

export function registerEmailWorker(
  queue: RunnableQueue,
  services: EmailServices,
  retry: { attempts?: number; backoffMs?: number; concurrency?: number } = {},
): void {
  queue.register(
    EMAIL_QUEUE,
    async (job) => {
      const { emailId, attempt } = job.data as { emailId: number; attempt: number };
      // A retry of this very job (after a crash or a database error) may find it `sending`.
      const log = childLogger(job.log ?? services.log, { email: emailId, attempt });
      try {
        const outcome = await deliverEmail({ ...services, log }, emailId, attempt, {
          resume: job.attempt > 1,
        });
        metrics().emails.inc({ outcome });
        return outcome;
      } catch (err) {
        metrics().emails.inc({ outcome: "error" });
        throw err;
      }
    },
    // Several at once: a bulk send shares the SMTP pool (PEERBOT_SMTP_POOL connections).
    {
      attempts: retry.attempts ?? 3,
      backoffMs: retry.backoffMs ?? 5_000,
      concurrency: retry.concurrency ?? Math.max(1, services.config.PEERBOT_SMTP_POOL * 2),
    },
  );
}
