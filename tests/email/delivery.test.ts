// Delivery faults end to end, through a real SMTP server on loopback (STARTTLS and AUTH on) and
// through both queues (in-process, and BullMQ on the shared Redis with a prefix of this file's
// own): a 421 at connect then success is one message with an unchanged Message-ID and both
// attempts recorded; 550 fails at once with the server's sentence; 451 and a connection dropped
// during DATA are retried; a slow server; a cancelled e-mail never arrives; a double Send is one
// message; a worker that died mid-send is finished by the reconciler with the same Message-ID;
// the SMTP password reaches neither the journal nor the log.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cancelEmail,
  editEmail,
  emailJobId,
  EMAIL_QUEUE,
  queueEmail,
  reconcileEmails,
} from "../../core/email/index.js";
import { createMailer } from "../../drivers/mail/index.js";
import { registerEmailWorker } from "../../jobs/email.js";
import { BullJobQueue } from "../../jobs/bull-queue.js";
import type { RunnableQueue } from "../../jobs/queue.js";
import { FakeSmtpServer } from "../fakes/smtp.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices, type TestServices } from "../helpers/services.js";
import { draftToHe } from "../helpers/email.js";
import { until } from "../helpers/until.js";

const REDIS = process.env.PEERBOT_TEST_REDIS ?? "redis://127.0.0.1:6379";
const alice = { platform: "console" as const, userId: "alice", userName: "alice" };
const bob = { platform: "console" as const, userId: "bob", userName: "bob" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(["in-process", "BullMQ"] as const)("e-mail delivery through the %s queue", (kind) => {
  let db: TestDatabase;
  let services: TestServices;
  let smtp: FakeSmtpServer;
  let queue: RunnableQueue;
  let dataDir: string;
  const prefix = `peerbot-test-email-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-delivery-"));
    smtp = await FakeSmtpServer.start();
    db = await createTestDatabase(`${import.meta.filename}-${kind}`);
    services = testServices(
      db,
      {
        ...smtp.env,
        PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>",
        PEERBOT_EMAIL_REPLY_TO: "noc@example.net",
        PEERBOT_EMAIL_RETRY_DELAY: "100ms",
        PEERBOT_EMAIL_ATTEMPTS: "4",
        PEERBOT_DATA_DIR: dataDir,
      },
      dataDir,
    );
    await services.mailer.close();
    services.mailer = createMailer(services.config, services.log, {
      timeouts: { connectMs: 1500, greetingMs: 1500, socketMs: 1500, sendMs: 4000 },
    });
    if (kind === "BullMQ") {
      const bull = new BullJobQueue(REDIS, prefix, services.log);
      services.jobs = bull;
      queue = bull;
    } else queue = services.queue;
    registerEmailWorker(queue, services, { backoffMs: 200 });
    await queue.start();
    await seedDemoDb(db, dataDir);
  });

  afterAll(async () => {
    if (queue instanceof BullJobQueue)
      await queue
        .queue(EMAIL_QUEUE)
        .obliterate({ force: true })
        .catch(() => {});
    await queue?.close();
    await services?.mailer.close();
    await smtp?.close();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const draft = () => draftToHe(services);
  const row = (id: number) =>
    db.prisma.email.findUniqueOrThrow({
      where: { id },
      include: { deliveries: { orderBy: { attempt: "asc" } } },
    });
  const ended = (id: number) =>
    until(
      () => row(id),
      (e) => e.status === "sent" || e.status === "failed" || e.status === "cancelled",
    );
  const arrived = (to: string) => smtp.received.filter((m) => m.envelope.to.includes(to));

  it("421 at connect, then success: one message, the Message-ID unchanged, both attempts recorded", async () => {
    const { e, to } = await draft();
    smtp.fault({ at: "connect", code: 421 });
    await queueEmail(services, e.id, alice);
    const done = await ended(e.id);
    expect(done.status).toBe("sent");
    expect(done.deliveries.map((d) => d.outcome)).toEqual(["temporary", "sent"]);
    expect(done.deliveries[0]!.response).toMatch(/421/);
    expect(done.deliveries[1]!.response).toMatch(/^250/);
    expect(done.serverResponse).toMatch(/^250/);
    const got = arrived(to);
    expect(got).toHaveLength(1);
    expect(got[0]!.messageId).toBe(done.messageId);
    // The headers a recipient sees, and AUTH only over TLS.
    const m = got[0]!.parsed;
    expect(m.from?.text).toBe('"AS64500 Peering" <peering@example.net>');
    expect(m.replyTo?.text).toBe("noc@example.net");
    expect(m.subject).toBe(done.subject);
    expect(got[0]!.envelope.from).toBe("peering@example.net");
    expect(smtp.logins.every((l) => l.secure)).toBe(true);
  });

  it("550 at RCPT fails at once, with the server's sentence", async () => {
    const { e, to } = await draft();
    smtp.fault({ at: "rcpt", code: 550, address: to });
    await queueEmail(services, e.id, alice);
    const done = await ended(e.id);
    expect(done.status).toBe("failed");
    expect(done.attempts).toBe(1);
    expect(done.error).toMatch(/550/);
    expect(done.deliveries.map((d) => d.outcome)).toEqual(["permanent"]);
    expect(arrived(to)).toHaveLength(0);
  });

  it("451 at RCPT and a connection dropped during DATA are retried: exactly one message arrives", async () => {
    const { e, to } = await draft();
    smtp.fault({ at: "rcpt", code: 451, address: to });
    smtp.fault({ at: "data", drop: true });
    await queueEmail(services, e.id, alice);
    const done = await ended(e.id);
    expect(done.status).toBe("sent");
    expect(done.deliveries.map((d) => d.outcome)).toEqual(["temporary", "temporary", "sent"]);
    expect(arrived(to)).toHaveLength(1);
    expect(arrived(to)[0]!.messageId).toBe(e.messageId);
  });

  it("a slow server: within the timeouts it is only slow; past them it is tried again", async () => {
    const quick = await draft();
    smtp.slow(200);
    await queueEmail(services, quick.e.id, alice);
    expect((await ended(quick.e.id)).deliveries.map((d) => d.outcome)).toEqual(["sent"]);
    const slow = await draft();
    smtp.slow(2500);
    await queueEmail(services, slow.e.id, alice);
    const failedOnce = await until(
      () => row(slow.e.id),
      (x) => x.attempts >= 1,
    );
    smtp.slow(0);
    expect(failedOnce.deliveries[0]!.outcome).toBe("temporary");
    expect(failedOnce.deliveries[0]!.response).toMatch(/did not/);
    const done = await ended(slow.e.id);
    expect(done.status).toBe("sent");
    expect(arrived(slow.to)).toHaveLength(1);
  });

  it("a cancelled e-mail never arrives: a draft, and one waiting for its retry", async () => {
    const a = await draft();
    await cancelEmail(services, a.e.id, alice);
    await expect(queueEmail(services, a.e.id, alice)).rejects.toThrow(
      /is cancelled; only a draft can be sent/,
    );
    const b = await draft();
    const delay = services.config.PEERBOT_EMAIL_RETRY_DELAY;
    services.config.PEERBOT_EMAIL_RETRY_DELAY = 1500;
    try {
      smtp.fault({ at: "rcpt", code: 451, address: b.to });
      await queueEmail(services, b.e.id, alice);
      const waiting = await until(
        () => row(b.e.id),
        (x) => x.attempts === 1,
      );
      expect(waiting.status).toBe("queued");
      await cancelEmail(services, b.e.id, bob);
      await sleep(2000); // the retry's job comes and does nothing
    } finally {
      services.config.PEERBOT_EMAIL_RETRY_DELAY = delay;
    }
    expect((await row(b.e.id)).status).toBe("cancelled");
    expect(arrived(a.to)).toHaveLength(0);
    expect(arrived(b.to)).toHaveLength(0);
  });

  it("a double press of Send sends one message; the same job added again does nothing", async () => {
    const { e, to } = await draft();
    const presses = await Promise.allSettled([
      queueEmail(services, e.id, alice),
      queueEmail(services, e.id, bob),
    ]);
    expect(presses.filter((p) => p.status === "fulfilled")).toHaveLength(1);
    expect(String((presses.find((p) => p.status === "rejected") as PromiseRejectedResult).reason)).toMatch(
      /already/,
    );
    expect((await ended(e.id)).status).toBe("sent");
    await services.jobs.enqueue(
      EMAIL_QUEUE,
      "email",
      { emailId: e.id, attempt: 1 },
      { jobId: emailJobId(e, 1) },
    );
    await services.jobs.enqueue(
      EMAIL_QUEUE,
      "email",
      { emailId: e.id, attempt: 2 },
      { jobId: emailJobId(e, 2) },
    );
    await sleep(500);
    expect(arrived(to)).toHaveLength(1);
    expect((await row(e.id)).deliveries).toHaveLength(1);
  });

  it("a worker that died mid-send: the reconciler sends it again, with the same Message-ID", async () => {
    const { e, to } = await draft();
    // As a worker leaves it when it dies after the server took the message: `sending`, no job.
    await db.pool.query(
      `update "Email" set status = 'sending', "sentBy" = 'console:alice', "updatedAt" = now() - interval '1 hour' where id = $1`,
      [e.id],
    );
    // And one whose Send found the queue away: `queued`, never given a job.
    const lost = await draft();
    await db.pool.query(
      `update "Email" set status = 'queued', "updatedAt" = now() - interval '1 hour' where id = $1`,
      [lost.e.id],
    );
    const r = await reconcileEmails(services);
    expect(r.requeued).toEqual(expect.arrayContaining([e.id, lost.e.id]));
    const done = await ended(e.id);
    expect(done.status).toBe("sent");
    expect(done.deliveries.map((d) => d.outcome)).toEqual(["temporary", "sent"]);
    expect(done.deliveries[0]!.response).toMatch(/interrupted.*same Message-ID/);
    expect(arrived(to).map((m) => m.messageId)).toEqual([e.messageId]);
    const other = await ended(lost.e.id);
    expect(other.deliveries.map((d) => d.outcome)).toEqual(["sent"]);
    expect(arrived(lost.to)).toHaveLength(1);
    // Nothing left to do on the next run.
    expect((await reconcileEmails(services)).requeued).toEqual([]);
  });

  it("a subject edited with line breaks cannot add a header", async () => {
    const { e, to } = await draft();
    await editEmail(services, e.id, {
      field: "subject",
      value: "Hello\r\nBcc: victim@evil.example\r\n\r\nbody",
    });
    await queueEmail(services, e.id, alice);
    expect((await ended(e.id)).status).toBe("sent");
    const m = arrived(to)[0]!;
    expect(m.envelope.to).toEqual([to]);
    expect(m.parsed.subject).toBe("Hello Bcc: victim@evil.example body");
    expect(m.raw).not.toMatch(/^Bcc:/im);
  });

  it("a refused login fails the e-mail, and the SMTP password reaches neither the journal nor the log", async () => {
    const { e } = await draft();
    // A new transport, so that the next message logs in afresh (the pool keeps its sessions).
    await services.mailer.close();
    services.mailer = createMailer(services.config, services.log);
    smtp.fault({ at: "auth", code: 535 });
    await queueEmail(services, e.id, alice);
    const done = await ended(e.id);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/535/);
    const pass = smtp.password!;
    expect(pass.length).toBeGreaterThan(8);
    const journal = JSON.stringify(
      await db.prisma.email.findMany({ include: { deliveries: true } }),
      (_k, v) => (typeof v === "bigint" ? String(v) : v),
    );
    expect(journal).not.toContain(pass);
    expect(services.logLines.join("\n")).not.toContain(pass);
  });
});
