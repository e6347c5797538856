// Batches: many e-mails made and sent together (`request all at <IXP>`, `notify maintenance`).
// Drafted in one transaction, shown as one summary, sent by one press of Send all; above
// PEERBOT_EMAIL_BULK_THRESHOLD e-mails that press needs a second person with the approver role
// (not the one who drafted it), as changes' four-eyes. Failed ones can be tried again.
import type { Prisma } from "../db.js";
import { PermissionError, UserError } from "../errors.js";
import { hasRole, type Actor, type Role } from "../roles.js";
import { plural } from "../text.js";
import type { Composed } from "./compose.js";
import { draftData } from "./draft.js";
import { notesOf, refreshBatchMessage, type BatchDetails } from "./message.js";
import { actorKey, emailAuditIn, type BatchRow, type EmailCore, type EmailKind } from "./model.js";
import { batchObject } from "./refs.js";
import { enqueueAttempt } from "./send.js";
import { auditRow } from "../audit.js";

export interface BatchInput {
  kind: EmailKind;
  /** What it covers, in words: "LINX LON1", "router edge1.lon". */
  scope: string;
  localAsId?: number;
  composed: Composed[];
  details: BatchDetails;
  actor: Actor;
}

/** Drafts a batch and all its e-mails in one transaction. */
export async function draftBatch(s: EmailCore, input: BatchInput): Promise<BatchRow> {
  const needsApproval = input.composed.length > s.config.PEERBOT_EMAIL_BULK_THRESHOLD;
  return s.db.prisma.$transaction(
    async (tx) => {
      const b = await tx.emailBatch.create({
        data: {
          kind: input.kind,
          scope: input.scope,
          localAsId: input.localAsId ?? input.composed[0]?.localAs.id ?? null,
          details: input.details as Prisma.InputJsonValue,
          needsApproval,
          createdBy: actorKey(input.actor),
          createdByName: input.actor.userName,
        },
      });
      await tx.email.createMany({
        data: input.composed.map((c) => draftData(c, input.actor, { batchId: b.id })),
      });
      return b;
    },
    { timeout: 60_000 },
  );
}

export async function requireBatch(s: Pick<EmailCore, "db">, id: number): Promise<BatchRow> {
  const b = await s.db.prisma.emailBatch.findUnique({ where: { id } });
  if (!b) throw new UserError(`There is no batch #${id}.`, "`emails` lists the journal.");
  return b;
}

const BATCH_LABEL: Record<BatchRow["status"], string> = {
  draft: "a draft",
  sending: "being sent",
  done: "sent already",
  cancelled: "cancelled",
};

/** A batch's audit row ("email-batch.<what>"), written in the transaction that makes the step. */
async function batchAuditIn(tx: Prisma.TransactionClient, actor: Actor, id: number, what: string) {
  await tx.auditEvent.create({
    data: auditRow({
      actor,
      channel: "",
      command: `email-batch.${what}`,
      args: `#${id}`,
      outcome: "ok",
      objects: [batchObject(id)],
    }),
  });
}

/**
 * Send all: every draft of the batch is queued and its job added. Above the threshold only an
 * approver who did not draft it may press it.
 */
export async function sendBatch(
  s: EmailCore,
  id: number,
  actor: Actor,
  role: Role | "none",
): Promise<{ batch: BatchRow; queued: number }> {
  const b = await requireBatch(s, id);
  if (b.status !== "draft")
    throw new UserError(
      `Batch #${id} is ${BATCH_LABEL[b.status]}; it is sent once.`,
      "`emails` shows how its e-mails went.",
    );
  const me = actorKey(actor);
  if (b.needsApproval) {
    const count = await s.db.prisma.email.count({ where: { batchId: id, status: "draft" } });
    if (!hasRole(role, "approver"))
      throw new PermissionError(
        `Batch #${id} has ${plural(count, "e-mail")}, above the threshold of ${s.config.PEERBOT_EMAIL_BULK_THRESHOLD}: a second person with the approver role must press Send all.`,
      );
    if (b.createdBy === me)
      throw new PermissionError(`You drafted batch #${id}; four-eyes: another approver must press Send all.`);
  }
  const now = s.clock.now();
  const won = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.emailBatch.updateMany({
      where: { id, status: "draft" },
      data: { status: "sending", approvedBy: me, approvedByName: actor.userName },
    });
    if (n.count === 0) return false;
    await tx.email.updateMany({
      where: { batchId: id, status: "draft" },
      data: { status: "queued", sentBy: me, sentByName: actor.userName, queuedAt: now },
    });
    await batchAuditIn(tx, actor, id, "send");
    return true;
  });
  if (!won)
    throw new UserError(
      `Batch #${id} is already being sent; it is sent once.`,
      "`emails` shows how its e-mails went.",
    );
  const queued = await s.db.prisma.email.findMany({
    where: { batchId: id, status: "queued" },
    select: { id: true, messageId: true, attempts: true },
    orderBy: { id: "asc" },
  });
  if (!queued.length) await s.db.prisma.emailBatch.update({ where: { id }, data: { status: "done" } });
  await refreshBatchMessage(s, id, true);
  for (const e of queued) await enqueueAttempt(s, e, e.attempts + 1);
  return { batch: await requireBatch(s, id), queued: queued.length };
}

/** Cancel all: the batch and its drafts are cancelled; nothing of it is ever sent. */
export async function cancelBatch(
  s: EmailCore,
  id: number,
  actor: Actor,
): Promise<{ batch: BatchRow; cancelled: number }> {
  const b = await requireBatch(s, id);
  if (b.status !== "draft")
    throw new UserError(
      `Batch #${id} is ${BATCH_LABEL[b.status]}; only a draft batch can be cancelled.`,
      "Cancel a queued e-mail of it with `email <id> cancel`.",
    );
  const cancelled = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.emailBatch.updateMany({
      where: { id, status: "draft" },
      data: { status: "cancelled" },
    });
    if (n.count === 0) return -1;
    const m = await tx.email.updateMany({
      where: { batchId: id, status: "draft" },
      data: { status: "cancelled", error: `cancelled by ${actor.userName}` },
    });
    await batchAuditIn(tx, actor, id, "cancel");
    return m.count;
  });
  if (cancelled < 0)
    throw new UserError(`Batch #${id} is no longer a draft.`, "`emails` shows how its e-mails went.");
  await refreshBatchMessage(s, id, true);
  return { batch: await requireBatch(s, id), cancelled };
}

/** Retry failed: each failed e-mail of the batch starts a new round of attempts. */
export async function retryFailed(s: EmailCore, id: number, actor: Actor): Promise<number> {
  const b = await requireBatch(s, id);
  if (b.status === "draft" || b.status === "cancelled")
    throw new UserError(
      `Batch #${id} is ${BATCH_LABEL[b.status]}; there is nothing to retry.`,
      "`emails` shows its e-mails.",
    );
  const failed = await s.db.prisma.email.findMany({ where: { batchId: id, status: "failed" } });
  if (!failed.length)
    throw new UserError(
      `No e-mail of batch #${id} has failed.`,
      "`emails status:failed` lists the failed ones.",
    );
  const me = actorKey(actor);
  const retried: typeof failed = [];
  await s.db.prisma.$transaction(async (tx) => {
    for (const e of failed) {
      const n = await tx.email.updateMany({
        where: { id: e.id, status: "failed" },
        data: {
          status: "queued",
          error: "",
          sentBy: me,
          sentByName: actor.userName,
          queuedAt: s.clock.now(),
          details: { ...notesOf(e), roundStart: e.attempts } as Prisma.InputJsonValue,
        },
      });
      if (n.count) {
        retried.push(e);
        await emailAuditIn(tx, actor, e.id, "retry");
      }
    }
    if (retried.length) await tx.emailBatch.update({ where: { id }, data: { status: "sending" } });
  });
  await refreshBatchMessage(s, id, true);
  for (const e of retried) await enqueueAttempt(s, e, e.attempts + 1);
  return retried.length;
}
