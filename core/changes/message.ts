// The change's chat message: drawn from its row alone, so any process can draw it, and
// redrawn wherever it was posted after every step.
import type { Config } from "../config.js";
import type { Database, Prisma } from "../db.js";
import type { MessageRef } from "../ports.js";
import { maskSecrets } from "../render/index.js";
import type { Reply } from "../reply.js";
import { clip } from "../text.js";
import {
  ACTIVE,
  CHANGE_STATUS,
  errorLine,
  loadChange,
  utc,
  type ChangeRow,
  type ChangeServices,
} from "./model.js";
import { changeActionId, changeObject, changeTitle } from "./refs.js";
import { tellButtons } from "../email/refs.js";

export async function recordChangeMessage(db: Database, id: number, ref: MessageRef): Promise<void> {
  await db.prisma.changeRequest.update({
    where: { id },
    data: {
      messagePlatform: ref.platform,
      messageChannel: ref.channel,
      messageId: ref.messageId,
      messageThread: ref.threadId ?? "",
    },
  });
}

/** Redraws a change's message wherever it was posted, from the database. */
export async function refreshMessage(s: ChangeServices, id: number): Promise<void> {
  if (!s.notifier) return;
  const c = await loadChange(s.db, id);
  if (!c || !c.messagePlatform) return;
  try {
    await s.notifier.update(
      {
        platform: c.messagePlatform,
        channel: c.messageChannel,
        messageId: c.messageId,
        threadId: c.messageThread || undefined,
      },
      changeReply(c, s.config),
    );
  } catch (err) {
    s.log.warn("could not update a change's message", { change: id, err: errorLine(err) });
  }
}

/** The message of a change, drawn from its row alone, so any process can draw it. */
export function changeReply(c: ChangeRow, _config: Pick<Config, "PEERBOT_CHANGE_EXPIRY">): Reply {
  const st = CHANGE_STATUS[c.status];
  const lines = [`Status: ${st.label}${c.reason ? ` (${clip(c.reason, 500)})` : ""}.`];
  if (c.steps.length) lines.push(...c.steps.map((l) => `• ${clip(l, 300)}`));
  const approvers = c.approvals.map((a) => a.name || a.approver).join(", ");
  return {
    kind: st.kind,
    title: clip(changeTitle(c, c.router.name), 200),
    text: lines.join("\n"),
    fields: [
      { label: "Requested by", value: clip(c.requestedByName || c.requestedBy, 80), inline: true },
      { label: "Diff", value: `+${c.added} −${c.removed} lines`, inline: true },
      ...(approvers ? [{ label: "Approved by", value: clip(approvers, 200), inline: true }] : []),
      ...(c.status === "pending" ? [{ label: "Expires", value: utc(c.expiresAt), inline: true }] : []),
    ],
    code: c.diff
      ? { language: "diff", content: maskSecrets(c.diff, c.router.platform), filename: `change-${c.id}.diff` }
      : undefined,
    context: `change #${c.id} · diff sha256 ${c.diffSha256.slice(0, 16)} · against config sha256 ${c.baseSha256.slice(0, 16)}`,
    buttons:
      c.status === "pending"
        ? [
            {
              label: "Approve",
              actionId: changeActionId("approve", c.id),
              style: "primary",
              confirm: {
                title: `Approve change #${c.id}?`,
                text: `This deploys the diff above to ${c.router.name}.`,
                confirm: "Approve",
                deny: "Cancel",
              },
            },
            { label: "Reject", actionId: changeActionId("reject", c.id), style: "danger" },
          ]
        : tellButtons(c), // Tell AS<n>, once a peer change is deployed (core/email)
    track: changeObject(c.id),
  };
}

/** Open changes (or the last 50 of any status), newest first. */
export function listChanges(db: Database, all: boolean) {
  return db.prisma.changeRequest.findMany({
    where: all ? {} : { status: { in: [...ACTIVE] } },
    orderBy: { id: "desc" },
    take: 50,
    include: { router: { select: { name: true } } },
  });
}

export async function getChange(db: Database, id: number): Promise<ChangeRow | null> {
  return loadChange(db, id);
}

export async function step(
  s: ChangeServices,
  id: number,
  line: string,
  data: Prisma.ChangeRequestUpdateInput = {},
): Promise<void> {
  await s.db.prisma.changeRequest.update({ where: { id }, data: { ...data, steps: { push: line } } });
  await refreshMessage(s, id);
}
