// Discord's REST side as peerbot uses it: the client (@discordjs/rest), the message bodies made
// from rendered replies, and the notifier jobs use to post and edit channel messages with the
// bot token, in `peerbot start` and in `peerbot worker` alike, through the shared delivery.
import { MessageFlags, REST, RESTEvents, Routes } from "discord.js";
import type { RawFile } from "discord.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import {
  Delivery,
  deliveryNotifier,
  Pacer,
  type ChannelPoster,
  type DeliveryOptions,
  type Lane,
} from "../delivery.js";
import { assertDiscordLimits, renderDiscord, type DiscordMessage } from "./render.js";

/**
 * A REST client with the bot token; `apiUrl` is "https://discord.com/api" unless pointed at a fake.
 *
 * Rate limits are @discordjs/rest's, left at its defaults: it keeps a queue per route bucket,
 * reads X-RateLimit-Remaining / -Reset-After / -Bucket from every answer and waits before a
 * bucket runs dry, and on a 429 waits Retry-After (global ones for every route) and retries;
 * rejectOnRateLimit is not set, so a rate limit never fails a call. The delivery coalesces
 * updates of one message, so bursts of progress cost one edit in flight and one waiting.
 */
export function discordRest(token: string, apiUrl?: string): REST {
  const rest = new REST({ version: "10", ...(apiUrl ? { api: apiUrl } : {}) }).setToken(token);
  rest.on(RESTEvents.RateLimited, (info) => {
    rateLimits.hits++;
    rateLimits.last = { route: info.route, retryAfterMs: info.retryAfter, global: info.global };
  });
  return rest;
}

/** Times @discordjs/rest waited for a rate limit in this process (a bucket run dry, or a 429 it retried). */
export const rateLimits: { hits: number; last?: { route: string; retryAfterMs: number; global: boolean } } = {
  hits: 0,
};

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

/**
 * How fast the notifier writes to one channel: Discord allows about five new messages per five
 * seconds per channel, and edits alike. A steady pace below that, with no burst, keeps any
 * five-second window under the limit however the calls fall, including at start-up, before
 * @discordjs/rest has learned a route's bucket from the headers.
 */
export interface DiscordPace {
  post: { everyMs: number; burst: number };
  edit: { everyMs: number; burst: number };
}

export const DISCORD_PACE: DiscordPace = {
  post: { everyMs: 1250, burst: 1 },
  edit: { everyMs: 1250, burst: 1 },
};

/** Job messages in a channel (a thread is a channel of its own on Discord), with the bot token. */
export function discordPoster(rest: REST, pace: DiscordPace = DISCORD_PACE): ChannelPoster<DiscordMessage> {
  const pacer = new Pacer();
  const lane = (kind: keyof DiscordPace, channel: string): Lane[] => [
    { key: `${kind}:${channel}`, ...pace[kind] },
  ];
  return {
    render: renderDiscordChecked,
    post: async (where, msg) => {
      const channel = where.threadId ?? where.channel;
      await pacer.take(lane("post", channel));
      const { body, files } = discordBody(msg);
      const res = (await rest.post(Routes.channelMessages(channel), { body, files })) as { id: string };
      return { platform: "discord", channel, messageId: res.id } satisfies MessageRef;
    },
    update: async (ref, msg) => {
      await pacer.take(lane("edit", ref.channel));
      const { body, files } = discordBody(msg, { edit: true });
      await rest.patch(Routes.channelMessage(ref.channel, ref.messageId), { body, files });
    },
    // A reply to the message (message_reference): shown under it with a link, notifying only
    // the people the reply lists (allowed_mentions), not the message's author.
    inThread: async (ref, msg) => {
      await pacer.take(lane("post", ref.channel));
      const { body, files } = discordBody(msg);
      body.message_reference = {
        message_id: ref.messageId,
        channel_id: ref.channel,
        fail_if_not_exists: false,
      };
      body.allowed_mentions = { ...(body.allowed_mentions as object), replied_user: false };
      const res = (await rest.post(Routes.channelMessages(ref.channel), { body, files })) as { id: string };
      return { platform: "discord", channel: ref.channel, messageId: res.id } satisfies MessageRef;
    },
  };
}

/** The Discord notifier over a REST client, through the shared delivery. */
export function discordRestNotifier(rest: REST, delivery: DeliveryOptions, pace?: DiscordPace): Notifier {
  return deliveryNotifier(new Delivery("discord", delivery), discordPoster(rest, pace));
}

/**
 * The notifier of a process that runs no interactions receiver (`peerbot worker`): the REST
 * API alone, with the same delivery as the platform's own notifier.
 */
export function discordNotifier(
  opts: { token: string; apiUrl?: string; pace?: DiscordPace },
  delivery: DeliveryOptions,
): Notifier {
  return discordRestNotifier(discordRest(opts.token, opts.apiUrl), delivery, opts.pace);
}
