// The journal: every e-mail peerbot drafted, kept with its delivery history. `emails` lists
// it (by network, IXP, status), `email <id>` shows one with each attempt and the server's reply.
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import type { Reply, Table } from "../reply.js";
import { personOf, personText } from "../people.js";
import { clip, singleLine, utc } from "../text.js";
import { emailReply, loadEmailView } from "./message.js";
import { EMAIL_STATUS, KIND_LABEL, type EmailStatus } from "./model.js";

export interface JournalFilter {
  asn?: bigint;
  ixpId?: number;
  routerId?: number;
  status?: EmailStatus;
  batchId?: number;
}

export const JOURNAL_PAGE = 20;

export async function listEmails(db: Database, f: JournalFilter, page: number) {
  const where: Prisma.EmailWhereInput = {
    ...(f.asn !== undefined ? { peerAsn: f.asn } : {}),
    ...(f.ixpId !== undefined ? { ixpId: f.ixpId } : {}),
    ...(f.routerId !== undefined ? { routerId: f.routerId } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.batchId !== undefined ? { batchId: f.batchId } : {}),
  };
  const [rows, total] = await Promise.all([
    db.prisma.email.findMany({
      where,
      orderBy: { id: "desc" },
      skip: (page - 1) * JOURNAL_PAGE,
      take: JOURNAL_PAGE,
      select: {
        id: true,
        kind: true,
        status: true,
        peerAsn: true,
        peerName: true,
        to: true,
        subject: true,
        createdAt: true,
        sentAt: true,
        draftedBy: true,
        draftedByName: true,
        sentBy: true,
        sentByName: true,
        error: true,
        batchId: true,
        ixp: { select: { name: true } },
        router: { select: { name: true } },
      },
    }),
    db.prisma.email.count({ where }),
  ]);
  return { rows, total, pages: Math.max(1, Math.ceil(total / JOURNAL_PAGE)) };
}

export function journalTable(rows: Awaited<ReturnType<typeof listEmails>>["rows"]): Table {
  return {
    columns: ["#", "when", "what", "network", "where", "to", "status", "by"],
    rows: rows.map((e) => [
      String(e.id),
      utc(e.sentAt ?? e.createdAt).replace(" UTC", ""),
      KIND_LABEL[e.kind].toLowerCase(),
      clip(`AS${e.peerAsn} ${singleLine(e.peerName, 60)}`, 40),
      e.ixp ? clip(singleLine(e.ixp.name, 40), 24) : e.router ? e.router.name : "",
      clip(e.to.join(", "), 50),
      e.status === "failed" ? `failed: ${clip(e.error, 50)}` : EMAIL_STATUS[e.status].label,
      clip(
        e.sentBy
          ? personText(personOf(e.sentBy, e.sentByName))
          : personText(personOf(e.draftedBy, e.draftedByName)),
        40,
      ),
    ]),
    alignRight: [0],
  };
}

/** `email <id>`: the e-mail as sent (or drafted), and each delivery attempt with the server's reply. */
export async function emailDetail(db: Database, id: number, maxAttempts: number): Promise<Reply> {
  const e = await loadEmailView(db, id);
  if (!e) throw new UserError(`There is no e-mail #${id}.`, "`emails` lists the journal.");
  const attempts = await db.prisma.emailAttempt.findMany({
    where: { emailId: id },
    orderBy: [{ attempt: "asc" }, { id: "asc" }],
  });
  const base = emailReply(e, maxAttempts);
  const history = attempts.length
    ? attempts.map((a) => `${a.attempt}. ${utc(a.at)} ${a.outcome}: ${clip(a.response, 300)}`).join("\n")
    : e.status === "draft"
      ? "not sent yet"
      : e.status === "cancelled"
        ? "never sent"
        : "no attempt yet";
  return {
    ...base,
    fields: [
      ...(base.fields ?? []),
      { label: "Template", value: clip(e.template, 100), inline: true },
      ...(e.batchId ? [{ label: "Batch", value: `#${e.batchId}`, inline: true }] : []),
      ...(e.changeId ? [{ label: "Change", value: `#${e.changeId}`, inline: true }] : []),
      {
        label: "Drafted",
        value: `${utc(e.createdAt)} by ${clip(personText(personOf(e.draftedBy, e.draftedByName)), 80)}`,
        inline: true,
      },
      ...(e.sentBy
        ? [
            {
              label: "Send pressed by",
              value: clip(personText(personOf(e.sentBy, e.sentByName)), 80),
              inline: true,
            },
          ]
        : []),
      { label: "Delivery", value: history },
    ],
    // Shown, not tracked: the job keeps redrawing the message the e-mail was drafted in.
    track: undefined,
  };
}
