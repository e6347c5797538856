// People, not names: a change's requester and approvers are shown as the platform's mention
// where they are on that platform and as "name (platform id)" elsewhere; a display name never
// stands alone as the four-eyes evidence, and no name, chat text or PeeringDB text can mention
// anyone. A change that waits for approval mentions the approver group of its own platform once.
import { describe, expect, it } from "vitest";
import { renderConsole } from "../../bot/console/render.js";
import { renderDiscord } from "../../bot/discord/render.js";
import { renderSlack } from "../../bot/slack/render.js";
import { changeReply } from "../../core/changes/message.js";
import type { ChangeRow } from "../../core/changes/model.js";
import { actorMark, People, TOKEN_CLOSE, TOKEN_OPEN } from "../../core/people.js";
import type { Reply } from "../../core/reply.js";
import { HOSTILE_NAMES } from "../helpers/hostile-names.js";

const SLACK_GROUP = "S0APPROVE";
const DISCORD_ROLE = "900000000000000042";
const config = {
  PEERBOT_CHANGE_EXPIRY: 86_400_000,
  SLACK_APPROVER_GROUP: SLACK_GROUP,
  DISCORD_APPROVER_ROLE: DISCORD_ROLE,
};

/** Display names chosen to pass for someone else, or to ping a crowd. */
const CHAT_HOSTILE = [
  "Head of Network",
  "<!here> <!channel> <@U0BOSS> <!subteam^S0APPROVE>",
  "@everyone @here <@&900000000000000042> <@123456789012345678>",
  `${TOKEN_OPEN}${"0".repeat(24)}0${TOKEN_CLOSE} fake token`,
  "[click](https://evil.example) *bold* `code` ~~x~~",
  ...HOSTILE_NAMES.slice(0, 6),
];

function change(over: Partial<ChangeRow> = {}): ChangeRow {
  const now = new Date("2026-01-02T03:04:05Z");
  return {
    id: 7,
    uid: "00000000-0000-0000-0000-000000000007",
    routerId: 1,
    router: { id: 1, name: "edge1.lon", platform: "bird2" } as ChangeRow["router"],
    summary: "peer AS6939 at LINX LON1",
    requestedBy: "slack:U0ALICE",
    requestedByName: "Head of Network",
    requesters: ["slack:U0ALICE"],
    status: "pending",
    reason: "",
    config: "",
    configSha256: "c".repeat(64),
    baseSha256: "b".repeat(64),
    diff: "+ protocol bgp pb_as6939 {\n",
    diffSha256: "d".repeat(64),
    added: 1,
    removed: 0,
    effects: [],
    steps: [],
    notes: [],
    phase: "none",
    deployAttempt: 0,
    supersedesId: null,
    expiresAt: now,
    createdAt: now,
    updatedAt: now,
    decidedAt: null,
    deployedAt: null,
    messagePlatform: "",
    messageChannel: "",
    messageId: "",
    messageThread: "",
    approvals: [],
    ...over,
  } as ChangeRow;
}

const approval = (approver: string, name: string) => ({ id: 1, changeId: 7, approver, name, at: new Date() });

/** Every mention in a Slack message's texts. */
const slackMentions = (s: string) => s.match(/<[@!][^>]*>/g) ?? [];
/** Every mention in a Discord message (a bare "@everyone" is text: allowed_mentions parses nothing). */
const discordMentions = (s: string) => s.match(/<@[&!]?\d+>/g) ?? [];
const slackTexts = (r: Reply) => JSON.stringify(renderSlack(r));

describe("a change's people on each platform", () => {
  const row = change({
    status: "queued",
    approvals: [approval("discord:123456789012345678", "Head of Network")],
    steps: [
      `approved by ${actorMark({ platform: "discord", userId: "123456789012345678", userName: "Head of Network" })}`,
    ],
  });

  it("Slack: the Slack requester is a mention; the Discord approver is name and id", () => {
    const msg = renderSlack(changeReply(row, config));
    const fields = JSON.stringify(msg.blocks);
    expect(fields).toContain("*Requested by*\\n<@U0ALICE>");
    expect(fields).toContain("*Approved by*\\nHead of Network (Discord 123456789012345678)");
    expect(fields).toContain("• approved by Head of Network (Discord 123456789012345678)");
    // Not pending: no approver group.
    expect(slackMentions(fields)).toEqual(["<@U0ALICE>"]);
  });

  it("Discord: the Discord approver is a mention; the Slack requester is name and id", () => {
    const msg = renderDiscord(changeReply(row, config));
    const fields = msg.embeds[0]!.fields!;
    expect(fields.find((f) => f.name === "Requested by")?.value).toBe("Head of Network (Slack U0ALICE)");
    expect(fields.find((f) => f.name === "Approved by")?.value).toBe("<@123456789012345678>");
    expect(msg.embeds[0]!.description).toContain("approved by <@123456789012345678>");
    expect(msg.allowed_mentions).toEqual({ parse: [] });
  });

  it("console: everyone is name and id", () => {
    const text = renderConsole(changeReply(row, config));
    expect(text).toContain("Requested by: Head of Network (Slack U0ALICE)");
    expect(text).toContain("Approved by: Head of Network (Discord 123456789012345678)");
    expect(text).not.toMatch(/[\uE000\uE001]/);
  });
});

describe("the approver group", () => {
  it("is mentioned once while the change waits, on its own platform only", () => {
    const pending = changeReply(change(), config);
    const slack = slackTexts(pending);
    expect(slack.split(`<!subteam^${SLACK_GROUP}>`).length - 1).toBe(2); // its own section and the notification text
    expect(renderSlack(pending).blocks.filter((b) => JSON.stringify(b).includes("subteam"))).toHaveLength(1);
    expect(slack).not.toContain(DISCORD_ROLE);

    const discord = renderDiscord(pending);
    expect(discord.content).toBe(`<@&${DISCORD_ROLE}>`);
    expect(discord.allowed_mentions).toEqual({ parse: [], roles: [DISCORD_ROLE] });
    expect(JSON.stringify(discord)).not.toContain(SLACK_GROUP);
    expect(discordMentions(JSON.stringify(discord.embeds))).toEqual([]);

    const console = renderConsole(pending);
    expect(console).not.toContain(SLACK_GROUP);
    expect(console).not.toContain(DISCORD_ROLE);
  });

  it("is not mentioned once the change is decided, nor without the setting", () => {
    for (const r of [
      changeReply(change({ status: "queued" }), config),
      changeReply(change(), { PEERBOT_CHANGE_EXPIRY: 1 }),
    ]) {
      expect(slackTexts(r)).not.toContain("subteam");
      expect(renderDiscord(r).content).toBe("");
      expect(renderDiscord(r).allowed_mentions).toEqual({ parse: [] });
    }
  });
});

describe("hostile display names", () => {
  it.each(CHAT_HOSTILE)("are never the evidence and mention nobody: %j", (name) => {
    const row = change({
      status: "rejected",
      requestedBy: "discord:123456789012345678",
      requestedByName: name,
      approvals: [approval("slack:U0BOB", name)],
      reason: `no thanks ${name}`,
      steps: [
        `rejected by ${actorMark({ platform: "slack", userId: "U0BOB", userName: name })}: ${name} said so`,
      ],
    });
    const reply = changeReply(row, config);

    // Slack: only the Slack approver is a mention; every name is escaped text beside its id.
    const slack = renderSlack(reply);
    const blocks = JSON.stringify(slack.blocks) + slack.text;
    expect(slackMentions(blocks).filter((m) => m !== "<@U0BOB>")).toEqual([]);
    expect(blocks).toContain("*Requested by*\\n");
    expect(blocks).toMatch(/\(Discord 123456789012345678\)/);

    // Discord: only the Discord requester, and nothing pings but whom it lists (nobody here).
    const discord = renderDiscord(reply);
    const all = JSON.stringify(discord);
    expect(discordMentions(all).filter((m) => m !== "<@123456789012345678>")).toEqual([]);
    expect(discord.allowed_mentions).toEqual({ parse: [] });
    expect(discord.embeds[0]!.fields!.find((f) => f.name === "Requested by")?.value).toBe(
      "<@123456789012345678>",
    );
    expect(discord.embeds[0]!.description).toContain("rejected by ");
    expect(discord.embeds[0]!.description).toContain("(Slack U0BOB)");

    // Nowhere does a token or a sentinel survive.
    for (const s of [blocks, all, renderConsole(reply)]) expect(s).not.toMatch(/[\uE000\uE001]/);
  });

  it("text that imitates a token, or another process's token, shows as nothing", () => {
    const people = new People();
    const real = people.of("slack:U0ALICE", "Alice");
    const forged = `${TOKEN_OPEN}${"a".repeat(24)}0${TOKEN_CLOSE}`;
    const reply: Reply = {
      text: `by ${real}; forged ${forged}; cut ${real.slice(0, 10)}`,
      mentions: people.list,
    };
    const slack = renderSlack(reply);
    expect(slack.blocks[0]).toMatchObject({ text: { text: "by <@U0ALICE>; forged ; cut " } });
    expect(renderConsole(reply)).toBe("by Alice (Slack U0ALICE); forged ; cut ");
  });

  it("a mark in a reason is text, not a person", () => {
    const mark = actorMark({ platform: "slack", userId: "U0BOSS", userName: "Boss" });
    const row = change({
      status: "rejected",
      steps: [
        `rejected by ${actorMark({ platform: "slack", userId: "U0BOB", userName: "Bob" })}: ${mark} agreed`,
        `approved by ${mark}`.replace("approved", "note: approved"),
      ],
    });
    const slack = slackTexts(changeReply(row, config));
    expect(slackMentions(slack).sort()).toEqual(["<@U0ALICE>", "<@U0BOB>"]);
    expect(slack).toContain("@{slack:U0BOSS|Boss} agreed");
  });
});
