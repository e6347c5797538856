// The Slack HTTP endpoint under attack, with the demo network behind it: every hostile request
// is refused with nothing run (no command reached dispatch, no change row, no job) and the audit
// rows it should leave; replays are dropped and audited; bodies over the cap are refused without
// being read; the workspace allowlist and the role channels hold.
import net from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { SlackHttpReceiver } from "../../bot/slack/receiver.js";
import { SlackPlatform } from "../../bot/slack/platform.js";
import { MemoryOnceStore } from "../../bot/once.js";
import { SLACK_BODY_LIMIT, refusalCounts } from "../../bot/http-guard.js";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import type { Invocation } from "../../commands/registry.js";
import { loadConfig } from "../../core/config.js";
import { refusalAudit } from "../../core/refusals.js";
import { originRefusal, setHomeOrigins } from "../../core/roles.js";
import {
  FakeSlack,
  postSigned,
  slackSignature,
  slashCommandBody,
  type SlashCommandFields,
} from "../fakes/slack-api.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const BOT_TOKEN = "xoxb-1111-2222-hardening";

let demo: DemoChat;
let fake: FakeSlack;
let slack: SlackPlatform;
let receiver: SlackHttpReceiver;
let endpoint: string;
let port: number;
/** Invocations that reached dispatch: the "what ran" of every case. */
const ran: Invocation[] = [];
let jobs = 0;
/** The server's side of every connection: how many bytes it read. */
const serverSockets: net.Socket[] = [];
/** What the server read from the last connection. */
const lastBytesRead = () => serverSockets.at(-1)!.bytesRead;

beforeAll(async () => {
  demo = await demoChat(import.meta.filename, {
    env: {
      SLACK_ALLOWED_TEAMS: "T1,E0ORG",
      PEERBOT_ROLES: "slack:U1=operator,slack:U2=approver,slack:U3=admin",
      PEERBOT_ROLE_CHANNELS: "operator=slack:C1|slack:C2,admin=slack:CADMIN",
    },
  });
  const registry = buildRegistry();
  const services = demo.services;
  const enqueue = services.queue.enqueue.bind(services.queue);
  vi.spyOn(services.queue, "enqueue").mockImplementation(async (...args) => {
    jobs++;
    return enqueue(...args);
  });
  fake = await new FakeSlack({ botToken: BOT_TOKEN }).start();
  receiver = new SlackHttpReceiver({
    signingSecret: SECRET,
    port: 0,
    host: "127.0.0.1",
    once: new MemoryOnceStore(),
    refusals: refusalAudit(demo.db, services.log),
    limits: { maxSmall: 3, readTimeoutMs: 400 },
    log: services.log,
  });
  slack = new SlackPlatform({
    botToken: BOT_TOKEN,
    receiver,
    apiUrl: fake.apiUrl,
    handle: async (inv) => {
      ran.push(inv);
      return (await dispatch(registry, services, inv)).reply;
    },
    log: services.log,
  });
  await slack.start();
  port = receiver.port!;
  receiver.httpServer!.on("connection", (s: net.Socket) => serverSockets.push(s));
  endpoint = `http://127.0.0.1:${port}/slack/events`;
});

afterAll(async () => {
  await slack?.stop();
  await fake?.stop();
  const all = demo?.services.logLines.join("\n") ?? "";
  await demo?.close();
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain(BOT_TOKEN);
});

beforeEach(async () => {
  await fake.quiet();
  ran.length = 0;
  jobs = 0;
  fake.responses.length = 0;
  fake.calls.length = 0;
});

function slash(over: Partial<SlashCommandFields> = {}, extra: Record<string, string> = {}): string {
  const body = slashCommandBody({
    command: "/peerbot",
    text: "help",
    user_id: "U1",
    user_name: "alice",
    channel_id: "C1",
    response_url: fake.responseUrl(),
    ...over,
  });
  return Object.keys(extra).length ? `${body}&${new URLSearchParams(extra).toString()}` : body;
}

const now = () => Math.floor(Date.now() / 1000);
const changes = () => demo.db.prisma.changeRequest.count();
const auditRows = () => demo.db.prisma.auditEvent.findMany({ orderBy: { id: "asc" } });

async function refusedRows(reason: string) {
  await refusalAudit(demo.db, demo.services.log).flush();
  return demo.db.prisma.auditEvent.findMany({ where: { args: reason, outcome: "denied" } });
}

/** Sends raw bytes and resolves with what the server answered, and how much had been sent by then. */
function rawRequest(
  head: string,
  body: { size: number; chunk?: number },
): Promise<{ answer: string; sentWhenAnswered: number; total: number }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let answer = "";
    let sent = 0;
    let sentWhenAnswered = -1;
    const chunk = Buffer.alloc(body.chunk ?? 64 * 1024, "a");
    const pump = () => {
      while (sent < body.size && sentWhenAnswered < 0) {
        const piece = chunk.subarray(0, Math.min(chunk.length, body.size - sent));
        sent += piece.length;
        if (!sock.write(piece)) return void sock.once("drain", pump);
      }
    };
    sock.on("connect", () => {
      sock.write(head);
      pump();
    });
    sock.on("data", (d) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent;
      answer += d.toString("latin1");
    });
    sock.on("error", () => {}); // the server closes on us: that is the point
    sock.on("close", () => resolve({ answer, sentWhenAnswered, total: body.size }));
    setTimeout(() => reject(new Error("no answer")), 5000).unref();
  });
}

describe("Slack HTTP endpoint under attack", () => {
  it("runs a signed command and acknowledges it (the baseline of every case below)", async () => {
    const r = await postSigned(endpoint, SECRET, slash({ text: "help" }));
    expect(r.status).toBe(200);
    await fake.waitFor(() => fake.responses.length > 0 || fake.callsOf("chat.postMessage").length > 0);
    expect(ran).toHaveLength(1);
  });

  it("refuses unsigned, malformed, forged, stale and future requests on their headers; nothing runs", async () => {
    const before = { changes: await changes(), rows: (await auditRows()).length };
    const body = slash({ text: "deploy edge1.lon" });
    const unsigned = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ error: expect.stringMatching(/not signed/) });
    expect((await postSigned(endpoint, SECRET, body, { signature: "v0=nothex" })).status).toBe(401);
    expect((await postSigned(endpoint, SECRET, body, { signature: `v0=${"0".repeat(64)}` })).status).toBe(
      401,
    );
    expect((await postSigned(endpoint, "another-secret-entirely", body)).status).toBe(401);
    // Signed correctly, but dated outside the 5-minute window, either way.
    for (const ts of [now() - 301, now() + 301, now() + 365 * 86_400]) {
      const r = await postSigned(endpoint, SECRET, body, { timestamp: ts });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).error).toMatch(ts < now() ? /too old/ : /in the future/);
    }
    const wrongType = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "text/plain",
        "x-slack-request-timestamp": String(now()),
        "x-slack-signature": slackSignature(SECRET, now(), body),
      },
      body,
    });
    expect(wrongType.status).toBe(415);
    expect(ran).toEqual([]);
    expect(jobs).toBe(0);
    expect(await changes()).toBe(before.changes);
    // Refusals at the HTTP layer are counted, not written one row each.
    expect((await auditRows()).length).toBe(before.rows);
    const counts = refusalCounts();
    expect(counts["slack:stale"]).toBeGreaterThanOrEqual(1);
    expect(counts["slack:future"]).toBeGreaterThanOrEqual(2);
    expect(counts["slack:bad_signature"]).toBeGreaterThanOrEqual(3);
  });

  it("answers Slack's unsigned ssl_check and signed url_verification, and nothing else unsigned", async () => {
    const ssl = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "ssl_check=1&token=legacy",
    });
    expect(ssl.status).toBe(200);
    const smuggled = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "ssl_check=0&command=/peerbot&text=deploy",
    });
    expect(smuggled.status).toBe(401);
    const challenge = JSON.stringify({ type: "url_verification", challenge: "abc123" });
    const ts = now();
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": String(ts),
        "x-slack-signature": slackSignature(SECRET, ts, challenge),
      },
      body: challenge,
    });
    expect(await res.json()).toEqual({ challenge: "abc123" });
    expect(ran).toEqual([]);
  });

  it("answers a signed body that is not an object 400 with one sentence, never 500", async () => {
    for (const payload of ["null", "[]", '"x"', "{not json"]) {
      const r = await postSigned(endpoint, SECRET, new URLSearchParams({ payload }).toString());
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toMatch(/not a JSON object/);
    }
    expect(ran).toEqual([]);
  });

  it("refuses a 4 MB unsigned body on its headers, before the client has finished sending it", async () => {
    const size = 4 * 1024 * 1024;
    const unsigned = await rawRequest(
      `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${size}\r\n\r\n`,
      { size },
    );
    expect(unsigned.answer).toMatch(/^HTTP\/1\.1 401/);
    // The server read the headers and at most one socket read more, never the body.
    expect(lastBytesRead()).toBeLessThan(256 * 1024);
    // Signed-looking headers, fresh timestamp: the declared length alone is refused.
    const ts = now();
    const declared = await rawRequest(
      `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\nx-slack-request-timestamp: ${ts}\r\nx-slack-signature: v0=${"a".repeat(64)}\r\ncontent-length: ${size}\r\n\r\n`,
      { size },
    );
    expect(declared.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(lastBytesRead()).toBeLessThan(256 * 1024);
    // No length declared (chunked): answered 413 the moment the cap is passed.
    const chunked = await new Promise<{ answer: string; sent: number }>((resolve) => {
      const sock = net.connect(port, "127.0.0.1");
      let sent = 0;
      let answer = "";
      const piece = Buffer.alloc(64 * 1024, "b");
      const frame = Buffer.concat([
        Buffer.from(`${piece.length.toString(16)}\r\n`),
        piece,
        Buffer.from("\r\n"),
      ]);
      const pump = () => {
        while (!answer && sent < size) {
          sent += piece.length;
          if (!sock.write(frame)) return void sock.once("drain", pump);
        }
      };
      sock.on("connect", () => {
        sock.write(
          `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\nx-slack-request-timestamp: ${ts}\r\nx-slack-signature: v0=${"a".repeat(64)}\r\ntransfer-encoding: chunked\r\n\r\n`,
        );
        pump();
      });
      sock.on("data", (d) => (answer += d.toString("latin1")));
      sock.on("error", () => {});
      sock.on("close", () => resolve({ answer, sent }));
    });
    expect(chunked.answer).toMatch(/^HTTP\/1\.1 413/);
    expect(lastBytesRead()).toBeLessThan(SLACK_BODY_LIMIT + 256 * 1024);
    expect(ran).toEqual([]);
  });

  it("bounds unauthenticated requests in flight (503 at once) and times out a slow body (408)", async () => {
    const ts = now();
    const head = `POST /slack/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\nx-slack-request-timestamp: ${ts}\r\nx-slack-signature: v0=${"a".repeat(64)}\r\ncontent-length: 100\r\n\r\n`;
    // Three slow requests fill the lane (maxSmall 3 in this file): they never send their body.
    const slow = [0, 1, 2].map(() => rawRequest(head, { size: 0 }));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    const extra = await postSigned(endpoint, SECRET, slash());
    expect(extra.status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(100);
    const answers = await Promise.all(slow);
    for (const a of answers) expect(a.answer).toMatch(/^HTTP\/1\.1 408/);
    // The lane is free again.
    expect((await postSigned(endpoint, SECRET, slash())).status).toBe(200);
    await fake.waitFor(() => fake.responses.length > 0 || fake.callsOf("chat.postMessage").length > 0);
    expect(ran).toHaveLength(1);
  });

  it("drops a replayed `deploy` (same timestamp and signature): one change, one row of the replays", async () => {
    const before = await changes();
    const body = slash({ text: "deploy edge1.lon" });
    const ts = now();
    const signature = slackSignature(SECRET, ts, body);
    expect((await postSigned(endpoint, SECRET, body, { timestamp: ts, signature })).status).toBe(200);
    await fake.waitFor(() => fake.callsOf("chat.postMessage").length > 0 || fake.responses.length > 0);
    await fake.quiet();
    expect(await changes()).toBe(before + 1);
    const replays = await Promise.all(
      Array.from({ length: 5 }, () => postSigned(endpoint, SECRET, body, { timestamp: ts, signature })),
    );
    for (const r of replays) expect(r.status).toBe(409);
    await fake.quiet();
    expect(ran).toHaveLength(1);
    expect(await changes()).toBe(before + 1);
    // Five replays: the first is a row of its own, the other four one row with their count.
    const rows = await refusedRows("replay");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      platform: "slack",
      userId: "U1",
      channel: "C1",
      command: "(refused request)",
    });
    expect(rows[1]!.message).toMatch(/^4 more refused like this within 10 s/);
  });

  it("serves only the allowed workspaces and organisations, and audits the refused origin", async () => {
    const before = await changes();
    const other = await postSigned(
      endpoint,
      SECRET,
      slash({ text: "deploy edge1.lon" }, { team_id: "T9OTHER" }),
    );
    expect(other.status).toBe(200); // acknowledged: the answer is the sentence below
    const msg = await fake.waitFor(() => fake.responses[0]);
    expect(msg.body.text).toMatch(/does not serve this Slack workspace \(T9OTHER\)/);
    expect(msg.body.response_type).toBe("ephemeral");
    expect(await changes()).toBe(before);
    const rows = await refusedRows("origin");
    expect(rows.at(-1)).toMatchObject({ platform: "slack", userId: "U1", command: "(refused origin)" });
    // A Slack Connect / Grid workspace whose organisation is allowed is served.
    fake.responses.length = 0;
    await postSigned(
      endpoint,
      SECRET,
      slash({ text: "help" }, { team_id: "T7GRID", enterprise_id: "E0ORG" }),
    );
    const ok = await fake.waitFor(() => fake.responses[0] ?? fake.callsOf("chat.postMessage")[0]);
    expect(JSON.stringify(ok)).not.toMatch(/does not serve/);
    expect(jobs).toBe(0);
  });

  it("limits a role to its channels: an operator in another channel acts as a viewer", async () => {
    const before = await changes();
    await postSigned(endpoint, SECRET, slash({ text: "deploy edge1.lon", channel_id: "C9" }));
    const msg = await fake.waitFor(() => fake.responses[0]);
    expect(msg.body.text).toMatch(/You need the operator role/);
    expect(await changes()).toBe(before);
    // In one of the operator's channels the same line runs.
    fake.responses.length = 0;
    await postSigned(endpoint, SECRET, slash({ text: "deploy edge1.lon", channel_id: "C2" }));
    await fake.waitFor(() => fake.callsOf("chat.postMessage").length > 0 || fake.responses.length > 0);
    await fake.quiet();
    expect(JSON.stringify(fake.responses)).not.toMatch(/You need/);
  });
});

describe("origin rules", () => {
  it("without SLACK_ALLOWED_TEAMS serves only the bot's own workspace (auth.test), and nothing before it is known", () => {
    const config = loadConfig({});
    expect(originRefusal("slack", { team: "T1" }, config)).toMatch(/does not serve/);
    setHomeOrigins(config, { slackTeams: ["T1"] });
    expect(originRefusal("slack", { team: "T1" }, config)).toBeUndefined();
    expect(originRefusal("slack", { team: "T2" }, config)).toMatch(/T2/);
    expect(originRefusal("slack", {}, config)).toMatch(/cannot tell/);
    expect(originRefusal("console", undefined, config)).toBeUndefined();
  });

  it("checks the settings' shape with one sentence per mistake", () => {
    expect(() => loadConfig({ SLACK_ALLOWED_TEAMS: "T1,nope" })).toThrow(
      /SLACK_ALLOWED_TEAMS: expected workspace ids/,
    );
    expect(() => loadConfig({ DISCORD_ALLOWED_GUILDS: "12" })).toThrow(
      /DISCORD_ALLOWED_GUILDS: expected server/,
    );
    expect(() => loadConfig({ PEERBOT_ROLE_CHANNELS: "viewer=slack:C1" })).toThrow(
      /PEERBOT_ROLE_CHANNELS: expected role=/,
    );
    expect(() => loadConfig({ PEERBOT_ROLE_CHANNELS: "operator=C1" })).toThrow(
      /PEERBOT_ROLE_CHANNELS: expected channels/,
    );
    expect(
      loadConfig({ PEERBOT_ROLE_CHANNELS: "operator=slack:C1|discord:2, admin=slack:C9" })
        .PEERBOT_ROLE_CHANNELS,
    ).toEqual({
      operator: ["slack:C1", "discord:2"],
      admin: ["slack:C9"],
    });
  });
});
