// What peerbot does with a Discord interaction, wherever it came from (receiver.ts): slash
// commands and button presses become Invocations, and their Replies go out through the shared
// delivery (../delivery.ts), partly as the interaction response and partly over the REST API
// with the interaction's token.
//
//   /peerbot line:<text>   any command line;   /peer <args>, /peers <args>: shortcuts
//   buttons                custom_id as made by renderDiscord (see render.ts)
//
// Answering (Discord wants the first answer within 3 s):
//   - a command that finishes within `deferAfterMs` (DISCORD_DEFER_AFTER, 50 ms by default) and
//     has no files, no `track` and no follow-ups is answered at once: type 4 (a new message,
//     ephemeral when the reply is), or type 7 for a pagination button (the message is replaced
//     in place)
//   - otherwise the answer is deferred (type 5, or type 6 for pagination) and the reply
//     follows by PATCH /webhooks/{app}/{token}/messages/@original, with its files; the PATCH
//     returns the message id, which is reported to `posted`. A deferred reply that turns out
//     ephemeral replaces the placeholder with an ephemeral follow-up.
//   - a button whose custom_id starts with "confirm|" is not run: the user gets an ephemeral
//     prompt "<label>: are you sure?" with a button that runs it and "Cancel". The button's
//     custom_id, "ok|<message id>|<token>|<action id>", carries a one-time token issued with the
//     prompt: an HMAC over the user, the message and the action, with its expiry
//     (`confirmTtlMs`, 10 minutes), claimed once ("confirm:<token>" in the OnceStore). A press
//     without a valid unclaimed token for that user and action runs nothing: it is refused in
//     one sentence and audited (commands/confirm.ts). When the action id is too long to travel
//     with the token, the prompt keeps it in this process's memory and the custom_id carries
//     none ("ok|<message id>|<token>|").
//   - a reply with a form (core/reply.ts Form) to a command or a press is answered with a modal
//     (type 9, "form|<action id>", text inputs named by field); its MODAL_SUBMIT (interaction
//     type 5) runs the action with the values and is answered as a press is. A form that cannot
//     be shown (a deferred answer, over Discord's limits) gives way to the reply's text.
//   - Reply.followUps: each sent after the reply as a follow-up message of the interaction,
//     each reported to `posted` (ephemeral ones are not: nobody can edit them later)
//   - when Discord refuses a deferred reply, the user gets one sentence in an ephemeral follow-up
// Who: the Discord user id and, in a server, the member's role ids.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { InteractionResponseType, InteractionType, MessageFlags, Routes, type REST } from "discord.js";
import type { RawFile } from "discord.js";
import { confirmRefusedAction, type ConfirmRefusal } from "../../commands/confirm.js";
import type { Invocation } from "../../commands/registry.js";
import type { MessageRef } from "../../core/ports.js";
import type { Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import { answer, type PlatformDeps } from "../chat-platform.js";
import { FAILED_TEXT, refusal, type Delivery, type Outlet, type Prepared } from "../delivery.js";
import { MemoryOnceStore, type OnceStore } from "../once.js";
import { cut, MessageRenderError } from "../render-util.js";
import { discordBody, renderDiscordChecked } from "./notifier.js";
import type { DiscordInteraction, InteractionHandler, InteractionResponse } from "./receiver.js";
import {
  discordFormValues,
  discordMarkdownEscape,
  DISCORD_BUTTON_STYLE,
  FORM_PREFIX,
  parseDiscordCustomId,
  renderDiscordModal,
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
  /** Where confirmation tokens are claimed once; default: this process's memory. */
  once?: OnceStore;
  /**
   * What confirmation tokens are signed with (the bot token will do: every process serving the
   * application has it). Default: a random key of this process, so a prompt is confirmed only
   * by the process that showed it.
   */
  confirmSecret?: string;
  /** How long a confirmation prompt may be answered (ms). Default 10 minutes. */
  confirmTtlMs?: number;
}

/** A confirmation token: nonce, expiry (unix seconds, base 36) and MAC, dot-separated. */
const TOKEN = /^([A-Za-z0-9_-]{11})\.([0-9a-z]{1,8})\.([A-Za-z0-9_-]{14})$/;

/** Where a form's answer is kept apart from a typed or pressed one. */
const withoutForm = (r: Reply): Reply => ({ ...r, form: undefined, formErrors: undefined });

const sleep = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());

/** What Discord said, when it said no: its error code (50035), or the HTTP status. */
function discordErrorCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown } | undefined;
  if (typeof e?.code === "number") return e.code;
  return typeof e?.status === "number" ? e.status : undefined;
}

export function discordInteractions(deps: DiscordInteractionDeps): InteractionHandler {
  const { rest, delivery, log, commands } = deps;
  const once = deps.once ?? new MemoryOnceStore();
  const confirmKey = createHmac("sha256", "peerbot discord confirmation")
    .update(deps.confirmSecret ?? randomBytes(32))
    .digest();
  const confirmTtl = deps.confirmTtlMs ?? 10 * 60_000;
  /** Actions of prompts whose custom_id could not carry them, by nonce (this process only). */
  const held = new Map<string, { actionId: string; until: number }>();

  const mac = (nonce: string, exp: string, userId: string, messageId: string, actionId: string) =>
    createHmac("sha256", confirmKey)
      .update([nonce, exp, userId, messageId, actionId].join("\n"))
      .digest("base64url")
      .slice(0, 14);

  /** A new token for `userId` to confirm `actionId` pressed on message `messageId`. */
  const issueToken = (userId: string, messageId: string, actionId: string) => {
    const nonce = randomBytes(8).toString("base64url");
    const until = Date.now() + confirmTtl;
    const exp = Math.ceil(until / 1000).toString(36);
    return { token: `${nonce}.${exp}.${mac(nonce, exp, userId, messageId, actionId)}`, nonce, until };
  };

  /**
   * Checks a confirmation and claims its token: undefined when the press may run, else why
   * not. `actionId` is "" when the prompt kept it in this process (`held`).
   */
  const claimToken = async (
    token: string,
    userId: string,
    messageId: string,
    actionId: string,
  ): Promise<{ refused?: ConfirmRefusal; actionId: string }> => {
    const m = TOKEN.exec(token);
    if (!m) return { refused: "missing", actionId };
    const [, nonce, exp, sig] = m as unknown as [string, string, string, string];
    const action = actionId || held.get(nonce)?.actionId || "";
    if (!action) return { refused: "expired", actionId };
    const want = mac(nonce, exp, userId, messageId, action);
    if (sig.length !== want.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(want)))
      return { refused: "forged", actionId: action };
    const until = parseInt(exp, 36) * 1000;
    if (!(until > Date.now())) return { refused: "expired", actionId: action };
    if (!(await once.claim(`confirm:${token}`, until - Date.now() + 60_000)))
      return { refused: "replayed", actionId: action };
    held.delete(nonce);
    return { actionId: action };
  };

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
    modalAllowed = true,
  ): Promise<InteractionResponse> => {
    // When every command slot is taken this one waits its turn before it even starts: no
    // point in holding the acknowledgement for it (the 50 ms budget plus a busy event loop
    // made the p99 of acks 110 ms under load).
    const busy = deps.busy?.() === true;
    const work = answer(deps, "discord", inv);
    const outlet = deferredOutlet(i, replaceSource);
    const quick = busy ? "timeout" : await Promise.race([work, sleep(deps.deferAfterMs)]);
    if (quick !== "timeout") {
      if (quick.form && modalAllowed) {
        try {
          return { type: InteractionResponseType.Modal, data: { ...renderDiscordModal(quick.form) } };
        } catch (err) {
          if (!(err instanceof MessageRenderError)) throw err;
          log.warn("discord: the form cannot be shown; answering without it", { err: err.message });
        }
      }
      let p: Prepared<DiscordMessage>;
      try {
        p = delivery.prepare(outlet, withoutForm(quick));
      } catch (err) {
        log.error("discord: the reply could not be drawn", { err });
        return failed();
      }
      // Files, tracking and follow-ups need the message to exist first: those are deferred.
      if (!p.msg.attachments.length && !p.reply.track && !p.reply.followUps?.length)
        return immediate(p, replaceSource);
      background(i, () => delivery.send(outlet, p));
    } else background(i, async () => delivery.deliver(outlet, withoutForm(await work)));
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

  /**
   * The ephemeral "are you sure?" prompt of a confirm button, whose button carries a new
   * one-time token for this user, message and action.
   */
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
    const userId = actorOf(i).userId;
    const okIdFor = (messageId: string, carried: boolean) => {
      const t = issueToken(userId, messageId, actionId);
      return { ...t, id: `${CONFIRMED_PREFIX}${messageId}|${t.token}|${carried ? actionId : ""}` };
    };
    let ok = okIdFor(sourceRef?.messageId ?? "", true);
    if (ok.id.length > 100) ok = okIdFor("", true);
    if (ok.id.length > 100) {
      // Too long to travel with the token: this process keeps the action until the token expires.
      ok = okIdFor(sourceRef?.messageId ?? "", false);
      for (const [k, v] of held) if (v.until <= Date.now()) held.delete(k);
      held.set(ok.nonce, { actionId, until: ok.until });
    }
    const okId = ok.id;
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
      // "ok|<message id>|<token>|<action id>" from our own prompt: run it once, for the user it
      // was shown to, and answer in follow-ups. Anything else runs nothing and is audited.
      const rest1 = customId.slice(CONFIRMED_PREFIX.length);
      const bar = rest1.indexOf("|");
      const messageId = bar >= 0 ? rest1.slice(0, bar) : "";
      const rest2 = rest1.slice(bar + 1);
      const bar2 = rest2.indexOf("|");
      const hasToken = bar2 >= 0 && TOKEN.test(rest2.slice(0, bar2));
      const token = hasToken ? rest2.slice(0, bar2) : "";
      const actor = actorOf(i);
      let checked: { refused?: ConfirmRefusal; actionId: string };
      try {
        checked = await claimToken(token, actor.userId, messageId, hasToken ? rest2.slice(bar2 + 1) : rest2);
      } catch (err) {
        log.error("discord: a confirmation could not be checked; nothing was run", { err });
        return failed();
      }
      if (checked.refused) {
        log.warn("discord: refused a confirmation", { why: checked.refused, user: actor.userId });
        const refusal: Invocation = {
          actor,
          ...originOf(i),
          channel,
          action: confirmRefusedAction(checked.refused, checked.actionId),
        };
        return answerWith(i, refusal, false, false);
      }
      const inv: Invocation = {
        actor,
        ...originOf(i),
        channel,
        action: checked.actionId,
        ...(messageId ? { messageRef: { platform: "discord", channel, messageId } } : {}),
      };
      background(i, async () =>
        delivery.deliver(followUpOutlet(i), withoutForm(await answer(deps, "discord", inv))),
      );
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

  /** A modal's submission: its action with the values, answered as a press is (no modal again). */
  const onModalSubmit = async (i: DiscordInteraction): Promise<InteractionResponse> => {
    const customId = i.data?.custom_id ?? "";
    const channel = channelOf(i);
    const sourceEphemeral = ((i.message?.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
    const inv: Invocation = {
      actor: actorOf(i),
      ...originOf(i),
      channel,
      // Not one of peerbot's forms: the dispatcher answers that it does nothing.
      action: customId.startsWith(FORM_PREFIX) ? customId.slice(FORM_PREFIX.length) : "form.unknown",
      values: discordFormValues((i.data as { components?: unknown } | undefined)?.components),
      ...(i.message && !sourceEphemeral
        ? { messageRef: { platform: "discord", channel, messageId: i.message.id } }
        : {}),
    };
    return answerWith(i, inv, false, false);
  };

  return async (i) => {
    if (i.type === InteractionType.ApplicationCommand) return onCommand(i);
    if (i.type === InteractionType.MessageComponent) return onComponent(i);
    if (i.type === InteractionType.ModalSubmit) return onModalSubmit(i);
    return undefined;
  };
}
