// `peerbot worker` serves no chat platform, yet its jobs update the messages they report in:
// the notifiers made from tokens alone reach the real APIs (here, their loopback fakes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerNotifier } from "../../bot/platforms.js";
import { testConfig } from "../helpers/services.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import { FakeSlack } from "../fakes/slack-api.js";

const slack = new FakeSlack({ botToken: "xoxb-worker-test-token" });
let discord: FakeDiscord;

beforeAll(async () => {
  await slack.start();
  discord = new FakeDiscord("discord-worker-test-token-0123456789");
  await discord.start();
});
afterAll(async () => {
  await slack.stop();
  await discord.stop();
});

describe("worker notifiers", () => {
  it("post and update Slack and Discord messages from tokens alone", async () => {
    const n = await workerNotifier(
      testConfig({
        SLACK_BOT_TOKEN: "xoxb-worker-test-token",
        SLACK_API_URL: slack.apiUrl,
        DISCORD_TOKEN: "discord-worker-test-token-0123456789",
        DISCORD_API_URL: discord.apiUrl,
      }),
    );
    const sref = await n.post(
      { platform: "slack", channel: "C123" },
      { title: "Change #1", text: "Status: deploying." },
    );
    await n.update(sref, { title: "Change #1", text: "Status: deployed." });
    const update = slack.callsOf("chat.update")[0];
    expect(update?.params).toMatchObject({ channel: "C123", ts: sref.messageId });
    expect(JSON.stringify(update?.params)).toContain("Status: deployed.");

    const dref = await n.post(
      { platform: "discord", channel: "555" },
      { title: "Change #2", text: "Status: deploying." },
    );
    await n.update(dref, { title: "Change #2", text: "Status: deployed." });
    const patch = discord.callsTo("PATCH", new RegExp(`/channels/555/messages/${dref.messageId}`))[0];
    expect(JSON.stringify(patch?.body)).toContain("Status: deployed.");

    await expect(
      n.update({ platform: "teams", channel: "x", messageId: "1" }, { text: "?" }),
    ).rejects.toThrow(/no teams platform/);
  });
});
