// `peerbot discord-register [--guild <id>]`: registers peerbot's application commands (/peerbot,
// /peer, /peers) with DISCORD_TOKEN and DISCORD_APPLICATION_ID, globally or in one server
// (a server's commands appear at once: handy for a first try), prints what Discord registered
// and the install URL: OAuth2 authorize with the scopes `bot applications.commands` and the
// channel permissions peerbot uses. Needs no database; discord.js is loaded only when it runs.
import type { Config } from "../core/config.js";
import { CliError, reportingCliErrors } from "./cli-errors.js";

/**
 * What peerbot does in a channel: read it, post and edit its messages (embeds, diff files),
 * and post a change's outcome in a thread of its message.
 */
export const DISCORD_BOT_PERMISSIONS_LIST = {
  VIEW_CHANNEL: 1n << 10n,
  SEND_MESSAGES: 1n << 11n,
  EMBED_LINKS: 1n << 14n,
  ATTACH_FILES: 1n << 15n,
  READ_MESSAGE_HISTORY: 1n << 16n,
  CREATE_PUBLIC_THREADS: 1n << 35n,
  SEND_MESSAGES_IN_THREADS: 1n << 38n,
} as const;

export const DISCORD_BOT_PERMISSIONS = Object.values(DISCORD_BOT_PERMISSIONS_LIST).reduce(
  (a, b) => a | b,
  0n,
);

/** The URL that adds the bot to a server, with its commands and permissions. */
export function discordInstallUrl(applicationId: string, guildId?: string): string {
  const q = new URLSearchParams({
    client_id: applicationId,
    scope: "bot applications.commands",
    permissions: String(DISCORD_BOT_PERMISSIONS),
    integration_type: "0",
  });
  if (guildId) {
    q.set("guild_id", guildId);
    q.set("disable_guild_select", "true");
  }
  return `https://discord.com/oauth2/authorize?${q.toString()}`;
}

const say = (s: string) => process.stdout.write(`${s}\n`);

/** One sentence for what Discord (or the network) said, never with the token. */
function refusal(err: unknown, guildId: string | undefined, url: string): string {
  const e = err as {
    rawError?: unknown;
    status?: unknown;
    code?: unknown;
    message?: unknown;
    cause?: { code?: unknown };
  };
  // A DiscordAPIError: Discord answered, with an HTTP status and its own error code.
  if (e && typeof e === "object" && "rawError" in e && typeof e.status === "number") {
    if (e.status === 401)
      return "Discord refused the bot token (401 Unauthorized): copy DISCORD_TOKEN again from the Developer Portal's Bot page.";
    if (guildId && (e.code === 50001 || e.code === 10004))
      return `Discord refused the commands for server ${guildId} (${String(e.code)}): the bot is not in that server; add it with ${url}`;
    if (e.code === 10002 || e.status === 403)
      return `Discord refused the commands (${String(e.code)}): DISCORD_APPLICATION_ID is not the application of this bot token.`;
    return `Discord refused the commands (${String(e.code)}: ${String(e.message)}).`;
  }
  const code = e?.cause?.code ?? e?.code;
  return `could not reach Discord (${typeof code === "string" ? code : String(e?.message ?? err)}); check DISCORD_API_URL and the network.`;
}

export const discordRegisterSubcommand = {
  summary: "Register the Discord slash commands (/peerbot, /peer, /peers) and print the install URL.",
  usage: "peerbot discord-register [--guild <server id>]",
  options: {
    guild: {
      type: "string" as const,
      description: "register in this server only (they appear at once) instead of globally",
    },
  },
  run: reportingCliErrors(
    "discord-register",
    async (opts: Record<string, string | boolean | undefined>, config: Config): Promise<number> => {
      const missing = [
        ...(config.DISCORD_TOKEN ? [] : ["DISCORD_TOKEN"]),
        ...(config.DISCORD_APPLICATION_ID ? [] : ["DISCORD_APPLICATION_ID"]),
      ];
      if (missing.length)
        throw new CliError(
          `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: both come from the Developer Portal (General Information, Bot); see .env.example.`,
          78,
        );
      const guild = typeof opts.guild === "string" ? opts.guild.trim() : undefined;
      if (guild !== undefined && !/^\d{17,20}$/.test(guild))
        throw new CliError(
          "--guild takes a server id, 17 to 20 digits (Developer Mode on, right-click the server, Copy Server ID); usage: peerbot discord-register [--guild <server id>]",
          2,
        );
      const applicationId = config.DISCORD_APPLICATION_ID!;
      const url = discordInstallUrl(applicationId, guild);
      const { REST } = await import("discord.js");
      const { closeDiscordRest } = await import("./discord/notifier.js");
      const { registerDiscordCommands } = await import("./discord/platform.js");
      // No retries: a refusal is reported at once, a network error within the timeout.
      const rest = new REST({
        version: "10",
        retries: 0,
        timeout: 10_000,
        ...(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}),
      }).setToken(config.DISCORD_TOKEN!);
      let registered: { name: string; id?: string }[];
      try {
        registered = await registerDiscordCommands(rest, applicationId, guild);
      } catch (err) {
        throw new CliError(refusal(err, guild, url));
      } finally {
        closeDiscordRest(rest);
      }
      const where = guild ? `in server ${guild}` : "globally (in every server that installs the bot)";
      say(`Registered ${registered.length} commands ${where}:`);
      for (const c of registered) say(`  /${c.name}${c.id ? `  (id ${c.id})` : ""}`);
      say("");
      say("Install the bot in a server (scopes bot and applications.commands):");
      say(`  ${url}`);
      return 0;
    },
  ),
};
