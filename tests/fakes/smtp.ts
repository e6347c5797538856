// A real SMTP server on loopback for the mail tests (the `smtp-server` package: a complete
// ESMTP implementation with STARTTLS, implicit TLS and AUTH PLAIN/LOGIN), set up the way a
// submission server is: STARTTLS offered, AUTH only over TLS, a throwaway self-signed
// certificate for 127.0.0.1/localhost that the client is told to trust through
// PEERBOT_SMTP_CA_FILE, so tests run with certificate verification on.
//
// It plays the faults a mail workflow must survive, each used once, in order of its kind:
// 421 at connect, 451/452/550 at RCPT, 451/554 at DATA, a connection dropped after the
// message was sent but before the server answered, 535 at AUTH, and a slow server.
// A message is recorded in `received` only when the server answered 250 to it.
import { execFile } from "node:child_process";
import { createHash, randomBytes, verify as cryptoVerify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { simpleParser, type ParsedMail } from "mailparser";
import {
  SMTPServer,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from "smtp-server";

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
  messageId: string;
  subject: string;
}

export type SmtpFault =
  | { at: "connect"; code: 421 } // reject the next connection with 421
  | { at: "rcpt"; code: 451 | 550 | 452; address?: string } // fail RCPT (for that address, or any) once
  | { at: "data"; drop: true } // accept DATA then destroy the socket before replying, once
  | { at: "data"; code: 451 | 554 } // reply to DATA with this code, once
  | { at: "auth"; code: 535 }; // refuse the next AUTH

export interface FakeSmtpOptions {
  /** "starttls" (default): plain TCP, STARTTLS offered; "implicit": TLS from the first byte; "none": no TLS at all. */
  tls?: "starttls" | "implicit" | "none";
  /** The one account (default user "peerbot" with a random password); `false`: no AUTH at all. */
  auth?: { user: string; pass: string } | false;
  /** Delay every reply by this many ms from the start (see slow()). */
  delayMs?: number;
}

/** One AUTH the server saw: whether it was over TLS and whether it was accepted. */
export interface SmtpLogin {
  user: string;
  secure: boolean;
  ok: boolean;
}

// The text after the code; smtp-server puts the enhanced status code (4.3.2 …) in front.
const REPLY_TEXT: Record<number, string> = {
  421: "Service not available, closing transmission channel",
  451: "Requested action aborted: local error in processing",
  452: "Insufficient system storage",
  535: "Authentication credentials invalid",
  550: "Mailbox unavailable",
  554: "Transaction failed: message refused",
};

const smtpError = (code: number) =>
  Object.assign(new Error(REPLY_TEXT[code] ?? "Error"), { responseCode: code });

export class FakeSmtpServer {
  readonly received: ReceivedMail[] = [];
  readonly logins: SmtpLogin[] = [];
  /** How many TCP connections the server has seen (refused ones included). */
  connections = 0;
  readonly url: string;
  readonly env: Record<string, string>;
  readonly user?: string;
  readonly password?: string;
  private faults: SmtpFault[] = [];
  private delay: number;
  private waiters: Array<() => void> = [];
  private messageCounter = 0;

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    private readonly opts: Required<Pick<FakeSmtpOptions, "tls">> & FakeSmtpOptions,
    readonly caFile: string | undefined,
  ) {
    this.delay = opts.delayMs ?? 0;
    const scheme = opts.tls === "implicit" ? "smtps" : "smtp";
    this.url = `${scheme}://127.0.0.1:${port}`;
    const auth = opts.auth || undefined;
    this.user = auth?.user;
    this.password = auth?.pass;
    this.env = {
      PEERBOT_SMTP_URL: auth ? `${scheme}://${encodeURIComponent(auth.user)}@127.0.0.1:${port}` : this.url,
      ...(auth ? { PEERBOT_SMTP_PASSWORD: auth.pass } : {}),
      ...(caFile ? { PEERBOT_SMTP_CA_FILE: caFile } : {}),
    };
  }

  static async start(opts: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
    const tls = opts.tls ?? "starttls";
    const auth =
      opts.auth === false
        ? false
        : (opts.auth ?? { user: "peerbot", pass: `pw-${randomBytes(12).toString("hex")}` });
    const cert = tls === "none" ? undefined : await certificate();
    // The handlers need the instance, which needs the port, which needs the server.
    const ref: { fake?: FakeSmtpServer } = {};
    const self = () => ref.fake as FakeSmtpServer;
    const options: SMTPServerOptions = {
      name: "mx.fake-smtp.test",
      banner: "fake submission server",
      secure: tls === "implicit",
      ...(cert ? { key: cert.key, cert: cert.cert } : {}),
      disabledCommands: [...(tls === "none" ? ["STARTTLS"] : []), ...(auth ? [] : ["AUTH"])],
      authMethods: ["PLAIN", "LOGIN"],
      authOptional: !auth,
      allowInsecureAuth: tls === "none",
      hideENHANCEDSTATUSCODES: false,
      disableReverseLookup: true,
      size: 10 * 1024 * 1024,
      closeTimeout: 100,
      socketTimeout: 30_000,
      maxAllowedUnauthenticatedCommands: false,
      logger: false,
      onConnect: (session, cb) => self().onConnect(session, cb),
      onAuth: (a, session, cb) => self().onAuth(a.username ?? "", a.password ?? "", session, cb),
      onMailFrom: (_addr, _session, cb) => self().later(() => cb()),
      onRcptTo: (addr, _session, cb) => self().onRcptTo(addr.address, cb),
      onData: (stream, session, cb) => self().onData(stream, session, cb),
    };
    const server = new SMTPServer(options);
    server.on("error", () => {}); // a client that vanishes mid-handshake is not a test failure
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.server.address() as AddressInfo).port;
    ref.fake = new FakeSmtpServer(server, port, { ...opts, tls, auth }, cert?.file);
    return ref.fake;
  }

  /** Faults queue up; each is used once, in order of its kind. */
  fault(f: SmtpFault): void {
    this.faults.push(f);
  }

  /** Delay every reply by `ms` from now on (0 to stop). */
  slow(ms: number): void {
    this.delay = ms;
  }

  /** Resolves with `received` once it holds at least `n` messages; rejects after `timeoutMs`. */
  async waitFor(n: number, timeoutMs = 5_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `the fake SMTP server received ${this.received.length} message(s), not ${n}, in ${timeoutMs} ms`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private later(fn: () => void): void {
    if (this.delay > 0) setTimeout(fn, this.delay);
    else fn();
  }

  private take<K extends SmtpFault["at"]>(
    at: K,
    match: (f: Extract<SmtpFault, { at: K }>) => boolean = () => true,
  ): Extract<SmtpFault, { at: K }> | undefined {
    const i = this.faults.findIndex((f) => f.at === at && match(f as Extract<SmtpFault, { at: K }>));
    if (i < 0) return undefined;
    return this.faults.splice(i, 1)[0] as Extract<SmtpFault, { at: K }>;
  }

  private onConnect(_session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    this.connections++;
    const f = this.take("connect");
    this.later(() => cb(f ? smtpError(f.code) : null));
  }

  private onAuth(
    user: string,
    pass: string,
    session: SMTPServerSession,
    cb: (
      err: Error | null | undefined,
      res?: { user?: unknown; responseCode?: number; message?: string },
    ) => void,
  ): void {
    const f = this.take("auth");
    const ok = !f && this.user !== undefined && user === this.user && pass === this.password;
    this.logins.push({ user, secure: session.secure, ok });
    this.later(() => (ok ? cb(null, { user }) : cb(smtpError(f?.code ?? 535))));
  }

  private onRcptTo(address: string, cb: (err?: Error | null) => void): void {
    const f = this.take("rcpt", (x) => !x.address || x.address.toLowerCase() === address.toLowerCase());
    this.later(() => cb(f ? smtpError(f.code) : null));
  }

  private onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    cb: (err?: Error | null, message?: string) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const f = this.take("data");
      if (f && "drop" in f) {
        // The message went over the wire, the server never answered: the socket is cut.
        const conn = [
          ...(this.server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> })
            .connections,
        ].find((c) => c.id === session.id);
        conn?._socket.destroy();
        return;
      }
      if (f) return this.later(() => cb(smtpError(f.code)));
      const raw = Buffer.concat(chunks);
      const queueId = `FAKE${String(++this.messageCounter).padStart(6, "0")}`;
      simpleParser(raw).then(
        (parsed) => {
          this.received.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            raw: raw.toString("utf8"),
            parsed,
            messageId: parsed.messageId ?? "",
            subject: parsed.subject ?? "",
          });
          for (const w of this.waiters.splice(0)) w();
          this.later(() => cb(null, `Ok: queued as ${queueId}`));
        },
        (err: Error) =>
          cb(Object.assign(new Error(`Cannot parse the message: ${err.message}`), { responseCode: 554 })),
      );
    });
  }
}

interface Certificate {
  key: Buffer;
  cert: Buffer;
  /** The certificate's PEM file: the client's CA file (the certificate is its own issuer). */
  file: string;
}

let cached: Promise<Certificate> | undefined;

/** One throwaway self-signed certificate for 127.0.0.1 and localhost per test process. */
function certificate(): Promise<Certificate> {
  cached ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "peerbot-smtp-cert-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    const keyFile = join(dir, "key.pem");
    const certFile = join(dir, "cert.pem");
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ]);
    return { key: readFileSync(keyFile), cert: readFileSync(certFile), file: certFile };
  })();
  return cached;
}

/**
 * Checks a message's DKIM-Signature (rsa-sha256, relaxed/relaxed, RFC 6376 §3.4 and §3.7)
 * against a PEM public key, as a receiving server would after its DNS look-up. Returns why it
 * failed, or undefined when the signature holds.
 */
export function dkimFailure(raw: string, publicKeyPem: string): string | undefined {
  const text = raw.includes("\r\n") ? raw : raw.replace(/\n/g, "\r\n");
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split + 2);
  const body = split < 0 ? "" : text.slice(split + 4);
  // Unfolded header fields, in order, each with its name and its raw value.
  const fields: Array<{ name: string; value: string }> = [];
  for (const line of head.split("\r\n")) {
    if (line === "") continue;
    if (/^[ \t]/.test(line) && fields.length)
      (fields[fields.length - 1] as { value: string }).value += `\r\n${line}`;
    else {
      const at = line.indexOf(":");
      fields.push({ name: line.slice(0, at), value: line.slice(at + 1) });
    }
  }
  const sig = fields.find((f) => f.name.toLowerCase() === "dkim-signature");
  if (!sig) return "no DKIM-Signature header";
  const tags = new Map<string, string>();
  for (const part of sig.value.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) tags.set(part.slice(0, eq).trim(), part.slice(eq + 1).replace(/\s+/g, ""));
  }
  if (tags.get("a") !== "rsa-sha256") return `algorithm ${tags.get("a")}`;
  if (tags.get("c") !== "relaxed/relaxed") return `canonicalization ${tags.get("c")}`;
  // Body: trailing whitespace off every line, runs of whitespace to one space, no empty lines at the end.
  let canonBody = body
    .split("\r\n")
    .map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""))
    .join("\r\n")
    .replace(/(\r\n)*$/, "");
  if (canonBody !== "") canonBody += "\r\n";
  const bh = createHash("sha256").update(canonBody, "utf8").digest("base64");
  if (bh !== tags.get("bh")) return "body hash mismatch";
  const relaxed = (name: string, value: string) =>
    `${name.toLowerCase()}:${value
      .replace(/\r\n/g, "")
      .replace(/[ \t]+/g, " ")
      .trim()}`;
  const used = new Set<number>();
  let signed = "";
  for (const name of (tags.get("h") ?? "").split(":")) {
    // The last instance not yet used, bottom-up (§5.4.2).
    for (let i = fields.length - 1; i >= 0; i--) {
      const f = fields[i] as { name: string; value: string };
      if (!used.has(i) && f.name.toLowerCase() === name.toLowerCase()) {
        used.add(i);
        signed += `${relaxed(f.name, f.value)}\r\n`;
        break;
      }
    }
  }
  signed += relaxed(sig.name, sig.value.replace(/(^|;)(\s*b\s*=)[^;]*/, "$1$2"));
  const ok = cryptoVerify(
    "sha256",
    Buffer.from(signed, "utf8"),
    publicKeyPem,
    Buffer.from(tags.get("b") ?? "", "base64"),
  );
  return ok ? undefined : "signature does not verify";
}
