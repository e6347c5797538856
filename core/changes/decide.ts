// Decide: approve (not by anyone whose request the change carries; the deploy is queued),
// reject (another's request needs an approver), expire.
import { enqueueInTime } from "../enqueue.js";
import { PermissionError, UserError } from "../errors.js";
import type { Actor } from "../roles.js";
import { clip } from "../text.js";
import { actorMark } from "../people.js";
import { endChange } from "./effects.js";
import { refreshMessage, step } from "./message.js";
import {
  actorKey,
  CHANGE_STATUS,
  DEPLOY_QUEUE,
  errorLine,
  loadChange,
  notOpen,
  OPEN,
  requestersOf,
  requireChange,
  transitionAuditIn,
  utc,
  type ChangeRow,
  type ChangeServices,
} from "./model.js";
import { deployJobId } from "./refs.js";

export async function expireIfDue(s: ChangeServices, c: ChangeRow): Promise<boolean> {
  if (!CHANGE_STATUS[c.status].open || c.expiresAt > s.clock.now()) return false;
  const ended = await endChange(
    s,
    c,
    OPEN,
    "expired",
    { reason: "no approval in time", decidedAt: s.clock.now() },
    "onRevert",
    { actor: null, what: "expire" },
  );
  if (ended) await refreshMessage(s, c.id);
  return true;
}

/** Expires every open change past its time (run by `changes` and periodically). */
export async function expireChanges(s: ChangeServices): Promise<number> {
  const due = await s.db.prisma.changeRequest.findMany({
    where: { status: { in: [...OPEN] }, expiresAt: { lte: s.clock.now() } },
    include: { router: true, approvals: true },
  });
  let n = 0;
  for (const c of due) if (await expireIfDue(s, c)) n++;
  return n;
}

/**
 * Approves a pending change and queues its deploy. No one whose effects the change carries
 * may approve it on a four-eyes router; the approver role is checked by the caller (the
 * command). When the job queue cannot be reached the change stays queued and the reconciler
 * queues it when it can.
 */
export async function approveChange(s: ChangeServices, id: number, actor: Actor): Promise<ChangeRow> {
  const c = await requireChange(s, id);
  if (await expireIfDue(s, c))
    throw new UserError(
      `Change #${id} expired at ${utc(c.expiresAt)}; run the command again for a fresh one.`,
    );
  const me = actorKey(actor);
  // An IX-API change (no router) is always four-eyes.
  if ((c.router?.fourEyes ?? true) && requestersOf(c).includes(me)) {
    throw new PermissionError(
      c.requestedBy === me
        ? `You requested change #${id}; four-eyes: another approver must approve it.`
        : `Change #${id} carries a change you requested; four-eyes: another approver must approve it.`,
    );
  }
  const won = await s.db.prisma.$transaction(async (tx) => {
    const n = await tx.changeRequest.updateMany({
      where: { id, status: "pending" },
      data: {
        status: "queued",
        decidedAt: s.clock.now(),
        deployAttempt: 1,
        steps: [`approved by ${actorMark(actor)}`],
      },
    });
    if (n.count === 0) return false;
    await tx.changeApproval.create({ data: { changeId: id, approver: me, name: actor.userName } });
    await transitionAuditIn(tx, c, { actor, what: "approve" });
    return true;
  });
  if (!won) throw notOpen(await requireChange(s, id));
  await queueDeploy(s, c, 1);
  return (await loadChange(s.db, id)) as ChangeRow;
}

/** Queues the deploy job of attempt `attempt`; a queue that cannot be reached is noted, not thrown. */
export async function queueDeploy(
  s: ChangeServices,
  c: { id: number; uid: string },
  attempt: number,
): Promise<boolean> {
  try {
    await enqueueInTime(
      s.jobs,
      DEPLOY_QUEUE,
      "deploy",
      { changeId: c.id, attempt },
      { jobId: deployJobId(c, attempt) },
    );
    return true;
  } catch (err) {
    s.log.warn("could not queue a deploy; the reconciler will queue it again", {
      change: c.id,
      err: errorLine(err),
    });
    await step(
      s,
      c.id,
      "the job queue could not be reached; the deploy is queued again when it can be",
    ).catch(() => {});
    return false;
  }
}

/**
 * Rejects an open change and reverts its effects. A change that carries anyone else's
 * effects (a superseded change of theirs) needs `mayRejectOthers` (the approver role).
 */
export async function rejectChange(
  s: ChangeServices,
  id: number,
  actor: Actor,
  reason: string,
  opts: { mayRejectOthers?: boolean } = { mayRejectOthers: true },
): Promise<ChangeRow> {
  const c = await requireChange(s, id);
  if (await expireIfDue(s, c)) throw notOpen(await requireChange(s, id));
  const me = actorKey(actor);
  if (!opts.mayRejectOthers && requestersOf(c).some((r) => r !== me)) {
    throw new PermissionError(
      requestersOf(c).includes(me)
        ? `Change #${id} also carries someone else's request; you need the approver role to reject it.`
        : "You need the approver role to reject someone else's change; ask an admin to grant it.",
    );
  }
  const ended = await endChange(
    s,
    c,
    OPEN,
    "rejected",
    {
      reason: reason
        ? `rejected by ${actorMark(actor)}: ${clip(reason, 200)}`
        : `rejected by ${actorMark(actor)}`,
      decidedAt: s.clock.now(),
    },
    "onRevert",
    { actor, what: "reject", message: reason },
  );
  if (!ended) throw notOpen(await requireChange(s, id));
  // The change's own message shows how it ended (and loses its buttons) wherever it was posted,
  // whether it was rejected by its button or by the typed command.
  await refreshMessage(s, id);
  return (await loadChange(s.db, id)) as ChangeRow;
}
