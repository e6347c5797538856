// What peerbot does with a Discord interaction, wherever it came from (receiver.ts): slash
// commands and button presses become Invocations, and their Replies go out through the shared
// delivery (../delivery.ts), partly as the interaction response and partly over the REST API
// with the interaction's token.
//
//   /peerbot line:<text>   any command line;   /peer <args>, /peers <args>: shortcuts
//   buttons                custom_id as made by renderDiscord (see render.ts)
//
// Answering (Discord wants the first answer within 3 s):
//   - a command that finishes within `deferAfterMs` (2 s) and has no files, no `track` and no
//     follow-ups is answered at once: type 4 (a new message, ephemeral when the reply is), or
//     type 7 for a pagination button (the message is replaced in place)
//   - otherwise the answer is deferred (type 5, or type 6 for pagination) and the reply
//     follows by PATCH /webhooks/{app}/{token}/messages/@original, with its files; the PATCH
//     returns the message id, which is reported to `posted`. A deferred reply that turns out
//     ephemeral replaces the placeholder with an ephemeral follow-up.
//   - a button whose custom_id starts with "confirm|" is not run: the user gets an ephemeral
//     prompt "<label>: are you sure?" with a button that runs it ("ok|<message id>|<action id>")
//     and "Cancel".
//   - Reply.followUps: each sent after the reply as a follow-up message of the interaction,
//     each reported to `posted` (ephemeral ones are not: nobody can edit them later)
//   - when Discord refuses a deferred reply, the user gets one sentence in an ephemeral follow-up
// Who: the Discord user id and, in a server, the member's role ids.
import { InteractionResponseType, InteractionType, MessageFlags, Routes, type REST } from "discord.js";
import type { RawFile } from "discord.js";
import type { Invocation } from "../../commands/registry.js";
import type { MessageRef } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import { answer, type PlatformDeps } from "../chat-platform.js";
import { FAILED_TEXT, refusal, type Delivery, type Outlet, type Prepared } from "../delivery.js";
import { cut } from "../render-util.js";
import { discordBody, renderDiscordChecked } from "./notifier.js";
import type { DiscordInteraction, InteractionHandler, InteractionResponse } from "./receiver.js";
import {
  discordMarkdownEscape,
  DISCORD_BUTTON_STYLE,
  parseDiscordCustomId,
  type DiscordMessage,
} from "./render.js";

export const CONFIRMED_PREFIX = "ok|";
export const CANCEL_ID = "peerbot.cancel";

export interface DiscordInteractionDeps extends PlatformDeps {
  /** REST client; webhook routes use the interaction's token, not the bot token. */
  rest: REST;
  delivery: Delivery;
  /** Slash command -> command-line prefix. */
  commands: Record<string, string>;
  /** Defer when the command has not answered after this long (ms). */
  deferAfterMs: number;
}

const sleep = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());

/** What Discord said, when it said no: its error code (50035), or the HTTP status. */
function discordErrorCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown } | undefined;
  if (typeof e?.code === "number") return e.code;
  return typeof e?.status === "number" ? e.status : undefined;
}

export function discordInteractions(deps: DiscordInteractionDeps): InteractionHandler {
  const { rest, delivery, log, commands } = deps;

  const actorOf = (i: DiscordInteraction): Actor => {
    const user = i.member?.user ?? i.user;
    return {
      platform: "discord",
      userId: user?.id ?? "",
      userName: user?.global_name || user?.username || user?.id || "",
      groupIds: i.member?.roles ?? [],
    };
  };

  /** The server it came from (none in a direct message). */
  const originOf = (i: DiscordInteraction): Pick<Invocation, "origin"> =>
    typeof i.guild_id === "string" ? { origin: { guild: i.guild_id } } : { origin: {} };

  const channelOf = (i: DiscordInteraction): string =>
    i.channel_id ?? i.message?.channel_id ?? i.channel?.id ?? "";

  const original = (i: DiscordInteraction) => Routes.webhookMessage(i.application_id, i.token, "@original");

  const refOf = (i: DiscordInteraction, res: { id?: string; channel_id?: string } | undefined) =>
    res?.id
      ? ({
          platform: "discord",
          channel: res.channel_id ?? channelOf(i),
          messageId: res.id,
        } satisfies MessageRef)
      : undefined;

  /**
   * POSTs a follow-up message with the interaction's token. Right after our answer Discord may
   * not have set the interaction up yet: an "Unknown Webhook" is retried a few times.
   */
  const postFollowUp = async (
    i: DiscordInteraction,
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

  /** A follow-up message of the interaction; only a public one can be updated later. */
  const followUp = async (i: DiscordInteraction, msg: DiscordMessage, reply: Reply) => {
    const { body, files } = discordBody(msg, { ephemeral: reply.ephemeral });
    const res = await postFollowUp(i, body, files);
    return reply.ephemeral ? undefined : refOf(i, res);
  };

  /** Every message of the reply as a follow-up of the interaction (after a confirm prompt). */
  const followUpOutlet = (i: DiscordInteraction): Outlet<DiscordMessage> => ({
    render: renderDiscordChecked,
    first: (msg, reply) => followUp(i, msg, reply),
    next: (msg, reply) => followUp(i, msg, reply),
  });

  /** After a deferred answer: the reply edits the placeholder (or, ephemeral, follows up). */
  const deferredOutlet = (i: DiscordInteraction, replaceSource: boolean): Outlet<DiscordMessage> => ({
    render: renderDiscordChecked,
    first: async (msg, reply) => {
      if (reply.ephemeral) {
        if (!replaceSource) await rest.delete(original(i), { auth: false }).catch(() => {});
        await followUp(i, msg, reply);
        return undefined;
      }
      const { body, files } = discordBody(msg, { edit: true });
      return refOf(
        i,
        (await rest.patch(original(i), { body, files, auth: false })) as { id?: string; channel_id?: string },
      );
    },
    next: (msg, reply) => followUp(i, msg, reply),
  });

  /** Sends in the background, after the interaction response has gone out. */
  const background = (i: DiscordInteraction, task: () => Promise<unknown>): void => {
    setImmediate(() => {
      task().catch(async (err: unknown) => {
        log.error("discord: sending the reply failed", { err });
        const code = discordErrorCode(err);
        const text = code !== undefined ? refusal("discord", code) : FAILED_TEXT;
        await postFollowUp(
          i,
          { content: text, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
          [],
        ).catch((e: unknown) => log.warn("discord: could not tell the user", { err: e }));
      });
    });
  };

  /** An immediate answer (type 4, or type 7 in place of the pressed message). */
  const immediate = (p: Prepared<DiscordMessage>, replaceSource: boolean): InteractionResponse => {
    if (p.reply.ephemeral) {
      const { body } = discordBody(p.msg, { ephemeral: true });
      return { type: InteractionResponseType.ChannelMessageWithSource, data: body };
    }
    const { body } = discordBody(p.msg, { edit: replaceSource });
    return {
      type: replaceSource
        ? InteractionResponseType.UpdateMessage
        : InteractionResponseType.ChannelMessageWithSource,
      data: body,
    };
  };

  const failed = (): InteractionResponse => ({
    type: InteractionResponseType.ChannelMessageWithSource,
    data: { content: FAILED_TEXT, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
  });

  /**
   * Runs an invocation, answering in time: at once when it is quick and simple, else deferred
   * (`replaceSource`: a pagination press, whose message is replaced).
   */
  const answerWith = async (
    i: DiscordInteraction,
    inv: Invocation,
    replaceSource: boolean,
  ): Promise<InteractionResponse> => {
    const work = answer(deps, "discord", inv);
    const outlet = deferredOutlet(i, replaceSource);
    const quick = await Promise.race([work, sleep(deps.deferAfterMs)]);
    if (quick !== "timeout") {
      let p: Prepared<DiscordMessage>;
      try {
        p = delivery.prepare(outlet, quick);
      } catch (err) {
        log.error("discord: the reply could not be drawn", { err });
        return failed();
      }
      // Files, tracking and follow-ups need the message to exist first: those are deferred.
      if (!p.msg.attachments.length && !p.reply.track && !p.reply.followUps?.length)
        return immediate(p, replaceSource);
      background(i, () => delivery.send(outlet, p));
    } else background(i, async () => delivery.deliver(outlet, await work));
    // Deferred: the placeholder now, the reply when it is ready.
    return {
      type: replaceSource
        ? InteractionResponseType.DeferredMessageUpdate
        : InteractionResponseType.DeferredChannelMessageWithSource,
    };
  };

  const onCommand = async (i: DiscordInteraction): Promise<InteractionResponse> => {
    const name = i.data?.name ?? "";
    const prefix = commands[name];
    if (prefix === undefined) {
      const p = delivery.prepare(followUpOutlet(i), {
        kind: "error",
        text: `Unknown command /${name}.`,
        ephemeral: true,
      });
      return immediate(p, false);
    }
    const args = (i.data?.options ?? [])
      .filter((o) => typeof o.value === "string" || typeof o.value === "number")
      .map((o) => String(o.value).trim())
      .filter(Boolean);
    const text = [prefix, ...args].filter(Boolean).join(" ");
    return answerWith(i, { actor: actorOf(i), ...originOf(i), channel: channelOf(i), text }, false);
  };

  /** The ephemeral "are you sure?" prompt of a confirm button. */
  const confirmPrompt = (
    i: DiscordInteraction,
    customId: string,
    actionId: string,
    sourceRef?: MessageRef,
  ) => {
    const pressed = (i.message?.components ?? [])
      .flatMap((r) => r.components ?? [])
      .find((b) => b.custom_id === customId);
    const label = pressed?.label ?? actionId;
    const withRef = `${CONFIRMED_PREFIX}${sourceRef?.messageId ?? ""}|${actionId}`;
    const okId = withRef.length <= 100 ? withRef : `${CONFIRMED_PREFIX}|${actionId}`;
    return {
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
    };
  };

  const onComponent = async (i: DiscordInteraction): Promise<InteractionResponse> => {
    const customId = i.data?.custom_id ?? "";
    const channel = channelOf(i);
    const sourceEphemeral = ((i.message?.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    const sourceRef: MessageRef | undefined =
      i.message && !sourceEphemeral ? { platform: "discord", channel, messageId: i.message.id } : undefined;

    if (customId === CANCEL_ID) {
      return {
        type: InteractionResponseType.UpdateMessage,
        data: { content: "Cancelled.", embeds: [], components: [] },
      };
    }
    if (customId.startsWith(CONFIRMED_PREFIX)) {
      // "ok|<message id>|<action id>" from our own prompt: run it, and answer in follow-ups.
      const rest1 = customId.slice(CONFIRMED_PREFIX.length);
      const bar = rest1.indexOf("|");
      const messageId = bar > 0 ? rest1.slice(0, bar) : "";
      const inv: Invocation = {
        actor: actorOf(i),
        ...originOf(i),
        channel,
        action: rest1.slice(bar + 1),
        ...(messageId ? { messageRef: { platform: "discord", channel, messageId } } : {}),
      };
      background(i, async () => delivery.deliver(followUpOutlet(i), await answer(deps, "discord", inv)));
      return {
        type: InteractionResponseType.UpdateMessage,
        data: { content: "Confirmed.", components: [] },
      };
    }

    const parsed = parseDiscordCustomId(customId);
    if (parsed.confirm) return confirmPrompt(i, customId, parsed.actionId, sourceRef);
    const inv: Invocation = {
      actor: actorOf(i),
      ...originOf(i),
      channel,
      action: parsed.actionId,
      ...(sourceRef ? { messageRef: sourceRef } : {}),
    };
    return answerWith(i, inv, parsed.page);
  };

  return async (i) => {
    if (i.type === InteractionType.ApplicationCommand) return onCommand(i);
    if (i.type === InteractionType.MessageComponent) return onComponent(i);
    return undefined;
  };
}
