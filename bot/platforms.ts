// The chat platforms of a process. `peerbot start` starts the configured ones (Slack, Discord:
// each a ChatPlatform); `peerbot worker` serves none, yet its jobs post and update messages
// through the same platforms' notifiers, made from their tokens alone. Both take the same
// delivery (delivery.ts): the message tracker, the intent resolver and the log of the process's
// services, so a job posts the same messages, follow-ups included, wherever it runs.
// PlatformRouter (platform-router.ts) routes each job message to the notifier of the platform
// it lives on.
import { commandsBusy, dispatch } from "../commands/dispatch.js";
import { buildRegistry } from "../commands/index.js";
import { intentResolver } from "../commands/intents.js";
import { refusalAudit } from "../core/refusals.js";
import { setHomeOrigins } from "../core/roles.js";
import type { Services } from "../core/services.js";
import type { ChatPlatform } from "./chat-platform.js";
import { trackerClaim } from "../commands/messages.js";
import type { DeliveryOptions } from "./delivery.js";
import type { PlatformRouter } from "./platform-router.js";

export { PlatformRouter } from "./platform-router.js";

/** The delivery every platform and notifier of this process uses. */
export function processDelivery(s: Services, registry = buildRegistry()): DeliveryOptions {
  return {
    posted: (reply, ref) => s.messages?.posted(reply, ref) ?? Promise.resolve(),
    resolve: intentResolver(registry, s.log),
    claim: trackerClaim(s.db),
    log: s.log,
  };
}

/**
 * The Discord settings that must come together: the application id always, the public key for
 * the HTTP endpoint only (the Gateway is an outbound connection with the bot token).
 */
function discordSettings(c: Services["config"]): {
  applicationId: string;
  publicKey?: string;
  transport: "http" | "gateway";
} {
  const transport = c.DISCORD_TRANSPORT;
  if (!c.DISCORD_APPLICATION_ID)
    throw new Error(
      "Discord needs DISCORD_APPLICATION_ID with DISCORD_TOKEN (the Developer Portal's General Information page)",
    );
  if (transport === "http" && !c.DISCORD_PUBLIC_KEY)
    throw new Error(
      "Discord over HTTP needs DISCORD_PUBLIC_KEY with DISCORD_TOKEN; or set DISCORD_TRANSPORT=gateway, which needs no public URL",
    );
  return {
    applicationId: c.DISCORD_APPLICATION_ID,
    ...(c.DISCORD_PUBLIC_KEY ? { publicKey: c.DISCORD_PUBLIC_KEY } : {}),
    transport,
  };
}

/**
 * Starts the configured platforms (`peerbot start`) and routes job messages to them. Returns
 * the function that stops them.
 */
export async function startPlatforms(
  rt: { services: Services },
  router: PlatformRouter,
  /** Filled with each platform once it has started (the operations server asks them if ready). */
  started: ChatPlatform[] = [],
): Promise<() => Promise<void>> {
  const s = rt.services;
  const c = s.config;
  const registry = buildRegistry();
  const deps = {
    ...processDelivery(s, registry),
    handle: async (inv: Parameters<typeof dispatch>[2]) => (await dispatch(registry, s, inv)).reply,
    // Every command slot taken: Discord acknowledges with a deferral at once (bot/discord/interactions.ts).
    busy: () => commandsBusy(s),
  };
  const stop = async () => {
    for (const p of [...started].reverse()) await p.stop().catch(() => {});
  };
  try {
    if (c.SLACK_BOT_TOKEN) {
      const { SlackPlatform } = await import("./slack/platform.js");
      // Requests seen (timestamp and signature), so that a replay runs nothing (Redis when configured).
      const { onceStore: slackOnceStore } = await import("./once.js");
      const slack = new SlackPlatform({
        ...deps,
        botToken: c.SLACK_BOT_TOKEN,
        signingSecret: c.SLACK_SIGNING_SECRET,
        appToken: c.SLACK_APP_TOKEN,
        port: c.SLACK_PORT,
        apiUrl: c.SLACK_API_URL,
        ...(c.SLACK_APP_TOKEN
          ? { socketOnce: await slackOnceStore(c) }
          : { http: { once: await slackOnceStore(c), refusals: refusalAudit(s.db, s.log) } }),
      });
      await slack.start();
      // Without SLACK_ALLOWED_TEAMS only the bot token's own workspace (and organisation) is served.
      if (!c.SLACK_ALLOWED_TEAMS) {
        const me = await slack.app.client.auth.test();
        const home = [me.team_id, me.enterprise_id].filter(
          (x): x is string => typeof x === "string" && x !== "",
        );
        setHomeOrigins(c, { slackTeams: home });
        s.log.info("slack: serving only the bot's own workspace (SLACK_ALLOWED_TEAMS is not set)", {
          teams: home,
        });
      }
      started.push(slack);
      router.add(slack.name, slack.notifier);
      s.log.info("slack: listening", { port: slack.port, socketMode: Boolean(c.SLACK_APP_TOKEN) });
    }
    if (c.DISCORD_TOKEN) {
      const { DiscordPlatform, registerDiscordCommands } = await import("./discord/platform.js");
      const settings = discordSettings(c);
      // Interaction ids seen, so that a redelivered one runs once (Redis when configured).
      const { onceStore } = await import("./once.js");
      const once = await onceStore(c);
      const discord = new DiscordPlatform({
        ...deps,
        ...settings,
        token: c.DISCORD_TOKEN,
        port: c.DISCORD_PORT,
        apiUrl: c.DISCORD_API_URL,
        once,
        deferAfterMs: c.DISCORD_DEFER_AFTER,
        refusals: refusalAudit(s.db, s.log),
      });
      try {
        await discord.start();
      } catch (err) {
        await discord.stop().catch(() => {});
        throw err;
      }
      started.push(discord);
      await registerDiscordCommands(discord.rest, c.DISCORD_APPLICATION_ID!).catch((err: unknown) =>
        s.log.warn("discord: could not register the slash commands", { err: String(err) }),
      );
      router.add(discord.name, discord.notifier);
      if (discord.transport === "gateway") s.log.info("discord: receiving interactions over the Gateway");
      else s.log.info("discord: receiving interactions over HTTP", { port: discord.port });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  if (!started.length)
    s.log.warn("no chat platform is configured (SLACK_BOT_TOKEN, DISCORD_TOKEN): running workers only");
  return stop;
}

/**
 * For `peerbot worker`, which serves no chat platform: jobs still post and update the messages
 * of the configured platforms, through their APIs alone and the same delivery as in
 * `peerbot start`.
 */
export async function workerNotifiers(
  rt: { services: Services },
  router: PlatformRouter,
): Promise<PlatformRouter> {
  const s = rt.services;
  const c = s.config;
  const delivery = processDelivery(s);
  if (c.SLACK_BOT_TOKEN) {
    const { slackNotifier } = await import("./slack/messenger.js");
    router.add("slack", slackNotifier({ botToken: c.SLACK_BOT_TOKEN, apiUrl: c.SLACK_API_URL }, delivery));
  }
  if (c.DISCORD_TOKEN) {
    const { discordNotifier } = await import("./discord/notifier.js");
    router.add("discord", discordNotifier({ token: c.DISCORD_TOKEN, apiUrl: c.DISCORD_API_URL }, delivery));
  }
  return router;
}
