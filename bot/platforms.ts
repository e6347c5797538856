// Starts the chat platforms that are configured (Slack, Discord) for `peerbot start`, and
// routes job updates to the platform each message lives on.
import { dispatch } from "../commands/dispatch.js";
import { buildRegistry } from "../commands/index.js";
import type { MessageRef, Notifier } from "../core/ports.js";
import type { Reply } from "../core/reply.js";
import type { Config } from "../core/config.js";
import { createLogger } from "../core/log.js";
import type { Runtime } from "./runtime.js";

/** A notifier that hands each message to the notifier of the platform it was posted on. */
export class PlatformRouter implements Notifier {
  readonly byPlatform = new Map<string, Notifier>();

  private pick(platform: string): Notifier {
    const n = this.byPlatform.get(platform);
    if (!n) throw new Error(`no ${platform} platform is running in this process to update its message`);
    return n;
  }

  async update(ref: MessageRef, reply: Reply): Promise<void> {
    return this.pick(ref.platform).update(ref, reply);
  }

  async post(
    channel: { platform: string; channel: string; threadId?: string },
    reply: Reply,
  ): Promise<MessageRef> {
    return this.pick(channel.platform).post(channel, reply);
  }
}

export async function startPlatforms(rt: Runtime, router: PlatformRouter): Promise<() => Promise<void>> {
  const s = rt.services;
  const c = s.config;
  const registry = buildRegistry();
  const common = {
    handle: async (inv: Parameters<typeof dispatch>[2]) => (await dispatch(registry, s, inv)).reply,
    posted: (reply: Reply, ref: MessageRef) => s.messages?.posted(reply, ref) ?? Promise.resolve(),
    log: s.log,
  };
  const stops: (() => Promise<void>)[] = [];
  if (c.SLACK_BOT_TOKEN) {
    const { startSlack } = await import("./slack/platform.js");
    const slack = await startSlack({
      ...common,
      botToken: c.SLACK_BOT_TOKEN,
      signingSecret: c.SLACK_SIGNING_SECRET,
      appToken: c.SLACK_APP_TOKEN,
      port: c.SLACK_PORT,
      apiUrl: c.SLACK_API_URL,
    });
    router.byPlatform.set("slack", slack.notifier);
    stops.push(slack.stop);
    s.log.info("slack: listening", { port: slack.port, socketMode: Boolean(c.SLACK_APP_TOKEN) });
  }
  if (c.DISCORD_TOKEN) {
    if (!c.DISCORD_APPLICATION_ID || !c.DISCORD_PUBLIC_KEY) {
      throw new Error("Discord needs DISCORD_APPLICATION_ID and DISCORD_PUBLIC_KEY with DISCORD_TOKEN");
    }
    const { startDiscord, registerDiscordCommands } = await import("./discord/platform.js");
    const discord = await startDiscord({
      ...common,
      token: c.DISCORD_TOKEN,
      applicationId: c.DISCORD_APPLICATION_ID,
      publicKey: c.DISCORD_PUBLIC_KEY,
      port: c.DISCORD_PORT,
      apiUrl: c.DISCORD_API_URL,
    });
    await registerDiscordCommands(discord.rest, c.DISCORD_APPLICATION_ID).catch((err: unknown) =>
      s.log.warn("discord: could not register the slash commands", { err: String(err) }),
    );
    router.byPlatform.set("discord", discord.notifier);
    stops.push(discord.stop);
    s.log.info("discord: listening", { port: discord.port });
  }
  if (!stops.length)
    s.log.warn("no chat platform is configured (SLACK_BOT_TOKEN, DISCORD_TOKEN): running workers only");
  return async () => {
    for (const stop of stops) await stop().catch(() => {});
  };
}

/**
 * For `peerbot worker`, which serves no chat platform: jobs still update the messages of the
 * configured platforms, through their APIs alone.
 */
export async function workerNotifier(c: Config): Promise<PlatformRouter> {
  const router = new PlatformRouter();
  if (c.SLACK_BOT_TOKEN) {
    const { slackNotifier } = await import("./slack/platform.js");
    router.byPlatform.set(
      "slack",
      slackNotifier({
        botToken: c.SLACK_BOT_TOKEN,
        apiUrl: c.SLACK_API_URL,
        log: createLogger(c.PEERBOT_LOG_LEVEL),
      }),
    );
  }
  if (c.DISCORD_TOKEN) {
    const { discordNotifier } = await import("./discord/platform.js");
    router.byPlatform.set("discord", discordNotifier({ token: c.DISCORD_TOKEN, apiUrl: c.DISCORD_API_URL }));
  }
  return router;
}
