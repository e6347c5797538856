// The Mailer port's implementations: SMTP through nodemailer when PEERBOT_SMTP_URL is set
// (drivers/mail/smtp.ts), else .eml files in PEERBOT_DATA_DIR/outbox/ (outbox.ts). Settings
// that cannot be used (an unreadable CA or DKIM key file, half the DKIM settings) stop
// start-up with a ConfigError naming the setting.
import { join } from "node:path";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/log.js";
import type { Mailer } from "../../core/ports.js";
import { outboxMailer } from "./outbox.js";
import { dkimSettings, smtpTarget } from "./settings.js";
import { DEFAULT_TIMEOUTS, smtpMailer, type MailTimeouts } from "./smtp.js";

export type { MailTimeouts } from "./smtp.js";
export { DEFAULT_TIMEOUTS } from "./smtp.js";

export interface MailerOptions {
  /** Shorter or longer SMTP timeouts than the defaults (tests, a slow relay). */
  timeouts?: Partial<MailTimeouts>;
}

export function createMailer(config: Config, log: Logger, opts: MailerOptions = {}): Mailer {
  const dkim = dkimSettings(config);
  const target = smtpTarget(config);
  if (!target) return outboxMailer(join(config.PEERBOT_DATA_DIR, "outbox"), dkim, log);
  return smtpMailer(target, dkim, log, { ...DEFAULT_TIMEOUTS, ...opts.timeouts });
}
