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
import {
  Delivery,
  deliveryNotifier,
  Pacer,
  type ChannelPoster,
  type DeliveryOptions,
  type Lane,
} from "../delivery.js";
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

/**
 * The limits the messenger keeps to, just under Slack's published ones: chat.postMessage one
 * message a second per channel (Slack tolerates short bursts, but arrivals bunch up on the way,
 * so the messenger does not spend them); chat.update Tier 3 (50+ a minute per workspace); file
 * uploads Tier 2 (20+ a minute).
 */
export interface SlackPace {
  post: { everyMs: number; burst: number };
  update: { everyMs: number; burst: number };
  upload: { everyMs: number; burst: number };
}

export const SLACK_PACE: SlackPace = {
  post: { everyMs: 1000, burst: 1 },
  update: { everyMs: 1200, burst: 20 },
  upload: { everyMs: 3000, burst: 5 },
};

/**
 * Posting, updating and uploading, shared by the listeners and the notifier.
 *
 * Rate limits: every post, update and upload waits for its lane (SlackPace) before it is sent,
 * so that bursts (sixty deploys reporting at once) stay under Slack's limits instead of
 * tripping them. When Slack answers 429 all the same, the Web API client (Bolt's, or ours in
 * `peerbot worker`, both with their default retry policy: rejectRateLimitedCalls off, ten
 * retries) holds its whole queue for Retry-After and retries; the messenger also stops its lane
 * for that long.
 */
export class SlackMessenger {
  private groups?: { at: number; byUser: Map<string, string[]> };
  private warnedGroups = false;
  private readonly pacer = new Pacer();
  /** How many times Slack answered 429 (with Retry-After) to this messenger's client. */
  rateLimited = 0;

  constructor(
    private readonly client: SlackClient,
    private readonly log: Logger,
    private readonly groupCacheMs = 300_000,
    private readonly pace: SlackPace = SLACK_PACE,
  ) {
    const events = client as unknown as {
      on?: (
        event: string,
        f: (retrySec: number, req: { url?: string; body?: Record<string, unknown> }) => void,
      ) => void;
    };
    events.on?.("rate_limited", (retrySec, req) => {
      this.rateLimited++;
      const method =
        String(req?.url ?? "")
          .split("/")
          .pop() ?? "";
      const lane =
        method === "chat.postMessage"
          ? `post:${String(req?.body?.channel ?? "")}`
          : method === "chat.update"
            ? "update"
            : "";
      if (lane) this.pacer.pause(lane, retrySec * 1000);
      this.log.warn("slack: rate limited; waiting as Slack asks", { method, retryAfterSeconds: retrySec });
    });
  }

  private lane(kind: keyof SlackPace, key: string): Lane[] {
    return [{ key, ...this.pace[kind] }];
  }

  render(reply: Reply): SlackMessage {
    return renderSlackChecked(reply);
  }

  /** Posts a public message; returns its ref. */
  async post(channel: string, msg: SlackMessage, threadTs?: string): Promise<MessageRef> {
    await this.pacer.take(this.lane("post", `post:${channel}`));
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
    await this.pacer.take(this.lane("update", "update"));
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
      await this.pacer.take(this.lane("upload", "upload"));
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
    // A reply in a thread hangs off the thread's parent, never off another reply.
    inThread: (ref, msg) => m.post(ref.channel, msg, ref.threadId ?? ref.messageId),
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
  opts: { botToken: string; apiUrl?: string; pace?: SlackPace },
  delivery: DeliveryOptions,
): Notifier {
  const client = new webApi.WebClient(opts.botToken, opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {});
  return slackMessengerNotifier(
    new SlackMessenger(client as unknown as SlackClient, delivery.log, undefined, opts.pace),
    delivery,
  );
}
