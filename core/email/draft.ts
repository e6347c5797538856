// Drafts: a composed e-mail becomes an Email row (status draft) with its Message-ID fixed at
// once; a draft can be edited (recipients, subject, body) until it is sent or cancelled.
import type { Prisma } from "../db.js";
import { UserError } from "../errors.js";
import type { Actor } from "../roles.js";
import { clip } from "../text.js";
import { addressKey, addressProblem, headerText, MAX_SUBJECT, normalizeAddress } from "./address.js";
import type { Services } from "../services.js";
import { composeEmail, type Composed } from "./compose.js";
import type { EmailNotes } from "./message.js";
import { actorKey, notDraft, requesterOf, requireEmail, type EmailCore, type EmailRow } from "./model.js";
import { newMessageId } from "./refs.js";

type Tx = EmailCore["db"]["prisma"] | Prisma.TransactionClient;

/** The row data of a draft made from a composed e-mail. */
export function draftData(
  c: Composed,
  actor: Actor,
  opts: { warnings?: string[]; batchId?: number; changeId?: number } = {},
): Prisma.EmailUncheckedCreateInput {
  const notes: EmailNotes = {
    ...(opts.warnings?.length ? { warnings: opts.warnings } : {}),
    ...(c.dropped.length ? { dropped: c.dropped } : {}),
  };
  return {
    kind: c.kind,
    template: c.template,
    status: "draft",
    messageId: newMessageId(c.from),
    fromAddress: c.from,
    replyTo: c.replyTo ?? "",
    to: c.to,
    cc: c.cc,
    bcc: c.bcc,
    subject: c.subject,
    textBody: c.text,
    htmlBody: c.html ?? "",
    localAsId: c.localAs.id,
    peerAsn: c.peer.asn,
    peerName: clip(c.peer.name, 200),
    ixpId: c.ixpId ?? null,
    routerId: c.routerId ?? null,
    batchId: opts.batchId ?? null,
    changeId: opts.changeId ?? null,
    details: { ...c.details, ...notes } as Prisma.InputJsonValue,
    draftedBy: actorKey(actor),
    draftedByName: actor.userName || actor.userId,
  };
}

/** Stores one draft and returns it. */
export async function draftEmail(
  s: Pick<EmailCore, "db">,
  c: Composed,
  actor: Actor,
  opts: { warnings?: string[]; changeId?: number; tx?: Tx } = {},
): Promise<EmailRow> {
  const db = opts.tx ?? s.db.prisma;
  return db.email.create({ data: draftData(c, actor, opts) });
}

export type EmailEdit =
  | { field: "subject"; value: string }
  | { field: "to" | "cc"; value: string }
  | { field: "body"; value: string };

export const EDIT_USAGE =
  'edit <e-mail> subject "<text>" | to <addr>[,<addr>…] | cc <addr>[,…]|none | body "<text>"';

/** How to change a draft by command (the Edit button's answer until chat modals come). */
export function editHelp(id: number): string {
  return [
    `Change draft #${id} by command (each redraws the preview):`,
    `  edit ${id} subject "Peering with AS64500"`,
    `  edit ${id} to peering@example.net,noc@example.net`,
    `  edit ${id} cc peering-team@example.net   (cc none removes them)`,
    `  edit ${id} body "Dear team,\\n\\nWe would like to peer with you."   (\\n starts a new line)`,
  ].join("\n");
}

/** `a@b.net, c@d.net` into validated addresses; a wrong one is one sentence naming it. */
export function parseRecipients(text: string, what: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const part of text.split(/[,;\s]+/)) {
    const a = part
      .trim()
      .replace(/^mailto:/i, "")
      .replace(/^<(.*)>$/, "$1");
    if (!a) continue;
    const problem = addressProblem(a);
    if (problem)
      throw new UserError(
        `"${headerText(a, 60)}" is not an e-mail address: ${problem}.`,
        `Give ${what} as name@example.net, separated by commas.`,
      );
    const n = normalizeAddress(a);
    if (seen.has(addressKey(n))) continue;
    seen.add(addressKey(n));
    out.push(n);
  }
  return out;
}

/** A body typed on one line: `\n` starts a new line, `\\n` is a backslash and an n. */
export function bodyFromLine(text: string): string {
  return (
    text.replace(/\\(\\|n|t)/g, (_m, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : "\\")).trimEnd() +
    "\n"
  );
}

/** Changes one field of a draft. Only drafts; the HTML part is dropped when the text body is edited. */
export async function editEmail(
  s: EmailCore,
  id: number,
  edit: EmailEdit,
): Promise<{ email: EmailRow; note: string }> {
  const e = await requireEmail(s.db, id);
  if (e.status !== "draft") throw notDraft(e, "edited");
  let data: Prisma.EmailUpdateManyMutationInput;
  let note: string;
  switch (edit.field) {
    case "subject": {
      const subject = headerText(edit.value, MAX_SUBJECT);
      if (!subject)
        throw new UserError(
          'Say the new subject, e.g. edit 12 subject "Peering with AS64500".',
          `Usage: ${EDIT_USAGE}`,
        );
      data = { subject };
      note = "subject changed";
      break;
    }
    case "to": {
      const to = parseRecipients(edit.value, "the recipients");
      if (!to.length)
        throw new UserError("An e-mail needs at least one recipient in To.", `Usage: ${EDIT_USAGE}`);
      data = { to };
      note = `now to ${to.join(", ")}`;
      break;
    }
    case "cc": {
      const cc = /^none$/i.test(edit.value.trim()) ? [] : parseRecipients(edit.value, "the Cc addresses");
      data = { cc };
      note = cc.length ? `Cc now ${cc.join(", ")}` : "no Cc any more";
      break;
    }
    case "body": {
      const body = bodyFromLine(edit.value);
      if (!body.trim())
        throw new UserError('Say the new body, e.g. edit 12 body "Dear team,\\n…".', `Usage: ${EDIT_USAGE}`);
      data = { textBody: body, htmlBody: "" };
      note = e.htmlBody
        ? "body changed (it is sent as plain text only now: the HTML part was made from the old body)"
        : "body changed";
      break;
    }
  }
  const n = await s.db.prisma.email.updateMany({ where: { id, status: "draft" }, data });
  if (n.count === 0) throw notDraft(await requireEmail(s.db, id), "edited");
  return { email: await requireEmail(s.db, id), note };
}

/**
 * Tell AS<n>, on a deployed change: the sessions-configured e-mail for the network whose IXP
 * sessions the change enabled, listing both sides' addresses, as a draft to preview.
 */
export async function draftSessionsConfigured(
  s: Services,
  changeId: number,
  actor: Actor,
): Promise<EmailRow> {
  const c = await s.db.prisma.changeRequest.findUnique({ where: { id: changeId } });
  if (!c) throw new UserError(`There is no change #${changeId}.`, "`changes all` lists the recent ones.");
  if (c.status !== "deployed")
    throw new UserError(
      `Change #${changeId} is not deployed, so there is nothing to tell yet.`,
      `\`change ${changeId}\` shows where it stands.`,
    );
  const ids = (
    Array.isArray(c.effects) ? (c.effects as { kind?: string; id?: number; onDeploy?: string }[]) : []
  )
    .filter((e) => e?.kind === "ixp" && e.onDeploy === "enabled" && typeof e.id === "number")
    .map((e) => e.id as number);
  const sessions = await s.db.prisma.ixpSession.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      autonomousSystem: { select: { asn: true } },
      connection: { select: { ixpId: true } },
    },
    orderBy: { id: "asc" },
  });
  const first = sessions[0];
  if (!first)
    throw new UserError(
      `Change #${changeId} set up no IXP session that still exists; there is nothing to tell.`,
      "`sessions` lists the sessions.",
    );
  const asn = first.autonomousSystem.asn;
  const mine = sessions.filter((x) => x.autonomousSystem.asn === asn);
  const composed = await composeEmail(s, {
    kind: "sessions_configured",
    peerAsn: asn,
    ixpId: first.connection.ixpId,
    requester: requesterOf(actor),
    changeId,
    sessionIds: { ixp: mine.map((x) => x.id), direct: [] },
  });
  return draftEmail(s, composed, actor, { changeId });
}
