// `request all at <IXP>` in the console, delivered through a real SMTP server on loopback: the
// summary with its counts and skipped networks, Send all, the cooldown (and `force`), Cancel
// all, the bulk threshold that needs a second person with the approver role (four-eyes), and
// a failed e-mail in the batch's progress with its Retry failed button.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSmtpServer } from "../fakes/smtp.js";
import type { Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { fingerprint } from "../helpers/services.js";
import { until } from "../helpers/until.js";

let db: TestDatabase;
let smtp: FakeSmtpServer;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);

const lastBatch = () =>
  db.prisma.emailBatch.findFirstOrThrow({
    orderBy: { id: "desc" },
    include: { emails: { orderBy: { id: "asc" } } },
  });
const batchDone = (id: number) =>
  until(
    () => db.prisma.emailBatch.findUniqueOrThrow({ where: { id }, include: { emails: true } }),
    (b) => b.status === "done",
  );

beforeAll(async () => {
  smtp = await FakeSmtpServer.start();
  ({ db, chat, close } = await demoChat(import.meta.filename, {
    env: (dataDir) => ({
      ...smtp.env,
      PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>",
      PEERBOT_EMAIL_BULK_THRESHOLD: "3",
      PEERBOT_EMAIL_RETRY_DELAY: "100ms",
      PEERBOT_DATA_DIR: dataDir,
    }),
  }));
});
afterAll(async () => {
  await close?.();
  await smtp?.close();
});

describe("request all at LINX", () => {
  it("drafts one e-mail per available peer with a contact, names the skipped ones, and Send all delivers each once", async () => {
    const t = await say("alice", "request all at LINX max:3");
    const b = await lastBatch();
    expect(t).toMatch(/^\d+ available peers at LINX LON1: 3 e-mails drafted, \d+ skipped\./m);
    expect(t).toContain(
      `Batch #${b.id}: 3 e-mails, drafted; nothing is sent until someone presses Send all.`,
    );
    expect(t).toMatch(/Skipped \(\d+\): .*has no e-mail contact peerbot can write to: .*AS2686/s);
    expect(t).toMatch(/^#\d+ +AS6939 +Hurricane Electric +peering@he\.net +draft, not sent$/m);
    expect(t).not.toContain("a second person with the approver role"); // 3 is not above the threshold of 3
    expect(b.emails.map((e) => e.status)).toEqual(["draft", "draft", "draft"]);
    const sent = await chat.click("alice", "Send all (3)");
    expect(sent).toContain(`Batch #${b.id}: 3 e-mails queued by alice (console)`);
    const done = await batchDone(b.id);
    expect(done.emails.map((e) => e.status)).toEqual(["sent", "sent", "sent"]);
    expect(chat.out.take() + sent).toContain("Done: 3/3 sent.");
    await smtp.waitFor(3);
    // One message per e-mail, to that network's contact, each with its own Message-ID.
    for (const e of done.emails) {
      const got = smtp.received.filter((m) => m.messageId === e.messageId);
      expect(got).toHaveLength(1);
      expect(got[0]!.envelope.to).toEqual(e.to);
    }
    expect(smtp.received.find((m) => m.envelope.to.includes("peering@he.net"))?.subject).toMatch(
      /AS6939.*LINX LON1/,
    );
    const requested = await db.prisma.peeringRequest.findMany({ where: { state: "requested" } });
    expect(requested.map((r) => String(r.peerAsn)).sort()).toEqual(
      done.emails.map((e) => String(e.peerAsn)).sort(),
    );
  });

  it("the next one skips the networks contacted within the cooldown, unless forced; Cancel all sends nothing", async () => {
    const first = await lastBatch();
    const contacted = first.emails.map((e) => `AS${e.peerAsn}`);
    const before = await fingerprint(db);
    const t = await say("alice", "request all at LINX");
    expect(t).toMatch(
      /: 0 e-mails drafted, \d+ skipped\. Skipped: contacted in the last 30 days; .* Nothing to send\./,
    );
    expect(await fingerprint(db)).toBe(before);
    const forced = await say("alice", "request all at LINX max:2 force");
    expect(forced).toMatch(/: 2 e-mails drafted, \d+ skipped, 1 more left for later by max:2\./);
    expect(forced).not.toContain("contacted in the last 30 days");
    const f = await lastBatch();
    expect(f.emails.map((e) => `AS${e.peerAsn}`)).toEqual(contacted.slice(0, 2));
    const c = await chat.click("alice", "Cancel all");
    expect(c).toContain(`Batch #${f.id} cancelled by alice (console): 2 drafts will never be sent.`);
    expect((await lastBatch()).emails.map((e) => e.status)).toEqual(["cancelled", "cancelled"]);
    expect(await say("alice", `click emails.send:${f.id}`)).toContain(
      `Batch #${f.id} is cancelled; it is sent once.`,
    );
    expect(smtp.received).toHaveLength(3);
  });

  it("above the threshold, a second person with the approver role must press Send all", async () => {
    expect(await say("alice", "request all at DE-CIX")).toContain(
      "4 e-mails is above the threshold of 3: a second person with the approver role must press Send all.",
    );
    const b = await lastBatch();
    expect(b.needsApproval).toBe(true);
    const before = await fingerprint(db);
    const denied = await chat.click("alice", "Send all (4)");
    expect(denied).toContain(
      `Batch #${b.id} has 4 e-mails, above the threshold of 3: a second person with the approver role must press Send all.`,
    );
    expect(await fingerprint(db)).toBe(before);
    // The approver who drafts one may not send it either.
    await say("bob", "request all at DE-CIX");
    const mine = await lastBatch();
    expect(await say("bob", `click emails.send:${mine.id}`)).toContain(
      `You drafted batch #${mine.id}; four-eyes: another approver must press Send all.`,
    );
    await say("bob", `click emails.cancel:${mine.id}`);

    // One recipient refuses for good: the batch shows it failed, with a Retry failed button.
    const victim = b.emails[2]!;
    smtp.fault({ at: "rcpt", code: 550, address: victim.to[0]! });
    const ok = await say("bob", `click emails.send:${b.id}`);
    expect(ok).toContain(`Batch #${b.id}: 4 e-mails queued by bob`);
    const done = await batchDone(b.id);
    expect(done.approvedByName).toBe("bob");
    expect(done.emails.filter((e) => e.status === "failed").map((e) => e.id)).toEqual([victim.id]);
    const shown = chat.out.take() + ok;
    expect(shown).toContain("Done: 3/4 sent, 1 failed.");
    expect(shown).toMatch(/failed: The SMTP server \S+ refused the recipient/);
    expect(shown).toContain(`Retry failed (1)  (emails.retry:${b.id})`);
    const retried = await say("bob", `click emails.retry:${b.id}`);
    expect(retried).toContain(`Batch #${b.id}: 1 failed e-mail queued again by bob (console).`);
    const again = await batchDone(b.id);
    expect(again.emails.every((e) => e.status === "sent")).toBe(true);
    expect(chat.out.take() + retried).toContain("Done: 4/4 sent.");
    const v = await db.prisma.email.findUniqueOrThrow({
      where: { id: victim.id },
      include: { deliveries: { orderBy: { attempt: "asc" } } },
    });
    expect(v.deliveries.map((d) => d.outcome)).toEqual(["permanent", "sent"]);
    expect(smtp.received.filter((m) => m.messageId === v.messageId)).toHaveLength(1);
  });

  it("emails lists a batch's e-mails, and max:0 or an IXP we are not at is one sentence", async () => {
    expect(await say("alice", "emails linx status:sent")).toMatch(/^3 e-mails\./m);
    expect(await say("alice", "emails de-cix status:sent")).toMatch(/^4 e-mails\./m);
    expect(await say("alice", "emails status:cancelled")).toMatch(/^6 e-mails\./m);
    const before = await fingerprint(db);
    expect(await say("alice", "request all at LINX max:0")).toContain("max:0 is not a number of e-mails");
    expect(await say("alice", "request all at Nowhere-IX")).toContain('No IXP is called "Nowhere-IX".');
    expect(await say("alice", "request all")).toContain("Say at which IXP: request all at LINX.");
    expect(await say("alice", "request all at linx policy:sometimes")).toContain(
      '"sometimes" is not a peering policy.',
    );
    expect(await fingerprint(db)).toBe(before);
  });
});
