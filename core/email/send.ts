// Sending: Send queues one `email` job per delivery attempt (its id made of the Message-ID's
// uuid and the attempt number), and the job delivers. Every state is stored before the step
// it names: `queued` before the job is added, `sending` before the transport is called, and
// the outcome with its attempt row after. A double press finds no draft; a job for an attempt
// already made does nothing. Temporary failures are tried again with a doubling delay up to
// PEERBOT_EMAIL_ATTEMPTS; a permanent one fails the e-mail at once with the server's sentence.
//
// At least once, never silently lost: a worker that dies after the server accepted the message
// but before `sent` was stored leaves the e-mail `sending`; the reconciler counts that attempt
// as interrupted and queues the next, which sends it again with the SAME Message-ID (which the
// recipients' systems use to drop the duplicate).
import type { Prisma } from "../db.js";
import { enqueueInTime } from "../enqueue.js";
import { UserError } from "../errors.js";
import { MailError, type MailResult, type OutgoingMail } from "../ports.js";
import type { Actor } from "../roles.js";
import { errorLine, plural } from "../text.js";
import { addressProblem } from "./address.js";
import { notesOf, refreshBatchMessage, refreshEmailMessage } from "./message.js";
import {
  actorKey,
  EMAIL_QUEUE,
  EMAIL_STATUS,
  emailAuditIn,
  LIVE,
  loadEmail,
  notDraft,
  requireEmail,
  serverText,
  type EmailCore,
  type EmailRow,
  type EmailServices,
} from "./model.js";
import { emailJobId } from "./refs.js";
import { noteRequested } from "./tracking.js";

/** The delay before attempt `attempt` of a round (the first is at once). */
export function retryDelay(s: Pick<EmailCore, "config">, attemptInRound: number): number {
  return attemptInRound <= 1 ? 0 : s.config.PEERBOT_EMAIL_RETRY_DELAY * 2 ** (attemptInRound - 2);
}

/**
 * Adds the job of an e-mail's attempt `attempt`. A queue that cannot be reached is logged, not
 * thrown: the e-mail stays queued and the reconciler adds the job when it can.
 */
export async function enqueueAttempt(
  s: EmailCore,
  e: { id: number; messageId: string },
  attempt: number,
  delayMs = 0,
): Promise<boolean> {
  try {
    await enqueueInTime(
      s.jobs,
      EMAIL_QUEUE,
      "email",
      { emailId: e.id, attempt },
      { jobId: emailJobId(e, attempt), ...(delayMs > 0 ? { delayMs } : {}) },
    );
    return true;
  } catch (err) {
    s.log.warn("could not queue an e-mail; the reconciler will queue it again", {
      email: e.id,
      err: errorLine(err),
    });
    return false;
  }
}

/** Every address of a draft, checked again before it is queued (an edit or an old row may be wrong). */
function checkRecipients(e: EmailRow): void {
  if (!e.to.length)
    throw new UserError(`E-mail #${e.id} has nobody in To.`, `Add one: edit ${e.id} to peering@example.net`);
  for (const a of [...e.to, ...e.cc, ...e.bcc]) {
    const p = addressProblem(a);
    if (p)
      throw new UserError(
        `E-mail #${e.id} cannot go to "${a.slice(0, 80)}": ${p}.`,
        `Change it with \`edit ${e.id} to …\`.`,
      );
  }
}

/** After a step of a batch's e-mail: the batch ends `done` when none of its e-mails is left to send. */
export async function afterBatchStep(s: EmailCore, batchId: number | null): Promise<void> {
  if (batchId === null) return;
  const left = await s.db.prisma.email.count({ where: { batchId, status: { in: ["draft", ...LIVE] } } });
  const done =
    left === 0 &&
    (
      await s.db.prisma.emailBatch.updateMany({
        where: { id: batchId, status: "sending" },
        data: { status: "done" },
      })
    ).count > 0;
  await refreshBatchMessage(s, batchId, done || left === 0);
}

async function redraw(s: EmailCore, e: { id: number; batchId: number | null }): Promise<void> {
  await refreshEmailMessage(s, e.id);
  await afterBatchStep(s, e.batchId);
}

/**
 * Send pressed on a single draft: queued, who pressed, the first attempt's job added. A second
 * press (or a second person at once) finds it no longer a draft.
 */
export async function queueEmail(s: EmailCore, id: number, actor: Actor): Promise<EmailRow> {
  const e = await requireEmail(s.db, id);
  if (e.batchId !== null && e.status === "draft")
    throw new UserError(
      `E-mail #${id} is part of batch #${e.batchId}; it is sent with the batch.`,
      "Press Send all on the batch's message.",
    );
  if (e.status !== "draft") throw alreadyOn(e);
  checkRecipients(e);
  const won = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.email.updateMany({
      where: { id, status: "draft" },
      data: {
        status: "queued",
        sentBy: actorKey(actor),
        sentByName: actor.userName,
        queuedAt: s.clock.now(),
        details: { ...notesOf(e), roundStart: e.attempts } as Prisma.InputJsonValue,
      },
    });
    if (n.count === 0) return false;
    await emailAuditIn(tx, actor, id, "send");
    return true;
  });
  if (!won) throw alreadyOn(await requireEmail(s.db, id));
  // Drawn before the job is added, so that "queued" never lands after what the job draws.
  await refreshEmailMessage(s, id);
  await enqueueAttempt(s, e, e.attempts + 1);
  return requireEmail(s.db, id);
}

function alreadyOn(e: EmailRow): UserError {
  return EMAIL_STATUS[e.status].live || e.status === "sent"
    ? new UserError(
        `E-mail #${e.id} is already ${EMAIL_STATUS[e.status].label}; it is sent once.`,
        `\`email ${e.id}\` shows its delivery.`,
      )
    : notDraft(e, "sent");
}

/** Cancel: a draft (or one still waiting in the queue) is never sent. */
export async function cancelEmail(s: EmailCore, id: number, actor: Actor): Promise<EmailRow> {
  const e = await requireEmail(s.db, id);
  if (e.status === "sending")
    throw new UserError(
      `E-mail #${id} is being sent right now; it can no longer be cancelled.`,
      `\`email ${id}\` shows how it went.`,
    );
  if (e.status !== "draft" && e.status !== "queued") throw notDraft(e, "cancelled");
  const won = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.email.updateMany({
      where: { id, status: { in: ["draft", "queued"] } },
      data: { status: "cancelled", error: `cancelled by ${actor.userName}` },
    });
    if (n.count === 0) return false;
    await emailAuditIn(tx, actor, id, "cancel");
    return true;
  });
  if (!won) throw notDraft(await requireEmail(s.db, id), "cancelled");
  await redraw(s, e);
  return requireEmail(s.db, id);
}

export function outgoing(e: EmailRow): OutgoingMail {
  return {
    messageId: e.messageId,
    from: e.fromAddress,
    ...(e.replyTo ? { replyTo: e.replyTo } : {}),
    to: e.to,
    cc: e.cc,
    bcc: e.bcc,
    subject: e.subject,
    text: e.textBody,
    ...(e.htmlBody ? { html: e.htmlBody } : {}),
  };
}

export type DeliverOutcome = "sent" | "retry" | "failed" | "skipped";

/**
 * The job: delivery attempt `attempt` of an e-mail. Does nothing unless the e-mail is queued
 * (or, when the queue retries this very job after a crash, `sending`) and the attempts made so
 * far are `attempt - 1`. Throws only when its bookkeeping fails (the queue then retries it).
 */
export async function deliverEmail(
  s: EmailServices,
  id: number,
  attempt: number,
  opts: { resume?: boolean } = {},
): Promise<DeliverOutcome> {
  const e = await loadEmail(s.db, id);
  if (!e || e.attempts !== attempt - 1) return "skipped";
  const from: EmailRow["status"][] = opts.resume ? ["queued", "sending"] : ["queued"];
  if (!from.includes(e.status)) return "skipped";
  const claimed = await s.db.prisma.email.updateMany({
    where: { id, attempts: attempt - 1, status: { in: from } },
    data: { status: "sending" },
  });
  if (claimed.count === 0) return "skipped";
  await refreshEmailMessage(s, id);

  let result: MailResult;
  try {
    result = await s.mailer.send(outgoing(e));
  } catch (err) {
    return failedAttempt(s, e, attempt, err);
  }
  const now = s.clock.now();
  const response = serverText(s, result.response);
  const notes = {
    ...notesOf(e),
    accepted: result.accepted,
    ...(result.rejected.length ? { rejected: result.rejected } : {}),
  };
  await s.db.prisma.$transaction(async (tx) => {
    await tx.email.update({
      where: { id },
      data: {
        status: "sent",
        attempts: attempt,
        serverResponse: response,
        error: "",
        sentAt: now,
        details: notes as Prisma.InputJsonValue,
      },
    });
    await tx.emailAttempt.create({
      data: {
        emailId: id,
        attempt,
        at: now,
        outcome: "sent",
        response: serverText(
          s,
          `${result.response}${result.rejected.length ? ` (refused: ${result.rejected.join(", ")})` : ""}`,
        ),
      },
    });
    await noteRequested(tx, e, now);
  });
  s.log.info("e-mail sent", { email: id, attempt, to: result.accepted.length });
  await redraw(s, e);
  return "sent";
}

async function failedAttempt(
  s: EmailServices,
  e: EmailRow,
  attempt: number,
  err: unknown,
): Promise<DeliverOutcome> {
  const mail = err instanceof MailError ? err : null;
  // Anything but the transport's own verdict (a bug, a timeout outside it) is worth another try.
  const transient = mail ? mail.transient : true;
  const sentence = serverText(s, mail ? mail.message : `the mail transport failed: ${errorLine(err)}`);
  const inRound = attempt - (notesOf(e).roundStart ?? 0);
  const max = s.config.PEERBOT_EMAIL_ATTEMPTS;
  const retry = transient && inRound < max;
  const error = retry
    ? sentence
    : transient
      ? `gave up after ${plural(inRound, "attempt")}: ${sentence}`
      : sentence;
  await s.db.prisma.$transaction(async (tx) => {
    await tx.email.update({
      where: { id: e.id },
      data: {
        status: retry ? "queued" : "failed",
        attempts: attempt,
        error,
        serverResponse: mail?.code ? String(mail.code) : "",
      },
    });
    await tx.emailAttempt.create({
      data: {
        emailId: e.id,
        attempt,
        at: s.clock.now(),
        outcome: transient ? "temporary" : "permanent",
        response: sentence,
      },
    });
  });
  s.log.warn(retry ? "e-mail delivery failed for now; it is tried again" : "e-mail delivery failed", {
    email: e.id,
    attempt,
    err: sentence,
  });
  if (retry) await enqueueAttempt(s, e, attempt + 1, retryDelay(s, inRound + 1));
  await redraw(s, e);
  return retry ? "retry" : "failed";
}
