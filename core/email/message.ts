// The chat messages of an e-mail and of a batch: drawn from their rows alone, so that any
// process can draw them, and redrawn wherever they were posted after every step.
import type { Database, Prisma } from "../db.js";
import { trackedMessage } from "../inventory.js";
import { approverGroups, People, type Group } from "../people.js";
import type { Button, Field, Reply } from "../reply.js";
import { clip, errorLine, plural, singleLine, utc } from "../text.js";
import { EMAIL_STATUS, KIND_LABEL, type BatchRow, type EmailCore, type EmailStatus } from "./model.js";
import { batchTrack, emailActionId, emailTrack } from "./refs.js";
import { standingWithPeople } from "./tracking.js";

export type EmailView = Prisma.EmailGetPayload<{
  include: { ixp: { select: { name: true } }; router: { select: { name: true } } };
}>;

export function loadEmailView(db: Database, id: number): Promise<EmailView | null> {
  return db.prisma.email.findUnique({
    where: { id },
    include: { ixp: { select: { name: true } }, router: { select: { name: true } } },
  });
}

const list = (xs: string[], n = 300) => clip(xs.join(", "), n);

/**
 * Who did something, as a person of this message (a token, core/people.ts): from the actor key
 * and the name stored beside it. A row without a key shows its stored name.
 */
function person(people: People, key: string, name: string, opts: { notify?: boolean } = {}): string {
  if (key) return people.of(key, name, opts);
  return singleLine(name, 60) || "someone";
}

/** What `details` holds beside compose's facts: warnings, dropped addresses, accepted recipients. */
export interface EmailNotes {
  warnings?: string[];
  dropped?: { address: string; reason: string }[];
  accepted?: string[];
  rejected?: string[];
  /** Attempts made before the current round of sending (a retry of a failed e-mail starts a round). */
  roundStart?: number;
}

export function notesOf(e: { details: unknown }): EmailNotes {
  const d = e.details;
  return d && typeof d === "object" && !Array.isArray(d) ? (d as EmailNotes) : {};
}

/** The e-mail's status in one line: `queued`, `sent to peering@he.net (250 …)`, `failed: …`. */
export function statusLine(e: EmailView, maxAttempts: number): string {
  const n = notesOf(e);
  switch (e.status) {
    case "draft":
      return `Draft #${e.id}: nothing is sent until someone presses Send.`;
    case "queued":
      return e.attempts
        ? `Queued: attempt ${e.attempts} of ${maxAttempts} failed for now (${clip(e.error || e.serverResponse, 200)}); trying again shortly.`
        : "Queued for delivery.";
    case "sending":
      return `Sending (attempt ${e.attempts + 1} of ${maxAttempts})…`;
    case "sent": {
      const to = n.accepted?.length ? n.accepted : [...e.to, ...e.cc];
      const refused = n.rejected?.length ? `; refused: ${list(n.rejected, 200)}` : "";
      return `Sent to ${list(to, 300)} (${clip(e.serverResponse, 200)})${refused}${e.sentAt ? ` at ${utc(e.sentAt)}` : ""}.`;
    }
    case "failed":
      return `Failed after ${plural(e.attempts, "attempt")}: ${clip(e.error || e.serverResponse, 300)}`;
    case "cancelled":
      return "Cancelled: it was not sent and never will be.";
  }
}

function headerFields(e: EmailView): Field[] {
  const n = notesOf(e);
  const fields: Field[] = [
    { label: "From", value: clip(e.fromAddress, 200), inline: true },
    ...(e.replyTo ? [{ label: "Reply-To", value: clip(e.replyTo, 200), inline: true }] : []),
    { label: "To", value: list(e.to) || "nobody" },
    ...(e.cc.length ? [{ label: "Cc", value: list(e.cc) }] : []),
    ...(e.bcc.length ? [{ label: "Bcc", value: list(e.bcc) }] : []),
  ];
  if (n.dropped?.length)
    fields.push({
      label: "Left out",
      value: clip(
        n.dropped.map((d) => `${singleLine(d.address, 80)} (${singleLine(d.reason, 80)})`).join(", "),
        400,
      ),
    });
  fields.push({ label: "Subject", value: clip(e.subject, 250) });
  return fields;
}

/** The message of one e-mail: its preview while a draft, then its delivery. */
export function emailReply(e: EmailView, maxAttempts: number): Reply {
  const st = EMAIL_STATUS[e.status];
  const n = notesOf(e);
  const where = e.ixp ? ` at ${singleLine(e.ixp.name, 60)}` : e.router ? ` on ${e.router.name}` : "";
  const lines = [statusLine(e, maxAttempts)];
  const people = new People();
  if (e.status === "draft" && n.warnings?.length)
    lines.push(...n.warnings.map((w) => `⚠ ${standingWithPeople(clip(w, 300), people)}`));
  if (e.status === "draft" && e.batchId)
    lines.push(`Part of batch #${e.batchId}: it is sent with the batch.`);
  const buttons: Button[] =
    e.status === "draft" && !e.batchId
      ? [
          {
            label: "Send",
            actionId: emailActionId("send", e.id),
            style: "primary",
            confirm: {
              title: `Send e-mail #${e.id}?`,
              text: `It goes to ${list([...e.to, ...e.cc], 200)}.`,
              confirm: "Send",
              deny: "Not yet",
            },
          },
          { label: "Edit", actionId: emailActionId("edit", e.id) },
          { label: "Cancel", actionId: emailActionId("cancel", e.id), style: "danger" },
        ]
      : [];
  return {
    kind: e.status === "draft" && n.warnings?.length ? "warning" : st.kind,
    title: clip(`${KIND_LABEL[e.kind]} to AS${e.peerAsn} ${singleLine(e.peerName, 80)}${where}`, 200),
    text: lines.join("\n"),
    fields: headerFields(e),
    code: { language: "text", content: e.textBody, filename: `email-${e.id}.txt` },
    context: `e-mail #${e.id} · Message-ID ${e.messageId} · drafted by ${person(people, e.draftedBy, e.draftedByName)}${e.sentBy || e.sentByName ? ` · sent by ${person(people, e.sentBy, e.sentByName)}` : ""}`,
    buttons: buttons.length ? buttons : undefined,
    track: emailTrack(e.id),
    mentions: people.list,
    ...(TOLD.has(e.status) && e.batchId === null ? { outcome: emailOutcome(e) } : {}),
  };
}

/** The states an e-mail ends in that whoever sent it hears of in the message's thread. */
const TOLD: ReadonlySet<EmailStatus> = new Set(["sent", "failed"]);

/**
 * The outcome key of an e-mail (or batch) in this state: "outcome:email:12:sent". A round of
 * attempts after a retry ends in a state of its own (":<attempts before it>"), told once more.
 */
const outcomeKey = (track: string, status: string, round: number) =>
  `outcome:${track}:${status}${round > 0 ? `:${round}` : ""}`;

/**
 * What an e-mail ended in, for its thread: the person who pressed Send notified. An e-mail of a
 * batch has none of its own: the batch's outcome tells.
 */
function emailOutcome(e: EmailView): Reply {
  const people = new People();
  const who = e.sentBy
    ? person(people, e.sentBy, e.sentByName, { notify: true })
    : person(people, e.draftedBy, e.draftedByName, { notify: true });
  const how =
    e.status === "sent"
      ? "sent"
      : `failed after ${plural(e.attempts, "attempt")} (${clip(e.error || e.serverResponse, 300)})`;
  return {
    kind: EMAIL_STATUS[e.status].kind,
    text: `${who} e-mail #${e.id} to AS${e.peerAsn} ${singleLine(e.peerName, 80)}: ${how}.`,
    context: clip(`Subject: ${singleLine(e.subject, 200)}`, 200),
    track: outcomeKey(emailTrack(e.id), e.status, notesOf(e).roundStart ?? 0),
    mentions: people.list,
  };
}

export interface BatchMember {
  id: number;
  peerAsn: bigint;
  peerName: string;
  to: string[];
  status: EmailStatus;
  error: string;
  subject: string;
  textBody: string;
  /** Its notes (EmailNotes): where its current round of attempts started. */
  details?: unknown;
  /** Who pressed Send all, or Retry failed for it. */
  sentBy?: string;
  sentByName?: string;
}

export type BatchCounts = Record<EmailStatus, number>;

export function countStatuses(members: { status: EmailStatus }[]): BatchCounts {
  const c = { draft: 0, queued: 0, sending: 0, sent: 0, failed: 0, cancelled: 0 } as BatchCounts;
  for (const m of members) c[m.status]++;
  return c;
}

/** "42/57 sent, 1 failed, 14 queued". */
export function progressLine(c: BatchCounts): string {
  const total = c.draft + c.queued + c.sending + c.sent + c.failed + (c.cancelled ?? 0);
  const parts = [`${c.sent}/${total - c.cancelled} sent`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.queued + c.sending) parts.push(`${c.queued + c.sending} queued`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  return parts.join(", ");
}

export interface BatchDetails {
  skipped?: { asn: string; name: string; reason: string }[];
  filters?: string;
  max?: number;
  window?: { start: string; end: string; reason: string };
}

export const batchDetailsOf = (b: { details: unknown }): BatchDetails =>
  b.details && typeof b.details === "object" ? (b.details as BatchDetails) : {};

const BATCH_ROWS = 40;

/**
 * The message of a batch: its summary while a draft, then its progress. People are tokens
 * (core/people.ts); a draft that needs a second approver notifies `approvers` (the approver
 * groups, each on its own platform); once done, its outcome notifies who pressed Send all.
 */
export function batchReply(
  b: BatchRow,
  members: BatchMember[],
  threshold: number,
  approvers: readonly Group[] = [],
): Reply {
  const c = countStatuses(members);
  const people = new People();
  const d = batchDetailsOf(b);
  const noun = b.kind === "maintenance" ? "Maintenance notices" : `${KIND_LABEL[b.kind]}s`;
  const lines: string[] = [];
  if (b.status === "draft") {
    lines.push(
      `Batch #${b.id}: ${plural(members.length, "e-mail")}, drafted; nothing is sent until someone presses Send all.`,
    );
    if (b.needsApproval)
      lines.push(
        `${members.length} e-mails is above the threshold of ${threshold}: a second person with the approver role must press Send all.`,
      );
  } else if (b.status === "cancelled") {
    lines.push(`Batch #${b.id} was cancelled; none of its drafts will be sent.`);
  } else {
    lines.push(`${b.status === "done" ? "Done" : "Sending"}: ${progressLine(c)}.`);
  }
  const skipped = d.skipped ?? [];
  const fields: Field[] = [];
  if (skipped.length) {
    const byReason = new Map<string, string[]>();
    for (const s of skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), `AS${s.asn}`]);
    fields.push({
      label: `Skipped (${skipped.length})`,
      value: [...byReason]
        .slice(0, 8)
        .map(
          ([r, asns]) =>
            `${singleLine(r, 160)}: ${asns.slice(0, 15).join(", ")}${asns.length > 15 ? ` and ${asns.length - 15} more` : ""}`,
        )
        .join("\n"),
    });
  }
  if (d.filters) fields.push({ label: "Filters", value: clip(d.filters, 200), inline: true });
  if (d.window)
    fields.push({
      label: "Window",
      value: `${utc(new Date(d.window.start))} to ${utc(new Date(d.window.end))}${d.window.reason ? `: ${clip(d.window.reason, 200)}` : ""}`,
    });
  fields.push({ label: "Drafted by", value: person(people, b.createdBy, b.createdByName), inline: true });
  if (b.approvedBy || b.approvedByName)
    fields.push({ label: "Sent by", value: person(people, b.approvedBy, b.approvedByName), inline: true });
  if (b.status === "draft" && b.needsApproval && members.length) for (const g of approvers) people.notify(g);
  const rows = members
    .slice(0, BATCH_ROWS)
    .map((m) => [
      `#${m.id}`,
      `AS${m.peerAsn}`,
      clip(singleLine(m.peerName, 60), 40),
      clip(m.to.join(", "), 60),
      m.status === "failed" ? `failed: ${clip(m.error, 60)}` : EMAIL_STATUS[m.status].label,
    ]);
  if (members.length > BATCH_ROWS)
    lines.push(`The first ${BATCH_ROWS} are listed; \`emails\` shows them all.`);
  const buttons: Button[] = [];
  if (b.status === "draft" && members.length) {
    buttons.push(
      {
        label: `Send all (${members.length})`,
        actionId: emailActionId("sendBatch", b.id),
        style: "primary",
        confirm: {
          title: `Send ${plural(members.length, "e-mail")}?`,
          text: `Each network gets its own e-mail, as listed.`,
          confirm: "Send all",
          deny: "Not yet",
        },
      },
      { label: "Cancel all", actionId: emailActionId("cancelBatch", b.id), style: "danger" },
    );
  }
  if (b.status !== "draft" && c.failed > 0 && c.queued + c.sending === 0)
    buttons.push({ label: `Retry failed (${c.failed})`, actionId: emailActionId("retryBatch", b.id) });
  const first = members[0];
  return {
    kind:
      b.status === "cancelled" ? "warning" : c.failed ? "warning" : b.status === "done" ? "success" : "info",
    title: clip(`${noun}: ${singleLine(b.scope, 80)}`, 200),
    text: lines.join("\n"),
    fields,
    table: { columns: ["#", "ASN", "name", "to", "status"], rows },
    code:
      b.status === "draft" && first
        ? {
            language: "text",
            content: `(e-mail #${first.id}, as an example; \`email <id>\` shows any of them)\nSubject: ${first.subject}\n\n${first.textBody}`,
            filename: `batch-${b.id}-example.txt`,
          }
        : undefined,
    context: `batch #${b.id}${b.needsApproval ? " · needs a second approver" : ""}`,
    buttons: buttons.length ? buttons : undefined,
    track: batchTrack(b.id),
    mentions: people.list,
    ...(b.status === "done" && members.length ? { outcome: batchOutcome(b, members, c, noun) } : {}),
  };
}

/**
 * What a batch ended in, for its thread, with the tally: who pressed Send all notified, or
 * after Retry failed, who pressed that.
 */
function batchOutcome(b: BatchRow, members: BatchMember[], c: BatchCounts, noun: string): Reply {
  const people = new People();
  const roundOf = (m: BatchMember) => notesOf({ details: m.details }).roundStart ?? 0;
  const round = members.reduce((n, m) => Math.max(n, roundOf(m)), 0);
  const retrier = round > 0 ? members.find((m) => roundOf(m) === round && m.sentBy) : undefined;
  const who = retrier?.sentBy
    ? person(people, retrier.sentBy, retrier.sentByName ?? "", { notify: true })
    : b.approvedBy
      ? person(people, b.approvedBy, b.approvedByName, { notify: true })
      : person(people, b.createdBy, b.createdByName, { notify: true });
  return {
    kind: c.failed ? "warning" : "success",
    text: `${who} batch #${b.id}, ${noun.toLowerCase()} for ${singleLine(b.scope, 80)}: done, ${progressLine(c)}.`,
    ...(c.failed ? { context: "Retry failed on the batch's message tries the failed ones again." } : {}),
    track: outcomeKey(batchTrack(b.id), b.status, round),
    mentions: people.list,
  };
}

export async function loadBatchMembers(db: Database, batchId: number): Promise<BatchMember[]> {
  return db.prisma.email.findMany({
    where: { batchId },
    orderBy: { id: "asc" },
    select: {
      id: true,
      peerAsn: true,
      peerName: true,
      to: true,
      status: true,
      error: true,
      subject: true,
      textBody: true,
      details: true,
      sentBy: true,
      sentByName: true,
    },
  });
}

export async function batchView(s: Pick<EmailCore, "db" | "config">, batchId: number): Promise<Reply | null> {
  const b = await s.db.prisma.emailBatch.findUnique({ where: { id: batchId } });
  if (!b) return null;
  return batchReply(
    b,
    await loadBatchMembers(s.db, batchId),
    s.config.PEERBOT_EMAIL_BULK_THRESHOLD,
    approverGroups(s.config),
  );
}

/** The draws of each message in this process, one after another. */
const drawing = new Map<string, Promise<void>>();

/**
 * Redraws one tracked message. Draws of one message run one at a time, each reading the rows
 * when its turn comes, so that a slow draw of an older state never lands after a newer one.
 */
async function update(s: EmailCore, key: string, draw: () => Promise<Reply | null>): Promise<void> {
  const notifier = s.notifier;
  if (!notifier) return;
  const run = async () => {
    try {
      const ref = await trackedMessage(s.db, key);
      if (!ref) return;
      const reply = await draw();
      if (reply) await notifier.update(ref, reply);
    } catch (err) {
      s.log.warn("could not update an e-mail's message", { message: key, err: errorLine(err) });
    }
  };
  const next = (drawing.get(key) ?? Promise.resolve()).then(run);
  drawing.set(key, next);
  await next;
  if (drawing.get(key) === next) drawing.delete(key);
}

/** Redraws an e-mail's message wherever it was posted. */
export async function refreshEmailMessage(s: EmailCore, id: number): Promise<void> {
  await update(s, emailTrack(id), async () => {
    const e = await loadEmailView(s.db, id);
    return e ? emailReply(e, s.config.PEERBOT_EMAIL_ATTEMPTS) : null;
  });
}

/** When each batch's message was last redrawn in this process: a 500-message send redraws it every second at most. */
const lastDrawn = new Map<number, number>();
/** A draw left for the end of the second, so that the last progress of a burst is shown. */
const trailing = new Map<number, NodeJS.Timeout>();
const BATCH_DRAW_MS = 1000;

/** Redraws a batch's message; `final` always does, otherwise at most once a second. */
export async function refreshBatchMessage(s: EmailCore, batchId: number, final = false): Promise<void> {
  const now = Date.now();
  const since = now - (lastDrawn.get(batchId) ?? 0);
  if (!final && since < BATCH_DRAW_MS) {
    if (!trailing.has(batchId)) {
      const t = setTimeout(() => {
        trailing.delete(batchId);
        void refreshBatchMessage(s, batchId, true);
      }, BATCH_DRAW_MS - since);
      t.unref?.();
      trailing.set(batchId, t);
    }
    return;
  }
  clearTimeout(trailing.get(batchId));
  trailing.delete(batchId);
  lastDrawn.set(batchId, now);
  if (lastDrawn.size > 1000) lastDrawn.clear();
  await update(s, batchTrack(batchId), () => batchView(s, batchId));
}
