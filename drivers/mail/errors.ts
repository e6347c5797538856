// What went wrong talking to the SMTP server, as one MailError sentence: transient (retry with
// backoff: the connection, a timeout, a 4xx reply) or permanent (a 5xx reply, refused
// credentials, a certificate we do not trust). The server's own reply is quoted, on one line
// and clipped; every text that leaves here is first scrubbed of the SMTP password (and of its
// base64 forms, which is how AUTH PLAIN and LOGIN carry it).
import type { NodemailerError } from "nodemailer";
import { singleLine } from "../../core/text.js";
import { MailError } from "../../core/ports.js";
import type { MailTimeouts } from "./smtp.js";
import type { SmtpTarget } from "./settings.js";

export const REDACTED = "[redacted]";

/** The strings that must never appear in a message, a log line or a reply we quote. */
export function secretsOf(t: Pick<SmtpTarget, "user" | "pass">): string[] {
  if (!t.pass) return [];
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  const forms = [
    t.pass,
    encodeURIComponent(t.pass),
    b64(t.pass),
    b64(`\0${t.user ?? ""}\0${t.pass}`),
    b64(`${t.user ?? ""}\0${t.user ?? ""}\0${t.pass}`),
  ];
  return [...new Set(forms)].filter((s) => s.length >= 3).sort((a, b) => b.length - a.length);
}

export function scrub(text: string, secrets: string[]): string {
  let s = text;
  for (const secret of secrets) s = s.split(secret).join(REDACTED);
  return s;
}

/** A server's reply for people: scrubbed, one line, at most 200 characters. */
export function cleanReply(text: string, secrets: string[] = []): string {
  return singleLine(scrub(text, secrets), 200);
}

const CERT_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
]);

const NETWORK: Record<string, string> = {
  ECONNREFUSED: "refused the connection",
  ECONNRESET: "reset the connection",
  EHOSTUNREACH: "cannot be reached (no route to host)",
  ENETUNREACH: "cannot be reached (network unreachable)",
  EPIPE: "closed the connection while peerbot was writing",
  EADDRNOTAVAIL: "cannot be reached (address not available)",
};

const TIMEOUT_STAGE: Record<string, [string, keyof MailTimeouts]> = {
  CONNECT_TIMEOUT: ["accept the connection", "connectMs"],
  GREETING_TIMEOUT: ["send its greeting", "greetingMs"],
  UPGRADE_TIMEOUT: ["complete the TLS handshake", "connectMs"],
  SOCKET_TIMEOUT: ["answer", "socketMs"],
};

export interface ErrorContext {
  /** "SMTP mail.example.net:587". */
  where: string;
  secrets: string[];
  timeouts: MailTimeouts;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** Any error of a send, as a MailError whose message is one sentence without a secret. */
export function classifySmtpError(err: unknown, ctx: ErrorContext): MailError {
  if (err instanceof MailError)
    return new MailError(scrub(err.message, ctx.secrets), err.transient, err.code);
  const e = (err ?? {}) as NodemailerError;
  const server = `The ${ctx.where.replace(/^SMTP /, "SMTP server ")}`;
  const hostPort = ctx.where.replace(/^SMTP /, "");
  const reply = (r: string | undefined) => cleanReply(r ?? "", ctx.secrets);
  const text = cleanReply(e.message ?? String(err), ctx.secrets);
  const command = (e.command ?? "").toUpperCase();
  const nodeCode = e.originalCode ?? (typeof e.code === "string" ? e.code : "");
  // One sentence: a quoted reply that ends with its own full stop does not get a second.
  const made = (message: string, transient: boolean, code?: number) =>
    new MailError(scrub(message, ctx.secrets).replace(/([.!?])\.$/, "$1"), transient, code);
  const byReply = (code: number, permanent?: boolean) =>
    permanent === undefined ? !(code >= 500 && code !== 503) : !permanent;

  // Refused recipients: every one of them (a partial refusal is a success with `rejected`).
  if (e.code === "EENVELOPE" && e.rejectedErrors?.length) {
    const first = e.rejectedErrors[0] as NodemailerError;
    const code = first.responseCode ?? e.responseCode;
    const who = first.recipient ?? e.rejected?.[0];
    const many = e.rejected && e.rejected.length > 1 ? e.rejected.length : 0;
    const what = reply(first.response ?? first.message);
    return made(
      many
        ? `${server} refused all ${many} recipients (${who}: ${what}).`
        : `${server} refused the recipient${who ? ` ${who}` : ""}: ${what}.`,
      code === undefined ? true : byReply(code, first.permanent),
      code,
    );
  }

  if (e.code === "EAUTH" || e.code === "ENOAUTH") {
    const code = e.responseCode;
    if (e.code === "ENOAUTH")
      return made(`${server} asks for authentication, but PEERBOT_SMTP_URL names no user.`, false);
    if (code !== undefined && code >= 400 && code < 500)
      return made(
        `${server} could not check the SMTP credentials just now: ${reply(e.response)}.`,
        true,
        code,
      );
    return made(
      `${server} refused the SMTP credentials (the user in PEERBOT_SMTP_URL and its password)${e.response ? `: ${reply(e.response)}` : ""}.`,
      false,
      code,
    );
  }

  // requireTLS (we have a password) and the server has no STARTTLS: 502/500 to STARTTLS.
  if (e.code === "ETLS" && command === "STARTTLS" && e.responseCode !== undefined && e.responseCode >= 500)
    return made(
      `${server} does not offer STARTTLS, and peerbot does not send the SMTP password in clear text; use smtps:// or a server with STARTTLS.`,
      false,
      e.responseCode,
    );

  if (e.responseCode !== undefined) {
    const code = e.responseCode;
    const stage = command.startsWith("MAIL")
      ? "refused the sender"
      : command.startsWith("RCPT")
        ? "refused the recipient"
        : e.code === "EMESSAGE" || command === "DATA" || command.endsWith("DATA")
          ? "refused the message"
          : command === "CONN" || command === "" || command === "GREETING"
            ? "turned the connection away"
            : `answered ${command.split(" ")[0]} with an error`;
    return made(`${server} ${stage}: ${reply(e.response ?? e.message)}.`, byReply(code, e.permanent), code);
  }

  if (CERT_CODES.has(nodeCode) || /certificate/i.test(e.message ?? "")) {
    return made(
      `The TLS certificate of ${hostPort} was not accepted (${nodeCode || text}); set PEERBOT_SMTP_CA_FILE to the CA that signed it, or PEERBOT_SMTP_TLS_VERIFY=false in a lab.`,
      false,
    );
  }

  if (e.code === "EDNS")
    return made(
      `The SMTP server name ${hostPort.replace(/:\d+$/, "")} could not be resolved (${nodeCode === "EDNS" ? text : nodeCode}).`,
      true,
    );

  if (e.code === "ETIMEDOUT") {
    const [what, key] = TIMEOUT_STAGE[e.timeoutType ?? ""] ?? ["answer", "socketMs"];
    return made(`${server} did not ${what} within ${seconds(ctx.timeouts[key])}.`, true);
  }

  if (e.code === "EABORT" || (err as Error)?.name === "AbortError")
    return made(`${server} did not finish taking the message within ${seconds(ctx.timeouts.sendMs)}.`, true);

  if (NETWORK[nodeCode]) return made(`${server} ${NETWORK[nodeCode]}.`, true);

  if (e.code === "ECONNECTION") {
    const during =
      command && command !== "CONN" && command !== "API" ? ` during ${command.split(" ")[0]}` : "";
    return made(`${server} closed the connection${during} before it answered.`, true);
  }

  if (e.code === "ETLS") return made(`The TLS handshake with ${hostPort} failed: ${text}.`, true);

  return made(`Sending through ${hostPort} failed: ${text}.`, true);
}
