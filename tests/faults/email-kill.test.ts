// E-mail delivery under a real crash: a peerbot process (email-kill-child.ts, the real SMTP
// mailer against a real SMTP server on loopback) is SIGKILLed at each step of a Send, and a
// later process's reconciler finishes what it left. After every kill the e-mail ends `sent`,
// and the server holds exactly one copy, except after a kill between the server's 250 and
// `sent` being stored: then a second copy with the SAME Message-ID arrives (at least once,
// never lost; receiving systems drop the copy by its Message-ID), as the README says.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECONCILE_GRACE_MS, reconcileEmails } from "../../core/email/index.js";
import { registerEmailWorker } from "../../jobs/email.js";
import { FakeSmtpServer } from "../fakes/smtp.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { dbUrl } from "../helpers/pg.js";
import { testServices, type TestServices } from "../helpers/services.js";
import { draftToHe } from "../helpers/email.js";
import { until } from "../helpers/until.js";

let db: TestDatabase;
let services: TestServices;
let smtp: FakeSmtpServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "peerbot-email-kill-"));
  smtp = await FakeSmtpServer.start();
  db = await createTestDatabase(import.meta.filename);
  services = testServices(
    db,
    { ...smtp.env, PEERBOT_DATA_DIR: dataDir, PEERBOT_EMAIL_RETRY_DELAY: "100ms" },
    dataDir,
  );
  // The process after the crash: its reconciler looks once the grace period has passed.
  services.clock = { now: () => new Date(Date.now() + RECONCILE_GRACE_MS + 5_000) };
  registerEmailWorker(services.queue, services, { backoffMs: 10 });
  await seedDemoDb(db, dataDir);
});
afterAll(async () => {
  await services?.mailer.close();
  await smtp?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const draft = () => draftToHe(services);

function runChild(emailId: number, killAt: string): Promise<{ signal: string | null; output: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "email-kill-child.ts"), String(emailId)],
    {
      env: {
        ...process.env,
        ...smtp.env,
        DATABASE_URL: dbUrl(db.name),
        PEERBOT_DATA_DIR: dataDir,
        PEERBOT_KILL_AT: killAt,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on("exit", (_code, signal) => resolve({ signal, output })));
}

const arrived = (to: string) => smtp.received.filter((m) => m.envelope.to.includes(to));
const row = (id: number) => db.prisma.email.findUniqueOrThrow({ where: { id } });

describe("an e-mail whose worker is SIGKILLed during Send", () => {
  it("without a kill, the child sends it once (the control case)", async () => {
    const { e, to } = await draft();
    const r = await runChild(e.id, "");
    expect(r.output).toContain("survived sent");
    expect(arrived(to).map((m) => m.messageId)).toEqual([e.messageId]);
  });

  it.each([
    ["send:enqueue", "queued", 1],
    ["before:send", "sending", 1],
    ["after:send", "sending", 2],
  ] as const)(
    "killed at %s: left %s, then the reconciler finishes it: sent, %i copy(ies) with one Message-ID",
    async (killAt, left, copies) => {
      const { e, to } = await draft();
      const r = await runChild(e.id, killAt);
      expect(r.signal, r.output).toBe("SIGKILL");
      expect((await row(e.id)).status).toBe(left);
      expect(arrived(to)).toHaveLength(killAt === "after:send" ? 1 : 0);

      await reconcileEmails(services);
      const done = await until(
        () => row(e.id),
        (x) => x.status === "sent" || x.status === "failed",
      );
      expect(done.status).toBe("sent");
      await services.queue.drain();
      const got = arrived(to);
      expect(got).toHaveLength(copies);
      expect(new Set(got.map((m) => m.messageId))).toEqual(new Set([e.messageId]));
      // Nothing is left for the next run.
      expect((await reconcileEmails(services)).requeued).toEqual([]);
    },
  );
});
