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
// When Slack refuses the answer, the user gets one sentence (../delivery.ts `refusal`).
//
// Who: the Slack user id, and the ids of the user groups the user belongs to (usergroups.list,
// cached; needs the usergroups:read scope, else groups are empty and a warning is logged once).
import type { App, RespondArguments, RespondFn } from "@slack/bolt";
import type { Invocation } from "../../commands/registry.js";
import type { MessageRef } from "../../core/ports.js";
import type { Actor } from "../../core/roles.js";
import { answer, type PlatformDeps } from "../chat-platform.js";
import { FAILED_TEXT, refusal, type Delivery, type Outlet } from "../delivery.js";
import { CANT_POST, slackError, slackErrorCode, type SlackMessenger } from "./messenger.js";
import { slackActionId, type SlackMessage } from "./render.js";

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

/** Delivers an answer; when Slack refuses it (or it cannot be drawn), the user gets one sentence. */
async function deliverAnswer(deps: SlackListenerDeps, place: AnswerPlace, inv: Invocation): Promise<void> {
  const reply = await answer(deps, "slack", inv);
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
    async ({ command, ack, respond }) => {
      await ack();
      const prefix = commands[command.command] ?? "";
      const text = [prefix, command.text.trim()].filter(Boolean).join(" ");
      const inv: Invocation = {
        actor: await actor(command.user_id, command.user_name as string | undefined),
        channel: command.channel_id,
        text,
        origin: slackOrigin(command.team_id, command.enterprise_id as string | undefined),
      };
      await deliverAnswer(deps, { channel: command.channel_id, userId: command.user_id, respond }, inv);
    },
  );

  app.action(/.*/, async ({ ack, body, action, respond }) => {
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
      },
      inv,
    );
  });

  app.error(async (err) => {
    deps.log.error("slack: listener failed", { error: err instanceof Error ? err.message : String(err) });
  });
}
