// `peerbot worker` serves no chat platform, yet its jobs update the messages they report in:
// the notifiers made from tokens alone reach the real APIs (here, their loopback fakes). And a
// job posts the same messages there as inside `peerbot start`: the reply, its follow-ups, their
// files and buttons, each recorded by the message tracker so that a later job can update it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PlatformRouter, startPlatforms, workerNotifiers } from "../../bot/platforms.js";
import { trackedMessage } from "../../core/inventory.js";
import type { Notifier } from "../../core/ports.js";
import { sessionButtons } from "../../core/polling.js";
import type { Reply } from "../../core/reply.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { testServices, type TestServices } from "../helpers/services.js";
import { bigDiff } from "./render-fixtures.js";

const SLACK_TOKEN = "xoxb-worker-test-token";
const DISCORD_TOKEN = "discord-worker-test-token-0123456789";
const slack = new FakeSlack({ botToken: SLACK_TOKEN });
let discord: FakeDiscord;
let db: TestDatabase;

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
  slack.uploads.length = 0;
  discord.calls.length = 0;
});

/** Services configured for both platforms, against the fakes (ports chosen by the system). */
function services(): TestServices {
  const s = testServices(db, {
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: "worker-test-signing-secret",
    SLACK_API_URL: slack.apiUrl,
    DISCORD_TOKEN,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_PUBLIC_KEY: discord.publicKeyHex,
    DISCORD_API_URL: discord.apiUrl,
  });
  s.config.SLACK_PORT = 0;
  s.config.DISCORD_PORT = 0;
  return s;
}

const DISCORD_CHANNEL = "555000000000000001";

/** A job's report: a tracked message with two follow-ups (one with a diff too big to show, one an alert). */
const report = (platform: string): Reply => ({
  title: "Change #7 needs 2 routers",
  text: "Status: deploying.",
  track: `job:${platform}`,
  followUps: [
    {
      title: "lon1",
      text: "diff for lon1",
      code: { language: "diff", content: bigDiff() },
      track: `job:${platform}:lon1`,
    },
    {
      kind: "error",
      title: "BGP session down: AS64501 at LINX",
      buttons: sessionButtons("64501"),
      track: `job:${platform}:alert`,
    },
  ],
});

/** What a job does with its notifier: post its report, then redraw it (as a deploy does). */
async function job(n: Notifier): Promise<void> {
  const refs = [
    await n.post({ platform: "slack", channel: "C42" }, report("slack")),
    await n.post({ platform: "discord", channel: DISCORD_CHANNEL }, report("discord")),
  ];
  for (const ref of refs)
    await n.update(ref, { title: "Change #7 needs 2 routers", text: "Status: deployed." });
}

/** What the platforms' APIs saw, without the ids and timestamps they made up. */
function seen() {
  const noIds = (v: unknown) =>
    JSON.parse(
      JSON.stringify(v)
        .replace(/1700000000\.\d{6}/g, "<ts>")
        .replace(new RegExp(`/messages/\\d+`, "g"), "/messages/<id>"),
    ) as unknown;
  const slackCalls = slack.calls
    .filter((c) => c.method.startsWith("chat."))
    .map((c) => noIds({ method: c.method, ...c.params }));
  const slackFiles = slack.uploads.map((u) =>
    noIds({ filename: u.filename, threadTs: u.threadTs, size: u.content.length }),
  );
  const discordCalls = discord.calls
    .filter((c) => c.path.includes("/channels/"))
    .map((c) => noIds({ method: c.method, path: c.path, body: c.body, files: c.files.map((f) => f.name) }));
  return { slackCalls, slackFiles, discordCalls };
}

/** Where the tracker says each message of the report lives, with the fakes' ids kept. */
async function recorded() {
  const out: Record<string, unknown> = {};
  for (const platform of ["slack", "discord"])
    for (const key of [`job:${platform}`, `job:${platform}:lon1`, `job:${platform}:alert`])
      out[key] = await trackedMessage(db, key);
  return out;
}

describe("worker notifiers", () => {
  it("post and update Slack and Discord messages from tokens alone", async () => {
    const n = await workerNotifiers({ services: services() }, new PlatformRouter());
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

describe("a job posts the same messages in `peerbot worker` as in `peerbot start`", () => {
  it("the reply, its follow-ups, their files and buttons, each recorded and updatable", async () => {
    // Inside `peerbot start`: the notifiers of the running platforms.
    const inStart = services();
    const router = new PlatformRouter();
    const stop = await startPlatforms({ services: inStart }, router);
    let start: ReturnType<typeof seen>;
    try {
      slack.calls.length = 0;
      discord.calls.length = 0;
      await job(router);
      start = seen();
    } finally {
      await stop();
    }
    const startRecorded = await recorded();

    // In `peerbot worker`: the notifiers made from tokens alone.
    await db.prisma.trackedMessage.deleteMany();
    slack.calls.length = 0;
    slack.uploads.length = 0;
    discord.calls.length = 0;
    await job(await workerNotifiers({ services: services() }, new PlatformRouter()));
    const worker = seen();
    const workerRecorded = await recorded();

    // Both posted the reply and both follow-ups, then redrew the reply, on each platform.
    expect(start.slackCalls.map((c) => (c as { method: string }).method)).toEqual([
      "chat.postMessage",
      "chat.postMessage",
      "chat.postMessage",
      "chat.update",
    ]);
    expect(start.discordCalls.map((c) => (c as { method: string }).method)).toEqual([
      "POST",
      "POST",
      "POST",
      "PATCH",
    ]);
    // The diff that did not fit went up as a file, in the thread of its own message.
    expect(start.slackFiles).toEqual([{ filename: "diff.txt", threadTs: "<ts>", size: bigDiff().length }]);
    // The alert's buttons are the commands its intents name, on both platforms.
    expect(JSON.stringify(start.slackCalls[2])).toContain('"value":"cmd:sessions AS64501"');
    expect(JSON.stringify(start.discordCalls[2])).toContain('"custom_id":"cmd:status AS64501"');
    expect(worker).toEqual(start);

    // Every message was recorded, in both processes, where the platform put it: a later job
    // finds it there (as the PeeringDB sync job does) and can redraw it.
    for (const rec of [startRecorded, workerRecorded]) {
      for (const [key, ref] of Object.entries(rec)) {
        expect(ref, key).toMatchObject(
          key.startsWith("job:slack")
            ? { platform: "slack", channel: "C42", messageId: expect.stringMatching(/^1700000000\./) }
            : { platform: "discord", channel: DISCORD_CHANNEL, messageId: expect.stringMatching(/^\d+$/) },
        );
      }
    }
    expect(
      new Set(Object.values(workerRecorded).map((r) => (r as { messageId: string }).messageId)).size,
    ).toBe(6);
  });
});
