// Slack over Socket Mode against the loopback fakes (apps.connections.open, the WebSocket and
// the Web API), with the command layer and the demo network: `/peer` -> the diff posted ->
// Approve by a second person -> deployed and the message updated; and the faults of a socket:
// dropped mid-flow, a refresh asked for, an envelope delivered twice. Each runs once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PlatformRouter, processDelivery } from "../../bot/platforms.js";
import { startSlack, type SlackPlatform } from "../../bot/slack/platform.js";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { createLogger } from "../../core/log.js";
import { FakeSlack, type SlackCall, type SlashCommandFields } from "../fakes/slack-api.js";
import { FakeSlackSocket } from "../fakes/slack-socket.js";
import { RedisOnceStore } from "../../bot/once.js";
import { Redis } from "ioredis";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import type { TestServices } from "../helpers/services.js";
import { until } from "../helpers/until.js";

const BOT_TOKEN = "xoxb-2222-3333-socketsocket";
const APP_TOKEN = "xapp-1-A0PEERBOT-4444-socketappsecret";
const CHANNEL = "C0PEERING";
const TEAM = "T0PEERBOT1";

let fake: FakeSlack;
let socket: FakeSlackSocket;
let demo: DemoChat;
let db: TestDatabase;
let services: TestServices;
let slack: SlackPlatform;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await new FakeSlack({ botToken: BOT_TOKEN }).start();
  socket = await new FakeSlackSocket({ appToken: APP_TOKEN, botToken: BOT_TOKEN, teamId: TEAM }).start();
  fake.socketMode = socket;
  demo = await demoChat(import.meta.filename, {
    env: { PEERBOT_ROLES: "slack:U1=operator,slack:U2=approver", SLACK_ALLOWED_TEAMS: TEAM },
  });
  ({ db, services } = demo);
  const registry = buildRegistry();
  slack = await startSlack({
    ...processDelivery(services, registry),
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    apiUrl: fake.apiUrl,
    handle: async (inv) => (await dispatch(registry, services, inv)).reply,
    log: createLogger("debug", (l) => logLines.push(l)),
    // A reconnect waits one pong timeout: 1 s here instead of 5.
    socketTimeouts: { clientPingTimeout: 1000 },
  });
  // Jobs (the deploy) report in the Slack message.
  services.notifier = new PlatformRouter().add("slack", slack.notifier);
});

afterAll(async () => {
  await slack?.stop();
  await socket?.stop();
  await fake?.stop();
  await demo?.close();
  // Neither token nor any response_url reaches the log.
  const all = logLines.join("\n");
  expect(all).not.toContain(BOT_TOKEN);
  expect(all).not.toContain(APP_TOKEN);
  expect(all).not.toContain(`${fake.url}/response/`);
  expect(all).not.toContain("legacy-verification-token");
  // …though the socket's messages were logged (at debug level), with those fields blanked.
  expect(all).toContain('\\"response_url\\":\\"[redacted]\\"');
});

beforeEach(async () => {
  // Every test starts on one live connection.
  await socket.waitFor(() => socket.liveCount === 1);
});

function slash(over: Partial<SlashCommandFields>): SlashCommandFields {
  return {
    command: "/peerbot",
    text: "",
    user_id: "U1",
    user_name: "alice",
    channel_id: CHANNEL,
    response_url: fake.responseUrl(),
    ...over,
  };
}

/** The chat.postMessage whose text matches `re`. */
function postMatching(re: RegExp): Promise<SlackCall> {
  return fake.waitFor(() => fake.callsOf("chat.postMessage").find((c) => re.test(String(c.params.text))));
}

/** The Approve button of a posted change message: its action id and value. */
function approveButton(post: SlackCall): { actionId: string; value: string } {
  const found: { actionId: string; value: string }[] = [];
  JSON.stringify(post.params.blocks, (k, v: unknown) => {
    const el = v as { action_id?: unknown; value?: unknown };
    if (v && typeof v === "object" && typeof el.value === "string" && /^change\.approve:\d+$/.test(el.value))
      found.push({ actionId: String(el.action_id), value: el.value });
    return v;
  });
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** `/peer <asn> at LINX` by alice: the change's id, its message's ts and the Approve button. */
async function requestPeer(asn: number) {
  const sent = socket.slashCommand(slash({ command: "/peer", text: `AS${asn} at LINX` }));
  const ack = await socket.waitFor(() => socket.ackOf(sent));
  const post = await postMatching(new RegExp(`^Change #\\d+ on edge1\\.lon: peer AS${asn}\\b`));
  const changeId = Number(/^Change #(\d+)/.exec(String(post.params.text))![1]);
  const change = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: changeId } });
  return { sent, ack, post, changeId, change };
}

/** bob presses Approve on the change's message. */
function pressApprove(ts: string, button: { actionId: string; value: string }): string {
  return socket.blockAction({
    actionId: button.actionId,
    value: button.value,
    userId: "U2",
    userName: "bob",
    channelId: CHANNEL,
    messageTs: ts,
    responseUrl: fake.responseUrl(),
  });
}

async function changeWhen(changeId: number, done: (status: string) => boolean) {
  return until(
    () => db.prisma.changeRequest.findUniqueOrThrow({ where: { id: changeId } }),
    (c) => done(c.status),
    { ms: 20_000 },
  );
}

/** The ts of the message the change's own message field names (where the job reports). */
async function messageTs(changeId: number): Promise<string> {
  const c = await until(
    () => db.prisma.changeRequest.findUniqueOrThrow({ where: { id: changeId } }),
    (c) => c.messageId !== "",
  );
  return c.messageId;
}

describe("Slack over Socket Mode", () => {
  it("connects with the app token at the configured Web API URL, and refuses a wrong one in one error", async () => {
    expect(socket.opens[0]).toMatchObject({ ok: true });
    expect(socket.connections).toHaveLength(1);
    expect(fake.methodsSeen.has("auth.test")).toBe(true);
    expect(slack.port).toBeUndefined();

    const wrong = "xapp-1-A0PEERBOT-9999-notthetoken";
    const err = await startSlack({
      ...processDelivery(services),
      botToken: BOT_TOKEN,
      appToken: wrong,
      apiUrl: fake.apiUrl,
      handle: async () => ({ text: "x" }),
      log: createLogger("silent"),
    }).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(/invalid_auth/);
    expect(String(err)).not.toContain(wrong);
    expect(socket.opens.at(-1)).toMatchObject({ ok: false, error: "invalid_auth" });
    // The refused client opened no socket.
    expect(socket.connections).toHaveLength(1);
  });

  it("runs /peer, Approve by a second person, the deploy, and updates the message", async () => {
    const { sent, ack, post, changeId } = await requestPeer(6939);
    // Acknowledged over the socket, quickly, before any database work (the audit row).
    const env = socket.envelopes.find((e) => e.envelope_id === sent)!;
    expect(ack.at - env.sentAt).toBeLessThan(1000);
    const peerAudit = await db.prisma.auditEvent.findFirstOrThrow({ where: { command: "peer" } });
    expect(peerAudit).toMatchObject({
      platform: "slack",
      userId: "U1",
      outcome: "ok",
      args: "AS6939 at LINX",
    });
    expect(ack.at).toBeLessThanOrEqual(peerAudit.at.getTime() + 1);
    expect(post.params.channel).toBe(CHANNEL);

    const ts = await messageTs(changeId);
    const pressed = pressApprove(ts, approveButton(post));
    await socket.waitFor(() => socket.ackOf(pressed));
    const done = await changeWhen(changeId, (s) => s === "deployed");
    expect(done.status).toBe("deployed");
    expect(done.deployAttempt).toBe(1);
    const approvals = await db.prisma.changeApproval.findMany({ where: { changeId } });
    expect(approvals.map((a) => a.approver)).toEqual(["slack:U2"]);
    // The change's message itself shows the outcome.
    const update = await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .find((c) => c.params.ts === ts && JSON.stringify(c.params.blocks).includes("Status: deployed.")),
    );
    expect(update.params.channel).toBe(CHANNEL);
    // Nothing was sent twice: one ack per envelope, no redelivery.
    expect(socket.acksOf(sent)).toHaveLength(1);
    expect(socket.acksOf(pressed)).toHaveLength(1);
  });
});

/** Waits for a new connection after `before` were made, and for it to be the only one open. */
async function reconnected(before: number): Promise<void> {
  await socket.waitFor(() => socket.connections.length > before && socket.liveCount === 1, 15_000);
  // …and the client has had its hello there.
  expect(await until(async () => slack.socket!.connected, Boolean)).toBe(true);
}

/** What one `/peer AS<asn> at LINX` left behind: its changes, their audit rows and messages. */
async function ranOnce(asn: number, changeId: number) {
  const changes = await db.prisma.changeRequest.findMany({ where: { summary: { contains: `AS${asn} ` } } });
  expect(changes.map((c) => c.id)).toEqual([changeId]);
  expect(await db.prisma.auditEvent.count({ where: { command: "peer", args: `AS${asn} at LINX` } })).toBe(1);
  const posts = fake
    .callsOf("chat.postMessage")
    .filter((c) => new RegExp(`^Change #\\d+ on edge1\\.lon: peer AS${asn}\\b`).test(String(c.params.text)));
  expect(posts).toHaveLength(1);
}

describe("Socket Mode faults", () => {
  it("a socket dropped between the command and the approval reconnects, and the approval runs on the new one", async () => {
    const { post, changeId } = await requestPeer(1257);
    const before = socket.connections.length;
    const opensBefore = socket.opens.length;
    const dropped = socket.drop();
    await reconnected(before);
    expect(socket.connections[dropped - 1]!.closeCode).toBe(1006);
    // A new URL was asked for: tickets are one-use.
    expect(socket.opens.length).toBeGreaterThan(opensBefore);
    expect(socket.refusedUpgrades).toBe(0);

    const ts = await messageTs(changeId);
    const pressed = pressApprove(ts, approveButton(post));
    const ack = await socket.waitFor(() => socket.ackOf(pressed));
    expect(ack.connection).toBe(socket.liveIds()[0]);
    const done = await changeWhen(changeId, (s) => s === "deployed");
    expect(done.deployAttempt).toBe(1);
    await ranOnce(1257, changeId);
    expect(await db.prisma.changeApproval.count({ where: { changeId } })).toBe(1);
  });

  it("a socket dropped right after the approval was acked loses nothing and deploys once", async () => {
    const { post, changeId } = await requestPeer(15412);
    const ts = await messageTs(changeId);
    const before = socket.connections.length;
    const pressed = pressApprove(ts, approveButton(post));
    await socket.waitFor(() => socket.ackOf(pressed));
    socket.drop();
    await reconnected(before);
    const done = await changeWhen(changeId, (s) => s === "deployed");
    expect(done.deployAttempt).toBe(1);
    // The deploy reports through the Web API, not the socket: the message shows the outcome.
    await fake.waitFor(() =>
      fake
        .callsOf("chat.update")
        .find((c) => c.params.ts === ts && JSON.stringify(c.params.blocks).includes("Status: deployed.")),
    );
    // Acknowledged, so never delivered again.
    expect(socket.envelopes.filter((e) => e.envelope_id === pressed)).toHaveLength(1);
    await ranOnce(15412, changeId);
    expect(await db.prisma.changeApproval.count({ where: { changeId } })).toBe(1);
  });

  it("an envelope whose ack was lost with the socket is delivered again on the new one, acked, and runs once", async () => {
    const id = "e0a1b2c3-0000-4000-8000-00000000lost";
    socket.loseAckOf(id);
    const before = socket.connections.length;
    socket.slashCommand(slash({ command: "/peer", text: "AS2686 at LINX" }), { envelopeId: id });
    await socket.waitFor(() => socket.lostAcks.find((a) => a.envelopeId === id));
    const post = await postMatching(/^Change #\d+ on edge1\.lon: peer AS2686\b/);
    socket.drop();
    await reconnected(before);
    // Slack sends it again, with the same envelope_id and retry_attempt 1; now the ack arrives.
    const again = await socket.waitFor(() =>
      socket.envelopes.find((e) => e.envelope_id === id && e.retry_attempt === 1),
    );
    expect(again.connection).toBe(socket.liveIds()[0]);
    const ack = await socket.waitFor(() => socket.ackOf(id));
    expect(ack.connection).toBe(again.connection);
    await fake.quiet(300);
    const changeId = Number(/^Change #(\d+)/.exec(String(post.params.text))![1]);
    await ranOnce(2686, changeId);
    expect(logLines.join("\n")).toMatch(/envelope delivered again; it ran already/);
  });

  it("an envelope delivered twice on a live socket (retry_attempt 1) is acked twice and runs once", async () => {
    const sent = socket.slashCommand(slash({ text: "hide AS3257 at LINX" }));
    await postMatching(/AS3257 is hidden/);
    await socket.waitFor(() => socket.ackOf(sent));
    socket.redeliver(sent);
    await socket.waitFor(() => socket.acksOf(sent).length === 2);
    await fake.quiet(300);
    expect(await db.prisma.auditEvent.count({ where: { command: "hide", args: "AS3257 at LINX" } })).toBe(1);
    expect(fake.callsOf("chat.postMessage").filter((c) => /AS3257/.test(String(c.params.text)))).toHaveLength(
      1,
    );
    expect(fake.responses.filter((r) => JSON.stringify(r.body).includes("AS3257"))).toEqual([]);
  });

  for (const reason of ["refresh_requested", "warning"] as const) {
    it(`a disconnect (${reason}) makes the client close the socket itself and connect again`, async () => {
      const before = socket.connections.length;
      const old = socket.disconnect(reason);
      await reconnected(before);
      // The client closed it properly, long before Slack's own close (10 s).
      const closed = socket.connections[old - 1]!;
      expect(closed.closeCode).toBe(1000);
      expect(closed.closedAt! - closed.openedAt).toBeLessThan(9000);
      const sent = socket.slashCommand(slash({ text: "routers" }));
      await socket.waitFor(() => socket.ackOf(sent));
      await postMatching(/edge1\.lon/);
      expect(logLines.join("\n")).toContain(`"reason":"${reason}"`);
    });
  }

  it("link_disabled is logged as an error that says what to do", async () => {
    const before = socket.connections.length;
    socket.disconnect("link_disabled");
    await reconnected(before);
    expect(logLines.join("\n")).toMatch(/Socket Mode off for this app \(link_disabled\)/);
  });
});

describe("Socket Mode start and stop", () => {
  it("a stop while a reconnect waits for Slack's hello ends quietly, and the first connection's refusal is thrown", async () => {
    const api = await new FakeSlack({ botToken: BOT_TOKEN }).start();
    const sock = await new FakeSlackSocket({ appToken: APP_TOKEN, botToken: BOT_TOKEN }).start();
    api.socketMode = sock;
    const lines: string[] = [];
    const other = await startSlack({
      ...processDelivery(services),
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      apiUrl: api.apiUrl,
      handle: async () => ({ text: "x" }),
      log: createLogger("debug", (l) => lines.push(l)),
      socketTimeouts: { clientPingTimeout: 200 },
    });
    try {
      sock.holdHello = true;
      sock.drop();
      // The client has its new socket, but no hello yet: it is still connecting.
      await sock.waitFor(() => sock.connections.length === 2 && sock.liveCount === 1);
      expect(other.socket!.connected).toBe(false);
      await other.stop();
      await sock.waitFor(() => sock.liveCount === 0);
      await new Promise((r) => setTimeout(r, 300));
      // Stopping is not a failure to reconnect; no connection is made after the stop.
      expect(lines.join("\n")).not.toContain("could not reconnect");
      expect(sock.connections).toHaveLength(2);
    } finally {
      await other.stop().catch(() => {});
      await sock.stop();
      await api.stop();
    }
    // A wrong app token: Slack's refusal is thrown by the start, and no socket is opened.
    const apiB = await new FakeSlack({ botToken: BOT_TOKEN }).start();
    const sockB = await new FakeSlackSocket({ appToken: APP_TOKEN, botToken: BOT_TOKEN }).start();
    apiB.socketMode = sockB;
    try {
      const err = await startSlack({
        ...processDelivery(services),
        botToken: BOT_TOKEN,
        appToken: "xapp-" + BOT_TOKEN,
        apiUrl: apiB.apiUrl,
        handle: async () => ({ text: "x" }),
        log: createLogger("silent"),
      }).catch((e: unknown) => e as Error);
      expect(String(err)).toMatch(/invalid_auth/);
      expect(sockB.connections).toHaveLength(0);
    } finally {
      await sockB.stop();
      await apiB.stop();
    }
  });
});

describe("Socket Mode across processes", () => {
  it("an envelope Slack sends again on another process's connection runs once, with the once-store on Redis", async () => {
    const api = await new FakeSlack({ botToken: BOT_TOKEN }).start();
    const sock = await new FakeSlackSocket({
      appToken: APP_TOKEN,
      botToken: BOT_TOKEN,
      teamId: TEAM,
    }).start();
    api.socketMode = sock;
    const prefix = `peerbot-test-slack-socket-${process.pid}`;
    const redis = new Redis("redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
    const ran: string[] = [];
    const start = (who: string) =>
      startSlack({
        ...processDelivery(services),
        botToken: BOT_TOKEN,
        appToken: APP_TOKEN,
        apiUrl: api.apiUrl,
        handle: async (inv) => {
          ran.push(`${who}:${inv.text ?? ""}`);
          return { text: "ok" };
        },
        log: createLogger("silent"),
        socketOnce: new RedisOnceStore(redis, prefix, false),
      });
    const one = await start("one");
    const two = await start("two");
    try {
      expect(sock.liveIds()).toEqual([1, 2]);
      // Delivered on the second process's connection, then again on the first one's.
      const id = sock.slashCommand(slash({ text: "routers" }));
      await sock.waitFor(() => sock.ackOf(id));
      sock.redeliver(id, "timeout", 1);
      await sock.waitFor(() => sock.acksOf(id).length === 2);
      await api.quiet(300);
      expect(ran).toEqual(["two:routers"]);
      expect(sock.acksOf(id).map((a) => a.connection)).toEqual([2, 1]);
    } finally {
      await one.stop();
      await two.stop();
      await sock.stop();
      await api.stop();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });
});
