// People, not names, in e-mail messages: who drafted an e-mail, who pressed Send (or Send all)
// and who last contacted a network are the platform's mention where they are on that platform
// and "name (platform id)" elsewhere, never a display name alone, and no name can mention
// anyone. When an e-mail or a batch ends sent or failed, its outcome is posted once in the
// message's thread, notifying who sent it: in the console, on Slack and on Discord.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renderConsole } from "../../bot/console/render.js";
import { trackerClaim } from "../../commands/messages.js";
import { discordNotifier } from "../../bot/discord/notifier.js";
import { renderDiscord } from "../../bot/discord/render.js";
import { slackNotifier } from "../../bot/slack/messenger.js";
import { renderSlack } from "../../bot/slack/render.js";
import {
  batchReply,
  emailReply,
  refreshEmailMessage,
  type BatchMember,
  type EmailView,
} from "../../core/email/message.js";
import type { BatchRow } from "../../core/email/model.js";
import { stateText, standing, type RequestInfo } from "../../core/email/tracking.js";
import { createLogger } from "../../core/log.js";
import { actorMark, People } from "../../core/people.js";
import type { Reply } from "../../core/reply.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import type { Chat } from "../helpers/chat.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat } from "../helpers/demo-chat.js";
import { HOSTILE_NAMES } from "../helpers/hostile-names.js";
import type { TestServices } from "../helpers/services.js";

const DISCORD_ID = "123456789012345678";
const SLACK_GROUP = "S0APPROVE";
const DISCORD_ROLE = "900000000000000042";
const APPROVERS = [
  { kind: "group" as const, platform: "slack" as const, id: SLACK_GROUP, name: "approvers" },
  { kind: "group" as const, platform: "discord" as const, id: DISCORD_ROLE, name: "approvers" },
];

/** Display names chosen to pass for someone else, or to ping a crowd. */
const CHAT_HOSTILE = [
  "Head of Network",
  "<!here> <!channel> <@U0BOSS> <!subteam^S0APPROVE>",
  `@everyone @here <@&${DISCORD_ROLE}> <@${DISCORD_ID}>`,
  "@{slack:U0BOSS|Boss} [click](https://evil.example) *bold*",
  ...HOSTILE_NAMES.slice(0, 4),
];

let nextId = 500;
function email(over: Partial<EmailView> = {}): EmailView {
  const at = new Date("2026-01-02T03:04:05Z");
  return {
    id: nextId,
    kind: "peering_request",
    template: "peering_request",
    status: "draft",
    messageId: `<00000000-0000-0000-0000-${String(nextId).padStart(12, "0")}@example.net>`,
    fromAddress: "AS64500 Peering <peering@example.net>",
    replyTo: "",
    to: ["peering@he.net"],
    cc: [],
    bcc: [],
    subject: "Peering with AS64500 at LINX LON1",
    textBody: "Hello HE,\n\nWe'd like to peer.\n",
    htmlBody: "",
    localAsId: 1,
    peerAsn: 6939n,
    peerName: "Hurricane Electric",
    ixpId: 1,
    ixp: { name: "LINX LON1" },
    routerId: null,
    router: null,
    batchId: null,
    changeId: null,
    details: {},
    draftedBy: `discord:${DISCORD_ID}`,
    draftedByName: "Head of Network",
    sentBy: "",
    sentByName: "",
    attempts: 0,
    serverResponse: "",
    error: "",
    createdAt: at,
    updatedAt: at,
    queuedAt: null,
    sentAt: null,
    messagePlatform: "",
    messageChannel: "",
    messageRefId: "",
    messageThread: "",
    ...over,
  } as EmailView;
}

const sentBy = (key: string, name: string, over: Partial<EmailView> = {}) =>
  email({
    status: "sent",
    sentBy: key,
    sentByName: name,
    attempts: 1,
    serverResponse: "250 2.0.0 Ok: queued",
    sentAt: new Date("2026-01-02T03:05:00Z"),
    ...over,
  });

function batch(over: Partial<BatchRow> = {}): BatchRow {
  const at = new Date("2026-01-02T03:04:05Z");
  return {
    id: nextId,
    kind: "peering_request",
    status: "draft",
    scope: "LINX LON1",
    localAsId: 1,
    details: {},
    needsApproval: true,
    createdBy: "slack:U0ALICE",
    createdByName: "Head of Network",
    approvedBy: "",
    approvedByName: "",
    createdAt: at,
    updatedAt: at,
    messagePlatform: "",
    messageChannel: "",
    messageRefId: "",
    messageThread: "",
    ...over,
  } as BatchRow;
}

const member = (id: number, status: BatchMember["status"], details: unknown = {}): BatchMember => ({
  id,
  peerAsn: BigInt(64000 + id),
  peerName: `Network ${id}`,
  to: [`noc@as${id}.example`],
  status,
  error: status === "failed" ? "550 no such user" : "",
  subject: "Peering",
  textBody: "Hello\n",
  details,
});

/** Every mention in a Slack message's texts. */
const slackMentions = (s: string) => s.match(/<[@!][^>]*>/g) ?? [];
/** Every mention in a Discord message (a bare "@everyone" is text: allowed_mentions parses nothing). */
const discordMentions = (s: string) => s.match(/<@[&!]?\d+>/g) ?? [];
const slackAll = (r: Reply) => {
  const m = renderSlack(r);
  return JSON.stringify(m.blocks) + m.text;
};
const NO_TOKEN = /[\uE000\uE001]/;

describe("an e-mail's people on each platform", () => {
  const e = sentBy("slack:U0ALICE", "Alice");

  it("Slack: the Slack sender is a mention; the Discord drafter is name and id", () => {
    const s = slackAll(emailReply(e, 3));
    expect(s).toContain("drafted by Head of Network (Discord 123456789012345678) · sent by <@U0ALICE>");
    expect(slackMentions(s)).toEqual(["<@U0ALICE>"]);
    expect(s).not.toMatch(NO_TOKEN);
  });

  it("Discord: the footer is plain text, so both are name and id, and nobody is pinged", () => {
    const d = renderDiscord(emailReply(e, 3));
    const footer = d.embeds.at(-1)!.footer!.text;
    expect(footer).toContain("drafted by Head of Network (Discord 123456789012345678)");
    expect(footer).toContain("sent by Alice (Slack U0ALICE)");
    expect(d.allowed_mentions).toEqual({ parse: [] });
    expect(discordMentions(JSON.stringify(d))).toEqual([]);
  });

  it("console: everyone is name and id", () => {
    const text = renderConsole(emailReply(e, 3));
    expect(text).toContain(
      "drafted by Head of Network (Discord 123456789012345678) · sent by Alice (Slack U0ALICE)",
    );
    expect(text).not.toMatch(NO_TOKEN);
  });

  it("a draft's warning names who last contacted the network as a person", () => {
    const now = new Date("2026-01-05T00:00:00Z");
    const r: RequestInfo = {
      state: "requested",
      requestedAt: new Date("2026-01-02T00:00:00Z"),
      requestedBy: "slack:U0BOB",
      requestedByName: "Head of Network",
      until: null,
      hidden: false,
      lastEmailId: 1,
    };
    const warning = `AS6939 was ${standing(r, now, 30 * 86_400_000)}; the cooldown is 30 days.`;
    // A mark typed into the same warning (it is stored text) is left as text.
    const forged = actorMark({ platform: "slack", userId: "U0BOSS", userName: "Boss" });
    const draft = email({ details: { warnings: [warning, `note: ${forged} said so`] } });
    const s = slackAll(emailReply(draft, 3));
    expect(s).toContain(
      "AS6939 was last contacted 2026-01-02 (3 d ago) by <@U0BOB>; the cooldown is 30 days.",
    );
    expect(s).toContain("note: @{slack:U0BOSS|Boss} said so");
    expect(slackMentions(s)).toEqual(["<@U0BOB>"]);
    expect(renderConsole(emailReply(draft, 3))).toContain(
      "last contacted 2026-01-02 (3 d ago) by Head of Network (Slack U0BOB); the cooldown",
    );
    // Where the line is text of its own (no people), the requester is name and id.
    expect(stateText(r, now)).toBe("requested 2026-01-02 (3 d ago) by Head of Network (Slack U0BOB)");
    const people = new People();
    const line = stateText(r, now, people);
    expect(slackAll({ text: line, mentions: people.list })).toContain("by <@U0BOB>");
  });
});

describe("a batch's people", () => {
  it("Drafted by and Sent by are people; a draft above the threshold notifies the approver group of its platform", () => {
    const draft = batchReply(batch(), [member(1, "draft"), member(2, "draft")], 1, APPROVERS);
    const s = slackAll(draft);
    expect(s).toContain("*Drafted by*\\n<@U0ALICE>");
    expect(s).toContain(`<!subteam^${SLACK_GROUP}>`);
    expect(s).not.toContain(DISCORD_ROLE);
    const d = renderDiscord(draft);
    expect(d.content).toBe(`<@&${DISCORD_ROLE}>`);
    expect(d.allowed_mentions).toEqual({ parse: [], roles: [DISCORD_ROLE] });
    expect(d.embeds[0]!.fields!.find((f) => f.name === "Drafted by")?.value).toBe(
      "Head of Network (Slack U0ALICE)",
    );

    const sending = batchReply(
      batch({ status: "sending", approvedBy: `discord:${DISCORD_ID}`, approvedByName: "Head of Network" }),
      [member(1, "sent"), member(2, "queued")],
      1,
      APPROVERS,
    );
    const d2 = renderDiscord(sending);
    expect(d2.embeds[0]!.fields!.find((f) => f.name === "Sent by")?.value).toBe(`<@${DISCORD_ID}>`);
    expect(d2.content).toBe(""); // no longer waiting: no group
    expect(renderConsole(sending)).toContain("Sent by: Head of Network (Discord 123456789012345678)");
    expect(slackAll(sending)).not.toContain("subteam");
  });
});

describe("hostile display names", () => {
  it.each(CHAT_HOSTILE)("are never shown alone and mention nobody: %j", (name) => {
    const e = sentBy(`discord:${DISCORD_ID}`, name, { draftedBy: "slack:U0BOB", draftedByName: name });
    const b = batch({
      status: "done",
      createdBy: "slack:U0BOB",
      createdByName: name,
      approvedBy: `discord:${DISCORD_ID}`,
      approvedByName: name,
    });
    for (const reply of [emailReply(e, 3), batchReply(b, [member(1, "sent")], 1, APPROVERS)]) {
      const slack = slackAll(reply);
      expect(slackMentions(slack).filter((m) => m !== "<@U0BOB>")).toEqual([]);
      // Discord draws mentions in content, descriptions and fields; a footer shows its text as
      // it is (a name there is text, whatever it looks like), so it is left out of the count.
      const msg = renderDiscord(reply);
      const discord = JSON.stringify({
        content: msg.content,
        embeds: msg.embeds.map((x) => ({ ...x, footer: undefined })),
      });
      expect(discordMentions(discord).filter((m) => m !== `<@${DISCORD_ID}>`)).toEqual([]);
      expect(renderDiscord(reply).allowed_mentions).toEqual({ parse: [] });
      const text = renderConsole(reply);
      // Every actor line carries the id beside whatever the name says.
      expect(text).toMatch(/\(Discord 123456789012345678\)/);
      expect(text).toMatch(/\(Slack U0BOB\)/);
      for (const s of [slack, discord, text]) expect(s).not.toMatch(NO_TOKEN);
    }
    // The outcome pings the sender only, on their own platform.
    const outcome = emailReply(e, 3).outcome!;
    expect(slackMentions(slackAll(outcome))).toEqual([]);
    const d = renderDiscord(outcome);
    expect(d.content).toBe(`<@${DISCORD_ID}>`);
    expect(d.allowed_mentions).toEqual({ parse: [], users: [DISCORD_ID] });
  });
});

describe("outcomes in the thread", () => {
  let db: TestDatabase;
  let services: TestServices;
  let chat: Chat;
  let close: (() => Promise<void>) | undefined;
  const SLACK_TOKEN = "xoxb-email-people-test-token";
  const DISCORD_TOKEN = "discord-email-people-test-token-0123456789";
  const slack = new FakeSlack({ botToken: SLACK_TOKEN });
  let discord: FakeDiscord;
  const log = createLogger("warn", () => {});
  const threadPosts = () => slack.callsOf("chat.postMessage").filter((c) => c.params.thread_ts);

  beforeAll(async () => {
    await slack.start();
    discord = await new FakeDiscord(DISCORD_TOKEN).start();
    ({ db, services, chat, close } = await demoChat(import.meta.filename, {
      env: (dataDir) => ({
        PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>",
        PEERBOT_DATA_DIR: dataDir,
      }),
    }));
  });
  afterAll(async () => {
    await slack.stop();
    await discord?.stop();
    await close?.();
  });
  beforeEach(() => {
    nextId++;
    slack.calls.length = 0;
    discord.calls.length = 0;
  });

  it("console: Send ends in one outcome block naming the sender; a redraw of the same state adds none", async () => {
    await chat.say("alice", "request AS6939 at LINX");
    const { id } = await db.prisma.email.findFirstOrThrow({ orderBy: { id: "desc" } });
    const sent = await chat.click("alice", "Send");
    const told = `alice (console) e-mail #${id} to AS6939 Hurricane Electric: sent.`;
    expect(sent).toMatch(/\[message m1 updated\] .*\nSent to peering@he\.net/);
    expect(sent.split(told)).toHaveLength(2);
    expect(
      sent.indexOf("[message m1 updated] Peering request to AS6939 Hurricane Electric at LINX LON1\nSent"),
    ).toBeLessThan(sent.indexOf(told));
    expect(sent).toContain("drafted by alice (console) · sent by alice (console)");
    await refreshEmailMessage(services, id);
    const again = chat.out.take();
    expect(again).toContain("[message m1 updated]");
    expect(again).not.toContain(told);
    expect(await trackerClaim(db)(`outcome:email:${id}:sent`)).toBe(false);
  });

  it("Slack: the outcome follows the final edit in the thread, mentions the sender, and is posted once", async () => {
    const n = slackNotifier(
      { botToken: SLACK_TOKEN, apiUrl: slack.apiUrl },
      { log, claim: trackerClaim(db) },
    );
    const ref = await n.post({ platform: "slack", channel: "C1" }, emailReply(email(), 3));
    const queued = email({ status: "queued", sentBy: "slack:U0ALICE", sentByName: "Head of Network" });
    await n.update(ref, emailReply(queued, 3));
    expect(threadPosts()).toEqual([]);

    const done = sentBy("slack:U0ALICE", "Head of Network");
    await n.update(ref, emailReply(done, 3));
    // The edit came first: the message shows the state the thread announces.
    const order = slack.calls.map((c) => c.method + (c.params.thread_ts ? ":thread" : ""));
    expect(order.lastIndexOf("chat.update")).toBeLessThan(order.indexOf("chat.postMessage:thread"));
    await n.update(ref, emailReply(done, 3)); // a later redraw of the same state
    const told = threadPosts();
    expect(told).toHaveLength(1);
    expect(told[0]!.params.thread_ts).toBe(ref.messageId);
    expect(told[0]!.params.text).toBe(`<@U0ALICE> e-mail #${nextId} to AS6939 Hurricane Electric: sent.`);
    // A second process redrawing the sent e-mail finds the outcome claimed.
    const other = slackNotifier(
      { botToken: SLACK_TOKEN, apiUrl: slack.apiUrl },
      { log, claim: trackerClaim(db) },
    );
    await other.update(ref, emailReply(done, 3));
    expect(threadPosts()).toHaveLength(1);
  });

  it("Slack: a failure is told, and the failure of a retried round is told again", async () => {
    const n = slackNotifier(
      { botToken: SLACK_TOKEN, apiUrl: slack.apiUrl },
      { log, claim: trackerClaim(db) },
    );
    const ref = await n.post({ platform: "slack", channel: "C1" }, emailReply(email(), 3));
    const failed = (attempts: number, roundStart: number) =>
      email({
        status: "failed",
        sentBy: "console:carol",
        sentByName: "carol",
        attempts,
        error: "The SMTP server refused the recipient.",
        details: { roundStart },
      });
    await n.update(ref, emailReply(failed(3, 0), 3));
    await n.update(ref, emailReply(failed(3, 0), 3));
    expect(threadPosts().map((c) => c.params.text)).toEqual([
      `carol (console) e-mail #${nextId} to AS6939 Hurricane Electric: failed after 3 attempts (The SMTP server refused the recipient.).`,
    ]);
    await n.update(ref, emailReply(failed(6, 3), 3));
    expect(threadPosts()).toHaveLength(2);
    expect(String(threadPosts()[1]!.params.text)).toContain("failed after 6 attempts");
  });

  it("Discord: the outcome references the message and pings only the sender", async () => {
    const n = discordNotifier({ token: DISCORD_TOKEN, apiUrl: discord.apiUrl }, { log });
    const ref = await n.post({ platform: "discord", channel: "555000000000000001" }, emailReply(email(), 3));
    await n.update(ref, emailReply(sentBy(`discord:${DISCORD_ID}`, "Head of Network"), 3));
    const replies = discord.calls.filter((c) => c.method === "POST" && c.body.message_reference);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body.message_reference).toMatchObject({ message_id: ref.messageId });
    expect(replies[0]!.body.content).toBe(`<@${DISCORD_ID}>`);
    expect(replies[0]!.body.allowed_mentions).toEqual({
      parse: [],
      users: [DISCORD_ID],
      replied_user: false,
    });
    expect(JSON.stringify(replies[0]!.body.embeds)).toContain(
      `<@${DISCORD_ID}> e-mail #${nextId} to AS6939 Hurricane Electric: sent.`,
    );
    const edit = discord.calls.find((c) => c.method === "PATCH")!;
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
  });

  it("a batch: done is told once to who pressed Send all, with the tally; its e-mails tell nothing of their own", async () => {
    const n = slackNotifier(
      { botToken: SLACK_TOKEN, apiUrl: slack.apiUrl },
      { log, claim: trackerClaim(db) },
    );
    const b = batch({ needsApproval: false });
    const ref = await n.post({ platform: "slack", channel: "C3" }, batchReply(b, [member(1, "draft")], 5));
    const sending = {
      ...b,
      status: "sending" as const,
      approvedBy: "slack:U0CAROL",
      approvedByName: "Carol",
    };
    await n.update(ref, batchReply(sending, [member(1, "sent"), member(2, "queued")], 5));
    expect(threadPosts()).toEqual([]);
    const done = { ...sending, status: "done" as const };
    await n.update(ref, batchReply(done, [member(1, "sent"), member(2, "failed")], 5));
    await n.update(ref, batchReply(done, [member(1, "sent"), member(2, "failed")], 5));
    expect(threadPosts().map((c) => c.params.text)).toEqual([
      `<@U0CAROL> batch #${nextId}, peering requests for LINX LON1: done, 1/2 sent, 1 failed.`,
    ]);
    // Retry failed (pressed by Dave): the next round's end is told too, to Dave.
    const retried = { ...member(2, "sent", { roundStart: 3 }), sentBy: "slack:U0DAVE", sentByName: "Dave" };
    await n.update(ref, batchReply(done, [member(1, "sent"), retried], 5));
    expect(threadPosts().map((c) => c.params.text)).toHaveLength(2);
    expect(threadPosts()[1]!.params.text).toBe(
      `<@U0DAVE> batch #${nextId}, peering requests for LINX LON1: done, 2/2 sent.`,
    );
    // An e-mail of a batch, shown on its own and sent: no outcome of its own.
    expect(emailReply(sentBy("slack:U0CAROL", "Carol", { batchId: nextId }), 3).outcome).toBeUndefined();
  });
});
