// The Discord platform, on the HTTP Interactions endpoint model: Discord POSTs every slash
// command and button press to our endpoint, signed with Ed25519 (X-Signature-Ed25519 over
// X-Signature-Timestamp + body, checked against the application's public key); we answer in
// the HTTP response, and use the REST API (@discordjs/rest) for follow-ups and edits. No
// gateway connection is needed.
//
//   /peerbot line:<text>   any command line;   /peer <args>, /peers <args>: shortcuts
//   buttons                custom_id as made by renderDiscord (see render.ts)
//
// Answering (Discord wants the first answer within 3 s):
//   - a command that finishes within `deferAfterMs` (2 s) and has no files and no `track` is
//     answered at once: type 4 (a new message, ephemeral when the reply is), or type 7 for a
//     pagination button (the message is replaced in place)
//   - otherwise the answer is deferred (type 5, or type 6 for pagination) and the reply
//     follows by PATCH /webhooks/{app}/{token}/messages/@original, with its files; the PATCH
//     returns the message id, which is reported to `posted` (for tracked replies). A deferred
//     reply that turns out ephemeral replaces the placeholder with an ephemeral follow-up.
//   - a button whose custom_id starts with "confirm|" is not run: the user gets an ephemeral
//     prompt "<label>: are you sure?" with a button that runs it ("ok|<message id>|<action id>")
//     and "Cancel".
//   - Reply.followUps: each sent after the reply as a follow-up message of the interaction,
//     each reported to `posted`
// Who: the Discord user id and, in a server, the member's role ids.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InteractionResponseType, InteractionType, MessageFlags, REST, Routes } from "discord.js";
import type { RawFile } from "discord.js";
import type { Invocation } from "../../commands/registry.js";
import type { Logger } from "../../core/log.js";
import type { MessageRef, Notifier } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import { cut } from "../render-util.js";
import {
  assertDiscordLimits,
  discordMarkdownEscape,
  DISCORD_BUTTON_STYLE,
  parseDiscordCustomId,
  renderDiscord,
  type DiscordMessage,
} from "./render.js";

export interface DiscordPlatformOptions {
  /** Bot token (for channel messages and command registration). */
  token: string;
  applicationId: string;
  /** The application's Ed25519 public key, 64 hex digits. */
  publicKey: string;
  port?: number;
  host?: string;
  /** Path of the interactions endpoint. Default "/interactions". */
  path?: string;
  /** REST base URL, "https://discord.com/api" unless pointed at a fake. */
  apiUrl?: string;
  handle(inv: Invocation): Promise<Reply>;
  posted?(reply: Reply, ref: MessageRef): Promise<void>;
  log: Logger;
  /** Defer when the command has not answered after this long (ms). Default 2000. */
  deferAfterMs?: number;
  /** Refuse requests whose timestamp is further than this from now (s). Default 300. */
  maxSkewSeconds?: number;
  /** Slash command -> command-line prefix. Default: peerbot "", peer "peer", peers "peers". */
  commands?: Record<string, string>;
}

export interface DiscordPlatform {
  port: number;
  rest: REST;
  /** Updates and posts channel messages for jobs (bot token). */
  notifier: Notifier;
  stop(): Promise<void>;
}

export const DEFAULT_DISCORD_COMMANDS: Record<string, string> = { peerbot: "", peer: "peer", peers: "peers" };

/** The application commands, for PUT /applications/{id}/commands. */
export const DISCORD_COMMAND_DEFINITIONS = [
  {
    name: "peerbot",
    description: "Run a peerbot command, e.g. peer AS714 at LINX",
    type: 1,
    options: [{ type: 3, name: "line", description: "The command line (try: help)", required: false }],
  },
  {
    name: "peer",
    description: "Peer with a network at an IXP, e.g. AS714 at LINX",
    type: 1,
    options: [{ type: 3, name: "args", description: "e.g. AS714 at LINX", required: false }],
  },
  {
    name: "peers",
    description: "Sessions and available peers at an IXP",
    type: 1,
    options: [{ type: 3, name: "args", description: "e.g. linx", required: false }],
  },
];

/** Registers the slash commands (globally, or in one server for quick testing). */
export async function registerDiscordCommands(
  rest: REST,
  applicationId: string,
  guildId?: string,
): Promise<void> {
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  await rest.put(route, { body: DISCORD_COMMAND_DEFINITIONS });
}

/** The public key as a KeyObject (Ed25519, from its 32 raw bytes in hex). */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error("the Discord public key must be 64 hex digits");
  return createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(hex, "hex").toString("base64url") },
    format: "jwk",
  });
}

/** Checks Discord's Ed25519 signature of timestamp + body. */
export function verifyDiscordSignature(
  key: KeyObject,
  signatureHex: string,
  timestamp: string,
  body: Buffer,
): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex) || !timestamp) return false;
  try {
    return verify(
      null,
      Buffer.concat([Buffer.from(timestamp, "utf8"), body]),
      key,
      Buffer.from(signatureHex, "hex"),
    );
  } catch {
    return false;
  }
}

export const CONFIRMED_PREFIX = "ok|";
export const CANCEL_ID = "peerbot.cancel";

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

interface RawUser {
  id: string;
  username?: string;
  global_name?: string | null;
}
interface RawButton {
  type: number;
  custom_id?: string;
  label?: string;
  style?: number;
}
interface RawInteraction {
  id: string;
  type: number;
  token: string;
  application_id: string;
  channel_id?: string;
  channel?: { id: string };
  guild_id?: string;
  member?: { user: RawUser; roles?: string[] };
  user?: RawUser;
  data?: {
    name?: string;
    options?: { name: string; type: number; value?: unknown }[];
    custom_id?: string;
    component_type?: number;
  };
  message?: { id: string; channel_id?: string; flags?: number; components?: { components?: RawButton[] }[] };
}

type Answer = { status: number; body: unknown };

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

const sleep = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());

export async function startDiscord(opts: DiscordPlatformOptions): Promise<DiscordPlatform> {
  const key = discordPublicKey(opts.publicKey);
  const rest = new REST({ version: "10", ...(opts.apiUrl ? { api: opts.apiUrl } : {}) }).setToken(opts.token);
  const log = opts.log;
  const commands = opts.commands ?? DEFAULT_DISCORD_COMMANDS;
  const deferAfter = opts.deferAfterMs ?? 2000;
  const maxSkew = opts.maxSkewSeconds ?? 300;
  const endpoint = opts.path ?? "/interactions";

  const render = (reply: Reply): DiscordMessage => {
    const msg = renderDiscord(reply);
    assertDiscordLimits(msg);
    return msg;
  };

  const run = async (inv: Invocation): Promise<Reply> => {
    try {
      return await opts.handle(inv);
    } catch (err) {
      log.error("discord: command failed", { err });
      return { kind: "error", text: "Something went wrong; it has been logged.", ephemeral: true };
    }
  };

  const posted = async (reply: Reply, ref: MessageRef): Promise<void> => {
    try {
      await opts.posted?.(reply, ref);
    } catch (err) {
      log.error("discord: recording the posted message failed", { err });
    }
  };

  const actorOf = (i: RawInteraction): Actor => {
    const user = i.member?.user ?? i.user;
    return {
      platform: "discord",
      userId: user?.id ?? "",
      userName: user?.global_name || user?.username || user?.id || "",
      groupIds: i.member?.roles ?? [],
    };
  };

  const original = (i: RawInteraction) => Routes.webhookMessage(i.application_id, i.token, "@original");

  /**
   * POSTs a follow-up message with the interaction's token. Right after our HTTP answer Discord
   * may not have set the interaction up yet: an "Unknown Webhook" is retried a few times.
   */
  const postFollowUp = async (
    i: RawInteraction,
    body: Record<string, unknown>,
    files: RawFile[],
  ): Promise<{ id?: string; channel_id?: string }> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await rest.post(Routes.webhook(i.application_id, i.token), { body, files, auth: false })) as {
          id?: string;
          channel_id?: string;
        };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (attempt >= 4 || (code !== 10015 && code !== 10062)) throw err;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  };

  /** Posts a reply's follow-ups as follow-up messages of the interaction, each reported to `posted`. */
  const followUps = async (i: RawInteraction, reply: Reply): Promise<void> => {
    for (const f of reply.followUps ?? []) {
      try {
        const { body, files } = discordBody(render(f), { ephemeral: f.ephemeral });
        const res = await postFollowUp(i, body, files);
        if (!f.ephemeral && res?.id) {
          await posted(f, {
            platform: "discord",
            channel: res.channel_id ?? i.channel_id ?? "",
            messageId: res.id,
          });
        }
      } catch (err) {
        log.error("discord: posting a follow-up failed", { err });
      }
      await followUps(i, f);
    }
  };

  /** Sends the reply after a deferred answer: edit the placeholder (or, ephemeral, follow up). */
  const finishDeferred = async (i: RawInteraction, reply: Reply, replaceSource: boolean): Promise<void> => {
    const msg = render(reply);
    if (reply.ephemeral && !replaceSource) {
      await rest.delete(original(i), { auth: false }).catch(() => {});
    }
    if (reply.ephemeral) {
      const { body, files } = discordBody(msg, { ephemeral: true });
      await postFollowUp(i, body, files);
    } else {
      const { body, files } = discordBody(msg, { edit: true });
      const res = (await rest.patch(original(i), { body, files, auth: false })) as {
        id?: string;
        channel_id?: string;
      };
      if (res?.id) {
        await posted(reply, {
          platform: "discord",
          channel: res.channel_id ?? i.channel_id ?? "",
          messageId: res.id,
        });
      }
    }
    await followUps(i, reply);
  };

  /**
   * Runs an invocation, answering in time: at once when it is quick and simple, else deferred
   * (`replaceSource`: a pagination press, whose message is replaced).
   */
  const answerWith = async (i: RawInteraction, inv: Invocation, replaceSource: boolean): Promise<Answer> => {
    const work = run(inv);
    const quick = await Promise.race([work, sleep(deferAfter)]);
    if (quick !== "timeout") {
      const msg = render(quick);
      // Files, tracking and follow-ups need the message to exist first: those are deferred.
      const simple = !msg.attachments.length && !quick.track && !quick.followUps?.length;
      if (simple && quick.ephemeral) {
        const { body } = discordBody(msg, { ephemeral: true });
        return { status: 200, body: { type: InteractionResponseType.ChannelMessageWithSource, data: body } };
      }
      if (simple) {
        const { body } = discordBody(msg, { edit: replaceSource });
        return {
          status: 200,
          body: {
            type: replaceSource
              ? InteractionResponseType.UpdateMessage
              : InteractionResponseType.ChannelMessageWithSource,
            data: body,
          },
        };
      }
    }
    // Deferred: the placeholder now, the reply when it is ready.
    background(async () => finishDeferred(i, await work, replaceSource));
    return {
      status: 200,
      body: {
        type: replaceSource
          ? InteractionResponseType.DeferredMessageUpdate
          : InteractionResponseType.DeferredChannelMessageWithSource,
      },
    };
  };

  const background = (task: () => Promise<void>): void => {
    // After the HTTP answer has gone out.
    setImmediate(() => {
      task().catch((err: unknown) => log.error("discord: sending the reply failed", { err }));
    });
  };

  const onCommand = async (i: RawInteraction): Promise<Answer> => {
    const name = i.data?.name ?? "";
    const prefix = commands[name];
    if (prefix === undefined) {
      return reply(i, { kind: "error", text: `Unknown command /${name}.`, ephemeral: true });
    }
    const args = (i.data?.options ?? [])
      .filter((o) => typeof o.value === "string" || typeof o.value === "number")
      .map((o) => String(o.value).trim())
      .filter(Boolean);
    const text = [prefix, ...args].filter(Boolean).join(" ");
    return answerWith(i, { actor: actorOf(i), channel: i.channel_id ?? i.channel?.id ?? "", text }, false);
  };

  /** An immediate reply (type 4). */
  const reply = (_i: RawInteraction, r: Reply): Answer => {
    const { body } = discordBody(render(r), { ephemeral: r.ephemeral });
    return { status: 200, body: { type: InteractionResponseType.ChannelMessageWithSource, data: body } };
  };

  const onComponent = async (i: RawInteraction): Promise<Answer> => {
    const customId = i.data?.custom_id ?? "";
    const channel = i.channel_id ?? i.message?.channel_id ?? i.channel?.id ?? "";
    const sourceEphemeral = ((i.message?.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    const sourceRef: MessageRef | undefined =
      i.message && !sourceEphemeral ? { platform: "discord", channel, messageId: i.message.id } : undefined;

    if (customId === CANCEL_ID) {
      return {
        status: 200,
        body: {
          type: InteractionResponseType.UpdateMessage,
          data: { content: "Cancelled.", embeds: [], components: [] },
        },
      };
    }
    if (customId.startsWith(CONFIRMED_PREFIX)) {
      // "ok|<message id>|<action id>" from our own prompt.
      const rest1 = customId.slice(CONFIRMED_PREFIX.length);
      const bar = rest1.indexOf("|");
      const messageId = bar > 0 ? rest1.slice(0, bar) : "";
      const actionId = rest1.slice(bar + 1);
      const inv: Invocation = {
        actor: actorOf(i),
        channel,
        action: actionId,
        ...(messageId ? { messageRef: { platform: "discord", channel, messageId } } : {}),
      };
      background(async () => {
        const r = await run(inv);
        const msg = render(r);
        const { body, files } = discordBody(msg, { ephemeral: r.ephemeral });
        const res = await postFollowUp(i, body, files);
        if (!r.ephemeral && res?.id) {
          await posted(r, { platform: "discord", channel: res.channel_id ?? channel, messageId: res.id });
        }
        await followUps(i, r);
      });
      return {
        status: 200,
        body: {
          type: InteractionResponseType.UpdateMessage,
          data: { content: "Confirmed.", components: [] },
        },
      };
    }

    const parsed = parseDiscordCustomId(customId);
    if (parsed.confirm) {
      const pressed = (i.message?.components ?? [])
        .flatMap((r) => r.components ?? [])
        .find((b) => b.custom_id === customId);
      const label = pressed?.label ?? parsed.actionId;
      const withRef = `${CONFIRMED_PREFIX}${sourceRef?.messageId ?? ""}|${parsed.actionId}`;
      const okId = withRef.length <= 100 ? withRef : `${CONFIRMED_PREFIX}|${parsed.actionId}`;
      return {
        status: 200,
        body: {
          type: InteractionResponseType.ChannelMessageWithSource,
          data: {
            flags: MessageFlags.Ephemeral,
            content: `**${discordMarkdownEscape(label)}**: are you sure?`,
            allowed_mentions: { parse: [] },
            components: [
              {
                type: 1,
                components: [
                  {
                    type: 2,
                    style:
                      pressed?.style === DISCORD_BUTTON_STYLE.danger
                        ? DISCORD_BUTTON_STYLE.danger
                        : DISCORD_BUTTON_STYLE.primary,
                    label: cut(label, 80),
                    custom_id: okId,
                  },
                  { type: 2, style: DISCORD_BUTTON_STYLE.secondary, label: "Cancel", custom_id: CANCEL_ID },
                ],
              },
            ],
          },
        },
      };
    }
    const inv: Invocation = {
      actor: actorOf(i),
      channel,
      action: parsed.actionId,
      ...(sourceRef ? { messageRef: sourceRef } : {}),
    };
    return answerWith(i, inv, parsed.page);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (a: Answer): void => {
      res.statusCode = a.status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(a.body));
    };
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "POST" || url.pathname !== endpoint)
      return send({ status: 404, body: { error: "not found" } });
    const body = await readBody(req, 1_000_000);
    if (!body) return send({ status: 413, body: { error: "too large" } });
    const sig = String(req.headers["x-signature-ed25519"] ?? "");
    const ts = String(req.headers["x-signature-timestamp"] ?? "");
    const skew = Math.abs(Date.now() / 1000 - Number(ts));
    if (!verifyDiscordSignature(key, sig, ts, body) || !(skew <= maxSkew)) {
      log.warn("discord: refused a request with a bad signature");
      return send({ status: 401, body: { error: "invalid request signature" } });
    }
    let i: RawInteraction;
    try {
      i = JSON.parse(body.toString("utf8")) as RawInteraction;
    } catch {
      return send({ status: 400, body: { error: "bad json" } });
    }
    if (i.type === InteractionType.Ping)
      return send({ status: 200, body: { type: InteractionResponseType.Pong } });
    if (i.type === InteractionType.ApplicationCommand) return send(await onCommand(i));
    if (i.type === InteractionType.MessageComponent) return send(await onComponent(i));
    return send({ status: 400, body: { error: "unsupported interaction type" } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error("discord: interaction failed", { err });
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 3001, opts.host ?? "0.0.0.0", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info("discord: interactions endpoint listening", { port, path: endpoint });

  const notifier: Notifier = {
    update: async (ref, r) => {
      const { body, files } = discordBody(render(r), { edit: true });
      await rest.patch(Routes.channelMessage(ref.channel, ref.messageId), { body, files });
    },
    post: async (where, r) => {
      // A Discord thread is a channel of its own.
      const channel = where.threadId ?? where.channel;
      const send = async (x: Reply): Promise<MessageRef> => {
        const { body, files } = discordBody(render(x));
        const res = (await rest.post(Routes.channelMessages(channel), { body, files })) as { id: string };
        return { platform: "discord", channel, messageId: res.id };
      };
      const ref = await send(r);
      const more = async (x: Reply): Promise<void> => {
        for (const f of x.followUps ?? []) {
          await posted(f, await send(f));
          await more(f);
        }
      };
      await more(r);
      return ref;
    },
  };

  return {
    port,
    rest,
    notifier,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}

/**
 * A notifier for a process that runs no interactions endpoint (`peerbot worker`): jobs there
 * edit and post channel messages through the REST API alone.
 */
export function discordNotifier(opts: { token: string; apiUrl?: string }): Notifier {
  const rest = new REST({ version: "10", ...(opts.apiUrl ? { api: opts.apiUrl } : {}) }).setToken(opts.token);
  const render = (reply: Reply) => {
    const msg = renderDiscord(reply);
    assertDiscordLimits(msg);
    return msg;
  };
  return {
    update: async (ref, r) => {
      const { body, files } = discordBody(render(r), { edit: true });
      await rest.patch(Routes.channelMessage(ref.channel, ref.messageId), { body, files });
    },
    post: async (where, r) => {
      const channel = where.threadId ?? where.channel;
      const { body, files } = discordBody(render(r));
      const res = (await rest.post(Routes.channelMessages(channel), { body, files })) as { id: string };
      return { platform: "discord", channel, messageId: res.id };
    },
  };
}
