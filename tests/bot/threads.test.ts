// A job's progress edits the change's message in place, and its outcome is also posted in the
// message's thread, mentioning the requester so that they are notified: once, however often the
// final state is redrawn, and (with the tracker's claim) in whichever process redraws it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { trackerClaim } from "../../commands/messages.js";
import { discordNotifier } from "../../bot/discord/notifier.js";
import { slackNotifier } from "../../bot/slack/messenger.js";
import { changeReply } from "../../core/changes/message.js";
import type { ChangeRow } from "../../core/changes/model.js";
import { createLogger } from "../../core/log.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";

const SLACK_TOKEN = "xoxb-threads-test-token";
const DISCORD_TOKEN = "discord-threads-test-token-0123456789";
const slack = new FakeSlack({ botToken: SLACK_TOKEN });
let discord: FakeDiscord;
let db: TestDatabase;
const log = createLogger("warn", () => {});
const config = {
  PEERBOT_CHANGE_EXPIRY: 1,
  SLACK_APPROVER_GROUP: "S0APPROVE",
  DISCORD_APPROVER_ROLE: "900000000000000042",
};

beforeAll(async () => {
  await slack.start();
  discord = await new FakeDiscord(DISCORD_TOKEN).start();
  db = await createTestDatabase(import.meta.filename);
});
afterAll(async () => {
  await slack.stop();
  await discord.stop();
  await db?.drop();
});
beforeEach(() => {
  slack.calls.length = 0;
  discord.calls.length = 0;
});

let nextId = 100;
function change(requestedBy: string, over: Partial<ChangeRow> = {}): ChangeRow {
  const now = new Date("2026-01-02T03:04:05Z");
  return {
    id: nextId,
    router: { id: 1, name: "edge1.lon", platform: "bird2" },
    summary: "peer AS6939 at LINX LON1",
    requestedBy,
    requestedByName: "Head of Network",
    requesters: [requestedBy],
    status: "pending",
    reason: "",
    baseSha256: "b".repeat(64),
    diff: "",
    diffSha256: "d".repeat(64),
    added: 1,
    removed: 0,
    effects: [],
    steps: [],
    notes: [],
    expiresAt: now,
    approvals: [],
    ...over,
  } as unknown as ChangeRow;
}

const outcomes = () => slack.callsOf("chat.postMessage").filter((c) => c.params.thread_ts);

describe("Slack: the outcome in the thread", () => {
  it("follows the final edit, mentions the requester, and is posted once", async () => {
    nextId++;
    const n = slackNotifier({ botToken: SLACK_TOKEN, apiUrl: slack.apiUrl }, { log });
    const ref = await n.post(
      { platform: "slack", channel: "C1" },
      changeReply(change("slack:U0ALICE"), config),
    );
    await n.update(
      ref,
      changeReply(change("slack:U0ALICE", { status: "deploying", steps: ["committed"] }), config),
    );
    expect(outcomes()).toEqual([]);

    const deployed = change("slack:U0ALICE", { status: "deployed", steps: ["committed", "verified"] });
    await n.update(ref, changeReply(deployed, config));
    const told = outcomes();
    expect(told).toHaveLength(1);
    expect(told[0]!.params.thread_ts).toBe(ref.messageId);
    expect(told[0]!.params.text).toBe(`<@U0ALICE> change #${nextId} on edge1.lon: deployed.`);
    // The edit came first: the message shows the state the thread announces.
    const order = slack.calls.map((c) => c.method + (c.params.thread_ts ? ":thread" : ""));
    expect(order.lastIndexOf("chat.update")).toBeLessThan(order.indexOf("chat.postMessage:thread"));

    // A later redraw of the same state (a poll adds a line) edits the message, and tells nobody again.
    await n.update(
      ref,
      changeReply({ ...deployed, steps: [...deployed.steps, "AS6939 Established"] }, config),
    );
    expect(outcomes()).toHaveLength(1);
    expect(slack.callsOf("chat.update")).toHaveLength(3);
  });

  it("a failure is told too; a requester from another platform is named, not pinged", async () => {
    nextId++;
    const n = slackNotifier({ botToken: SLACK_TOKEN, apiUrl: slack.apiUrl }, { log });
    const ref = await n.post(
      { platform: "slack", channel: "C1" },
      changeReply(change("console:alice"), config),
    );
    await n.update(
      ref,
      changeReply(change("console:alice", { status: "failed", reason: "commit refused" }), config),
    );
    const told = outcomes();
    expect(told).toHaveLength(1);
    expect(String(told[0]!.params.text)).toBe(
      `Head of Network (console alice) change #${nextId} on edge1.lon: failed (commit refused).`,
    );
    expect(String(told[0]!.params.text)).not.toContain("<@");
  });

  it("with the tracker's claim, a second process redrawing the final state tells nobody again", async () => {
    nextId++;
    const claim = trackerClaim(db);
    const first = slackNotifier({ botToken: SLACK_TOKEN, apiUrl: slack.apiUrl }, { log, claim });
    const second = slackNotifier({ botToken: SLACK_TOKEN, apiUrl: slack.apiUrl }, { log, claim });
    const ref = await first.post(
      { platform: "slack", channel: "C2" },
      changeReply(change("slack:U0ALICE"), config),
    );
    const rolledBack = changeReply(
      change("slack:U0ALICE", { status: "rolled_back", reason: "verify failed" }),
      config,
    );
    await first.update(ref, rolledBack);
    // The claim is durable: a fresh process (its memory empty) finds it taken.
    await second.update(ref, rolledBack);
    expect(outcomes()).toHaveLength(1);
    expect(await claim(`outcome:change:${nextId}:rolled_back`)).toBe(false);
  });
});

describe("Discord: the outcome as a reply to the message", () => {
  it("references the message and pings only the requester", async () => {
    nextId++;
    const who = "123456789012345678";
    const n = discordNotifier({ token: DISCORD_TOKEN, apiUrl: discord.apiUrl }, { log });
    const ref = await n.post(
      { platform: "discord", channel: "555000000000000001" },
      changeReply(change(`discord:${who}`), config),
    );
    // Waiting for approval: the approver role leads the message and may be pinged.
    const posted = discord.calls.find((c) => c.method === "POST")!;
    expect(posted.body.content).toBe("<@&900000000000000042>");
    expect(posted.body.allowed_mentions).toEqual({ parse: [], roles: ["900000000000000042"] });

    await n.update(ref, changeReply(change(`discord:${who}`, { status: "deployed" }), config));
    const replies = discord.calls.filter((c) => c.method === "POST" && c.body.message_reference);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body.message_reference).toMatchObject({ message_id: ref.messageId });
    expect(replies[0]!.body.content).toBe(`<@${who}>`);
    expect(replies[0]!.body.allowed_mentions).toEqual({ parse: [], users: [who], replied_user: false });
    // The edit of the message itself pings nobody.
    const edit = discord.calls.find((c) => c.method === "PATCH")!;
    expect(edit.body.allowed_mentions).toEqual({ parse: [] });
  });
});
