// An e-mail's references, printed and parsed here only: the ids its buttons carry, its job
// ids, its Message-ID, its tracked messages and its audit objects. Every other module asks
// this one.
import { randomUUID } from "node:crypto";

/** The button actions of e-mails and batches, as the commands register them. */
export const EMAIL_ACTIONS = {
  send: "email.send",
  edit: "email.edit",
  cancel: "email.cancel",
  sendBatch: "emails.send",
  cancelBatch: "emails.cancel",
  retryBatch: "emails.retry",
  /** On a deployed change's message: draft the sessions-configured e-mail (the id is the change's). */
  tell: "email.tell",
} as const;
export type EmailAction = keyof typeof EMAIL_ACTIONS;

/** A button's action id: `email.send:12`. */
export const emailActionId = (action: EmailAction, id: number) => `${EMAIL_ACTIONS[action]}:${id}`;

/** The id in a button's argument, or null when it is not one. */
export function parseEmailId(arg: string): number | null {
  const m = /^#?(\d{1,9})$/.exec(arg.trim());
  return m ? Number(m[1]) : null;
}

/** The domain of an address or of a "Name <addr@domain>" header value ("localhost" when none). */
export function domainOf(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return (m?.[1] ?? "localhost").toLowerCase();
}

/** A new Message-ID for a message from `from`: `<uuid@domain>`, fixed for every attempt. */
export const newMessageId = (from: string) => `<${randomUUID()}@${domainOf(from)}>`;

/** The uuid of a Message-ID made by newMessageId (unique across databases). */
export function messageUuid(messageId: string): string {
  const m = /^<([0-9a-f-]{36})@/i.exec(messageId);
  // Any other Message-ID still gives a stable id that a queue accepts.
  return m ? (m[1] as string).toLowerCase() : messageId.replace(/[^A-Za-z0-9.-]/g, "_").slice(0, 120);
}

/**
 * The job of an e-mail's n-th delivery attempt. Made of the Message-ID's uuid, so a restored
 * database on a Redis that remembers an old job never has its job skipped; one id per attempt,
 * so a job that turns up late for an attempt already made does nothing.
 */
export const emailJobId = (e: { messageId: string }, attempt: number) =>
  `email-${messageUuid(e.messageId)}-${attempt}`;

/** The tracked message of an e-mail (its preview, then its delivery) and of a batch. */
export const emailTrack = (id: number) => `email:${id}`;
export const batchTrack = (id: number) => `email-batch:${id}`;

/** Audit objects. */
export const emailObject = (id: number) => `email:${id}`;
export const batchObject = (id: number) => `email-batch:${id}`;

/**
 * The Tell AS<n> button of a deployed change that set up IXP sessions with a network (a `peer`
 * change): a press drafts the sessions-configured e-mail. None for any other change.
 */
export function tellButtons(c: { id: number; status: string; summary: string; effects: unknown }): {
  label: string;
  intent: { action: (typeof EMAIL_ACTIONS)["tell"]; id: number };
}[] {
  if (c.status !== "deployed") return [];
  const m = /^peer AS(\d{1,10})\b/.exec(c.summary);
  const effects = Array.isArray(c.effects) ? (c.effects as { kind?: unknown; onDeploy?: unknown }[]) : [];
  if (!m || !effects.some((e) => e?.kind === "ixp" && e.onDeploy === "enabled")) return [];
  return [{ label: `Tell AS${m[1]}`, intent: { action: EMAIL_ACTIONS.tell, id: c.id } }];
}
