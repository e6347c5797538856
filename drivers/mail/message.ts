// An OutgoingMail as nodemailer's message options, the same for SMTP and the outbox. The
// composer (core/email) has already validated the addresses and made every header value one
// line; this is the last guard before the wire: a line break in an address or the Message-ID
// is refused (it could add a header), one in the subject is folded to a space.
import type { SendMailOptions } from "nodemailer";
import { MailError, type OutgoingMail } from "../../core/ports.js";
import { singleLine } from "../../core/text.js";

const CONTROL = /[\p{Cc}\u2028\u2029]+/gu;
const HAS_CONTROL = /[\p{Cc}\u2028\u2029]/u;
/** "<local@domain>": what RFC 5322 calls a msg-id, with no space or bracket inside. */
const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;

export function messageOptions(mail: OutgoingMail): SendMailOptions {
  if (!MESSAGE_ID.test(mail.messageId))
    throw new MailError(
      `The Message-ID "${singleLine(mail.messageId, 80)}" is not of the form <id@domain>.`,
      false,
    );
  const addresses: Array<[string, string[]]> = [
    ["From", [mail.from]],
    ["Reply-To", mail.replyTo ? [mail.replyTo] : []],
    ["To", mail.to],
    ["Cc", mail.cc],
    ["Bcc", mail.bcc],
  ];
  for (const [header, values] of addresses)
    for (const v of values)
      if (HAS_CONTROL.test(v))
        throw new MailError(`The ${header} address contains a line break or a control character.`, false);
  if (mail.to.length + mail.cc.length + mail.bcc.length === 0)
    throw new MailError("The e-mail has no recipient.", false);
  return {
    messageId: mail.messageId,
    from: mail.from,
    replyTo: mail.replyTo || undefined,
    to: mail.to,
    cc: mail.cc.length ? mail.cc : undefined,
    bcc: mail.bcc.length ? mail.bcc : undefined,
    subject: mail.subject.replace(CONTROL, " "),
    text: mail.text,
    html: mail.html || undefined,
    // The envelope is the same addresses; nodemailer derives it and never writes a Bcc header.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** Every recipient of a message, in order (envelope order: To, Cc, Bcc). */
export function allRecipients(mail: OutgoingMail): string[] {
  return [...mail.to, ...mail.cc, ...mail.bcc];
}
