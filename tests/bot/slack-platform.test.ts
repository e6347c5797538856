// The Slack platform against a fake Slack over loopback: signed slash commands and button
// presses in, Web API calls out.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { App, Receiver } from "@slack/bolt";
import type { SlackPlatform } from "../../bot/slack/platform.js";
import { startSlack } from "../../bot/slack/platform.js";
import { checkSlackMessage } from "../../bot/slack/render.js";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import type { Invocation } from "../../commands/registry.js";
import { createLogger } from "../../core/log.js";
import type { MessageRef } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import {
  FakeSlack,
  blockActionBody,
  postSigned,
  slashCommandBody,
  type SlashCommandFields,
} from "../fakes/slack-api.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { seedDemoDb } from "../helpers/demo.js";
import { testServices } from "../helpers/services.js";
import { bigTableRows } from "./render-fixtures.js";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN = "xoxb-1111-2222-fakefakefake";

let fake: FakeSlack;
let slack: SlackPlatform;
let endpoint: string;
const invocations: Invocation[] = [];
const postedRefs: { reply: Reply; ref: MessageRef }[] = [];
const logLines: string[] = [];
/** What the fake command layer answers, by command line or action. */
let answer: (inv: Invocation) => Promise<Reply> = async () => ({ text: "ok" });

beforeAll(async () => {
  fake = await new FakeSlack({
    botToken: BOT_TOKEN,
    notInChannel: ["CPRIVATE"],
    failIn: ["CBROKEN"],
    userGroups: { S0614TZR7: ["U1"], S0000OTHER: ["U9"] },
  }).start();
  slack = await startSlack({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    port: 0,
    host: "127.0.0.1",
    apiUrl: fake.apiUrl,
    handle: async (inv) => {
      invocations.push(inv);
      return answer(inv);
    },
    posted: async (reply, ref) => {
      postedRefs.push({ reply, ref });
    },
    log: createLogger("debug", (l) => logLines.push(l)),
  });
  endpoint = `http://127.0.0.1:${slack.port}/slack/events`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.stop();
  // Secrets never reach the log.
  const all = logLines.join("\n");
  expect(all).not.toContain(SIGNING_SECRET);
  expect(all).not.toContain(BOT_TOKEN);
});

afterEach(async () => {
  await fake.quiet();
});

beforeEach(() => {
  invocations.length = 0;
  postedRefs.length = 0;
  fake.calls.length = 0;
  fake.responses.length = 0;
  fake.uploads.length = 0;
  answer = async () => ({ text: "ok" });
});

function slash(over: Partial<SlashCommandFields>): SlashCommandFields {
  return {
    command: "/peerbot",
    text: "",
    user_id: "U1",
    user_name: "alice",
    channel_id: "C1",
    response_url: fake.responseUrl(),
    ...over,
  };
}

describe("Slack platform", () => {
  it("checked the token with auth.test at start, and refuses to start with a bad token", async () => {
    expect(fake.methodsSeen.has("auth.test")).toBe(true);
    expect(slack.port).toBeGreaterThan(0);
    const wrong = "xoxb-9999-wrong-token";
    const err = await startSlack({
      botToken: wrong,
      signingSecret: SIGNING_SECRET,
      port: 0,
      host: "127.0.0.1",
      apiUrl: fake.apiUrl,
      handle: async () => ({ text: "x" }),
      log: createLogger("silent"),
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/invalid_auth/);
    expect(String(err)).not.toContain(wrong);
    expect(String(err)).not.toContain(SIGNING_SECRET);
  });

  it("runs /peerbot <line>, posts the reply with chat.postMessage and records its ts", async () => {
    answer = async () => ({
      title: "Peers at LINX",
      table: { columns: ["ASN", "Name", "Prefixes", "State"], rows: bigTableRows() },
      track: "ixp:linx",
    });
    const res = await postSigned(endpoint, SIGNING_SECRET, slashCommandBody(slash({ text: "peers linx" })));
    expect(res.status).toBe(200);
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[0]);
    expect(invocations[0]).toEqual({
      actor: { platform: "slack", userId: "U1", userName: "alice", groupIds: ["S0614TZR7"] },
      channel: "C1",
      text: "peers linx",
      origin: { team: "T1" },
    });
    expect(post.params.channel).toBe("C1");
    expect(post.params.text).toBe("Peers at LINX");
    expect(checkSlackMessage({ blocks: post.params.blocks as unknown[] })).toEqual([]);
    // The table that did not fit is uploaded in the message's thread.
    const upload = await fake.waitFor(() => fake.uploads[0]);
    const ref = await fake.waitFor(() => postedRefs[0]?.ref);
    expect(ref).toEqual({
      platform: "slack",
      channel: "C1",
      messageId: expect.stringMatching(/^1700000000\.\d+$/),
    });
    expect(upload).toMatchObject({ filename: "table.txt", channel: "C1", threadTs: ref.messageId });
    expect(upload.content.split("\n")).toHaveLength(302);
  });

  it("posts follow-ups as messages of their own, each recorded", async () => {
    answer = async () => ({
      text: "Change 42 needs 2 routers.",
      followUps: [
        { title: "lon1", text: "diff for lon1", track: "change:42:lon1" },
        { title: "lon2", text: "diff for lon2", track: "change:42:lon2" },
      ],
    });
    await postSigned(endpoint, SIGNING_SECRET, slashCommandBody(slash({ text: "change 42" })));
    await fake.waitFor(() => postedRefs.length === 3);
    expect(fake.callsOf("chat.postMessage").map((c) => c.params.text)).toEqual([
      "Change 42 needs 2 routers.",
      "lon1",
      "lon2",
    ]);
    expect(postedRefs.map((p) => p.reply.track)).toEqual([undefined, "change:42:lon1", "change:42:lon2"]);
    expect(new Set(postedRefs.map((p) => p.ref.messageId)).size).toBe(3);
  });

  it("maps /peer and /peers to their commands", async () => {
    await postSigned(
      endpoint,
      SIGNING_SECRET,
      slashCommandBody(slash({ command: "/peer", text: "AS714 at LINX" })),
    );
    await postSigned(endpoint, SIGNING_SECRET, slashCommandBody(slash({ command: "/peers", text: "" })));
    await fake.waitFor(() => fake.callsOf("chat.postMessage").length === 2);
    expect(invocations.map((i) => i.text)).toEqual(["peer AS714 at LINX", "peers"]);
  });

  it("answers an ephemeral reply through the response_url only", async () => {
    answer = async () => ({ kind: "error", text: "You need the operator role.", ephemeral: true });
    const f = slash({ text: "peer AS714 at LINX", user_id: "U9", user_name: "mallory" });
    await postSigned(endpoint, SIGNING_SECRET, slashCommandBody(f));
    const r = await fake.waitFor(() => fake.responses[0]);
    expect(f.response_url.endsWith(r.id)).toBe(true);
    expect(r.body).toMatchObject({ response_type: "ephemeral", text: "You need the operator role." });
    expect(fake.callsOf("chat.postMessage")).toEqual([]);
    expect(invocations[0]?.actor.groupIds).toEqual(["S0000OTHER"]);
    expect(postedRefs).toEqual([]);
  });

  it("falls back to the response_url where the bot may not post", async () => {
    await postSigned(
      endpoint,
      SIGNING_SECRET,
      slashCommandBody(slash({ channel_id: "CPRIVATE", text: "help" })),
    );
    const r = await fake.waitFor(() => fake.responses[0]);
    expect(r.body).toMatchObject({ response_type: "in_channel", text: "ok" });
  });

  it("sends the follow-ups the same way when the reply had to go through the response_url", async () => {
    answer = async () => ({
      text: "Change 42 needs 2 routers.",
      followUps: [
        { title: "lon1", text: "diff for lon1", track: "change:42:lon1" },
        { text: "only you see this", ephemeral: true },
      ],
    });
    await postSigned(
      endpoint,
      SIGNING_SECRET,
      slashCommandBody(slash({ channel_id: "CPRIVATE", text: "change 42" })),
    );
    await fake.waitFor(() => fake.responses.length === 3);
    expect(fake.responses.map((r) => [r.body.response_type, r.body.text])).toEqual([
      ["in_channel", "Change 42 needs 2 routers."],
      ["in_channel", "lon1"],
      ["ephemeral", "only you see this"],
    ]);
    // Nothing posted there can be updated later: nothing is recorded.
    expect(postedRefs).toEqual([]);
  });

  it("tells the user in one sentence when Slack refuses the answer", async () => {
    await postSigned(
      endpoint,
      SIGNING_SECRET,
      slashCommandBody(slash({ channel_id: "CBROKEN", text: "help" })),
    );
    const r = await fake.waitFor(() => fake.responses[0]);
    expect(r.body).toMatchObject({
      response_type: "ephemeral",
      text: "Slack refused peerbot's answer (msg_too_long); it has been logged.",
    });
  });

  it("says that something went wrong, in one sentence, when the reply cannot be drawn", async () => {
    // A button that still carries only its intent is a programmer error the renderer refuses.
    answer = async () => ({
      text: "down",
      buttons: [{ label: "Status", intent: { command: "status", args: [{ asn: 1 }] } }],
    });
    await postSigned(endpoint, SIGNING_SECRET, slashCommandBody(slash({ text: "help" })));
    const r = await fake.waitFor(() => fake.responses[0]);
    expect(r.body).toMatchObject({
      response_type: "ephemeral",
      text: "Something went wrong; it has been logged.",
    });
    expect(fake.callsOf("chat.postMessage")).toEqual([]);
  });

  it("acknowledges at once, before a slow command finishes", async () => {
    let finish!: () => void;
    answer = () => new Promise<Reply>((resolve) => (finish = () => resolve({ text: "done" })));
    const t0 = Date.now();
    const res = await postSigned(endpoint, SIGNING_SECRET, slashCommandBody(slash({ text: "slow" })));
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(fake.callsOf("chat.postMessage")).toEqual([]);
    await fake.waitFor(() => invocations.length === 1);
    finish();
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[0]);
    expect(post.params.text).toBe("done");
  });

  it("rejects a bad or stale signature without running anything", async () => {
    const body = slashCommandBody(slash({ text: "peers" }));
    const bad = await postSigned(endpoint, SIGNING_SECRET, body, { signature: "v0=" + "0".repeat(64) });
    expect(bad.status).toBe(401);
    const wrongSecret = await postSigned(endpoint, "not-the-secret", body);
    expect(wrongSecret.status).toBe(401);
    const stale = await postSigned(endpoint, SIGNING_SECRET, body, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(stale.status).toBe(401);
    const tampered = await postSigned(endpoint, SIGNING_SECRET, body, {
      signature: (await import("../fakes/slack-api.js")).slackSignature(
        SIGNING_SECRET,
        Math.floor(Date.now() / 1000),
        body.replace("peers", "deploy"),
      ),
    });
    expect(tampered.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(invocations).toEqual([]);
    for (const l of logLines) expect(l).not.toContain(SIGNING_SECRET);
  });

  it("runs a button press with its action id and message, and answers in the thread", async () => {
    answer = async () => ({ kind: "success", text: "Approved by alice." });
    const body = blockActionBody({
      actionId: "change.approve:42",
      userId: "U1",
      userName: "alice",
      channelId: "C1",
      messageTs: "1700000000.000100",
      responseUrl: fake.responseUrl(),
    });
    const res = await postSigned(endpoint, SIGNING_SECRET, body);
    expect(res.status).toBe(200);
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[0]);
    expect(invocations[0]).toEqual({
      actor: { platform: "slack", userId: "U1", userName: "alice", groupIds: ["S0614TZR7"] },
      channel: "C1",
      action: "change.approve:42",
      messageRef: { platform: "slack", channel: "C1", messageId: "1700000000.000100" },
      origin: { team: "T1" },
    });
    expect(post.params).toMatchObject({
      channel: "C1",
      thread_ts: "1700000000.000100",
      text: "Approved by alice.",
    });
  });

  it("reads the canonical action id from the value of a de-duplicated button", async () => {
    const body = blockActionBody({
      actionId: "~2|cmd:peers linx",
      value: "cmd:peers linx",
      userId: "U1",
      userName: "alice",
      channelId: "C1",
      messageTs: "1700000000.000200",
      responseUrl: fake.responseUrl(),
    });
    await postSigned(endpoint, SIGNING_SECRET, body);
    await fake.waitFor(() => fake.callsOf("chat.postMessage")[0]);
    expect(invocations[0]?.action).toBe("cmd:peers linx");
  });

  it("replaces the message for a pagination button (chat.update)", async () => {
    answer = async () => ({
      text: "page 3",
      pagination: { page: 3, pages: 5, prev: "cmd:peers linx page:2", next: "cmd:peers linx page:4" },
    });
    await postSigned(
      endpoint,
      SIGNING_SECRET,
      blockActionBody({
        actionId: "cmd:peers linx page:3",
        blockId: "pagination",
        userId: "U1",
        userName: "alice",
        channelId: "C1",
        messageTs: "1700000000.000300",
        responseUrl: fake.responseUrl(),
      }),
    );
    const upd = await fake.waitFor(() => fake.callsOf("chat.update")[0]);
    expect(upd.params).toMatchObject({ channel: "C1", ts: "1700000000.000300", text: "page 3" });
    expect(fake.callsOf("chat.postMessage")).toEqual([]);
  });

  it("answers a press on an ephemeral message through its response_url", async () => {
    answer = async () => ({ text: "next page", pagination: { page: 2, pages: 2, prev: "cmd:x page:1" } });
    await postSigned(
      endpoint,
      SIGNING_SECRET,
      blockActionBody({
        actionId: "cmd:x page:2",
        blockId: "pagination",
        userId: "U1",
        userName: "alice",
        channelId: "C1",
        messageTs: "1700000000.000400",
        responseUrl: fake.responseUrl(),
        ephemeral: true,
      }),
    );
    const r = await fake.waitFor(() => fake.responses[0]);
    expect(r.body).toMatchObject({ replace_original: true, text: "next page" });
    expect(invocations[0]?.messageRef).toBeUndefined();
  });

  it("gives jobs a notifier that updates and posts messages", async () => {
    const ref = await slack.notifier.post({ platform: "slack", channel: "C1" }, { text: "Deploy started" });
    expect(ref.messageId).toMatch(/^1700000000\./);
    await slack.notifier.update(ref, {
      kind: "success",
      text: "Deployed",
      code: { language: "diff", content: "+x\n".repeat(5000) },
    });
    const upd = fake.callsOf("chat.update")[0];
    expect(upd?.params).toMatchObject({ channel: "C1", ts: ref.messageId });
    const up = await fake.waitFor(() => fake.uploads[0]);
    expect(up).toMatchObject({ filename: "diff.txt", threadTs: ref.messageId });
    expect(up.content).toBe("+x\n".repeat(5000));
  });
});

describe("Slack with the command layer and a database", () => {
  let db: TestDatabase;
  let real: SlackPlatform;
  let realEndpoint: string;

  beforeAll(async () => {
    db = await createTestDatabase(import.meta.filename);
    await seedDemoDb(db);
    const services = testServices(db, { PEERBOT_ROLES: "slack:U1=operator", SLACK_ALLOWED_TEAMS: "T1" });
    const registry = buildRegistry();
    real = await startSlack({
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      port: 0,
      host: "127.0.0.1",
      apiUrl: fake.apiUrl,
      handle: async (inv) => (await dispatch(registry, services, inv)).reply,
      log: createLogger("debug", (l) => logLines.push(l)),
    });
    realEndpoint = `http://127.0.0.1:${real.port}/slack/events`;
  });
  afterAll(async () => {
    await real?.stop();
    await db?.drop();
  });

  it("audits a signed /peerbot hide without user_name, before its effect, by the user id", async () => {
    const form = new URLSearchParams(slashCommandBody(slash({ text: "hide AS6939 at LINX" })));
    form.delete("user_name");
    await postSigned(realEndpoint, SIGNING_SECRET, form.toString());
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[0]);
    expect(post.params.text).toContain("AS6939 is hidden from `peers linx-lon1`");
    const evs = await db.prisma.auditEvent.findMany({ where: { command: "hide" } });
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({
      platform: "slack",
      userId: "U1",
      userName: "U1",
      channel: "C1",
      args: "AS6939 at LINX",
      outcome: "ok",
    });
    const hidden = await db.prisma.hiddenPeer.findFirstOrThrow({ where: { asn: 6939n } });
    expect(hidden.createdBy).toBe("U1");
    // The row was written before the effect.
    expect(evs[0]!.at.getTime()).toBeLessThanOrEqual(hidden.createdAt.getTime());
  });

  it("audits a button press whose user has neither username nor name, by the user id", async () => {
    const body = new URLSearchParams(
      blockActionBody({
        actionId: "cmd:unhide AS6939 at linx-lon1",
        userId: "U1",
        userName: "alice",
        channelId: "C1",
        messageTs: "1700000000.000900",
        responseUrl: fake.responseUrl(),
      }),
    );
    const payload = JSON.parse(body.get("payload") ?? "{}") as { user: Record<string, unknown> };
    delete payload.user.username;
    delete payload.user.name;
    await postSigned(
      realEndpoint,
      SIGNING_SECRET,
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    );
    const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[0]);
    expect(post.params.text).toContain("AS6939 shows in `peers linx-lon1` again.");
    const ev = await db.prisma.auditEvent.findFirstOrThrow({ where: { command: "unhide" } });
    expect(ev).toMatchObject({ platform: "slack", userId: "U1", userName: "U1", outcome: "ok" });
  });
});

/** A Bolt receiver of the test's own: events handed over in memory, as Socket Mode would. */
class MemoryReceiver implements Receiver {
  private app?: App;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async deliver(body: Record<string, unknown>): Promise<boolean> {
    let acked = false;
    await this.app!.processEvent({
      body,
      ack: async () => {
        acked = true;
      },
    });
    return acked;
  }
}

describe("Slack with another receiver", () => {
  it("takes requests from any Bolt receiver and answers through the same listeners", async () => {
    const receiver = new MemoryReceiver();
    const seenHere: Invocation[] = [];
    const other = await startSlack({
      botToken: BOT_TOKEN,
      receiver,
      apiUrl: fake.apiUrl,
      handle: async (inv) => {
        seenHere.push(inv);
        return { text: "routers: 2" };
      },
      log: createLogger("silent"),
    });
    try {
      expect(other.port).toBeUndefined();
      fake.calls.length = 0;
      const acked = await receiver.deliver(
        Object.fromEntries(new URLSearchParams(slashCommandBody(slash({ text: "routers" })))),
      );
      expect(acked).toBe(true);
      const post = await fake.waitFor(() => fake.callsOf("chat.postMessage")[0]);
      expect(post.params).toMatchObject({ channel: "C1", text: "routers: 2" });
      expect(seenHere[0]).toMatchObject({ text: "routers", actor: { platform: "slack", userId: "U1" } });
    } finally {
      await other.stop();
    }
  });
});
