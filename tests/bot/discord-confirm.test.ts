// The Discord confirmation, enforced on the server: a confirm button's prompt carries a one-time
// token bound to the user, the message and the action. Through the real platform against the
// loopback fake and the demo network: a forged `ok|…` press without a token, a token pressed by
// someone else or moved to another action, and the replay of a used token run nothing, are
// answered in one sentence and audited; the prompt's own press approves the change once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformRouter, processDelivery } from "../../bot/platforms.js";
import { startDiscord, type DiscordPlatform } from "../../bot/discord/platform.js";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { createLogger } from "../../core/log.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import type { TestServices } from "../helpers/services.js";
import { until } from "../helpers/until.js";

const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.confirm.bot-token-never-logged";
const ALICE = { userId: "500000000000000021" };
const BOB = { userId: "500000000000000022" };
const CAROL = { userId: "500000000000000023" };

let fake: FakeDiscord;
let demo: DemoChat;
let db: TestDatabase;
let services: TestServices;
let discord: DiscordPlatform;
let endpoint: string;
const logLines: string[] = [];

beforeAll(async () => {
  fake = await new FakeDiscord(BOT_TOKEN).start();
  demo = await demoChat(import.meta.filename, {
    env: {
      PEERBOT_ROLES: `discord:${ALICE.userId}=operator,discord:${BOB.userId}=approver,discord:${CAROL.userId}=approver`,
      DISCORD_ALLOWED_GUILDS: "300000000000000001",
    },
  });
  ({ db, services } = demo);
  const registry = buildRegistry();
  discord = await startDiscord({
    ...processDelivery(services, registry),
    token: BOT_TOKEN,
    applicationId: fake.applicationId,
    publicKey: fake.publicKeyHex,
    port: 0,
    host: "127.0.0.1",
    apiUrl: fake.apiUrl,
    handle: async (inv) => (await dispatch(registry, services, inv)).reply,
    log: createLogger("debug", (l) => logLines.push(l)),
  });
  services.notifier = new PlatformRouter().add("discord", discord.notifier);
  endpoint = `http://127.0.0.1:${discord.port}/interactions`;
});

afterAll(async () => {
  await discord?.stop();
  await fake?.stop();
  await demo?.close();
  expect(logLines.join("\n")).not.toContain(BOT_TOKEN);
});

type Body = Record<string, unknown>;
const PROMPT = { id: "700000000000000900", flags: 64 };

async function press(who: { userId: string }, customId: string, message: { id: string; flags?: number }) {
  const res = await fake.interact(endpoint, fake.press(customId, message, who));
  expect(res.status).toBe(200);
  return res.body;
}

const refusals = () =>
  db.prisma.auditEvent.findMany({ where: { command: "button:confirm.refused" }, orderBy: { id: "asc" } });
const approvals = (id: number) => db.prisma.changeApproval.count({ where: { changeId: id } });

describe("the Discord confirmation, on the server", () => {
  let changeId: number;
  let messageId: string;
  let okId: string;

  it("the prompt's button carries a one-time token for that user, message and action", async () => {
    const cmd = fake.command("peerbot", { line: "peer AS6939 at LINX" }, ALICE);
    expect((await fake.interact(endpoint, cmd)).status).toBe(200);
    const c = await until(
      () => db.prisma.changeRequest.findFirst({ orderBy: { id: "desc" } }),
      (x) => Boolean(x?.messageId),
    );
    changeId = c!.id;
    messageId = c!.messageId;
    const ask = await press(BOB, `confirm|change.approve:${changeId}`, { id: messageId });
    expect(ask).toMatchObject({ type: 4, data: { flags: 64 } });
    const buttons = (ask.data as { components: { components: { custom_id: string }[] }[] }).components[0]!
      .components;
    okId = buttons[0]!.custom_id;
    expect(okId).toMatch(
      new RegExp(
        `^ok\\|${messageId}\\|[A-Za-z0-9_-]{11}\\.[0-9a-z]+\\.[A-Za-z0-9_-]{14}\\|change\\.approve:${changeId}$`,
      ),
    );
    expect(okId.length).toBeLessThanOrEqual(100);
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: changeId } })).status).toBe(
      "pending",
    );
  });

  it("a forged press without a token runs nothing, is answered in one sentence and audited", async () => {
    const before = await refusals();
    const r = await press(BOB, `ok|${messageId}|change.approve:${changeId}`, PROMPT);
    expect(r).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(JSON.stringify(r.data)).toContain(
      "That confirmation came without the prompt's token, so nothing was run.",
    );
    const rows = await refusals();
    expect(rows).toHaveLength(before.length + 1);
    expect(rows.at(-1)).toMatchObject({ outcome: "denied", args: `missing change.approve:${changeId}` });
    // The short form the old prompt made is refused alike.
    const r2 = await press(BOB, `ok||change.approve:${changeId}`, PROMPT);
    expect(JSON.stringify(r2.data)).toContain("without the prompt's token");
    expect(await approvals(changeId)).toBe(0);
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: changeId } })).status).toBe(
      "pending",
    );
  });

  it("the token pressed by someone else, or moved to another action or message, runs nothing", async () => {
    const [, , token] = okId.split("|");
    const other = await press(CAROL, okId, PROMPT);
    expect(JSON.stringify(other.data)).toContain("does not belong to this button or to you");
    const moved = await press(BOB, `ok|${messageId}|${token}|change.reject:${changeId}`, PROMPT);
    expect(JSON.stringify(moved.data)).toContain("does not belong");
    const elsewhere = await press(BOB, `ok|700000000000000001|${token}|change.approve:${changeId}`, PROMPT);
    expect(JSON.stringify(elsewhere.data)).toContain("does not belong");
    const rows = await refusals();
    expect(rows.slice(-3).map((r) => [r.outcome, r.args.split(" ")[0]])).toEqual([
      ["denied", "forged"],
      ["denied", "forged"],
      ["denied", "forged"],
    ]);
    expect(await approvals(changeId)).toBe(0);
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id: changeId } })).status).toBe(
      "pending",
    );
  });

  it("the prompt's own press approves once; its replay runs nothing and is audited as such", async () => {
    const ok = await press(BOB, okId, PROMPT);
    expect(ok).toMatchObject({ type: 7, data: { content: "Confirmed.", components: [] } });
    await until(
      () => approvals(changeId),
      (n) => n === 1,
    );
    expect(await approvals(changeId)).toBe(1);
    const replay = await press(BOB, okId, PROMPT);
    expect(replay).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(JSON.stringify(replay.data)).toContain(
      "That confirmation was already used, so nothing was run again.",
    );
    const last = (await refusals()).at(-1) as Body;
    expect(last).toMatchObject({
      outcome: "denied",
      args: `replayed change.approve:${changeId}`,
      userId: BOB.userId,
    });
    expect(await approvals(changeId)).toBe(1);
    // One approve press ran, audited once.
    expect(
      await db.prisma.auditEvent.count({ where: { command: "button:change.approve", outcome: "ok" } }),
    ).toBe(1);
  });
});
