// Recovery: no e-mail waits forever. The reconciler (jobs/reconcile.ts, in every worker
// process) finds e-mails left queued or sending with no live job (a dead worker, a lost Redis,
// an enqueue that failed) and moves them on: a queued one whose job never existed gets it; one
// whose attempt was interrupted has that attempt recorded as such and the next one queued (or,
// with the attempts spent, ends failed). An attempt interrupted after the server accepted the
// message is sent again with the same Message-ID: at least once, never silently lost.
import { errorLine, plural } from "../text.js";
import { notesOf, refreshBatchMessage, refreshEmailMessage } from "./message.js";
import { EMAIL_QUEUE, RECONCILE_GRACE_MS, type EmailCore } from "./model.js";
import { emailJobId } from "./refs.js";
import { enqueueAttempt, retryDelay } from "./send.js";

export interface EmailReconcileReport {
  requeued: number[];
  failed: number[];
  batchesDone: number[];
}

export async function reconcileEmails(s: EmailCore): Promise<EmailReconcileReport> {
  const report: EmailReconcileReport = { requeued: [], failed: [], batchesDone: [] };
  // No lock: every step is a conditional update, and a job id is added once, so several
  // processes reconciling at once do each thing once.
  try {
    const cutoff = new Date(s.clock.now().getTime() - RECONCILE_GRACE_MS).toISOString();
    // On pg directly, as the change reconciler: an idle process does not load Prisma for it.
    const { rows } = await s.db.pool.query<{
      id: number;
      messageId: string;
      status: "queued" | "sending";
      attempts: number;
      details: unknown;
      batchId: number | null;
    }>(
      `select id, "messageId", status::text as status, attempts, details, "batchId" from "Email"
        where status in ('queued', 'sending') and "updatedAt" < ($1::timestamptz at time zone 'UTC') order by id`,
      [cutoff],
    );
    for (const e of rows) {
      const next = e.attempts + 1;
      const state = await s.jobs.jobState(EMAIL_QUEUE, emailJobId(e, next));
      if (state === "waiting" || state === "delayed" || state === "active") continue;
      if (e.status === "queued" && state === "missing") {
        // Never queued (the queue was away), or lost with Redis: queue that attempt now.
        await s.db.prisma.email.updateMany({
          where: { id: e.id, status: "queued", attempts: e.attempts },
          data: { error: "" },
        });
        if (await enqueueAttempt(s, e, next)) report.requeued.push(e.id);
        continue;
      }
      // The attempt's job ended (or vanished) without recording it: a worker died in it.
      const inRound = next - (notesOf(e).roundStart ?? 0);
      const again = inRound < s.config.PEERBOT_EMAIL_ATTEMPTS;
      const why = `attempt ${next} was interrupted (its job is ${state}); if the server had already accepted it, the next attempt delivers it again with the same Message-ID`;
      const moved = await s.db.prisma.$transaction(async (tx) => {
        const n = await tx.email.updateMany({
          where: { id: e.id, status: e.status, attempts: e.attempts },
          data: {
            status: again ? "queued" : "failed",
            attempts: next,
            error: again ? why : `gave up after ${plural(inRound, "attempt")}: ${why}`,
          },
        });
        if (n.count === 0) return false;
        await tx.emailAttempt.create({
          data: { emailId: e.id, attempt: next, at: s.clock.now(), outcome: "temporary", response: why },
        });
        return true;
      });
      if (!moved) continue;
      if (again) {
        await enqueueAttempt(s, e, next + 1, retryDelay(s, inRound + 1));
        report.requeued.push(e.id);
      } else report.failed.push(e.id);
      await refreshEmailMessage(s, e.id).catch(() => {});
    }
    // A batch whose last e-mail ended while its process died.
    const { rows: batches } = await s.db.pool.query<{ id: number }>(
      `update "EmailBatch" b set status = 'done', "updatedAt" = now()
        where b.status = 'sending'
          and not exists (select 1 from "Email" e where e."batchId" = b.id and e.status in ('draft', 'queued', 'sending'))
        returning b.id`,
    );
    for (const b of batches) {
      report.batchesDone.push(b.id);
      await refreshBatchMessage(s, b.id, true).catch(() => {});
    }
    if (report.requeued.length || report.failed.length || report.batchesDone.length)
      s.log.info("reconciled e-mails", { ...report });
  } catch (err) {
    s.log.warn("the e-mail reconciler could not finish; it tries again on its next tick", {
      err: errorLine(err),
    });
  }
  return report;
}
