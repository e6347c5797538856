// The Slack platform: a Bolt app (HTTP receiver, or Socket Mode when an app token is given)
// that turns slash commands and button presses into Invocations and Replies into messages.
//
//   /peerbot <line>   any command line ("/peerbot peer AS714 at LINX")
//   /peer <args>      shortcut for "peer <args>";  /peers <args> for "peers <args>"
//   buttons           app.action(/.*/): the pressed button's value is the Reply's action id
//
// Every request is acknowledged at once (Slack wants it within 3 s); the command then runs and
// its reply is posted:
//   - slash command, public reply: chat.postMessage in the channel (its ts is the MessageRef);
//     if the bot may not post there (not_in_channel, a DM...), through the response_url instead
//   - slash command, ephemeral reply: through the response_url, only the user sees it
//   - pagination button (block_id "pagination"): the message is replaced (chat.update, or the
//     response_url for an ephemeral message)
//   - other buttons: public reply in the thread of the message; ephemeral reply through the
//     response_url
//   - Reply.followUps: each posted after the reply as a message of its own (in the same thread),
//     each reported to `posted`
// Files the renderer moved out of a message (table.txt, diff.txt, message.txt) are uploaded with
// files.uploadV2 in the thread of the message (an ephemeral reply's files go to a DM with the user).
//
// Who: the Slack user id, and the ids of the user groups the user belongs to (usergroups.list,
// cached; needs the usergroups:read scope, else groups are empty and a warning is logged once).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, LogLevel, webApi } from "@slack/bolt";
import type { Logger as BoltLogger, RespondArguments } from "@slack/bolt";
import type { Invocation } from "../../commands/registry.js";
import type { Logger } from "../../core/log.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import { assertSlackLimits, renderSlack, slackActionId, type SlackMessage } from "./render.js";

export interface SlackPlatformOptions {
  botToken: string;
  /** Verifies the HTTP requests (HMAC-SHA256, v0 scheme). Required without an app token. */
  signingSecret?: string;
  /** An app-level token (xapp-...) switches to Socket Mode: no public HTTP endpoint needed. */
  appToken?: string;
  /** HTTP port (0: any free port) and host of the receiver. */
  port?: number;
  host?: string;
  /** Web API base URL, "https://slack.com/api/" unless pointed at a fake. */
  apiUrl?: string;
  /** Runs one invocation: `(inv) => dispatch(registry, services, inv).then((r) => r.reply)`. */
  handle(inv: Invocation): Promise<Reply>;
  /** Told where a public reply was posted (Services.messages.posted). */
  posted?(reply: Reply, ref: MessageRef): Promise<void>;
  log: Logger;
  /** Slash command -> command-line prefix. Default: /peerbot "", /peer "peer", /peers "peers". */
  commands?: Record<string, string>;
  /** How long user-group memberships are cached (ms). Default 5 minutes. */
  groupCacheMs?: number;
}

export interface SlackPlatform {
  app: App;
  /** Updates and posts messages for jobs (chat.update / chat.postMessage). */
  notifier: Notifier;
  /** The HTTP port listened on (undefined in Socket Mode). */
  port?: number;
  stop(): Promise<void>;
}

export const DEFAULT_SLACK_COMMANDS: Record<string, string> = {
  "/peerbot": "",
  "/peer": "peer",
  "/peers": "peers",
};

type Client = App["client"];

/** Bolt's logger on top of ours (which redacts tokens). */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]): string =>
    msg
      .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m)))
      .join(" ");
  return {
    debug: (...m: unknown[]) => log.debug(`slack: ${text(m)}`),
    info: (...m: unknown[]) => log.info(`slack: ${text(m)}`),
    warn: (...m: unknown[]) => log.warn(`slack: ${text(m)}`),
    error: (...m: unknown[]) => log.error(`slack: ${text(m)}`),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

function slackError(err: unknown): string {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === "string" ? data.error : err instanceof Error ? err.message : String(err);
}

/** Posting, updating and uploading, shared by the listeners and the notifier. */
export class SlackMessenger {
  private groups?: { at: number; byUser: Map<string, string[]> };
  private warnedGroups = false;

  constructor(
    private readonly client: Client,
    private readonly log: Logger,
    private readonly groupCacheMs = 300_000,
  ) {}

  render(reply: Reply): SlackMessage {
    const msg = renderSlack(reply);
    assertSlackLimits(msg);
    return msg;
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

  /** Files of an ephemeral reply go to a direct message with the user. */
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

function respondPayload(msg: SlackMessage, extra: Partial<RespondArguments>): RespondArguments {
  return { text: msg.text, blocks: msg.blocks, ...extra } as RespondArguments;
}

const CANT_POST = new Set(["not_in_channel", "channel_not_found", "is_archived", "restricted_action"]);

export async function startSlack(opts: SlackPlatformOptions): Promise<SlackPlatform> {
  const socketMode = Boolean(opts.appToken);
  if (!socketMode && !opts.signingSecret)
    throw new Error("Slack needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)");
  const app = new App({
    token: opts.botToken,
    ...(socketMode ? { socketMode: true, appToken: opts.appToken } : { signingSecret: opts.signingSecret }),
    logger: boltLogger(opts.log),
    deferInitialization: true,
    ...(opts.apiUrl ? { clientOptions: { slackApiUrl: opts.apiUrl } } : {}),
  });
  await app.init(); // auth.test: fails fast on a bad token
  const messenger = new SlackMessenger(app.client, opts.log, opts.groupCacheMs);
  const commands = opts.commands ?? DEFAULT_SLACK_COMMANDS;
  const log = opts.log;

  /**
   * Who pressed or typed. Slack's payloads do not always carry a name (a slash command may come
   * without `user_name`, a block action without `user.username` or `user.name`): the id stands in.
   */
  const actor = async (userId: string, ...names: (string | undefined)[]): Promise<Actor> => ({
    platform: "slack",
    userId,
    userName: names.find((n) => typeof n === "string" && n.trim() !== "") ?? userId,
    groupIds: await messenger.groupsOf(userId),
  });

  const run = async (inv: Invocation): Promise<Reply> => {
    try {
      return await opts.handle(inv);
    } catch (err) {
      log.error("slack: command failed", { err });
      return { kind: "error", text: "Something went wrong; it has been logged.", ephemeral: true };
    }
  };

  const posted = async (reply: Reply, ref: MessageRef): Promise<void> => {
    try {
      await opts.posted?.(reply, ref);
    } catch (err) {
      log.error("slack: recording the posted message failed", { err });
    }
  };

  /** Slack refused the reply: tell the user in one sentence (the details go to the log). */
  const postFailed = async (
    code: string,
    respond: (m: RespondArguments) => Promise<unknown>,
  ): Promise<void> => {
    log.error("slack: posting the reply failed", { code });
    await respond({
      response_type: "ephemeral",
      replace_original: false,
      text: `Slack refused peerbot's answer (${code}); it has been logged.`,
    }).catch(() => {});
  };

  /**
   * Posts a reply's follow-ups (Reply.followUps), each as a message of its own (in `threadTs`
   * when given) and each reported to `posted`; ephemeral ones go through the response_url.
   */
  const followUps = async (
    reply: Reply,
    channel: string,
    threadTs: string | undefined,
    respond?: (m: RespondArguments) => Promise<unknown>,
  ): Promise<void> => {
    for (const f of reply.followUps ?? []) {
      try {
        const msg = messenger.render(f);
        if (f.ephemeral) {
          await respond?.(respondPayload(msg, { response_type: "ephemeral", replace_original: false }));
        } else await posted(f, await messenger.post(channel, msg, threadTs));
      } catch (err) {
        log.error("slack: posting a follow-up failed", { code: slackError(err) });
      }
      await followUps(f, channel, threadTs, respond);
    }
  };

  const names = Object.keys(commands);
  app.command(
    new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`),
    async (args) => {
      const { command, ack, respond } = args;
      await ack();
      const prefix = commands[command.command] ?? "";
      const text = [prefix, command.text.trim()].filter(Boolean).join(" ");
      const inv: Invocation = {
        actor: await actor(command.user_id, command.user_name as string | undefined),
        channel: command.channel_id,
        text,
      };
      const reply = await run(inv);
      const msg = messenger.render(reply);
      if (reply.ephemeral) {
        await respond(respondPayload(msg, { response_type: "ephemeral" }));
        await messenger.uploadToUser(command.user_id, msg);
        await followUps(reply, command.channel_id, undefined, respond);
        return;
      }
      try {
        const ref = await messenger.post(command.channel_id, msg);
        await posted(reply, ref);
        await followUps(reply, command.channel_id, undefined, respond);
      } catch (err) {
        const code = slackError(err);
        if (!CANT_POST.has(code)) return postFailed(code, respond);
        log.info("slack: cannot post in the channel, answering through the response_url", { code });
        await respond(respondPayload(msg, { response_type: "in_channel" }));
        await messenger.uploadToUser(command.user_id, msg);
      }
    },
  );

  app.action(/.*/, async (args) => {
    const { ack, body, action, respond } = args;
    await ack();
    if (body.type !== "block_actions" || !("action_id" in action)) return;
    const pressed = action as { action_id: string; block_id?: string; value?: string };
    const actionId = slackActionId(pressed);
    const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
    const channel = body.channel?.id ?? container.channel_id ?? "";
    const messageTs = body.message?.ts ?? container.message_ts;
    const threadTs = (body.message?.thread_ts as string | undefined) ?? messageTs;
    const ephemeralSource = Boolean(container.is_ephemeral);
    const ref: MessageRef | undefined =
      messageTs && !ephemeralSource
        ? {
            platform: "slack",
            channel,
            messageId: messageTs,
            ...(body.message?.thread_ts ? { threadId: body.message.thread_ts as string } : {}),
          }
        : undefined;
    const inv: Invocation = {
      actor: await actor(body.user.id, body.user.username, body.user.name),
      channel,
      action: actionId,
      ...(ref ? { messageRef: ref } : {}),
    };
    const reply = await run(inv);
    const msg = messenger.render(reply);
    if (pressed.block_id === "pagination" && !reply.ephemeral) {
      if (ref) {
        await messenger.update(ref, msg);
        await posted(reply, ref);
      } else await respond(respondPayload(msg, { replace_original: true }));
      await followUps(reply, channel, threadTs, respond);
      return;
    }
    if (reply.ephemeral || !channel) {
      await respond(respondPayload(msg, { response_type: "ephemeral", replace_original: false }));
      await messenger.uploadToUser(body.user.id, msg);
      if (channel) await followUps(reply, channel, threadTs, respond);
      return;
    }
    try {
      const out = await messenger.post(channel, msg, threadTs);
      await posted(reply, out);
      await followUps(reply, channel, threadTs, respond);
    } catch (err) {
      const code = slackError(err);
      if (!CANT_POST.has(code)) return postFailed(code, respond);
      await respond(respondPayload(msg, { response_type: "in_channel", replace_original: false }));
    }
  });

  app.error(async (err) => {
    log.error("slack: listener failed", { error: err instanceof Error ? err.message : String(err) });
  });

  let port: number | undefined;
  if (socketMode) {
    await app.start();
  } else {
    const server = (await app.start({ port: opts.port ?? 3000, host: opts.host ?? "0.0.0.0" })) as Server;
    port = (server.address() as AddressInfo).port;
  }
  log.info("slack: started", {
    mode: socketMode ? "socket" : "http",
    ...(port !== undefined ? { port } : {}),
  });
  return {
    app,
    notifier: {
      update: async (ref, reply) => messenger.update(ref, messenger.render(reply)),
      post: async (where, reply) => {
        const ref = await messenger.post(where.channel, messenger.render(reply), where.threadId);
        await followUps(reply, where.channel, where.threadId);
        return ref;
      },
    },
    ...(port !== undefined ? { port } : {}),
    stop: async () => {
      await app.stop();
    },
  };
}

/**
 * A notifier for a process that runs no Slack receiver (`peerbot worker`): jobs there update
 * and post messages through the Web API alone.
 */
export function slackNotifier(opts: { botToken: string; apiUrl?: string; log: Logger }): Notifier {
  const client = new webApi.WebClient(opts.botToken, opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {});
  const messenger = new SlackMessenger(client as unknown as Client, opts.log);
  return {
    update: async (ref, reply) => messenger.update(ref, messenger.render(reply)),
    post: async (where, reply) => messenger.post(where.channel, messenger.render(reply), where.threadId),
  };
}
