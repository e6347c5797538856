// The change's chat message: drawn from its row alone, so any process can draw it, and
// redrawn wherever it was posted after every step.
import type { Config } from "../config.js";
import type { Database, Prisma } from "../db.js";
import type { MessageRef } from "../ports.js";
import { maskSecrets } from "../render/index.js";
import type { Reply } from "../reply.js";
import { clip } from "../text.js";
import { approverGroups, People, stepWithPerson } from "../people.js";
import {
  ACTIVE,
  requestersOf,
  CHANGE_STATUS,
  errorLine,
  loadChange,
  targetName,
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

/** The states a change ends in that its requesters hear of in the message's thread. */
const TOLD: ReadonlySet<string> = new Set(["deployed", "failed", "rolled_back", "rejected", "expired"]);

/**
 * The message of a change, drawn from its row alone, so any process can draw it. People are
 * tokens (core/people.ts): the requester, the approvers and whoever a step names show as the
 * platform's mention or as "name (platform id)", never by a display name alone. While it waits
 * for approval, the message notifies the approver group of the platform it is on; once it has
 * ended, its outcome (Reply.outcome) notifies its requesters in the message's thread.
 */
export function changeReply(
  c: ChangeRow,
  config: Pick<Config, "PEERBOT_CHANGE_EXPIRY" | "SLACK_APPROVER_GROUP" | "DISCORD_APPROVER_ROLE">,
): Reply {
  const st = CHANGE_STATUS[c.status];
  const people = new People();
  const lines = [
    `Status: ${st.label}${c.reason ? ` (${stepWithPerson(clip(c.reason, 500), people, c.approvals)})` : ""}.`,
  ];
  if (c.notes.length) {
    const shown = c.notes.slice(0, 10).map((n) => `⚠ ${clip(n, 300)}`);
    if (c.notes.length > 10) shown.push(`⚠ … and ${c.notes.length - 10} more`);
    lines.push(...shown);
  }
  if (c.steps.length)
    lines.push(...c.steps.map((l) => `• ${stepWithPerson(clip(l, 300), people, c.approvals)}`));
  const approvers = c.approvals
    .slice(0, 5)
    .map((a) => people.of(a.approver, a.name))
    .join(", ");
  if (c.status === "pending") for (const g of approverGroups(config)) people.notify(g);
  const requester = people.of(c.requestedBy, c.requestedByName);
  return {
    kind: st.kind,
    title: clip(changeTitle(c, targetName(c)), 200),
    text: lines.join("\n"),
    fields: [
      { label: "Requested by", value: requester, inline: true },
      { label: "Diff", value: `+${c.added} −${c.removed} lines`, inline: true },
      ...(approvers ? [{ label: "Approved by", value: approvers, inline: true }] : []),
      ...(c.status === "pending" ? [{ label: "Expires", value: utc(c.expiresAt), inline: true }] : []),
    ],
    code: c.diff
      ? {
          language: "diff",
          // An IX-API change's diff is MAC addresses in words: nothing in it is secret.
          content: c.router ? maskSecrets(c.diff, c.router.platform) : c.diff,
          filename: `change-${c.id}.diff`,
        }
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
                text: c.router
                  ? `This deploys the diff above to ${c.router.name}.`
                  : `This writes the change above to the IX-API of ${targetName(c)}.`,
                confirm: "Approve",
                deny: "Cancel",
              },
            },
            { label: "Reject", actionId: changeActionId("reject", c.id), style: "danger" },
          ]
        : tellButtons(c), // Tell AS<n>, once a peer change is deployed (core/email)
    track: changeObject(c.id),
    mentions: people.list,
    ...(TOLD.has(c.status) ? { outcome: changeOutcome(c) } : {}),
  };
}

/** What a change ended in, for its thread: its requesters notified. */
function changeOutcome(c: ChangeRow): Reply {
  const st = CHANGE_STATUS[c.status];
  const people = new People();
  const who = requestersOf(c)
    .slice(0, 5)
    .map((key) => people.of(key, key === c.requestedBy ? c.requestedByName : "", { notify: true }))
    .join(" ");
  return {
    kind: st.kind,
    text: `${who} change #${c.id} on ${targetName(c)}: ${st.label}${c.reason ? ` (${stepWithPerson(clip(c.reason, 300), people, c.approvals)})` : ""}.`,
    context: clip(c.summary, 200),
    track: `outcome:${changeObject(c.id)}:${c.status}`,
    mentions: people.list,
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
