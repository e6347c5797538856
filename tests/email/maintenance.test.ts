// `notify maintenance` in the console, delivered through a real SMTP server on loopback: one
// notice per network with enabled sessions on the router (or at the IXP), listing only that
// network's sessions and the window, to its NOC contacts; the same preview, Send all and
// threshold as `request all`; bad windows and targets get one sentence and change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSmtpServer } from "../fakes/smtp.js";
import type { Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { fingerprint } from "../helpers/services.js";

let db: TestDatabase;
let smtp: FakeSmtpServer;
let chat: Chat;
let close: (() => Promise<void>) | undefined;
const say = (user: string, line: string) => chat.say(user, line);
const DAY = 86_400_000;
const at = (days: number, hhmm: string) =>
  `${new Date(Date.now() + days * DAY).toISOString().slice(0, 10)} ${hhmm}`;

beforeAll(async () => {
  smtp = await FakeSmtpServer.start();
  ({ db, chat, close } = await demoChat(import.meta.filename, {
    env: (dataDir) => ({
      ...smtp.env,
      PEERBOT_EMAIL_FROM: "AS64500 NOC <noc@example.net>",
      PEERBOT_DATA_DIR: dataDir,
    }),
  }));
});
afterAll(async () => {
  await close?.();
  await smtp?.close();
});

describe("notify maintenance", () => {
  it("drafts one notice per network with enabled sessions on the router, each listing its own sessions", async () => {
    const from = at(10, "22:00");
    const to = at(11, "02:00");
    const t = await say(
      "alice",
      `notify maintenance edge1.lon from ${from} to ${to} reason line card replacement`,
    );
    expect(t).toContain(
      `Maintenance on router edge1.lon, ${from} UTC to ${to} UTC: 2 notices drafted, 2 skipped.`,
    );
    expect(t).toMatch(/Skipped \(2\): has no e-mail contact peerbot can write to: AS15169, AS3320/);
    expect(t).toContain(`Window: ${from} UTC to ${to} UTC: line card replacement`);
    const b = await db.prisma.emailBatch.findFirstOrThrow({
      orderBy: { id: "desc" },
      include: { emails: { orderBy: { id: "asc" } } },
    });
    expect(b.kind).toBe("maintenance");
    expect(b.scope).toBe("router edge1.lon");
    expect(b.needsApproval).toBe(false);
    const byAsn = new Map(b.emails.map((e) => [String(e.peerAsn), e]));
    expect([...byAsn.keys()].sort()).toEqual(["702", "8075"]);
    const ms = byAsn.get("8075")!;
    expect(ms.to).toEqual(["ioc@microsoft.com"]); // its NOC contact, not the peering one
    expect(ms.textBody).toContain("195.66.224.140");
    expect(ms.textBody).toContain("2001:7f8:4::1f8b:1");
    expect(ms.textBody).not.toContain("195.66.225.4"); // Verizon's session is in Verizon's notice only
    expect(ms.textBody).toContain("line card replacement");
    expect(ms.subject).toContain("Maintenance");

    await chat.click("alice", "Send all (2)");
    const got = await smtp.waitFor(2);
    expect(got.map((m) => m.envelope.to[0]).sort()).toEqual(
      ["ioc@microsoft.com", ...byAsn.get("702")!.to].sort(),
    );
    expect(got.every((m) => m.parsed.from?.text === '"AS64500 NOC" <noc@example.net>')).toBe(true);
    const sent = await db.prisma.email.findMany({ where: { batchId: b.id } });
    expect(sent.map((e) => e.status)).toEqual(["sent", "sent"]);
    // A notice is no peering request: nothing is tracked as requested.
    expect(await db.prisma.peeringRequest.count()).toBe(0);
    expect(await say("alice", "emails edge1.lon")).toMatch(/^2 e-mails\./m);
  });

  it("at an IXP, to the networks with enabled sessions there", async () => {
    const t = await say("alice", `notify maintenance DE-CIX from ${at(20, "01:00")} to ${at(20, "03:00")}`);
    expect(t).toMatch(/Maintenance on DE-CIX Frankfurt, .*: \d+ notices? drafted/);
    const b = await db.prisma.emailBatch.findFirstOrThrow({
      orderBy: { id: "desc" },
      include: { emails: true },
    });
    expect(b.scope).toBe("DE-CIX Frankfurt");
    expect(b.emails.length + ((b.details as { skipped?: unknown[] }).skipped?.length ?? 0)).toBe(3);
    await chat.click("alice", "Cancel all");
  });

  it("bad windows and targets get one sentence and change nothing", async () => {
    const before = await fingerprint(db);
    const cases: [string, RegExp][] = [
      [
        `notify maintenance edge1.lon from 2020-01-01 22:00 to 2020-01-02 02:00`,
        /is in the past; a maintenance notice is for a window still to come\./,
      ],
      [
        `notify maintenance edge1.lon from ${at(5, "04:00")} to ${at(5, "02:00")}`,
        /^Error: The window ends \(.*\) before it starts/,
      ],
      [`notify maintenance edge1.lon from ${at(5, "25:00")} to ${at(5, "02:00")}`, /is not a time of day/],
      [
        `notify maintenance edge1.lon from tomorrow to later`,
        /"tomorrow" is not a date and time; write it as YYYY-MM-DD HH:MM \(UTC\)\./,
      ],
      [
        `notify maintenance edge1.lon`,
        /^Error: Say when: from <YYYY-MM-DD HH:MM> to <YYYY-MM-DD HH:MM>, in UTC\./,
      ],
      [
        `notify maintenance nowhere-ix from ${at(5, "01:00")} to ${at(5, "02:00")}`,
        /^Error: No IXP is called "nowhere-ix"\./,
      ],
      [
        `notify reboot edge1.lon from ${at(5, "01:00")} to ${at(5, "02:00")}`,
        /^Error: peerbot sends maintenance notices/,
      ],
      [`notify`, /^Error: Say what to notify, e\.g\. notify maintenance/],
    ];
    for (const [line, want] of cases) expect(await say("alice", line), line).toMatch(want);
    expect(
      await say("viewer", `notify maintenance edge1.lon from ${at(5, "01:00")} to ${at(5, "02:00")}`),
    ).toContain("You need the operator role to run `notify`");
    expect(await fingerprint(db)).toBe(before);
  });
});
