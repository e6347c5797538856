// The e-mail as a record: the services its steps need, its row types, the one status table
// every status check reads, and the small pieces every step shares (who, how an e-mail is
// loaded, audited and refused).
import { auditRow } from "../audit.js";
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import type { Reply } from "../reply.js";
import type { Actor } from "../roles.js";
import type { Services } from "../services.js";
import { clip } from "../text.js";
import type { Requester } from "./compose.js";
import { emailObject } from "./refs.js";

export const EMAIL_QUEUE = "email";

/** What the journal, the recovery and the messages need (the reconciler has no mailer). */
export type EmailCore = Pick<Services, "db" | "config" | "clock" | "jobs" | "notifier" | "log">;
/** What sending needs. */
export type EmailServices = EmailCore & Pick<Services, "mailer">;

export type EmailRow = Prisma.EmailGetPayload<object>;
export type EmailWithHistory = Prisma.EmailGetPayload<{
  include: {
    deliveries: true;
    ixp: { select: { name: true; slug: true } };
    router: { select: { name: true } };
  };
}>;
export type BatchRow = Prisma.EmailBatchGetPayload<object>;
export type EmailStatus = EmailRow["status"];
export type BatchStatus = BatchRow["status"];
export type EmailKind = EmailRow["kind"];

/**
 * The e-mail status machine in one table. `live`: a job owns it (it may still be sent);
 * `terminal`: nothing happens to it any more.
 */
export const EMAIL_STATUS: Record<
  EmailStatus,
  { live: boolean; terminal: boolean; label: string; kind: NonNullable<Reply["kind"]> }
> = {
  draft: { live: false, terminal: false, label: "draft, not sent", kind: "info" },
  queued: { live: true, terminal: false, label: "queued", kind: "info" },
  sending: { live: true, terminal: false, label: "sending", kind: "info" },
  sent: { live: false, terminal: true, label: "sent", kind: "success" },
  failed: { live: false, terminal: true, label: "failed", kind: "error" },
  cancelled: { live: false, terminal: true, label: "cancelled", kind: "warning" },
};
export const EMAIL_STATUSES = Object.keys(EMAIL_STATUS) as EmailStatus[];
export const LIVE: EmailStatus[] = EMAIL_STATUSES.filter((k) => EMAIL_STATUS[k].live);

export const KIND_LABEL: Record<EmailKind, string> = {
  peering_request: "Peering request",
  sessions_configured: "Sessions configured",
  maintenance: "Maintenance notice",
};

/** A queued or sending e-mail untouched this long is checked for a live job. */
export const RECONCILE_GRACE_MS = 30_000;

export const actorKey = (a: Actor) => `${a.platform}:${a.userId}`;
export const requesterOf = (a: Actor): Requester => ({ id: actorKey(a), name: a.userName || a.userId });

export const PEERBOT: Actor = { platform: "console", userId: "peerbot", userName: "peerbot" };

export function loadEmail(db: Database, id: number): Promise<EmailRow | null> {
  return db.prisma.email.findUnique({ where: { id } });
}

export async function requireEmail(db: Database, id: number): Promise<EmailRow> {
  const e = await loadEmail(db, id);
  if (!e) throw new UserError(`There is no e-mail #${id}.`, "`emails` lists the journal.");
  return e;
}

/** Why an e-mail cannot be changed or sent any more, as one sentence. */
export function notDraft(e: EmailRow, what: string): UserError {
  const st = EMAIL_STATUS[e.status];
  return new UserError(
    `E-mail #${e.id} is ${st.label}${e.status === "failed" && e.error ? ` (${clip(e.error, 200)})` : ""}; only a draft can be ${what}.`,
    `\`email ${e.id}\` shows it and its delivery history.`,
  );
}

/**
 * The audit row of a step of an e-mail's life ("email.<what>"), written in the transaction that
 * makes the step, so that no crash leaves the step unaudited.
 */
export async function emailAuditIn(
  tx: Prisma.TransactionClient,
  actor: Actor | null,
  id: number,
  what: string,
  message = "",
): Promise<void> {
  await tx.auditEvent.create({
    data: auditRow({
      actor: actor ?? PEERBOT,
      channel: "",
      command: `email.${what}`,
      args: `#${id}`,
      outcome: "ok",
      message: clip(message, 500),
      objects: [emailObject(id)],
    }),
  });
}

/**
 * Text from the mail server or the transport, fit to store and show: on one line, clipped,
 * and never the SMTP password (the transport keeps it out; this is the second lock).
 */
export function serverText(s: Pick<Services, "config">, text: string, n = 500): string {
  let t = text;
  const secrets = [s.config.PEERBOT_SMTP_PASSWORD, passwordInUrl(s.config.PEERBOT_SMTP_URL)];
  for (const p of secrets) if (p && p.length >= 3) t = t.split(p).join("***");
  return clip(t.replace(/\s+/g, " ").trim(), n);
}

function passwordInUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}
