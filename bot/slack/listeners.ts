// Slack's listeners: slash commands and button presses become Invocations, and their Replies
// become messages through the shared delivery (../delivery.ts). They know nothing of how the
// requests arrive: that is the Bolt receiver's part (platform.ts).
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
//   - Reply.followUps: each posted after the reply as a message of its own (in the same thread;
//     through the response_url when the reply went that way), each reported to `posted`
// A message sent through the response_url has its files sent to a DM with the user.
// A reply with a form (core/reply.ts Form) opens a modal instead (views.open with the request's
// trigger_id; private_metadata carries the action, the channel, the thread and the pressed
// message); when Slack does not take the trigger, the reply's text is answered instead. Its
// view_submission (app.view "peerbot.form") runs the action with the values; see below.
// When Slack refuses the answer, the user gets one sentence (../delivery.ts `refusal`).
//
// Who: the Slack user id, and the ids of the user groups the user belongs to (usergroups.list,
// cached; needs the usergroups:read scope, else groups are empty and a warning is logged once).
import type { AllMiddlewareArgs, App, RespondArguments, RespondFn } from "@slack/bolt";
import type { Invocation } from "../../commands/registry.js";
import type { MessageRef } from "../../core/ports.js";
import type { Form, Reply } from "../../core/reply.js";
import type { Actor } from "../../core/roles.js";
import { answer, type PlatformDeps } from "../chat-platform.js";
import { FAILED_TEXT, refusal, type Delivery, type Outlet } from "../delivery.js";
import { cut } from "../render-util.js";
import { CANT_POST, slackError, slackErrorCode, type SlackMessenger } from "./messenger.js";
import {
  renderSlackModal,
  slackActionId,
  slackFormValues,
  SLACK_FORM_CALLBACK,
  type SlackMessage,
} from "./render.js";

export interface SlackListenerDeps extends PlatformDeps {
  messenger: SlackMessenger;
  delivery: Delivery;
  /** Slash command -> command-line prefix. */
  commands: Record<string, string>;
}

function respondPayload(msg: SlackMessage, extra: Partial<RespondArguments>): RespondArguments {
  return { text: msg.text, blocks: msg.blocks, ...extra } as RespondArguments;
}

const EPHEMERAL: Partial<RespondArguments> = { response_type: "ephemeral", replace_original: false };
const IN_CHANNEL: Partial<RespondArguments> = { response_type: "in_channel", replace_original: false };

/** Where the answer to one slash command or button press goes. */
interface AnswerPlace {
  /** The channel ("" when the payload names none). */
  channel: string;
  /** Follow-ups and button answers go in this thread. */
  threadTs?: string;
  userId: string;
  respond: RespondFn;
  /** A pagination press: the reply replaces this message (through the response_url when it has no ref). */
  replaces?: { ref?: MessageRef };
  /** The message whose button was pressed (a form opened from it reports it with the submission). */
  source?: MessageRef;
}

/** The Outlet of one answer: chat.postMessage in the channel, else the response_url. */
function answerOutlet(deps: SlackListenerDeps, place: AnswerPlace): Outlet<SlackMessage> {
  const m = deps.messenger;
  // Once the channel refused the bot, the follow-ups go where the reply went.
  let throughResponseUrl = false;
  const viaResponseUrl = async (msg: SlackMessage, how: Partial<RespondArguments>): Promise<undefined> => {
    await place.respond(respondPayload(msg, how));
    await m.uploadToUser(place.userId, msg);
    return undefined;
  };
  return {
    render: (reply) => m.render(reply),
    first: async (msg, reply) => {
      if (place.replaces && !reply.ephemeral) {
        const ref = place.replaces.ref;
        if (ref) {
          await m.update(ref, msg);
          return ref;
        }
        await place.respond(respondPayload(msg, { replace_original: true }));
        return undefined;
      }
      if (reply.ephemeral || !place.channel) return viaResponseUrl(msg, EPHEMERAL);
      try {
        return await m.post(place.channel, msg, place.threadTs);
      } catch (err) {
        const code = slackError(err);
        if (!CANT_POST.has(code)) throw err;
        deps.log.info("slack: cannot post in the channel, answering through the response_url", { code });
        throughResponseUrl = true;
        return viaResponseUrl(msg, IN_CHANNEL);
      }
    },
    next: async (msg, reply) => {
      if (reply.ephemeral || !place.channel) return viaResponseUrl(msg, EPHEMERAL);
      if (throughResponseUrl) return viaResponseUrl(msg, IN_CHANNEL);
      return m.post(place.channel, msg, place.threadTs);
    },
  };
}

type WebClient = AllMiddlewareArgs["client"];
type ModalView = Parameters<WebClient["views"]["open"]>[0]["view"];

/** What opens a modal: the request's trigger_id (valid for 3 s) and the Web API client. */
interface Trigger {
  id: string | undefined;
  client: WebClient;
}

/** Where a form was opened, carried through the modal's private_metadata. */
interface FormOrigin {
  /** The action its submit runs. */
  a: string;
  /** Channel, thread, and the message whose button opened it. */
  c: string;
  t?: string;
  m?: string;
  mt?: string;
}

function parseFormOrigin(raw: unknown): FormOrigin | undefined {
  if (typeof raw !== "string") return undefined;
  try {
    const o = JSON.parse(raw) as Partial<Record<keyof FormOrigin, unknown>>;
    if (typeof o.a !== "string" || !o.a || typeof o.c !== "string") return undefined;
    const opt = (v: unknown) => (typeof v === "string" && v ? v : undefined);
    const [t, m, mt] = [opt(o.t), opt(o.m), opt(o.mt)];
    return { a: o.a, c: o.c, ...(t ? { t } : {}), ...(m ? { m } : {}), ...(mt ? { mt } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Opens a reply's form as a modal with the press's (or slash command's) trigger_id. False when
 * it cannot be shown (no trigger, a trigger Slack no longer takes, a form over Slack's limits):
 * the reply is then answered without it.
 */
async function openForm(
  deps: SlackListenerDeps,
  place: AnswerPlace,
  form: Form,
  trigger: Trigger | undefined,
): Promise<boolean> {
  if (!trigger?.id) return false;
  const ref = place.replaces?.ref ?? place.source;
  const origin: FormOrigin = {
    a: form.action,
    c: place.channel,
    ...(place.threadTs ? { t: place.threadTs } : {}),
    ...(ref ? { m: ref.messageId, ...(ref.threadId ? { mt: ref.threadId } : {}) } : {}),
  };
  try {
    const view = renderSlackModal(form, JSON.stringify(origin));
    await trigger.client.views.open({ trigger_id: trigger.id, view: view as unknown as ModalView });
    return true;
  } catch (err) {
    deps.log.warn("slack: could not open the form; answering without it", {
      code: slackErrorCode(err) ?? (err instanceof Error ? err.message : String(err)),
    });
    return false;
  }
}

/** Delivers an answer; when Slack refuses it (or it cannot be drawn), the user gets one sentence. */
async function deliverAnswer(
  deps: SlackListenerDeps,
  place: AnswerPlace,
  inv: Invocation,
  trigger?: Trigger,
): Promise<void> {
  const reply = await answer(deps, "slack", inv);
  if (reply.form && (await openForm(deps, place, reply.form, trigger))) return;
  await deliverReply(deps, place, { ...reply, form: undefined, formErrors: undefined });
}

async function deliverReply(deps: SlackListenerDeps, place: AnswerPlace, reply: Reply): Promise<void> {
  try {
    await deps.delivery.deliver(answerOutlet(deps, place), reply);
  } catch (err) {
    const code = slackErrorCode(err);
    deps.log.error("slack: posting the reply failed", code ? { code } : { err });
    await place
      .respond({
        response_type: "ephemeral",
        replace_original: false,
        text: code ? refusal("slack", code) : FAILED_TEXT,
      })
      .catch(() => {});
  }
}

/** Where a request came from: the workspace and, on Enterprise Grid, the organisation. */
export function slackOrigin(team: string | undefined, enterprise: string | undefined): Invocation["origin"] {
  return { ...(team ? { team } : {}), ...(enterprise ? { enterprise } : {}) };
}

/** How long a form submission's action may take to answer in the modal itself (Slack allows 3 s). */
const FORM_ACK_MS = 2000;

const sleep = (ms: number) => new Promise<"timeout">((r) => setTimeout(() => r("timeout"), ms).unref());

/**
 * A stand-in for a response_url, which a form submission lacks: what would go through it is
 * posted with chat.postEphemeral (only the user sees it), or to the user's DM without a channel.
 */
function ephemeralTo(client: WebClient, channel: string, user: string): RespondFn {
  const post = async (m: string | RespondArguments): Promise<void> => {
    const msg = (typeof m === "string" ? { text: m } : m) as { text?: string; blocks?: unknown[] };
    const body = { text: msg.text ?? "", ...(msg.blocks ? { blocks: msg.blocks } : {}) } as { text: string };
    if (channel) await client.chat.postEphemeral({ channel, user, ...body });
    else await client.chat.postMessage({ channel: user, ...body });
  };
  return post as unknown as RespondFn;
}

export function registerSlackListeners(app: App, deps: SlackListenerDeps): void {
  const { messenger, commands } = deps;

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

  const names = Object.keys(commands);
  app.command(
    new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`),
    async ({ command, ack, respond, client }) => {
      await ack();
      const prefix = commands[command.command] ?? "";
      const text = [prefix, command.text.trim()].filter(Boolean).join(" ");
      const inv: Invocation = {
        actor: await actor(command.user_id, command.user_name as string | undefined),
        channel: command.channel_id,
        text,
        origin: slackOrigin(command.team_id, command.enterprise_id as string | undefined),
      };
      await deliverAnswer(deps, { channel: command.channel_id, userId: command.user_id, respond }, inv, {
        id: command.trigger_id,
        client,
      });
    },
  );

  app.action(/.*/, async ({ ack, body, action, respond, client }) => {
    await ack();
    if (body.type !== "block_actions" || !("action_id" in action)) return;
    const pressed = action as { action_id: string; block_id?: string; value?: string };
    const container = body.container as { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
    const channel = body.channel?.id ?? container.channel_id ?? "";
    const messageTs = body.message?.ts ?? container.message_ts;
    const threadTs = (body.message?.thread_ts as string | undefined) ?? messageTs;
    const ref: MessageRef | undefined =
      messageTs && !container.is_ephemeral
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
      action: slackActionId(pressed),
      ...(ref ? { messageRef: ref } : {}),
      origin: slackOrigin(
        body.team?.id ?? (body.user as { team_id?: string }).team_id,
        body.enterprise?.id ?? undefined,
      ),
    };
    await deliverAnswer(
      deps,
      {
        channel,
        ...(threadTs ? { threadTs } : {}),
        userId: body.user.id,
        respond,
        ...(pressed.block_id === "pagination" ? { replaces: ref ? { ref } : {} } : {}),
        ...(ref ? { source: ref } : {}),
      },
      inv,
      { id: body.trigger_id, client },
    );
  });

  // A form's submission. Slack wants the answer within 3 s: the action runs at once, and a
  // refusal that names fields within FORM_ACK_MS is shown under them in the modal
  // (response_action "errors"); anything else closes the modal and is answered in the channel
  // the form was opened from (public replies in the thread, the rest only to the user).
  app.view(SLACK_FORM_CALLBACK, async ({ ack, body, view, client }) => {
    const origin = parseFormOrigin(view.private_metadata);
    if (!origin) {
      deps.log.warn("slack: a form submission without peerbot's metadata was ignored");
      await ack();
      return;
    }
    const ref: MessageRef | undefined = origin.m
      ? {
          platform: "slack",
          channel: origin.c,
          messageId: origin.m,
          ...(origin.mt ? { threadId: origin.mt } : {}),
        }
      : undefined;
    const inv: Invocation = {
      actor: await actor(body.user.id, (body.user as { username?: string }).username, body.user.name),
      channel: origin.c,
      action: origin.a,
      values: slackFormValues(view.state),
      ...(ref ? { messageRef: ref } : {}),
      origin: slackOrigin(
        body.team?.id ?? (body.user as { team_id?: string }).team_id,
        body.enterprise?.id ?? undefined,
      ),
    };
    const work = answer(deps, "slack", inv);
    const quick = await Promise.race([work, sleep(FORM_ACK_MS)]);
    if (quick !== "timeout" && quick.formErrors && Object.keys(quick.formErrors).length) {
      const names = new Set(view.blocks.map((b) => b.block_id).filter(Boolean));
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(quick.formErrors)) if (names.has(k)) errors[k] = cut(v, 300);
      const first = view.blocks.find((b) => b.type === "input")?.block_id;
      if (!Object.keys(errors).length && first) errors[first] = cut(quick.text ?? "That is not right.", 300);
      await ack({ response_action: "errors", errors });
      return;
    }
    await ack();
    const reply = quick === "timeout" ? await work : quick;
    const userId = body.user.id;
    await deliverReply(
      deps,
      {
        channel: origin.c,
        ...(origin.t ? { threadTs: origin.t } : {}),
        userId,
        respond: ephemeralTo(client, origin.c, userId),
      },
      { ...reply, form: undefined, formErrors: undefined },
    );
  });

  app.error(async (err) => {
    deps.log.error("slack: listener failed", { error: err instanceof Error ? err.message : String(err) });
  });
}
