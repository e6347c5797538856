// The outbox mailer: no SMTP server configured, so each e-mail becomes a `<message-id>.eml`
// file in PEERBOT_DATA_DIR/outbox/, the demo's embedded default (like the embedded database).
// The file is the exact message an SMTP server would have received (DKIM-signed when DKIM is
// configured, no Bcc header), written to a temporary name and renamed, so that a reader never
// sees half a file; the same Message-ID always maps to the same file, so a retry overwrites
// it instead of adding a second.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Transporter } from "nodemailer";
import type { Logger } from "../../core/log.js";
import { MailError, type MailResult, type Mailer, type OutgoingMail } from "../../core/ports.js";
import { allRecipients, messageOptions } from "./message.js";
import type { DkimSettings } from "./settings.js";

/** A file name for a Message-ID: its safe characters, plus a short hash when any were dropped. */
export function outboxFileName(messageId: string): string {
  const bare = messageId.replace(/^<|>$/g, "");
  let safe = bare
    .replace(/[^A-Za-z0-9._@+=-]/g, "_")
    .replace(/^[.]+/, "_")
    .slice(0, 150);
  if (safe !== bare || safe === "")
    safe = `${safe}~${createHash("sha256").update(messageId).digest("hex").slice(0, 12)}`;
  return `${safe}.eml`;
}

export function outboxMailer(dir: string, dkim: DkimSettings | undefined, log: Logger): Mailer {
  // nodemailer is loaded with the first message: most processes write none.
  let opening: Promise<Transporter> | undefined;
  const open = (): Promise<Transporter> =>
    (opening ??= import("nodemailer").then((m) =>
      m.default.createTransport({
        streamTransport: true,
        buffer: true,
        newline: "windows",
        dkim: dkim ? { ...dkim } : undefined,
      }),
    ));
  log.debug("mail: no PEERBOT_SMTP_URL; e-mails are written as .eml files", { outbox: dir });
  return {
    kind: "outbox",
    describe: `${dir}/`,
    async send(mail: OutgoingMail): Promise<MailResult> {
      // As the SMTP server would receive it: the Bcc recipients are in the journal, not the file.
      const options = {
        ...messageOptions(mail),
        bcc: undefined,
        envelope: { from: mail.from, to: allRecipients(mail) },
      };
      const file = join(dir, outboxFileName(mail.messageId));
      const tmp = join(dir, `.${randomBytes(6).toString("hex")}.tmp`);
      try {
        const info = await (await open()).sendMail(options);
        await mkdir(dir, { recursive: true });
        await writeFile(tmp, info.message as Buffer, { mode: 0o640 });
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true }).catch(() => {});
        if (err instanceof MailError) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        throw new MailError(
          `The e-mail could not be written to ${dir}/ (${code ?? (err as Error).message}).`,
          code !== "EACCES" && code !== "EROFS" && code !== "ENOTDIR",
        );
      }
      log.debug("mail: written to the outbox", { messageId: mail.messageId, file });
      return { response: `written to ${file}`, accepted: allRecipients(mail), rejected: [] };
    },
    async close() {
      await opening?.then(
        (t) => t.close(),
        () => {},
      );
    },
  };
}
