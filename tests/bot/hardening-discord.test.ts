// The Discord HTTP Interactions endpoint under attack, with the demo network behind it: every
// hostile request is refused with nothing run (no command reached dispatch, no change row, no
// job); malformed JSON, `null`, arrays and wrong types are 400, never 500; replayed interaction
// ids are dropped and audited; bodies over the cap are refused unread; the server allowlist,
// direct messages and the role channels hold.
import { generateKeyPairSync, sign } from "node:crypto";
import net from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DiscordPlatform } from "../../bot/discord/platform.js";
import { HttpInteractionReceiver } from "../../bot/discord/receiver.js";
import { MemoryOnceStore } from "../../bot/once.js";
import { refusalCounts } from "../../bot/http-guard.js";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import type { Invocation } from "../../commands/registry.js";
import { refusalAudit } from "../../core/refusals.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import { until } from "../helpers/until.js";

const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.fake.hardening-token";
const GUILD = "300000000000000001";
const CHANNEL = "200000000000000001";
const OPERATOR = { userId: "500000000000000001" };

let demo: DemoChat;
let fake: FakeDiscord;
let discord: DiscordPlatform;
let receiver: HttpInteractionReceiver;
let endpoint: string;
let port: number;
const ran: Invocation[] = [];
let jobs = 0;
const serverSockets: net.Socket[] = [];

beforeAll(async () => {
  demo = await demoChat(import.meta.filename, {
    env: {
      DISCORD_ALLOWED_GUILDS: GUILD,
      PEERBOT_ROLES: `discord:${OPERATOR.userId}=operator`,
      PEERBOT_ROLE_CHANNELS: `operator=discord:${CHANNEL}`,
    },
  });
  const registry = buildRegistry();
  const services = demo.services;
  const enqueue = services.queue.enqueue.bind(services.queue);
  vi.spyOn(services.queue, "enqueue").mockImplementation(async (...args) => {
    jobs++;
    return enqueue(...args);
  });
  fake = await new FakeDiscord(BOT_TOKEN).start();
  receiver = new HttpInteractionReceiver({
    publicKey: fake.publicKeyHex,
    port: 0,
    host: "127.0.0.1",
    once: new MemoryOnceStore(),
    refusals: refusalAudit(demo.db, services.log),
    limits: { maxSmall: 3, readTimeoutMs: 400 },
    log: services.log,
  });
  discord = new DiscordPlatform({
    token: BOT_TOKEN,
    applicationId: fake.applicationId,
    publicKey: fake.publicKeyHex,
    receiver,
    apiUrl: fake.apiUrl,
    handle: async (inv) => {
      ran.push(inv);
      return (await dispatch(registry, services, inv)).reply;
    },
    log: services.log,
  });
  await discord.start();
  port = receiver.port!;
  endpoint = `http://127.0.0.1:${port}/interactions`;
  receiver.httpServer!.on("connection", (s: net.Socket) => serverSockets.push(s));
});

afterAll(async () => {
  await discord?.stop();
  await fake?.stop();
  const all = demo?.services.logLines.join("\n") ?? "";
  await demo?.close();
  expect(all).not.toContain(BOT_TOKEN);
});

beforeEach(() => {
  ran.length = 0;
  jobs = 0;
});

const now = () => Math.floor(Date.now() / 1000);
const changes = () => demo.db.prisma.changeRequest.count();
const auditCount = () => demo.db.prisma.auditEvent.count();

/** POSTs `body` as it is, signed with the application's key (or the given headers). */
async function post(
  body: string,
  opts: {
    ts?: number;
    key?: ReturnType<typeof generateKeyPairSync>["privateKey"];
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const ts = String(opts.ts ?? now());
  const signature = sign(null, Buffer.from(ts + body), opts.key ?? fake.keys.privateKey).toString("hex");
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-signature-ed25519": signature,
      "x-signature-timestamp": ts,
      ...opts.headers,
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function command(line: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fake.command("peerbot", { line }, OPERATOR), ...over };
}

async function refusedRows(reason: string) {
  await refusalAudit(demo.db, demo.services.log).flush();
  return demo.db.prisma.auditEvent.findMany({
    where: { args: reason, outcome: "denied" },
    orderBy: { id: "asc" },
  });
}

describe("Discord HTTP endpoint under attack", () => {
  it("runs a signed command (the baseline of every case below)", async () => {
    const r = await post(JSON.stringify(command("help")));
    expect(r.status).toBe(200);
    expect(ran).toHaveLength(1);
  });

  it("refuses unsigned, malformed, forged, stale and future requests before reading the body", async () => {
    const before = { changes: await changes(), rows: await auditCount() };
    const body = JSON.stringify(command("deploy edge1.lon"));
    const unsigned = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ error: "The request is not signed." });
    expect((await post(body, { headers: { "x-signature-ed25519": "zz" } })).status).toBe(401);
    expect((await post(body, { key: generateKeyPairSync("ed25519").privateKey })).status).toBe(401);
    for (const ts of [now() - 301, now() + 301, now() + 365 * 86_400]) {
      const r = await post(body, { ts });
      expect(r.status).toBe(401);
      expect(r.body.error).toMatch(ts < now() ? /too old/ : /in the future/);
    }
    expect((await post(body, { headers: { "content-type": "text/plain" } })).status).toBe(415);
    expect(ran).toEqual([]);
    expect(jobs).toBe(0);
    expect(await changes()).toBe(before.changes);
    expect(await auditCount()).toBe(before.rows);
    expect(refusalCounts()["discord:future"]).toBeGreaterThanOrEqual(2);
  });

  it("answers malformed JSON, null, arrays and wrong types 400 with one sentence, never 500", async () => {
    const good = command("help");
    const bodies = [
      "{not json",
      "null",
      "[]",
      '"interaction"',
      "42",
      JSON.stringify({ ...good, id: 5 }),
      JSON.stringify({ ...good, type: "2" }),
      JSON.stringify({ ...good, member: { user: null } }),
      JSON.stringify({ ...good, data: { options: "line" } }),
      JSON.stringify({ ...good, guild_id: { $ne: "" } }),
    ];
    for (const b of bodies) {
      const r = await post(b);
      expect(r.status, b).toBe(400);
      expect(String(r.body.error)).toMatch(/^The request body is not (JSON|a Discord interaction)\.$/);
    }
    expect(ran).toEqual([]);
    expect(demo.services.logLines.join("\n")).not.toMatch(/TypeError/);
  });

  it("refuses a 4 MB body on its declared length without reading it, and a chunked one at the cap", async () => {
    const size = 4 * 1024 * 1024;
    const ts = now();
    const head = (extra: string) =>
      `POST /interactions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-signature-timestamp: ${ts}\r\nx-signature-ed25519: ${"a".repeat(128)}\r\n${extra}\r\n`;
    const answer = (first: string, frame: Buffer) =>
      new Promise<string>((resolve) => {
        const sock = net.connect(port, "127.0.0.1");
        let got = "";
        let sent = 0;
        const pump = () => {
          while (!got && sent < size) {
            sent += frame.length;
            if (!sock.write(frame)) return void sock.once("drain", pump);
          }
        };
        sock.on("connect", () => {
          sock.write(first);
          pump();
        });
        sock.on("data", (d) => (got += d.toString("latin1")));
        sock.on("error", () => {});
        sock.on("close", () => resolve(got));
      });
    const piece = Buffer.alloc(64 * 1024, "{");
    expect(await answer(head(`content-length: ${size}\r\n`), piece)).toMatch(/^HTTP\/1\.1 413/);
    expect(serverSockets.at(-1)!.bytesRead).toBeLessThan(256 * 1024);
    const chunk = Buffer.concat([
      Buffer.from(`${piece.length.toString(16)}\r\n`),
      piece,
      Buffer.from("\r\n"),
    ]);
    expect(await answer(head("transfer-encoding: chunked\r\n"), chunk)).toMatch(/^HTTP\/1\.1 413/);
    expect(serverSockets.at(-1)!.bytesRead).toBeLessThan(256 * 1024 + 512 * 1024);
    expect(ran).toEqual([]);
  });

  it("answers 503 at once beyond the unauthenticated requests in flight, 408 to a body that never comes", async () => {
    const ts = now();
    const head = `POST /interactions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-signature-timestamp: ${ts}\r\nx-signature-ed25519: ${"a".repeat(128)}\r\ncontent-length: 50\r\n\r\n`;
    const slow = [0, 1, 2].map(
      () =>
        new Promise<string>((resolve) => {
          const sock = net.connect(port, "127.0.0.1", () => sock.write(head));
          let got = "";
          sock.on("data", (d) => (got += d.toString("latin1")));
          sock.on("error", () => {});
          sock.on("close", () => resolve(got));
        }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    expect((await post(JSON.stringify(command("help")))).status).toBe(503);
    expect(performance.now() - t0).toBeLessThan(100);
    for (const got of await Promise.all(slow)) expect(got).toMatch(/^HTTP\/1\.1 408/);
    expect((await post(JSON.stringify(command("help")))).status).toBe(200);
    expect(ran).toHaveLength(1);
  });

  it("drops a replayed interaction id (a fresh signature does not help) and audits the replays", async () => {
    const before = await changes();
    const i = command("deploy edge1.lon");
    expect((await post(JSON.stringify(i))).status).toBe(200);
    await until(changes, (n) => n > before);
    for (let k = 0; k < 3; k++) {
      const r = await post(JSON.stringify(i), { ts: now() - k });
      expect(r.status).toBe(409);
      expect(r.body.error).toBe("This interaction was already received.");
    }
    expect(ran).toHaveLength(1);
    expect(await changes()).toBe(before + 1);
    const rows = await refusedRows("replay");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ platform: "discord", userId: OPERATOR.userId, channel: CHANNEL });
    expect(rows[1]!.message).toMatch(/^2 more refused like this/);
  });

  it("serves only allowed servers; a direct message is refused unless dm is allowed", async () => {
    const before = await changes();
    const other = await post(JSON.stringify(command("deploy edge1.lon", { guild_id: "399999999999999999" })));
    expect(other.status).toBe(200);
    expect(JSON.stringify(other.body)).toMatch(/does not serve this Discord server \(399999999999999999\)/);
    expect((other.body.data as { flags?: number }).flags).toBe(64); // ephemeral
    const dm = command("help");
    delete dm.guild_id;
    dm.user = (dm.member as { user: unknown }).user;
    delete dm.member;
    const r = await post(JSON.stringify(dm));
    expect(JSON.stringify(r.body)).toMatch(/does not answer direct messages/);
    expect(await changes()).toBe(before);
    expect(jobs).toBe(0);
    const rows = await refusedRows("origin");
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows[0]).toMatchObject({ platform: "discord", command: "(refused origin)", outcome: "denied" });
  });

  it("limits a role to its channels: the operator elsewhere acts as a viewer", async () => {
    const before = await changes();
    const elsewhere = await post(
      JSON.stringify(command("deploy edge1.lon", { channel_id: "200000000000000009" })),
    );
    expect(JSON.stringify(elsewhere.body)).toMatch(/You need the operator role/);
    expect(await changes()).toBe(before);
    // Viewing still works there.
    const view = await post(JSON.stringify(command("routers", { channel_id: "200000000000000009" })));
    expect(JSON.stringify(view.body)).toMatch(/edge1\.lon/);
  });
});
