// The Mailer port's implementations: SMTP through nodemailer when PEERBOT_SMTP_URL is set, else
// .eml files in PEERBOT_DATA_DIR/outbox/ (the demo's embedded default, like the embedded database).
// (First cut: the outbox only; the SMTP transport is being written.)
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/log.js";
import type { MailResult, Mailer, OutgoingMail } from "../../core/ports.js";

export function createMailer(config: Config, _log: Logger): Mailer {
  const dir = join(config.PEERBOT_DATA_DIR, "outbox");
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "outbox",
    describe: `${dir}/`,
    async send(mail: OutgoingMail): Promise<MailResult> {
      const info = await transport.sendMail({ ...mail, messageId: mail.messageId });
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${mail.messageId.replace(/[^A-Za-z0-9.@-]/g, "")}.eml`);
      await writeFile(file, info.message as Buffer);
      return {
        response: `written to ${file}`,
        accepted: [...mail.to, ...mail.cc, ...mail.bcc],
        rejected: [],
      };
    },
    async close() {
      transport.close();
    },
  };
}
