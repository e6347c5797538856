// The Discord platform against a fake Discord over loopback: Ed25519-signed interactions in,
// REST calls out.
import { generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DiscordPlatform } from "../../bot/discord/platform.js";
import { registerDiscordCommands, startDiscord } from "../../bot/discord/platform.js";
import type {
  DiscordInteraction,
  InteractionHandler,
  InteractionReceiver,
} from "../../bot/discord/receiver.js";
import { checkDiscordMessage } from "../../bot/discord/render.js";
import type { Invocation } from "../../commands/registry.js";
import { createLogger } from "../../core/log.js";
import type { MessageRef } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import { FakeDiscord } from "../fakes/discord-api.js";
import { bigDiff, bigTableRows } from "./render-fixtures.js";

const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAx.fake.bot-token-never-logged";

let fake: FakeDiscord;
let discord: DiscordPlatform;
let endpoint: string;
const invocations: Invocation[] = [];
const postedRefs: { reply: Reply; ref: MessageRef }[] = [];
const logLines: string[] = [];
let answer: (inv: Invocation) => Promise<Reply> = async () => ({ text: "ok" });
/** Every command slot taken (commands/dispatch.ts commandsBusy), as the test says. */
let busy = false;

const ALICE = { userId: "500000000000000001", roles: ["600000000000000001", "600000000000000002"] };

beforeAll(async () => {
  fake = await new FakeDiscord(BOT_TOKEN).start();
  discord = await startDiscord({
    token: BOT_TOKEN,
    applicationId: fake.applicationId,
    publicKey: fake.publicKeyHex,
    port: 0,
    host: "127.0.0.1",
    apiUrl: fake.apiUrl,
    deferAfterMs: 300,
    busy: () => busy,
    handle: async (inv) => {
      invocations.push(inv);
      return answer(inv);
    },
    posted: async (reply, ref) => {
      postedRefs.push({ reply, ref });
    },
    log: createLogger("debug", (l) => logLines.push(l)),
  });
  endpoint = `http://127.0.0.1:${discord.port}/interactions`;
});

afterAll(async () => {
  await discord?.stop();
  await fake?.stop();
  expect(logLines.join("\n")).not.toContain(BOT_TOKEN);
});

afterEach(async () => {
  await fake.quiet();
});

beforeEach(() => {
  invocations.length = 0;
  postedRefs.length = 0;
  fake.calls.length = 0;
  answer = async () => ({ text: "ok" });
  busy = false;
});

/** Headers that sign `body` as Discord does, with the application's key. */
function signedHeaders(body: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    "content-type": "application/json",
    "x-signature-timestamp": ts,
    "x-signature-ed25519": cryptoSign(null, Buffer.from(ts + body), fake.keys.privateKey).toString("hex"),
  };
}

describe("Discord platform", () => {
  it("answers PING with PONG", async () => {
    const r = await fake.interact(endpoint, {
      id: "1",
      type: 1,
      application_id: fake.applicationId,
      token: "t",
    });
    expect(r).toEqual({ status: 200, body: { type: 1 } });
  });

  it("refuses a bad signature, another key, a tampered body or a stale timestamp with 401", async () => {
    const ping = { id: "1", type: 1, application_id: fake.applicationId, token: "t" };
    const other = generateKeyPairSync("ed25519").privateKey;
    expect((await fake.interact(endpoint, ping, { privateKey: other })).status).toBe(401);
    const cmd = fake.command("peerbot", { line: "peers linx" }, ALICE);
    expect((await fake.interact(endpoint, cmd, { tamper: true })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 3600;
    expect((await fake.interact(endpoint, cmd, { timestamp: stale })).status).toBe(401);
    const res = await fetch(endpoint, { method: "POST", body: JSON.stringify(ping) });
    expect(res.status).toBe(401);
    expect(invocations).toEqual([]);
  });

  it("runs /peerbot line:<text> and answers at once with the rendered message", async () => {
    answer = async () => ({ kind: "success", title: "Session up", text: "AS714 at LINX is established." });
    const r = await fake.interact(endpoint, fake.command("peerbot", { line: "peers linx" }, ALICE));
    expect(r.status).toBe(200);
    expect(invocations[0]).toEqual({
      actor: { platform: "discord", userId: ALICE.userId, userName: "Alice", groupIds: ALICE.roles },
      channel: "200000000000000001",
      text: "peers linx",
      origin: { guild: "300000000000000001" },
    });
    expect(r.body.type).toBe(4);
    const data = r.body.data as {
      embeds: { title: string; color: number }[];
      allowed_mentions: unknown;
      flags?: number;
    };
    expect(data.embeds[0]?.title).toBe("Session up");
    expect(data.allowed_mentions).toEqual({ parse: [] });
    expect(data.flags).toBeUndefined();
  });

  it("names a user who has no username or global name by the user id, in a server or a DM", async () => {
    const inServer = fake.command("peerbot", { line: "routers" }, ALICE) as {
      member: { user: Record<string, unknown> };
    };
    delete inServer.member.user.username;
    delete inServer.member.user.global_name;
    await fake.interact(endpoint, inServer);
    const { member: _member, ...rest } = fake.command("peerbot", { line: "routers" }, ALICE);
    await fake.interact(endpoint, { ...rest, guild_id: undefined, user: { id: "500000000000000009" } });
    expect(invocations.map((i) => i.actor)).toEqual([
      { platform: "discord", userId: ALICE.userId, userName: ALICE.userId, groupIds: ALICE.roles },
      { platform: "discord", userId: "500000000000000009", userName: "500000000000000009", groupIds: [] },
    ]);
  });

  it("maps /peer and /peers to their commands", async () => {
    await fake.interact(endpoint, fake.command("peer", { args: "AS714 at LINX" }, ALICE));
    await fake.interact(endpoint, fake.command("peers", {}, ALICE));
    expect(invocations.map((i) => i.text)).toEqual(["peer AS714 at LINX", "peers"]);
  });

  it("says that something went wrong, in one sentence, when the reply cannot be drawn", async () => {
    answer = async () => ({
      text: "down",
      buttons: [{ label: "Status", intent: { command: "status", args: [{ asn: 1 }] } }],
    });
    const r = await fake.interact(endpoint, fake.command("peerbot", { line: "status" }, ALICE));
    expect(r.body).toMatchObject({
      type: 4,
      data: { content: "Something went wrong; it has been logged.", flags: 64 },
    });
  });

  it("answers an ephemeral reply ephemerally", async () => {
    answer = async () => ({ kind: "error", text: "You need the operator role.", ephemeral: true });
    const r = await fake.interact(endpoint, fake.command("peerbot", { line: "deploy 42" }, { userId: "5" }));
    expect(r.body).toMatchObject({ type: 4, data: { flags: 64 } });
  });

  it("defers a reply with files and sends it by PATCH @original with the files attached", async () => {
    answer = async () => ({
      title: "Change 42",
      table: { columns: ["ASN", "Name", "Prefixes", "State"], rows: bigTableRows() },
      code: { language: "diff", content: bigDiff() },
      buttons: [{ label: "Approve", actionId: "change.approve:42", style: "primary" }],
      track: "change:42",
    });
    const cmd = fake.command("peerbot", { line: "change 42" }, ALICE);
    const r = await fake.interact(endpoint, cmd);
    expect(r.body).toEqual({ type: 5 });
    const patch = await fake.waitFor(
      () =>
        fake.callsTo("PATCH", `/webhooks/${fake.applicationId}/${String(cmd.token)}/messages/@original`)[0],
    );
    expect(patch.auth).toBeUndefined(); // webhook routes use the interaction token, not the bot token
    expect(checkDiscordMessage(patch.body)).toEqual([]);
    expect(patch.files.map((f) => f.name).sort()).toEqual(["diff.txt", "table.txt"]);
    expect(patch.files.find((f) => f.name === "diff.txt")?.content).toBe(bigDiff());
    expect(patch.body.attachments).toEqual([
      { id: 0, filename: "table.txt" },
      { id: 1, filename: "diff.txt" },
    ]);
    const ref = await fake.waitFor(() => postedRefs[0]?.ref);
    const msg = fake.messages.get(ref.messageId);
    expect(ref).toEqual({ platform: "discord", channel: "200000000000000001", messageId: msg?.id });
  });

  it("sends follow-ups after the reply, each recorded", async () => {
    answer = async () => ({
      text: "Change 42 needs 2 routers.",
      followUps: [
        { title: "lon1", text: "diff for lon1", track: "change:42:lon1" },
        { title: "lon2", text: "diff for lon2", track: "change:42:lon2" },
      ],
    });
    const cmd = fake.command("peerbot", { line: "change 42" }, ALICE);
    const r = await fake.interact(endpoint, cmd);
    expect(r.body).toEqual({ type: 5 });
    await fake.waitFor(() => postedRefs.length === 3);
    const posts = fake.callsTo("POST", `/webhooks/${fake.applicationId}/${String(cmd.token)}`);
    expect(posts.map((p) => (p.body.embeds as { title: string }[])[0]?.title)).toEqual(["lon1", "lon2"]);
    expect(postedRefs.map((p) => p.reply.track)).toEqual([undefined, "change:42:lon1", "change:42:lon2"]);
  });

  it("defers a slow command (type 5) and edits the placeholder when it is done", async () => {
    let finish!: () => void;
    answer = () => new Promise((resolve) => (finish = () => resolve({ text: "finally" })));
    const t0 = Date.now();
    const r = await fake.interact(endpoint, fake.command("peerbot", { line: "slow" }, ALICE));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.body).toEqual({ type: 5 });
    finish();
    const patch = await fake.waitFor(() => fake.callsTo("PATCH", "@original")[0]);
    expect((patch.body.embeds as { description: string }[])[0]?.description).toBe("finally");
  });

  it("defers at once when every command slot is taken, without waiting for the budget", async () => {
    busy = true;
    answer = async () => {
      await new Promise((r) => setTimeout(r, 100));
      return { text: "after its turn" };
    };
    const t0 = Date.now();
    const r = await fake.interact(endpoint, fake.command("peerbot", { line: "as 714" }, ALICE));
    // Answered before the 100 ms command (let alone the 300 ms budget) could finish.
    expect(Date.now() - t0).toBeLessThan(100);
    expect(r.body).toEqual({ type: 5 });
    const patch = await fake.waitFor(() => fake.callsTo("PATCH", "@original")[0]);
    expect((patch.body.embeds as { description: string }[])[0]?.description).toBe("after its turn");
  });

  it("turns a slow ephemeral reply into an ephemeral follow-up and removes the placeholder", async () => {
    answer = () =>
      new Promise((resolve) => setTimeout(() => resolve({ text: "denied", ephemeral: true }), 500));
    const cmd = fake.command("peerbot", { line: "slow" }, ALICE);
    await fake.interact(endpoint, cmd);
    const follow = await fake.waitFor(
      () => fake.callsTo("POST", `/webhooks/${fake.applicationId}/${String(cmd.token)}`)[0],
    );
    expect(follow.body.flags).toBe(64);
    expect(fake.callsTo("DELETE", "@original")).toHaveLength(1);
  });

  it("runs a button press with its action and message, answering with a new message", async () => {
    answer = async () => ({ kind: "success", text: "Approved by alice." });
    const r = await fake.interact(
      endpoint,
      fake.press("change.approve:42", { id: "700000000000000001" }, ALICE),
    );
    expect(invocations[0]).toEqual({
      actor: { platform: "discord", userId: ALICE.userId, userName: "alice", groupIds: ALICE.roles },
      channel: "200000000000000001",
      action: "change.approve:42",
      messageRef: { platform: "discord", channel: "200000000000000001", messageId: "700000000000000001" },
      origin: { guild: "300000000000000001" },
    });
    expect(r.body.type).toBe(4);
  });

  it("replaces the message in place for a pagination button (type 7)", async () => {
    answer = async () => ({
      text: "page 3",
      pagination: { page: 3, pages: 5, prev: "cmd:peers linx page:2" },
    });
    const r = await fake.interact(
      endpoint,
      fake.press("page|cmd:peers linx page:3", { id: "700000000000000002" }, ALICE),
    );
    expect(invocations[0]?.action).toBe("cmd:peers linx page:3");
    expect(r.body.type).toBe(7);
    const data = r.body.data as {
      components: { components: { custom_id: string }[] }[];
      attachments: unknown[];
    };
    expect(data.components[0]?.components[0]?.custom_id).toBe("page|cmd:peers linx page:2");
    expect(data.attachments).toEqual([]); // files of the previous page are removed
  });

  it("asks before running a confirm button, then runs it with the original message", async () => {
    const source = {
      id: "700000000000000003",
      components: [
        {
          type: 1,
          components: [{ type: 2, style: 4, label: "Deploy", custom_id: "confirm|change.deploy:42" }],
        },
      ],
    };
    const ask = await fake.interact(endpoint, fake.press("confirm|change.deploy:42", source, ALICE));
    expect(invocations).toEqual([]);
    expect(ask.body).toMatchObject({ type: 4, data: { flags: 64, content: "**Deploy**: are you sure?" } });
    const buttons = (
      ask.body.data as { components: { components: { custom_id: string; style: number; label: string }[] }[] }
    ).components[0]!.components;
    expect(buttons.map((b) => [b.label, b.style])).toEqual([
      ["Deploy", 4],
      ["Cancel", 2],
    ]);
    // The prompt's one-time token travels with the press (tests/bot/discord-confirm.test.ts).
    expect(buttons[0]?.custom_id).toMatch(
      /^ok\|700000000000000003\|[\w-]+\.[0-9a-z]+\.[\w-]+\|change\.deploy:42$/,
    );

    answer = async () => ({ text: "Deploy of change 42 started.", track: "change:42" });
    const prompt = { id: "700000000000000004", flags: 64 };
    const ok = await fake.interact(endpoint, fake.press(buttons[0]!.custom_id, prompt, ALICE));
    expect(ok.body).toMatchObject({ type: 7, data: { content: "Confirmed.", components: [] } });
    const follow = await fake.waitFor(() => fake.callsTo("POST", /^\/api\/v10\/webhooks\//)[0]);
    expect((follow.body.embeds as { description: string }[])[0]?.description).toBe(
      "Deploy of change 42 started.",
    );
    expect(invocations[0]).toMatchObject({
      action: "change.deploy:42",
      messageRef: { platform: "discord", channel: "200000000000000001", messageId: "700000000000000003" },
    });
    await fake.waitFor(() => postedRefs[0]);

    const cancel = await fake.interact(endpoint, fake.press("peerbot.cancel", prompt, ALICE));
    expect(cancel.body).toMatchObject({ type: 7, data: { content: "Cancelled.", components: [] } });
    expect(invocations).toHaveLength(1);
  });

  it("gives jobs a notifier that posts and edits channel messages with the bot token", async () => {
    const ref = await discord.notifier.post(
      { platform: "discord", channel: "200000000000000009" },
      { text: "Deploy started" },
    );
    const post = fake.callsTo("POST", "/channels/200000000000000009/messages")[0];
    expect(post?.auth).toBe(`Bot ${BOT_TOKEN}`);
    await discord.notifier.update(ref, {
      kind: "success",
      text: "Deployed",
      code: { language: "diff", content: bigDiff() },
    });
    const patch = fake.callsTo("PATCH", `/channels/200000000000000009/messages/${ref.messageId}`)[0];
    expect(patch?.files.map((f) => f.name)).toEqual(["diff.txt"]);
    expect(checkDiscordMessage(patch!.body)).toEqual([]);
  });

  it("refuses another path (404), a body over 1 MB (413) and a body that is not JSON (400)", async () => {
    const sign = signedHeaders;
    const elsewhere = await fetch(endpoint.replace("/interactions", "/other"), {
      method: "POST",
      body: "{}",
    });
    expect(elsewhere.status).toBe(404);
    const big = JSON.stringify({ type: 2, pad: "x".repeat(1_000_001) });
    expect((await fetch(endpoint, { method: "POST", headers: sign(big), body: big })).status).toBe(413);
    const notJson = "{not json";
    expect((await fetch(endpoint, { method: "POST", headers: sign(notJson), body: notJson })).status).toBe(
      400,
    );
    // An autocomplete request (type 4): peerbot offers none.
    const auto = JSON.stringify({ id: "1", type: 4, application_id: fake.applicationId, token: "t" });
    expect((await fetch(endpoint, { method: "POST", headers: sign(auto), body: auto })).status).toBe(400);
    expect(invocations).toEqual([]);
  });

  it("tells the user in one sentence when Discord refuses a deferred reply", async () => {
    answer = async () => ({ title: "Change 42", text: "diff", track: "change:42" });
    // Sent past the fake's bookkeeping, so Discord knows no placeholder to edit.
    const cmd = fake.command("peerbot", { line: "change 42" }, ALICE);
    const body = JSON.stringify(cmd);
    const res = await fetch(endpoint, { method: "POST", headers: signedHeaders(body), body });
    expect(await res.json()).toEqual({ type: 5 });
    const told = await fake.waitFor(
      () => fake.callsTo("POST", `/webhooks/${fake.applicationId}/${String(cmd.token)}`)[0],
    );
    expect(told.body).toMatchObject({
      content: "Discord refused peerbot's answer (10008); it has been logged.",
      flags: 64,
    });
    expect(postedRefs).toEqual([]);
  });

  it("registers its slash commands", async () => {
    await registerDiscordCommands(discord.rest, fake.applicationId);
    const put = fake.callsTo("PUT", `/applications/${fake.applicationId}/commands`)[0];
    expect((put?.body as unknown as { name: string }[]).map((c) => c.name)).toEqual([
      "peerbot",
      "peer",
      "peers",
    ]);
  });
});

describe("Discord with another receiver", () => {
  it("takes interactions from any InteractionReceiver, as a Gateway connection would hand them over", async () => {
    let handler: InteractionHandler | undefined;
    const gateway: InteractionReceiver = {
      start: async (h) => {
        handler = h;
      },
      stop: async () => {
        handler = undefined;
      },
    };
    const seenHere: Invocation[] = [];
    const recorded: { reply: Reply; ref: MessageRef }[] = [];
    const other = await startDiscord({
      token: BOT_TOKEN,
      applicationId: fake.applicationId,
      publicKey: fake.publicKeyHex,
      apiUrl: fake.apiUrl,
      receiver: gateway,
      handle: async (inv) => {
        seenHere.push(inv);
        return inv.action ? { text: "Deploy started.", track: "change:42" } : { title: "Routers", text: "2" };
      },
      posted: async (reply, ref) => {
        recorded.push({ reply, ref });
      },
      log: createLogger("silent"),
    });
    try {
      expect(other.port).toBeUndefined();
      const r = await handler!(
        fake.command("peerbot", { line: "routers" }, ALICE) as unknown as DiscordInteraction,
      );
      expect(r).toMatchObject({ type: 4, data: { embeds: [{ title: "Routers" }] } });
      expect(seenHere[0]).toMatchObject({
        text: "routers",
        actor: { platform: "discord", userId: ALICE.userId },
      });
      // The answer over REST goes with the interaction's token, as it does from the HTTP endpoint.
      const ask = (await handler!(
        fake.press(
          "confirm|change.deploy:42",
          { id: "700000000000000005" },
          ALICE,
        ) as unknown as DiscordInteraction,
      )) as unknown as { data: { components: { components: { custom_id: string }[] }[] } };
      const okId = ask.data.components[0]!.components[0]!.custom_id;
      const press = fake.press(okId, { id: "700000000000000006", flags: 64 }, ALICE);
      expect(await handler!(press as unknown as DiscordInteraction)).toMatchObject({
        type: 7,
        data: { content: "Confirmed." },
      });
      const follow = await fake.waitFor(
        () => fake.callsTo("POST", `/webhooks/${fake.applicationId}/${String(press.token)}`)[0],
      );
      expect((follow.body.embeds as { description: string }[])[0]?.description).toBe("Deploy started.");
      await fake.waitFor(() => recorded[0]);
      expect(recorded[0]).toMatchObject({ reply: { track: "change:42" }, ref: { platform: "discord" } });
    } finally {
      await other.stop();
    }
    expect(handler).toBeUndefined();
  });
});
