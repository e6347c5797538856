// Forms on Discord, through the real platform (the HTTP interactions endpoint, the interaction
// handling) against the loopback fake and the demo network: the Reject button is answered with
// a modal (interaction response type 9, text inputs in action rows); its MODAL_SUBMIT rejects
// the change with the reason, shown in the answer and in the change's redrawn message. The
// Edit button of an e-mail draft opens a modal with the draft's fields; a required one left
// empty is refused in one sentence (with a button to edit again) and changes nothing; a right
// submission changes the draft.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformRouter, processDelivery } from "../../bot/platforms.js";
import { startDiscord, type DiscordPlatform } from "../../bot/discord/platform.js";
import { dispatch } from "../../commands/dispatch.js";
import { buildRegistry } from "../../commands/index.js";
import { createLogger } from "../../core/log.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import type { TestDatabase } from "../helpers/db.js";
import { demoChat, type DemoChat } from "../helpers/demo-chat.js";
import { fingerprint, type TestServices } from "../helpers/services.js";
import { until } from "../helpers/until.js";

const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.modals.bot-token-never-logged";
const ALICE = { userId: "500000000000000011" };
const BOB = { userId: "500000000000000012" };

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
      PEERBOT_ROLES: `discord:${ALICE.userId}=operator,discord:${BOB.userId}=approver`,
      DISCORD_ALLOWED_GUILDS: "300000000000000001",
      PEERBOT_EMAIL_FROM: "AS64500 Peering <peering@example.net>",
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
type Modal = { custom_id: string; title: string; components: { components: Body[] }[] };

/** What an interaction's answer says: the immediate message, or the deferred one once PATCHed. */
async function answerText(interaction: Body, res: { body: Body }): Promise<string> {
  if (res.body.type === 4) return JSON.stringify(res.body.data);
  expect(res.body.type).toBe(5);
  const patch = await fake.waitFor(
    () =>
      fake.callsTo(
        "PATCH",
        `/webhooks/${fake.applicationId}/${String(interaction.token)}/messages/@original`,
      )[0],
  );
  return JSON.stringify(patch.body);
}

async function say(who: { userId: string }, line: string): Promise<{ text: string; interaction: Body }> {
  const interaction = fake.command("peerbot", { line }, who);
  const res = await fake.interact(endpoint, interaction);
  expect(res.status).toBe(200);
  return { text: await answerText(interaction, res), interaction };
}

/** Presses `customId` on message `messageId`; a modal answer is returned as the modal. */
async function pressForModal(who: { userId: string }, customId: string, messageId: string): Promise<Modal> {
  const res = await fake.interact(endpoint, fake.press(customId, { id: messageId }, who));
  expect(res.status).toBe(200);
  expect(res.body.type).toBe(9);
  return res.body.data as Modal;
}

async function submit(
  who: { userId: string },
  modal: Modal,
  values: Record<string, string>,
  messageId: string,
) {
  const interaction = fake.modalSubmit(modal as unknown as Body, values, who, { id: messageId });
  const res = await fake.interact(endpoint, interaction);
  expect(res.status).toBe(200);
  return { res, text: await answerText(interaction, res) };
}

const inputs = (m: Modal) => m.components.map((r) => r.components[0]!);

describe("Discord modals", () => {
  it("Edit opens the draft in a modal; an empty subject is refused, a right submission changes the draft", async () => {
    const preview = await say(ALICE, "request AS6939 at LINX");
    expect(preview.text).toContain("Peering request to AS6939");
    const e = await db.prisma.email.findFirstOrThrow({ orderBy: { id: "desc" } });
    const msgId = "700000000000000100";
    const modal = await pressForModal(ALICE, `email.edit:${e.id}`, msgId);
    expect(modal.custom_id).toBe(`form|email.edit:${e.id}`);
    expect(modal.title).toBe(`Edit e-mail #${e.id}`);
    expect(inputs(modal).map((i) => [i.type, i.custom_id, i.style, i.required])).toEqual([
      [4, "subject", 1, true],
      [4, "to", 1, true],
      [4, "cc", 1, false],
      [4, "body", 2, true],
    ]);
    expect(inputs(modal)[0]!.value).toBe(e.subject);
    expect(inputs(modal)[3]!.value).toBe(e.textBody.replace(/\n$/, ""));

    const unchanged = await fingerprint(db);
    const refused = await submit(ALICE, modal, { subject: "", to: "peering@he.net", body: "Hi" }, msgId);
    expect(refused.res.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(refused.text).toContain("Subject: This cannot be empty.");
    expect(refused.text).toContain(`email.edit:${e.id}`); // Edit again
    expect(await fingerprint(db)).toBe(unchanged);

    const ok = await submit(
      ALICE,
      modal,
      { subject: "Peering at LINX LON1", to: "peering@he.net", cc: "", body: "Hello HE,\n\nShall we peer?" },
      msgId,
    );
    expect(ok.text).toContain(
      `Draft #${e.id} (edited by alice (Discord ${ALICE.userId})): subject changed; body changed`,
    );
    const after = await db.prisma.email.findUniqueOrThrow({ where: { id: e.id } });
    expect([after.subject, after.textBody, after.status]).toEqual([
      "Peering at LINX LON1",
      "Hello HE,\n\nShall we peer?\n",
      "draft",
    ]);
  });

  it("Reject opens a modal; its submission rejects the change with the reason, shown in the answer and the message", async () => {
    const asked = await say(ALICE, "peer AS6939 at LINX");
    const id = Number(/Change #(\d+) on edge1\.lon/.exec(asked.text)![1]);
    const change = await until(
      () => db.prisma.changeRequest.findUniqueOrThrow({ where: { id } }),
      (c) => c.messageId !== "",
    );
    const modal = await pressForModal(BOB, `change.reject:${id}`, change.messageId);
    expect(modal).toMatchObject({ custom_id: `form|change.reject:${id}`, title: `Reject change #${id}` });
    expect(inputs(modal).map((i) => [i.custom_id, i.style, i.required, i.max_length])).toEqual([
      ["reason", 1, false, 200],
    ]);
    expect((await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } })).status).toBe("pending");

    const patchesBefore = fake.callsTo("PATCH", `/messages/${change.messageId}`).length;
    const done = await submit(BOB, modal, { reason: "wrong router <@&1> @everyone" }, change.messageId);
    // Escaped: the reason can neither mention nor ping.
    expect(done.text).toContain("rejected by");
    expect(done.text).toContain("wrong router \\\\<@&1\\\\> @everyone");
    expect(done.text).toContain('"allowed_mentions":{"parse":[]}');
    const c = await db.prisma.changeRequest.findUniqueOrThrow({ where: { id } });
    expect(c.status).toBe("rejected");
    expect(c.reason).toMatch(/^rejected by .+: wrong router <@&1> @everyone$/);
    // The change's channel message is redrawn with the reason and without its buttons.
    const patch = await fake.waitFor(() =>
      fake
        .callsTo("PATCH", `/messages/${change.messageId}`)
        .slice(patchesBefore)
        .find((p) => JSON.stringify(p.body).includes("Status: rejected")),
    );
    expect(JSON.stringify(patch.body)).toContain("wrong router");
    expect(JSON.stringify(patch.body)).not.toContain("change.approve");
  });
});
