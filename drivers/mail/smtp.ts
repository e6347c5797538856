// The SMTP mailer: nodemailer's pooled transport, so a bulk send reuses PEERBOT_SMTP_POOL
// connections instead of opening one per message.
//
// TLS: smtps:// is TLS from the first byte. smtp:// upgrades with STARTTLS whenever the server
// offers it, and when peerbot has credentials it insists on it (requireTLS): a password is
// never sent in clear text, whatever the server advertises. The certificate is verified
// against the system CAs, or PEERBOT_SMTP_CA_FILE, unless PEERBOT_SMTP_TLS_VERIFY=false.
//
// Timeouts are short enough that a dead or stalled server is a transient failure within
// seconds: connecting, the greeting, any silence on the socket, and the whole transaction of
// one message (counted from the moment it has a connection slot, not while it waits for one).
import type { Transporter } from "nodemailer";
import type { Logger } from "../../core/log.js";
import { MailError, type MailResult, type Mailer, type OutgoingMail } from "../../core/ports.js";
import { classifySmtpError, cleanReply, secretsOf } from "./errors.js";
import { messageOptions } from "./message.js";
import { describeTarget, type DkimSettings, type SmtpTarget } from "./settings.js";

export interface MailTimeouts {
  /** TCP connect (and DNS). */
  connectMs: number;
  /** The server's 220 greeting after connecting. */
  greetingMs: number;
  /** Any silence on an open connection. */
  socketMs: number;
  /** One message, from MAIL FROM to the reply to DATA (connecting included when needed). */
  sendMs: number;
}

export const DEFAULT_TIMEOUTS: MailTimeouts = {
  connectMs: 10_000,
  greetingMs: 15_000,
  socketMs: 30_000,
  sendMs: 60_000,
};

/** At most `n` holders at once; the others wait in order. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = n;
  }
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export function smtpMailer(
  target: SmtpTarget,
  dkim: DkimSettings | undefined,
  log: Logger,
  timeouts: MailTimeouts = DEFAULT_TIMEOUTS,
): Mailer {
  const where = describeTarget(target);
  const secrets = secretsOf(target);
  const auth = target.user ? { user: target.user, pass: target.pass ?? "" } : undefined;
  // nodemailer is loaded, and the pool made, with the first message (or verify): most
  // processes send none (an idle `peerbot worker` keeps about 2 MB of heap less). One
  // promise, so that messages sent at once share one pool.
  let opening: Promise<Transporter> | undefined;
  const open = (): Promise<Transporter> =>
    (opening ??= import("nodemailer").then((m) =>
      m.default.createTransport({
        pool: true,
        maxConnections: target.pool,
        maxMessages: 100,
        // The pool puts a message back in its queue only when its connection was lost before a
        // byte of it was sent (a reused connection the server had closed); a connection lost after
        // that fails the message (transient), and the job retries it, journaled, same Message-ID.
        maxRequeues: 2,
        idleTimeout: 60_000,
        host: target.host,
        port: target.port,
        secure: target.implicitTls,
        requireTLS: !target.implicitTls && auth !== undefined,
        auth,
        tls: {
          ca: target.ca,
          rejectUnauthorized: target.verifyTls,
          minVersion: "TLSv1.2",
        },
        connectionTimeout: timeouts.connectMs,
        dnsTimeout: timeouts.connectMs,
        greetingTimeout: timeouts.greetingMs,
        socketTimeout: timeouts.socketMs,
        logger: false,
        debug: false,
        dkim: dkim ? { ...dkim } : undefined,
      }),
    ));
  const slots = new Slots(target.pool);
  let closed = false;
  log.info("mail: sending through SMTP", {
    server: where.slice(5),
    tls: target.implicitTls ? "implicit" : auth ? "STARTTLS required" : "STARTTLS when offered",
    verify: target.verifyTls,
    auth: auth ? "yes" : "no",
    pool: target.pool,
    dkim: dkim ? `d=${dkim.domainName} s=${dkim.keySelector}` : "off",
  });

  return {
    kind: "smtp",
    describe: where,
    async send(mail: OutgoingMail): Promise<MailResult> {
      if (closed) throw new MailError(`The mailer for ${where} is closed.`, true);
      const options = messageOptions(mail);
      const release = await slots.acquire();
      try {
        const info = await (
          await open()
        ).sendMail({ ...options, signal: AbortSignal.timeout(timeouts.sendMs) });
        const address = (a: string | { address: string }) => (typeof a === "string" ? a : a.address);
        const result: MailResult = {
          response: cleanReply(String(info.response ?? ""), secrets),
          accepted: (info.accepted ?? []).map(address),
          rejected: (info.rejected ?? []).map(address),
        };
        log.debug("mail: sent", {
          messageId: mail.messageId,
          response: result.response,
          rejected: result.rejected.length || undefined,
        });
        return result;
      } catch (err) {
        const e = classifySmtpError(err, { where, secrets, timeouts });
        log.warn("mail: not sent", {
          messageId: mail.messageId,
          error: e.message,
          transient: e.transient,
          code: e.code,
        });
        throw e;
      } finally {
        release();
      }
    },
    async verify() {
      try {
        await (await open()).verify();
      } catch (err) {
        throw classifySmtpError(err, { where, secrets, timeouts });
      }
    },
    async close() {
      closed = true;
      await opening?.then(
        (t) => t.close(),
        () => {},
      );
    },
  };
}
