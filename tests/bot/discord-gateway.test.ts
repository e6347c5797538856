// Discord over the Gateway, against the fake REST API and the fake Gateway on loopback, with the
// demo network: `/peer` posts a change, a second user presses Approve and confirms, the deploy
// job ends `deployed` and edits the message; the same flow survives a dropped socket, a
// RECONNECT and an INVALID_SESSION with nothing lost and nothing run twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatPlatform } from "../../bot/chat-platform.js";
import { DiscordPlatform } from "../../bot/discord/platform.js";
import { PlatformRouter, processDelivery, startPlatforms } from "../../bot/platforms.js";
import { getChange } from "../../core/changes.js";
import { registerAllWorkers } from "../../jobs/index.js";
import { FakeDiscord, type FakeMessage } from "../fakes/discord-api.js";
import { FakeDiscordGateway } from "../fakes/discord-gateway.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import { until } from "../helpers/until.js";

const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAy.fake.gateway-bot-token-never-logged";
const ALICE = { userId: "500000000000000001" }; // operator
const BOB = { userId: "500000000000000002" }; // approver

let fake: FakeDiscord;
let gw: FakeDiscordGateway;
let demo: DemoChat;
let stop: (() => Promise<void>) | undefined;
let startMs = 0;
const platforms: ChatPlatform[] = [];

beforeAll(async () => {
  fake = await new FakeDiscord(BOT_TOKEN).start();
  gw = await new FakeDiscordGateway(fake, BOT_TOKEN).start();
  gw.heartbeatInterval = 300;
  // Discord takes a moment to make an interaction's message: calls that come too early fail.
  fake.callbackDelayMs = 150;
  demo = await demoChat(import.meta.filename, {
    workers: false,
    env: {
      PEERBOT_ROLES: `discord:${ALICE.userId}=operator,discord:${BOB.userId}=approver`,
      DISCORD_TOKEN: BOT_TOKEN,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_TRANSPORT: "gateway",
      DISCORD_API_URL: fake.apiUrl,
      DISCORD_ALLOWED_GUILDS: "300000000000000001",
    },
  });
  const router = new PlatformRouter();
  demo.services.notifier = router;
  registerAllWorkers(demo.services.queue, demo.services);
  const t0 = Date.now();
  stop = await startPlatforms({ services: demo.services }, router, platforms);
  startMs = Date.now() - t0;
}, 60_000);

afterAll(async () => {
  await stop?.();
  await gw?.stop();
  await fake?.stop();
  const log = demo?.services.logLines.join("\n") ?? "";
  await demo?.close();
  expect(log).not.toContain(BOT_TOKEN);
});

/** The live (not deleted) message an interaction made, by its token. */
const messageOf = (token: unknown): FakeMessage | undefined =>
  [...fake.messages.values()].find((m) => m.token === token && !m.deleted);

const textOf = (m: FakeMessage | undefined): string => JSON.stringify(m?.data ?? {});

/** The custom_ids of a message's buttons. */
function buttonsOf(m: FakeMessage): { custom_id: string; label?: string }[] {
  const rows = (m.data.components ?? []) as { components?: { custom_id?: string; label?: string }[] }[];
  return rows.flatMap((r) => r.components ?? []).filter((b) => b.custom_id) as {
    custom_id: string;
    label?: string;
  }[];
}

const callbacksOf = (id: unknown) => fake.callsTo("POST", `/interactions/${String(id)}/`);

/** `/peer AS… at LINX` as alice over the Gateway: the change's id and its message. */
async function peer(
  asn: number,
): Promise<{ id: number; message: FakeMessage; cmd: Record<string, unknown> }> {
  const cmd = fake.command("peer", { args: `AS${asn} at LINX` }, ALICE);
  gw.interaction(cmd);
  const message = await fake
    .waitFor(() => {
      const m = messageOf(cmd.token);
      return m && /Change #\d+/.test(textOf(m)) && buttonsOf(m).length ? m : undefined;
    }, 15_000)
    .catch(() => {
      throw new Error(`no change was posted for AS${asn}: ${textOf(messageOf(cmd.token))}`);
    });
  const id = Number(/Change #(\d+)/.exec(textOf(message))![1]);
  expect(callbacksOf(cmd.id)).toHaveLength(1);
  return { id, message, cmd };
}

/** Bob presses Approve on the change's message: the interaction and its ephemeral prompt. */
async function pressApprove(message: FakeMessage, send = true) {
  const approve = buttonsOf(message).find((b) => b.custom_id.includes("change.approve:"));
  expect(approve, "the change's message has an Approve button").toBeDefined();
  const press = fake.press(
    approve!.custom_id,
    { id: message.id, components: message.data.components as unknown[] },
    BOB,
  );
  if (send) gw.interaction(press);
  else fake.issue(press);
  return press;
}

/** Waits for the prompt a press made and presses its first (confirming) button. */
async function confirm(press: Record<string, unknown>, send = true) {
  const prompt = await fake.waitFor(() => {
    const m = messageOf(press.token);
    return m && buttonsOf(m).length ? m : undefined;
  });
  expect(prompt.flags).toBe(64);
  const ok = fake.press(
    buttonsOf(prompt)[0]!.custom_id,
    { id: prompt.id, flags: 64, components: prompt.data.components as unknown[] },
    BOB,
  );
  if (send) gw.interaction(ok);
  else fake.issue(ok);
  return ok;
}

async function deployed(id: number, message: FakeMessage) {
  const c = await until(
    () => getChange(demo.db, id),
    (x) => x?.status === "deployed" || x?.status === "failed",
    { ms: 30_000 },
  );
  expect(c?.status).toBe("deployed");
  expect(c?.approvals).toHaveLength(1);
  expect(
    await demo.db.prisma.auditEvent.count({
      where: { command: "change.deployed", objects: { has: `change:${id}` } },
    }),
  ).toBe(1);
  // The job edited the change's own message with the bot token.
  await fake.waitFor(() => /Status: deployed/.test(textOf(fake.messages.get(message.id))), 15_000);
  const edits = fake.callsTo("PATCH", `/channels/200000000000000001/messages/${message.id}`);
  expect(edits.every((e) => e.auth === `Bot ${BOT_TOKEN}`)).toBe(true);
}

describe("Discord over the Gateway", () => {
  it("connects as @discordjs/ws does: GET /gateway/bot, v=10, JSON, no compression, intent Guilds only", () => {
    expect(fake.callsTo("GET", "/api/v10/gateway/bot")[0]?.auth).toBe(`Bot ${BOT_TOKEN}`);
    expect(gw.connections[0]).toMatchObject({ path: "/gateway", query: { v: "10", encoding: "json" } });
    expect(gw.connections[0]?.query).not.toHaveProperty("compress");
    const identify = gw.framesOf("in", 2)[0]?.d as { token: string; intents: number };
    expect(identify.intents).toBe(1);
    expect(gw.ready).toBe(true);
    expect(startMs).toBeLessThan(5_000);
    expect(platforms.map((p) => [p.name, p.ready?.()])).toEqual([["discord", true]]);
    // The commands were registered at start, and nothing listens for HTTP interactions.
    expect(fake.callsTo("PUT", `/applications/${fake.applicationId}/commands`)).toHaveLength(1);
    expect(demo.services.logLines.join("\n")).toContain("receiving interactions over the Gateway");
  });

  it("heartbeats and gets each acknowledged", async () => {
    const before = gw.framesOf("in", 1).length;
    await until(
      async () => gw.framesOf("in", 1).length,
      (n) => n >= before + 2,
      { ms: 5_000 },
    );
    expect(gw.framesOf("out", 11).length).toBeGreaterThanOrEqual(before + 1);
    expect(gw.connections).toHaveLength(1);
  });

  it("runs /peer, a second user's Approve with its confirmation, and the deploy, over the Gateway", async () => {
    const { id, message, cmd } = await peer(6939);
    expect(textOf(message)).toMatch(/neighbor 195\.66\.224\.21 as 6939/);
    const press = await pressApprove(message);
    const ok = await confirm(press);
    await fake.waitFor(() => callbacksOf(ok.id).length === 1);
    await deployed(id, message);
    // Every interaction was answered once, through its callback, and its follow-ups and edits
    // went after that callback (sent before it is done, Discord refuses them).
    for (const i of [press, ok]) expect(callbacksOf(i.id)).toHaveLength(1);
    for (const i of [cmd, press, ok]) {
      const at = fake.calls.findIndex((c) => c.path.includes(`/interactions/${String(i.id)}/`));
      const webhook = fake.calls.findIndex((c) =>
        c.path.includes(`/webhooks/${fake.applicationId}/${String(i.token)}`),
      );
      expect(at).toBeGreaterThanOrEqual(0);
      if (webhook >= 0) expect(webhook).toBeGreaterThan(at);
    }
    expect(JSON.stringify([...fake.messages.values()].map((m) => m.data))).not.toContain("Discord refused");
  });

  it("recovers from a dropped socket mid-flow: RESUME on resume_gateway_url replays the press", async () => {
    const { id, message } = await peer(5413);
    const conns = gw.connections.length;
    const session = gw.sessionId;
    gw.drop();
    // /readyz hears of it while the connection is down.
    const down = await until(
      async () => platforms[0]?.ready?.(),
      (r) => r !== true,
      { ms: 5_000, every: 10 },
    );
    expect(down).toBe("the Discord Gateway connection is down (reconnecting)");
    // Pressed while peerbot is away: Discord keeps it in the session.
    const press = await pressApprove(message, false);
    gw.dispatch("INTERACTION_CREATE", press);
    const ok = await confirm(press);
    await deployed(id, message);
    expect(gw.connections.length).toBe(conns + 1);
    expect(gw.connections.at(-1)?.path).toBe("/resume");
    const resume = gw.framesOf("in", 6).at(-1)?.d as { session_id: string; seq: number; token: string };
    expect(resume.session_id).toBe(session);
    expect(gw.sessionId).toBe(session);
    expect(gw.framesOf("out", 0, "RESUMED").length).toBeGreaterThanOrEqual(1);
    expect(platforms[0]?.ready?.()).toBe(true);
    for (const i of [press, ok]) expect(callbacksOf(i.id)).toHaveLength(1);
  });

  it("recovers from RECONNECT, and runs an interaction redelivered after RESUME once", async () => {
    const { id, message } = await peer(3257);
    const press = await pressApprove(message);
    await fake.waitFor(() => callbacksOf(press.id).length === 1);
    // Discord asks for a reconnect and, on RESUME, sends the press again.
    gw.replayOverlap = 3;
    const resumes = gw.framesOf("in", 6).length;
    gw.reconnect();
    await until(async () => gw.framesOf("in", 6).length > resumes && gw.ready, Boolean, { ms: 10_000 });
    gw.replayOverlap = 0;
    const ok = await confirm(press);
    await deployed(id, message);
    expect(gw.connections.at(-1)?.path).toBe("/resume");
    // Seen twice, answered once: the second delivery was dropped before running.
    const replayed = gw
      .framesOf("out", 0, "INTERACTION_CREATE")
      .filter((f) => (f.d as { id: string }).id === press.id);
    expect(replayed.length).toBe(2);
    expect(callbacksOf(press.id)).toHaveLength(1);
    expect(callbacksOf(ok.id)).toHaveLength(1);
    expect(demo.services.logLines.join("\n")).toContain("dropped an interaction delivered twice");
  });

  it("recovers from INVALID_SESSION with a fresh IDENTIFY; the pending change's buttons still work", async () => {
    const { id, message } = await peer(2686);
    const identifies = gw.framesOf("in", 2).length;
    const old = gw.sessionId;
    gw.invalidateSession();
    await until(async () => gw.framesOf("in", 2).length > identifies && gw.ready, Boolean, { ms: 10_000 });
    expect(gw.sessionId).not.toBe(old);
    expect(gw.connections.at(-1)?.path).toBe("/gateway");
    const press = await pressApprove(message);
    const ok = await confirm(press);
    await deployed(id, message);
    for (const i of [press, ok]) expect(callbacksOf(i.id)).toHaveLength(1);
  });

  it("replaces a connection whose heartbeats go unanswered, and resumes its session", async () => {
    const conns = gw.connections.length;
    const session = gw.sessionId;
    gw.ackHeartbeats = false;
    try {
      await until(async () => gw.connections.length > conns && gw.ready, Boolean, { ms: 10_000 });
    } finally {
      gw.ackHeartbeats = true;
    }
    expect(gw.connections[conns - 1]?.closed).not.toBe(1000); // closed so as to keep the session
    expect(gw.connections.at(-1)?.path).toBe("/resume");
    expect(gw.sessionId).toBe(session);
  });

  it("closes the Gateway socket when the platforms stop", async () => {
    const live = gw.connections.length - 1;
    await stop!();
    stop = undefined;
    await until(
      async () => gw.connections[live]?.closed,
      (c) => c !== undefined,
      { ms: 5_000 },
    );
    expect(gw.connections[live]?.closed).toBe(1000);
    expect(gw.ready).toBe(false);
  });
});

describe("Discord Gateway set-up", () => {
  const platform = (token: string) =>
    new DiscordPlatform({
      ...processDelivery(demo.services),
      handle: async () => ({ text: "ok" }),
      token,
      applicationId: fake.applicationId,
      transport: "gateway",
      apiUrl: fake.apiUrl,
      gatewayReadyTimeoutMs: 5_000,
    });

  it("refuses a bot token Discord does not know in one sentence, before any socket", async () => {
    const wrong = "MTAwMDAwMDAwMDAwMDAwMDA5.wrong.token-that-must-not-show";
    const conns = gw.connections.length;
    const p = platform(wrong);
    const err = await p.start().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await p.stop();
    expect(err?.message).toBe(
      "Discord refused the bot token (DISCORD_TOKEN); copy it again from the Developer Portal's Bot page.",
    );
    expect(gw.connections).toHaveLength(conns);
  });

  it("refuses a token the Gateway rejects at IDENTIFY (4004) in the same sentence", async () => {
    const strict = await new FakeDiscordGateway(fake, "another-token-than-the-bot-has").start();
    try {
      const p = platform(BOT_TOKEN);
      const err = await p.start().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      await p.stop();
      const closed = await until(
        async () => strict.connections[0]?.closed,
        (c) => c !== undefined,
        { ms: 5_000 },
      );
      expect(closed).toBe(4004);
      expect(err?.message).toMatch(/^Discord refused the bot token \(DISCORD_TOKEN\)/);
    } finally {
      await strict.stop();
      fake.gatewayUrl = gw.url;
    }
  });

  it("needs no public key over the Gateway, and names it over HTTP", async () => {
    const c = { ...demo.services.config, DISCORD_PUBLIC_KEY: undefined };
    const services = { ...demo.services, config: { ...c, DISCORD_TRANSPORT: "http" as const } };
    await expect(startPlatforms({ services }, new PlatformRouter())).rejects.toThrow(
      "Discord over HTTP needs DISCORD_PUBLIC_KEY with DISCORD_TOKEN; or set DISCORD_TRANSPORT=gateway, which needs no public URL",
    );
    expect(demo.services.config.DISCORD_PUBLIC_KEY).toBeUndefined(); // the Gateway run above had none
  });
});
