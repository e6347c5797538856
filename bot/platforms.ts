// Starts the chat platforms that are configured (Slack, Discord) for `peerbot start`.
import type { Runtime } from "./runtime.js";

export async function startPlatforms(rt: Runtime): Promise<() => Promise<void>> {
  const c = rt.services.config;
  const stops: (() => Promise<void>)[] = [];
  if (!c.SLACK_BOT_TOKEN && !c.DISCORD_TOKEN) {
    rt.services.log.warn(
      "no chat platform is configured (SLACK_BOT_TOKEN, DISCORD_TOKEN): running workers only",
    );
  }
  return async () => {
    for (const s of stops) await s();
  };
}
