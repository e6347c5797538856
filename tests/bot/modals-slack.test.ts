// Forms on Slack, through the real platform (Bolt's HTTP receiver, the listeners) against the
// loopback fake and the demo network: the Reject button opens a modal with views.open and the
// press's trigger_id; its view_submission rejects the change with the reason, shown in the
// reply and in the change's redrawn message. The Edit button of an e-mail draft opens a modal
// with the draft's subject, To, Cc and body; a required field left empty is answered with
// response_action "errors" under that input and changes nothing; a right one changes the draft.
// A trigger Slack no longer takes gets the reply's text (how to do it by command) instead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformRouter, processDelivery } from "../../bot/platforms.js";
import { startSlack, type SlackPlatform } from "../../bot/slack/platform.js";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { createLogger } from "../../core/log.js";
import {
  blockActionBody,
  FakeSlack,
  postSigned,
  slashCommandBody,
  viewSubmissionBody,
  type SlackCall,
} from "../fakes/slack-api.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import { fingerprint, type TestServices } from "../helpers/services.js";
import { until } from "../helpers/until.js";

const SIGNING_SECRET = "5ec7e75ec7e75ec7e75ec7e7modals01";
const BOT_TOKEN = "xoxb-5555-6666-modalsmodals";
const CHANNEL = "C0FORMS";

let fake: FakeSlack;
let demo: DemoChat;
let db: TestDatabase;
let services: TestServices;
let slack: SlackPlatform;
let endpoint: string;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await new FakeSlack({ botToken: BOT_TOKEN, expiredTriggers: ["9.9.9"] }).start();
  demo = await demoChat(import.meta.filename, {
    env: {
      PEERBOT_ROLES: "slack:U1=operator,slack:U2=approver",
      SLACK_ALLOWED_TEAMS: "T1",
      PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>",
    },
  });
  ({ db, services } = demo);
  const registry = buildRegistry();
  slack = await startSlack({
    ...processDelivery(services, registry),
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    port: 0,
    host: "127.0.0.1",
    apiUrl: fake.apiUrl,
    handle: async (inv) => (await dispatch(registry, services, inv)).reply,
    log: createLogger("debug", (l) => logLines.push(l)),
  });
  services.notifier = new PlatformRouter().add("slack", slack.notifier);
  endpoint = `http://127.0.0.1:${slack.port}/slack/events`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.stop();
  await demo?.close();
  const all = logLines.join("\n");
  expect(all).not.toContain(BOT_TOKEN);
  expect(all).not.toContain(SIGNING_SECRET);
});

const USERS = { alice: "U1", bob: "U2" } as const;

async function slash(user: keyof typeof USERS, text: string) {
  const res = await postSigned(
    endpoint,
    SIGNING_SECRET,
    slashCommandBody({
      command: "/peerbot",
      text,
      user_id: USERS[user],
      user_name: user,
      channel_id: CHANNEL,
      response_url: fake.responseUrl(),
    }),
  );
  expect(res.status).toBe(200);
}

/** Presses the button whose value is `value` on message `ts`, with trigger `trigger`. */
async function press(user: keyof typeof USERS, value: string, ts: string, trigger = "1.2.3") {
  const body = blockActionBody({
    actionId: value,
    value,
    userId: USERS[user],
    userName: user,
    channelId: CHANNEL,
    messageTs: ts,
    responseUrl: fake.responseUrl(),
  }).replace("1.2.3", trigger);
  const res = await postSigned(endpoint, SIGNING_SECRET, body);
  expect(res.status).toBe(200);
}

async function submit(
  user: keyof typeof USERS,
  view: Record<string, unknown>,
  values: Record<string, string>,
) {
  return postSigned(
    endpoint,
    SIGNING_SECRET,
    viewSubmissionBody({ userId: USERS[user], userName: user, view, values }),
  );
}

const posted = (re: RegExp, after = 0): Promise<SlackCall> =>
  fake.waitFor(() =>
    fake
      .callsOf("chat.postMessage")
      .slice(after)
      .find((c) => re.test(String(c.params.text)) || re.test(JSON.stringify(c.params.blocks))),
  );

/** The views.open call after the first `after` ones. */
const opened = (after: number): Promise<SlackCall> => fake.waitFor(() => fake.callsOf("views.open")[after]);

type Input = { type: string; block_id: string; optional: boolean; element: Record<string, unknown> };
const inputs = (view: Record<string, unknown>) => (view.blocks as Input[]).filter((b) => b.type === "input");

describe("Slack modals", () => {
  it("Edit opens the draft in a modal; an empty subject is shown under its input, a right one changes the draft", async () => {
    await slash("alice", "request AS6939 at LINX");
    await posted(/Peering request to AS6939/);
    const e = await db.prisma.email.findFirstOrThrow({ orderBy: { id: "desc" } });
    const before = fake.callsOf("views.open").length;
    await press("alice", `email.edit:${e.id}`, "1700000000.999999");
    const view = (await opened(before)).params.view as Record<string, unknown>;
    const fields = inputs(view);
    expect(fields.map((b) => [b.block_id, b.optional, b.element.multiline])).toEqual([
      ["subject", false, false],
      ["to", false, false],
      ["cc", true, false],
      ["body", false, true],
    ]);
    expect(fields[0]!.element.initial_value).toBe(e.subject);
    expect(fields[1]!.element.initial_value).toBe("peering@he.net");
    expect(fields[3]!.element.initial_value).toBe(e.textBody.replace(/\n$/, ""));

    const unchanged = await fingerprint(db);
    const refused = await submit("alice", view, { subject: "", to: "peering@he.net", body: "Hello" });
    expect(refused.status).toBe(200);
    expect(JSON.parse(refused.body)).toEqual({
      response_action: "errors",
      errors: { subject: "This cannot be empty." },
    });
    const bad = await submit("alice", view, { subject: "Hi", to: "nobody", body: "Hello" });
    expect(JSON.parse(bad.body)).toMatchObject({
      response_action: "errors",
      errors: { to: expect.stringContaining('"nobody" is not an e-mail address') },
    });
    expect(await fingerprint(db)).toBe(unchanged);

    const postsBefore = fake.callsOf("chat.postMessage").length;
    const ok = await submit("alice", view, {
      subject: "Peering with AS64500 at LINX LON1",
      to: "peering@he.net",
      body: "Hello HE,\n\nShall we peer at LINX LON1?\n\nalice",
    });
    expect(ok).toEqual({ status: 200, body: "" });
    await posted(/edited by alice/, postsBefore);
    const after = await db.prisma.email.findUniqueOrThrow({ where: { id: e.id } });
    expect(after.subject).toBe("Peering with AS64500 at LINX LON1");
    expect(after.textBody).toBe("Hello HE,\n\nShall we peer at LINX LON1?\n\nalice\n");
    expect(after.to).toEqual(["peering@he.net"]);
    expect(after.status).toBe("draft");
  });

  it("Reject opens a modal; its submission rejects the change with the reason, shown in the reply and the message", async () => {
    await slash("alice", "peer AS6939 at LINX");
    const post = await posted(/^Change #\d+ on edge1\.lon: peer AS6939/);
    const id = Number(/^Change #(\d+)/.exec(String(post.params.text))![1]);
    const ref = await until(
      () => db.prisma.changeRequest.findUniqueOrThrow({ where: { id } }),
      (c) => c.messageId !== "",
    );
    const ts = ref.messageId;
    expect(ts).toBe(post.params.ts ?? ts);

    const before = fake.callsOf("views.open").length;
    await press("bob", `change.reject:${id}`, ref.messageId);
    const call = await opened(before);
    expect(call.params.trigger_id).toBe("1.2.3");
    const view = call.params.view as Record<string, unknown>;
    expect(view).toMatchObject({
      type: "modal",
      callback_id: "peerbot.form",
      title: { type: "plain_text", text: `Reject change #${id}` },
      submit: { type: "plain_text", text: "Reject" },
    });
    expect(inputs(view).map((b) => [b.block_id, b.optional, b.element.type])).toEqual([
      ["reason", true, "plain_text_input"],
    ]);
    // Nothing happened on the press.
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending");

    const postsBefore = fake.callsOf("chat.postMessage").length;
    const res = await submit("bob", view, { reason: "wrong router <!here>" });
    expect(res).toEqual({ status: 200, body: "" }); // the modal closes
    const reply = await posted(new RegExp(`^Change #${id} on edge1\\.lon rejected by`), postsBefore);
    expect(reply.params.channel).toBe(CHANNEL);
    expect(reply.params.thread_ts).toBe(ref.messageId);
    // The reason is escaped: it cannot mention the channel.
    expect(String(reply.params.text)).toMatch(/ rejected by .*: wrong router &lt;!here&gt;\.$/);
    const c = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } });
    expect(c.status).toBe("rejected");
    expect(c.reason).toMatch(/^rejected by .*bob.*: wrong router <!here>$/);
    // The change's message is redrawn with the reason, without its buttons.
    const update = await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .find((u) => u.params.ts === ts && JSON.stringify(u.params.blocks).includes("Status: rejected")),
    );
    const blocks = JSON.stringify(update.params.blocks);
    expect(blocks).toMatch(/rejected by <@U2>: wrong router &lt;!here&gt;/);
    expect(blocks).not.toContain("change.approve");
  });

  it("a trigger Slack no longer takes: the reply's text says how to reject by command", async () => {
    const postsBefore = fake.callsOf("chat.postMessage").length;
    await slash("alice", "peer AS6939 at LINX");
    await posted(/^Change #\d+ on edge1\.lon: peer AS6939/, postsBefore);
    const change = await until(
      () => db.prisma.changeRequest.findFirst({ where: { status: "pending" } }),
      (c) => Boolean(c?.messageId),
    );
    if (!change) throw new Error("no pending change");
    const responses = fake.responses.length;
    await press("bob", `change.reject:${change.id}`, change.messageId, "9.9.9");
    const r = await fake.waitFor(() => fake.responses[responses]);
    expect(String(r.body.text)).toContain(`reject ${change.id} &lt;reason&gt;`);
    expect(r.body.response_type).toBe("ephemeral");
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: change.id } })).status).toBe(
      "pending",
    );
  });
});
