// Discord's REST side as peerbot uses it: the client (@discordjs/rest), the message bodies made
// from rendered replies, and the notifier jobs use to post and edit channel messages with the
// bot token, in `peerbot start` and in `peerbot worker` alike, through the shared delivery.
import { MessageFlags, REST, Routes } from "discord.js";
import type { RawFile } from "discord.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import { Delivery, deliveryNotifier, type ChannelPoster, type DeliveryOptions } from "../delivery.js";
import { assertDiscordLimits, renderDiscord, type DiscordMessage } from "./render.js";

/** A REST client with the bot token; `apiUrl` is "https://discord.com/api" unless pointed at a fake. */
export function discordRest(token: string, apiUrl?: string): REST {
  return new REST({ version: "10", ...(apiUrl ? { api: apiUrl } : {}) }).setToken(token);
}

/** Lets go of the REST client's timers. */
export function closeDiscordRest(rest: REST): void {
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
}

/** Renders a reply as a Discord message, refusing one that breaks Discord's limits. */
export function renderDiscordChecked(reply: Reply): DiscordMessage {
  const msg = renderDiscord(reply);
  assertDiscordLimits(msg);
  return msg;
}

/** The message body Discord takes (our renderer's attachments become files). */
export function discordBody(
  msg: DiscordMessage,
  opts: { ephemeral?: boolean; edit?: boolean } = {},
): { body: Record<string, unknown>; files: RawFile[] } {
  const files = msg.attachments.map((a) => ({ name: a.filename, data: Buffer.from(a.content, "utf8") }));
  const body: Record<string, unknown> = {
    content: msg.content,
    embeds: msg.embeds,
    components: msg.components,
    allowed_mentions: msg.allowed_mentions,
  };
  if (opts.ephemeral) body.flags = MessageFlags.Ephemeral;
  // On an edit, the list replaces the message's files (an empty list removes the old ones).
  if (files.length || opts.edit) body.attachments = files.map((f, id) => ({ id, filename: f.name }));
  return { body, files };
}

/** Job messages in a channel (a thread is a channel of its own on Discord), with the bot token. */
export function discordPoster(rest: REST): ChannelPoster<DiscordMessage> {
  return {
    render: renderDiscordChecked,
    post: async (where, msg) => {
      const channel = where.threadId ?? where.channel;
      const { body, files } = discordBody(msg);
      const res = (await rest.post(Routes.channelMessages(channel), { body, files })) as { id: string };
      return { platform: "discord", channel, messageId: res.id } satisfies MessageRef;
    },
    update: async (ref, msg) => {
      const { body, files } = discordBody(msg, { edit: true });
      await rest.patch(Routes.channelMessage(ref.channel, ref.messageId), { body, files });
    },
  };
}

/** The Discord notifier over a REST client, through the shared delivery. */
export function discordRestNotifier(rest: REST, delivery: DeliveryOptions): Notifier {
  return deliveryNotifier(new Delivery("discord", delivery), discordPoster(rest));
}

/**
 * The notifier of a process that runs no interactions receiver (`peerbot worker`): the REST
 * API alone, with the same delivery as the platform's own notifier.
 */
export function discordNotifier(
  opts: { token: string; apiUrl?: string },
  delivery: DeliveryOptions,
): Notifier {
  return discordRestNotifier(discordRest(opts.token, opts.apiUrl), delivery);
}
