// Slack's Web API as peerbot uses it: posting, updating and uploading messages, and reading
// user groups. The listeners answer through it, and it is the Slack half of the notifier that
// jobs use, in `peerbot start` (Bolt's client) and in `peerbot worker` (a WebClient of its own)
// alike, both through the shared delivery (../delivery.ts).
//
// Files the renderer moved out of a message (table.txt, diff.txt, message.txt) are uploaded with
// files.uploadV2 in the thread of the message.
import type { App } from "@slack/bolt";
import { webApi } from "@slack/bolt";
import type { Logger } from "../../core/log.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import { Delivery, deliveryNotifier, type ChannelPoster, type DeliveryOptions } from "../delivery.js";
import { assertSlackLimits, renderSlack, type SlackMessage } from "./render.js";

export type SlackClient = App["client"];

/** The error code of a Slack Web API error ("not_in_channel"), or undefined for another error. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === "string" ? data.error : undefined;
}

/** A Slack error's code, or another error's message: for the log. */
export function slackError(err: unknown): string {
  return slackErrorCode(err) ?? (err instanceof Error ? err.message : String(err));
}

/** Codes with which chat.postMessage says the bot may not post in the channel. */
export const CANT_POST = new Set(["not_in_channel", "channel_not_found", "is_archived", "restricted_action"]);

/** Renders a reply as Block Kit, refusing one that breaks Slack's limits. */
export function renderSlackChecked(reply: Reply): SlackMessage {
  const msg = renderSlack(reply);
  assertSlackLimits(msg);
  return msg;
}

/** Posting, updating and uploading, shared by the listeners and the notifier. */
export class SlackMessenger {
  private groups?: { at: number; byUser: Map<string, string[]> };
  private warnedGroups = false;

  constructor(
    private readonly client: SlackClient,
    private readonly log: Logger,
    private readonly groupCacheMs = 300_000,
  ) {}

  render(reply: Reply): SlackMessage {
    return renderSlackChecked(reply);
  }

  /** Posts a public message; returns its ref. */
  async post(channel: string, msg: SlackMessage, threadTs?: string): Promise<MessageRef> {
    const res = await this.client.chat.postMessage({
      channel,
      text: msg.text,
      blocks: msg.blocks,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    const ts = String(res.ts ?? "");
    const ch = String(res.channel ?? channel);
    await this.upload(ch, msg, threadTs ?? ts);
    return { platform: "slack", channel: ch, messageId: ts, ...(threadTs ? { threadId: threadTs } : {}) };
  }

  async update(ref: MessageRef, msg: SlackMessage): Promise<void> {
    await this.client.chat.update({
      channel: ref.channel,
      ts: ref.messageId,
      text: msg.text,
      blocks: msg.blocks,
    });
    await this.upload(ref.channel, msg, ref.threadId ?? ref.messageId);
  }

  /** Uploads the files the renderer moved out of the message, in the message's thread. */
  async upload(channel: string, msg: SlackMessage, threadTs?: string): Promise<void> {
    if (!msg.attachments.length) return;
    try {
      await this.client.files.uploadV2({
        channel_id: channel,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        file_uploads: msg.attachments.map((a) => ({
          filename: a.filename,
          title: a.filename,
          content: a.content,
        })),
      });
    } catch (err) {
      this.log.warn("slack: file upload failed", { channel, error: slackError(err) });
    }
  }

  /** Files of a message sent through a response_url go to a direct message with the user. */
  async uploadToUser(userId: string, msg: SlackMessage): Promise<void> {
    if (!msg.attachments.length) return;
    try {
      const dm = await this.client.conversations.open({ users: userId });
      const channel = dm.channel?.id;
      if (channel) await this.upload(channel, msg);
    } catch (err) {
      this.log.warn("slack: could not open a DM for the files", { error: slackError(err) });
    }
  }

  /** The ids of the user groups `userId` belongs to (cached). */
  async groupsOf(userId: string): Promise<string[]> {
    const now = Date.now();
    if (!this.groups || now - this.groups.at > this.groupCacheMs) {
      const byUser = new Map<string, string[]>();
      try {
        const res = await this.client.usergroups.list({ include_users: true });
        for (const g of res.usergroups ?? []) {
          if (!g.id) continue;
          for (const u of g.users ?? []) byUser.set(u, [...(byUser.get(u) ?? []), g.id]);
        }
      } catch (err) {
        if (!this.warnedGroups) {
          this.warnedGroups = true;
          this.log.warn("slack: usergroups.list failed; group roles are not applied", {
            error: slackError(err),
          });
        }
      }
      this.groups = { at: now, byUser };
    }
    return this.groups.byUser.get(userId) ?? [];
  }
}

/** Job messages in a channel: chat.postMessage (in the thread when given) and chat.update. */
export function slackPoster(m: SlackMessenger): ChannelPoster<SlackMessage> {
  return {
    render: (reply) => m.render(reply),
    post: (where, msg) => m.post(where.channel, msg, where.threadId),
    update: (ref, msg) => m.update(ref, msg),
  };
}

/** The Slack notifier: the messenger's posting, through the shared delivery. */
export function slackMessengerNotifier(m: SlackMessenger, delivery: DeliveryOptions): Notifier {
  return deliveryNotifier(new Delivery("slack", delivery), slackPoster(m));
}

/**
 * The notifier of a process that runs no Slack receiver (`peerbot worker`): the Web API alone,
 * with the same delivery as the platform's own notifier.
 */
export function slackNotifier(
  opts: { botToken: string; apiUrl?: string },
  delivery: DeliveryOptions,
): Notifier {
  const client = new webApi.WebClient(opts.botToken, opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {});
  return slackMessengerNotifier(new SlackMessenger(client as unknown as SlackClient, delivery.log), delivery);
}
