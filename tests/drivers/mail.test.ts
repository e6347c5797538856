// The mail transport against a real SMTP server on loopback (tests/fakes/smtp.ts): STARTTLS
// and implicit TLS with certificate verification, AUTH, what arrives (recipients, headers,
// Message-ID, parts, DKIM), every fault as the right MailError, timeouts, the connection
// pool, and the outbox. The SMTP password is looked for in every error, log line and
// description, and must never be found.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../core/config.js";
import { createLogger } from "../../core/log.js";
import { MailError, type Mailer, type OutgoingMail } from "../../core/ports.js";
import { createMailer, type MailTimeouts } from "../../drivers/mail/index.js";
import { outboxFileName } from "../../drivers/mail/outbox.js";
import { dkimFailure, FakeSmtpServer, type SmtpFault } from "../fakes/smtp.js";

const tmp = mkdtempSync(join(tmpdir(), "peerbot-mail-test-"));
const logLines: string[] = [];
const log = createLogger("debug", (l) => logLines.push(l));
const mailers: Mailer[] = [];
/** Every password any test used: none may appear in an error, a log line or a description. */
const passwords = new Set<string>();
const seen: string[] = [];

function mailerFor(env: Record<string, string>, timeouts?: Partial<MailTimeouts>): Mailer {
  const m = createMailer(loadConfig({ PEERBOT_DATA_DIR: tmp, ...env }), log, { timeouts });
  mailers.push(m);
  seen.push(m.describe);
  return m;
}

let n = 0;
function mail(over: Partial<OutgoingMail> = {}): OutgoingMail {
  n++;
  return {
    messageId: `<${Date.now().toString(36)}.${n}.${randomBytes(3).toString("hex")}@peerbot.example.net>`,
    from: "AS64500 Peering <peering@example.net>",
    replyTo: "noc@example.net",
    to: ["peering@he.net"],
    cc: ["noc@he.net"],
    bcc: ["archive@example.net"],
    subject: "Peering request: AS64500 ↔ AS6939 at LINX LON1 (Zürich team)",
    text: "Hello Hurricane Electric,\n\nWe would like to peer with you at LINX LON1.\n",
    html: "<p>Hello Hurricane Electric,</p><p>We would like to peer with you at <b>LINX LON1</b>.</p>",
    ...over,
  };
}

/** The MailError a send throws (fails the test when it resolves). */
async function failure(m: Mailer, msg: OutgoingMail): Promise<MailError> {
  const err = await m.send(msg).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the send should have failed").toBeInstanceOf(MailError);
  const e = err as MailError;
  seen.push(e.message);
  expect(e.message).not.toContain("\n");
  expect(e.message.length).toBeLessThan(400);
  return e;
}

describe("mail transport over SMTP", () => {
  let smtp: FakeSmtpServer;
  let mailer: Mailer;

  beforeAll(async () => {
    smtp = await FakeSmtpServer.start();
    passwords.add(smtp.password as string);
    mailer = mailerFor(smtp.env);
  });
  afterAll(async () => {
    await smtp.close();
  });

  it("delivers over STARTTLS with AUTH and a verified certificate: recipients, headers, parts as given", async () => {
    expect(smtp.env.PEERBOT_SMTP_URL).toMatch(/^smtp:\/\/peerbot@127\.0\.0\.1:\d+$/);
    expect(mailer.kind).toBe("smtp");
    expect(mailer.describe).toBe(`SMTP 127.0.0.1:${smtp.port}`);
    const before = smtp.received.length;
    const m = mail();
    const result = await mailer.send(m);
    expect(result.response).toMatch(/^250 .*queued as FAKE\d+$/);
    expect(result.accepted).toEqual(["peering@he.net", "noc@he.net", "archive@example.net"]);
    expect(result.rejected).toEqual([]);

    const [got] = (await smtp.waitFor(before + 1)).slice(before);
    expect(got?.envelope).toEqual({
      from: "peering@example.net",
      to: ["peering@he.net", "noc@he.net", "archive@example.net"],
    });
    expect(got?.messageId).toBe(m.messageId);
    expect(got?.raw.match(/^Message-ID:/gim)).toHaveLength(1);
    expect(got?.subject).toBe(m.subject);
    expect(got?.parsed.from?.value).toEqual([{ address: "peering@example.net", name: "AS64500 Peering" }]);
    expect(got?.parsed.replyTo?.value[0]?.address).toBe("noc@example.net");
    const addrs = (x: unknown) =>
      ([] as Array<{ value: Array<{ address?: string }> }>)
        .concat((x as never) ?? [])
        .flatMap((a) => a.value.map((v) => v.address));
    expect(addrs(got?.parsed.to)).toEqual(["peering@he.net"]);
    expect(addrs(got?.parsed.cc)).toEqual(["noc@he.net"]);
    expect(got?.parsed.bcc).toBeUndefined();
    expect(got?.raw).not.toMatch(/^bcc:/im);
    expect(got?.raw).not.toContain("archive@example.net");
    expect(got?.parsed.text).toContain("We would like to peer with you at LINX LON1.");
    expect(got?.parsed.html).toContain("<b>LINX LON1</b>");
    expect(smtp.logins.length).toBeGreaterThan(0);
    expect(smtp.logins.every((l) => l.secure && l.ok && l.user === "peerbot")).toBe(true);
  });

  it("delivers over implicit TLS (smtps://)", async () => {
    const tls = await FakeSmtpServer.start({ tls: "implicit" });
    try {
      passwords.add(tls.password as string);
      expect(tls.env.PEERBOT_SMTP_URL).toMatch(/^smtps:\/\//);
      const m = mail({ html: undefined, cc: [], bcc: [] });
      const r = await mailerFor(tls.env).send(m);
      expect(r.accepted).toEqual(["peering@he.net"]);
      const [got] = await tls.waitFor(1);
      expect(got?.messageId).toBe(m.messageId);
      expect(got?.parsed.html).toBe(false);
      expect(tls.logins).toEqual([{ user: "peerbot", secure: true, ok: true }]);
    } finally {
      await tls.close();
    }
  });

  it("takes the password from the URL too, percent-encoded, and never shows it", async () => {
    const pass = `p@ss:w/rd%${randomBytes(4).toString("hex")}`;
    const own = await FakeSmtpServer.start({ auth: { user: "bot@example.net", pass } });
    try {
      passwords.add(pass);
      const url = `smtp://${encodeURIComponent("bot@example.net")}:${encodeURIComponent(pass)}@127.0.0.1:${own.port}`;
      const m = mailerFor({ PEERBOT_SMTP_URL: url, PEERBOT_SMTP_CA_FILE: own.caFile as string });
      expect(m.describe).toBe(`SMTP 127.0.0.1:${own.port}`);
      await m.send(mail());
      expect(own.logins).toEqual([{ user: "bot@example.net", secure: true, ok: true }]);
      own.fault({ at: "auth", code: 535 });
      const m2 = mailerFor({ PEERBOT_SMTP_URL: url, PEERBOT_SMTP_CA_FILE: own.caFile as string });
      const e = await failure(m2, mail());
      expect(e.transient).toBe(false);
    } finally {
      await own.close();
    }
  });

  it("never sends the password in clear text: no STARTTLS on offer is a permanent error", async () => {
    const plain = await FakeSmtpServer.start({ tls: "none" });
    try {
      passwords.add(plain.password as string);
      const e = await failure(mailerFor(plain.env), mail());
      expect(e.transient).toBe(false);
      expect(e.message).toMatch(
        /does not offer STARTTLS, and peerbot does not send the SMTP password in clear text/,
      );
      expect(plain.logins).toEqual([]);
      expect(plain.received).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it("without credentials, a server without TLS still gets the mail (a lab relay)", async () => {
    const relay = await FakeSmtpServer.start({ tls: "none", auth: false });
    try {
      expect(relay.env).toEqual({ PEERBOT_SMTP_URL: relay.url });
      await mailerFor(relay.env).send(mail());
      expect(await relay.waitFor(1)).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });

  it("refuses a certificate it cannot verify, unless told not to verify", async () => {
    const { PEERBOT_SMTP_CA_FILE: _ca, ...noCa } = smtp.env;
    const e = await failure(mailerFor(noCa), mail());
    expect(e.transient).toBe(false);
    expect(e.message).toMatch(
      /TLS certificate of 127\.0\.0\.1:\d+ was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\)/,
    );
    expect(e.message).toContain("PEERBOT_SMTP_CA_FILE");
    const before = smtp.received.length;
    await mailerFor({ ...noCa, PEERBOT_SMTP_TLS_VERIFY: "false" }).send(mail());
    expect(await smtp.waitFor(before + 1)).toHaveLength(before + 1);
  });

  it("signs with DKIM when configured, and the signature verifies", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyFile = join(tmp, "dkim.pem");
    writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
    const m = mailerFor({
      ...smtp.env,
      PEERBOT_DKIM_DOMAIN: "example.net",
      PEERBOT_DKIM_SELECTOR: "peerbot2026",
      PEERBOT_DKIM_KEY_FILE: keyFile,
    });
    const before = smtp.received.length;
    const msg = mail();
    await m.send(msg);
    const got = (await smtp.waitFor(before + 1))[before];
    const raw = got?.raw ?? "";
    const header = raw.split(/\r?\n\r?\n/)[0]?.replace(/\r?\n[ \t]+/g, " ") ?? "";
    expect(header).toMatch(
      /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.net; q=dns\/txt; s=peerbot2026;/im,
    );
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(dkimFailure(raw, pem)).toBeUndefined();
    // The verifier is not a rubber stamp: a changed subject or body breaks the signature.
    expect(dkimFailure(raw.replace("Subject: ", "Subject: Re: "), pem)).toBe("signature does not verify");
    expect(dkimFailure(raw.replace("LINX LON1", "LINX LON2"), pem)).toBe("body hash mismatch");
    expect(
      dkimFailure(
        raw,
        generateKeyPairSync("rsa", { modulusLength: 2048 })
          .publicKey.export({ type: "spki", format: "pem" })
          .toString(),
      ),
    ).toBe("signature does not verify");
    // Without DKIM settings there is no signature.
    expect(smtp.received[0]?.raw).not.toMatch(/^DKIM-Signature:/im);
  });

  it("stops start-up with a ConfigError naming the setting for unusable DKIM, CA and URL settings", () => {
    const start = (env: Record<string, string>) => {
      try {
        createMailer(loadConfig({ PEERBOT_DATA_DIR: tmp, ...env }), log);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems.join(" | ");
      }
      throw new Error("createMailer accepted the settings");
    };
    const notAKey = join(tmp, "not-a-key.pem");
    writeFileSync(notAKey, "SECRET-MATERIAL-4711 is not a key\n");
    const dkim = { PEERBOT_DKIM_DOMAIN: "example.net", PEERBOT_DKIM_SELECTOR: "s1" };
    expect(start({ ...dkim, PEERBOT_DKIM_KEY_FILE: join(tmp, "missing.pem") })).toBe(
      `PEERBOT_DKIM_KEY_FILE: cannot read ${join(tmp, "missing.pem")} (no such file)`,
    );
    const bad = start({ ...dkim, PEERBOT_DKIM_KEY_FILE: notAKey });
    expect(bad).toBe(`PEERBOT_DKIM_KEY_FILE: ${notAKey} is not a PEM RSA private key`);
    expect(bad).not.toContain("SECRET-MATERIAL");
    const ed = join(tmp, "ed25519.pem");
    writeFileSync(ed, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }));
    expect(start({ ...dkim, PEERBOT_DKIM_KEY_FILE: ed })).toContain("is not a PEM RSA private key");
    expect(start({ PEERBOT_DKIM_DOMAIN: "example.net" })).toMatch(
      /^PEERBOT_DKIM_SELECTOR: DKIM signing needs .* \| PEERBOT_DKIM_KEY_FILE: /,
    );
    expect(start({ ...smtp.env, PEERBOT_SMTP_CA_FILE: join(tmp, "no-ca.pem") })).toBe(
      `PEERBOT_SMTP_CA_FILE: cannot read ${join(tmp, "no-ca.pem")} (no such file)`,
    );
    const noUser = start({
      PEERBOT_SMTP_URL: "smtp://127.0.0.1:2525",
      PEERBOT_SMTP_PASSWORD: "orphan-secret",
    });
    expect(noUser).toMatch(/^PEERBOT_SMTP_URL: a password is set but the URL names no user/);
    expect(noUser).not.toContain("orphan-secret");
    expect(start({ PEERBOT_SMTP_URL: "smtp://peerbot@127.0.0.1:2525" })).toMatch(
      /^PEERBOT_SMTP_PASSWORD: PEERBOT_SMTP_URL names a user but no password is given/,
    );
  });

  const cases: Array<{
    name: string;
    faults: SmtpFault[];
    to?: string[];
    transient: boolean;
    code?: number;
    message: RegExp;
  }> = [
    {
      name: "421 at connect",
      faults: [{ at: "connect", code: 421 }],
      transient: true,
      code: 421,
      message:
        /^The SMTP server 127\.0\.0\.1:\d+ turned the connection away: 421 Service not available, closing transmission channel\.$/,
    },
    {
      name: "451 at RCPT",
      faults: [{ at: "rcpt", code: 451 }],
      transient: true,
      code: 451,
      message:
        /^The SMTP server 127\.0\.0\.1:\d+ refused the recipient peering@he\.net: 451 4\.\d\.\d .*local error in processing\.$/,
    },
    {
      name: "452 at RCPT",
      faults: [{ at: "rcpt", code: 452, address: "peering@he.net" }],
      transient: true,
      code: 452,
      message: /refused the recipient peering@he\.net: 452 4\.\d\.\d Insufficient system storage\.$/,
    },
    {
      name: "550 at RCPT for every recipient",
      to: ["peering@he.net", "noc@he.net"],
      faults: [
        { at: "rcpt", code: 550, address: "noc@he.net" },
        { at: "rcpt", code: 550, address: "peering@he.net" },
      ],
      transient: false,
      code: 550,
      message: /refused all 2 recipients \(peering@he\.net: 550 5\.1\.1 Mailbox unavailable\)\.$/,
    },
    {
      name: "a connection dropped during DATA",
      faults: [{ at: "data", drop: true }],
      transient: true,
      message: /^The SMTP server 127\.0\.0\.1:\d+ closed the connection before it answered\.$/,
    },
    {
      name: "451 at DATA",
      faults: [{ at: "data", code: 451 }],
      transient: true,
      code: 451,
      message: /refused the message: 451 /,
    },
    {
      name: "554 at DATA",
      faults: [{ at: "data", code: 554 }],
      transient: false,
      code: 554,
      message: /refused the message: 554 5\.\d\.\d Transaction failed: message refused\.$/,
    },
    {
      name: "535 at AUTH",
      faults: [{ at: "auth", code: 535 }],
      transient: false,
      code: 535,
      message: /refused the SMTP credentials \(the user in PEERBOT_SMTP_URL and its password\): 535 /,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: ${c.transient ? "transient" : "permanent"}${c.code ? ` ${c.code}` : ""}, nothing delivered, the next message goes through`, async () => {
      // A fresh mailer each time, so that a connection fault meets a new connection.
      const m = mailerFor(smtp.env);
      const before = smtp.received.length;
      for (const f of c.faults) smtp.fault(f);
      const e = await failure(m, mail({ to: c.to ?? ["peering@he.net"], cc: [], bcc: [] }));
      expect(e.transient).toBe(c.transient);
      expect(e.code).toBe(c.code);
      expect(e.message).toMatch(c.message);
      expect(smtp.received.length).toBe(before);
      // The fault was used once: the same mailer delivers the next message.
      await m.send(mail());
      expect(smtp.received.length).toBe(before + 1);
    });
  }

  it("some recipients refused: a success that names them, delivered to the others", async () => {
    const before = smtp.received.length;
    smtp.fault({ at: "rcpt", code: 550, address: "noc@he.net" });
    const r = await mailer.send(mail({ to: ["peering@he.net", "noc@he.net"], cc: [], bcc: [] }));
    expect(r.accepted).toEqual(["peering@he.net"]);
    expect(r.rejected).toEqual(["noc@he.net"]);
    const got = (await smtp.waitFor(before + 1))[before];
    expect(got?.envelope.to).toEqual(["peering@he.net"]);
  });

  it("a wrong password is permanent and is not repeated anywhere", async () => {
    const wrong = `wrong-${randomBytes(6).toString("hex")}`;
    passwords.add(wrong);
    const e = await failure(mailerFor({ ...smtp.env, PEERBOT_SMTP_PASSWORD: wrong }), mail());
    expect(e.transient).toBe(false);
    expect(e.code).toBe(535);
    expect(e.message).toMatch(/refused the SMTP credentials/);
    expect(smtp.logins.at(-1)).toMatchObject({ user: "peerbot", ok: false, secure: true });
  });

  it("connection refused and an unknown host are transient, within seconds", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await failure(
      mailerFor({ ...smtp.env, PEERBOT_SMTP_URL: `smtp://peerbot@127.0.0.1:${port}` }),
      mail(),
    );
    expect(refused.transient).toBe(true);
    expect(refused.message).toBe(`The SMTP server 127.0.0.1:${port} refused the connection.`);

    const t = Date.now();
    const dns = await failure(
      mailerFor(
        { ...smtp.env, PEERBOT_SMTP_URL: "smtp://peerbot@mail.peerbot.invalid:587" },
        { connectMs: 3000 },
      ),
      mail(),
    );
    expect(dns.transient).toBe(true);
    expect(dns.message).toMatch(
      /^(The SMTP server name mail\.peerbot\.invalid could not be resolved \(E[A-Z_]+\)|The SMTP server mail\.peerbot\.invalid:587 did not accept the connection within 3 s)\.$/,
    );
    expect(Date.now() - t).toBeLessThan(8000);
  });

  it("a slow server beyond the timeouts is a transient failure in about the timeout", async () => {
    const slow = await FakeSmtpServer.start({ delayMs: 1500 });
    try {
      passwords.add(slow.password as string);
      const t = Date.now();
      const greeting = await failure(mailerFor(slow.env, { greetingMs: 300 }), mail());
      expect(greeting.transient).toBe(true);
      expect(greeting.message).toBe(
        `The SMTP server 127.0.0.1:${slow.port} did not send its greeting within 0.3 s.`,
      );
      expect(Date.now() - t).toBeLessThan(1500);

      // On a connection the pool already holds: the server goes quiet after it.
      slow.slow(0);
      const m = mailerFor(slow.env, { socketMs: 400, greetingMs: 400 });
      await m.send(mail());
      slow.slow(1500);
      const t2 = Date.now();
      const quiet = await failure(m, mail());
      expect(quiet.transient).toBe(true);
      expect(quiet.message).toMatch(/did not (answer|send its greeting) within 0\.4 s\.$/);
      expect(Date.now() - t2).toBeLessThan(3000);

      // A server that answers each command just in time still has one message's deadline.
      slow.slow(200);
      const t3 = Date.now();
      const trickle = await failure(
        mailerFor(slow.env, { socketMs: 1000, greetingMs: 1000, sendMs: 700 }),
        mail(),
      );
      expect(trickle.transient).toBe(true);
      expect(trickle.message).toBe(
        `The SMTP server 127.0.0.1:${slow.port} did not finish taking the message within 0.7 s.`,
      );
      expect(Date.now() - t3).toBeLessThan(1500);
    } finally {
      await slow.close();
    }
  });

  it("the pool reuses its connections: 20 messages over at most PEERBOT_SMTP_POOL connections", async () => {
    const bulk = await FakeSmtpServer.start();
    try {
      passwords.add(bulk.password as string);
      const m = mailerFor({ ...bulk.env, PEERBOT_SMTP_POOL: "3" });
      const msgs = Array.from({ length: 20 }, (_, i) => mail({ subject: `Maintenance notice ${i}` }));
      const results = await Promise.all(msgs.map((x) => m.send(x)));
      expect(results.every((r) => r.response.startsWith("250"))).toBe(true);
      const got = await bulk.waitFor(20);
      expect(new Set(got.map((g) => g.messageId))).toEqual(new Set(msgs.map((x) => x.messageId)));
      expect(bulk.connections).toBeGreaterThanOrEqual(1);
      expect(bulk.connections).toBeLessThanOrEqual(3);
      // One after the other, still no new connection.
      const c = bulk.connections;
      for (let i = 0; i < 5; i++) await m.send(mail());
      expect(bulk.connections).toBe(c);
    } finally {
      await bulk.close();
    }
  });

  it("no header can be injected: a line break folds out of the subject, and is refused in an address or Message-ID", async () => {
    const before = smtp.received.length;
    const m = mail({ subject: "Peering\r\nBcc: victim@evil.example\r\nX-Evil: 1", cc: [], bcc: [] });
    await mailer.send(m);
    const got = (await smtp.waitFor(before + 1))[before];
    expect(got?.raw).not.toMatch(/^(bcc|x-evil):/im);
    expect(got?.envelope.to).toEqual(["peering@he.net"]);
    expect(got?.subject).toBe("Peering Bcc: victim@evil.example X-Evil: 1");

    for (const bad of [
      mail({ to: ["peering@he.net\r\nBcc: victim@evil.example"] }),
      mail({ from: "peerbot <peerbot@example.net>\nX-Evil: 1" }),
      mail({ replyTo: "noc@example.net\r\n" }),
      mail({ messageId: "<a@b>\r\nX-Evil: 1" }),
      mail({ messageId: "no-brackets@example.net" }),
      mail({ to: [], cc: [], bcc: [] }),
    ]) {
      const e = await failure(mailer, bad);
      expect(e.transient).toBe(false);
    }
    expect(smtp.received.length).toBe(before + 1);
  });
});

describe("mail outbox (no SMTP server)", () => {
  const dataDir = join(tmp, "data");
  const outbox = join(dataDir, "outbox");

  it("writes one parsable .eml per Message-ID; a second send of the same id overwrites it", async () => {
    const m = mailerFor({ PEERBOT_DATA_DIR: dataDir });
    expect(m.kind).toBe("outbox");
    expect(m.describe).toBe(`${outbox}/`);
    const first = mail();
    const r = await m.send(first);
    const file = join(outbox, outboxFileName(first.messageId));
    expect(r.response).toBe(`written to ${file}`);
    expect(r.accepted).toEqual(["peering@he.net", "noc@he.net", "archive@example.net"]);
    const parsed = await simpleParser(readFileSync(file));
    expect(parsed.messageId).toBe(first.messageId);
    expect(parsed.subject).toBe(first.subject);
    expect(parsed.text).toContain("LINX LON1");
    expect(parsed.html).toContain("<b>LINX LON1</b>");
    expect(parsed.bcc).toBeUndefined();

    await m.send({ ...first, subject: "Second attempt" });
    await m.send(mail());
    const files = readdirSync(outbox);
    expect(files.filter((f) => !f.endsWith(".eml"))).toEqual([]); // no temp file left behind
    expect(files).toHaveLength(2);
    expect((await simpleParser(readFileSync(file))).subject).toBe("Second attempt");
  });

  it("signs the .eml with DKIM too when configured", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyFile = join(tmp, "dkim-outbox.pem");
    writeFileSync(keyFile, privateKey.export({ type: "pkcs1", format: "pem" }));
    const dir = join(tmp, "signed");
    const m = mailerFor({
      PEERBOT_DATA_DIR: dir,
      PEERBOT_DKIM_DOMAIN: "example.net",
      PEERBOT_DKIM_SELECTOR: "s1",
      PEERBOT_DKIM_KEY_FILE: keyFile,
    });
    const msg = mail();
    await m.send(msg);
    const raw = readFileSync(join(dir, "outbox", outboxFileName(msg.messageId)), "utf8");
    expect(raw).toContain("\r\n"); // the wire format
    expect(dkimFailure(raw, publicKey.export({ type: "spki", format: "pem" }).toString())).toBeUndefined();
  });

  it("names the file safely whatever the Message-ID says", async () => {
    const m = mailerFor({ PEERBOT_DATA_DIR: dataDir });
    const hostile = ["<../../../etc/passwd@x>", "<..@..>", "<a/b@x>", "<a_b@x>", `<${"x".repeat(400)}@y>`];
    for (const id of hostile) await m.send(mail({ messageId: id }));
    const names = hostile.map(outboxFileName);
    expect(new Set(names).size).toBe(hostile.length); // a_b and a/b do not collide
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9_@+=~-][A-Za-z0-9._@+=~-]*\.eml$/);
      expect(name.length).toBeLessThan(180);
      expect(readdirSync(outbox)).toContain(name);
    }
    expect(outboxFileName("<plain.id-1@peerbot.example.net>")).toBe("plain.id-1@peerbot.example.net.eml");
  });
});

describe("secrets", () => {
  it("no password in any error, log line or description", () => {
    expect(passwords.size).toBeGreaterThan(3);
    const everything = [...seen, ...logLines].join("\n");
    expect(logLines.some((l) => l.includes("mail: not sent"))).toBe(true);
    for (const p of passwords) {
      expect(everything).not.toContain(p);
      expect(everything).not.toContain(encodeURIComponent(p));
      expect(everything).not.toContain(Buffer.from(p).toString("base64"));
    }
  });
});

afterAll(async () => {
  for (const m of mailers) await m.close();
  rmSync(tmp, { recursive: true, force: true });
});
