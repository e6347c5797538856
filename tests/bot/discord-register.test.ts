// `peerbot discord-register` as a shell runs it, against the fake Discord REST API: the
// commands registered globally or in one server, the install URL, and one sentence for a bad
// token, a server the bot is not in, missing settings or a malformed --guild.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDiscord } from "../fakes/discord-api.js";
import { runPeerbot } from "../helpers/cli.js";

const BOT_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAz.fake.register-bot-token-never-shown";
const GUILD = "300000000000000001";

let fake: FakeDiscord;

beforeAll(async () => {
  fake = await new FakeDiscord(BOT_TOKEN).start();
});
afterAll(() => fake?.stop());

const env = (over: Record<string, string | undefined> = {}) => ({
  DISCORD_TOKEN: BOT_TOKEN,
  DISCORD_APPLICATION_ID: fake.applicationId,
  DISCORD_API_URL: fake.apiUrl,
  ...over,
});

/** The install URL a run printed, parsed. */
function installUrl(out: string): URL {
  const line = out.split("\n").find((l) => l.includes("https://discord.com/oauth2/authorize"));
  expect(line, out).toBeDefined();
  return new URL(line!.trim());
}

describe("peerbot discord-register", () => {
  it("registers /peerbot, /peer and /peers globally and prints the install URL", async () => {
    fake.calls.length = 0;
    const r = await runPeerbot(["discord-register"], { env: env() });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const put = fake.callsTo("PUT", `/api/v10/applications/${fake.applicationId}/commands`);
    expect(put).toHaveLength(1);
    expect(put[0]?.auth).toBe(`Bot ${BOT_TOKEN}`);
    expect((put[0]?.body as unknown as { name: string }[]).map((c) => c.name)).toEqual([
      "peerbot",
      "peer",
      "peers",
    ]);
    expect(r.out).toContain("Registered 3 commands globally");
    expect(r.out).toMatch(/^ {2}\/peerbot {2}\(id \d+\)$/m);
    expect(r.out).toMatch(/^ {2}\/peers {2}\(id \d+\)$/m);
    const url = installUrl(r.out);
    expect(url.searchParams.get("client_id")).toBe(fake.applicationId);
    expect(url.searchParams.get("scope")).toBe("bot applications.commands");
    // View Channel, Send Messages, Embed Links, Attach Files, Read Message History,
    // Create Public Threads, Send Messages in Threads; nothing administrative.
    expect(BigInt(url.searchParams.get("permissions")!)).toBe(
      (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 35n) | (1n << 38n),
    );
    expect(url.searchParams.has("guild_id")).toBe(false);
    expect(r.out).not.toContain(BOT_TOKEN);
  });

  it("registers in one server with --guild, whose commands appear at once", async () => {
    fake.calls.length = 0;
    const r = await runPeerbot(["discord-register", "--guild", GUILD], { env: env() });
    expect(r.code).toBe(0);
    expect(fake.callsTo("PUT", `/applications/${fake.applicationId}/guilds/${GUILD}/commands`)).toHaveLength(
      1,
    );
    expect(fake.callsTo("PUT", `/applications/${fake.applicationId}/commands`)).toHaveLength(0);
    expect(r.out).toContain(`Registered 3 commands in server ${GUILD}:`);
    expect(installUrl(r.out).searchParams.get("guild_id")).toBe(GUILD);
  });

  it("says in one sentence that Discord refused a bad token, without showing it", async () => {
    const wrong = "MTAwMDAwMDAwMDAwMDAwMDA5.wrong.token-that-must-not-show";
    const r = await runPeerbot(["discord-register"], { env: env({ DISCORD_TOKEN: wrong }) });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "peerbot discord-register: Discord refused the bot token (401 Unauthorized): copy DISCORD_TOKEN again from the Developer Portal's Bot page.\n",
    );
    expect(r.out).toBe("");
    expect(r.err + r.out).not.toContain(wrong);
  });

  it("says the bot is not in a server it was asked to register in, with the URL that adds it", async () => {
    const other = "300000000000000099";
    const r = await runPeerbot(["discord-register", "--guild", other], { env: env() });
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `Discord refused the commands for server ${other} (50001): the bot is not in that server; add it with https://discord.com/oauth2/authorize?`,
    );
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });

  it("names the missing settings and registers nothing", async () => {
    fake.calls.length = 0;
    const r = await runPeerbot(["discord-register"], {
      env: env({ DISCORD_TOKEN: undefined, DISCORD_APPLICATION_ID: undefined }),
    });
    expect(r.code).toBe(78);
    expect(r.err).toBe(
      "peerbot discord-register: DISCORD_TOKEN and DISCORD_APPLICATION_ID are not set: both come from the Developer Portal (General Information, Bot); see .env.example.\n",
    );
    const one = await runPeerbot(["discord-register"], { env: env({ DISCORD_APPLICATION_ID: undefined }) });
    expect(one.err).toContain("DISCORD_APPLICATION_ID is not set");
    expect(fake.calls).toEqual([]);
  });

  it("refuses a --guild that is not a server id, with the usage", async () => {
    fake.calls.length = 0;
    const r = await runPeerbot(["discord-register", "--guild", "my-server"], { env: env() });
    expect(r.code).toBe(2);
    expect(r.err).toContain("--guild takes a server id, 17 to 20 digits");
    expect(r.err).toContain("usage: peerbot discord-register [--guild <server id>]");
    expect(fake.calls).toEqual([]);
  });
});
