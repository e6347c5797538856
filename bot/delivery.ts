// The one way a Reply becomes messages, on every platform and in every process: the answers
// to what users type and press, and the messages jobs post through a Notifier, in
// `peerbot start`, `peerbot worker` and the console alike. A platform says how it renders a
// reply and puts one message in one place (an Outlet); the delivery does the rest, the same
// everywhere:
//
//   1. core's intents become action ids (commands/intents.ts, through `resolve`)
//   2. the reply is rendered within the platform's limits (a renderer that cannot fit it throws)
//   3. the message is posted, and where it lives is reported to `posted` (the message tracker,
//      Services.messages), so that a job in any process can update it later
//   4. each follow-up (Reply.followUps) is posted after it, depth first, and reported the same
//      way; one that fails is logged and the next one still goes
//
// It also holds the words a user gets when it goes wrong: the platform refused the answer, or
// running the command failed before there was an answer.
import type { Logger } from "../core/log.js";
import type { MessageRef, Notifier } from "../core/ports.js";
import type { Reply } from "../core/reply.js";

/** What every delivery is given: the same in every process. */
export interface DeliveryOptions {
  /** Told where a message was posted (Services.messages.posted, the message tracker). */
  posted?(reply: Reply, ref: MessageRef): Promise<void>;
  /** Turns the intents of a reply's buttons into action ids (commands/intents.ts). */
  resolve?(reply: Reply): Reply;
  log: Logger;
}

/** The delivery options among a platform's options (and nothing else, such as its tokens). */
export function deliveryOptions(o: DeliveryOptions): DeliveryOptions {
  return {
    ...(o.posted ? { posted: o.posted } : {}),
    ...(o.resolve ? { resolve: o.resolve } : {}),
    log: o.log,
  };
}

/**
 * How one platform puts the messages of one reply somewhere: the part of delivery that differs.
 * `first` posts the reply's own message, `next` each follow-up. Each returns where the message
 * lives when it can be updated later (a channel message), undefined when not (an ephemeral
 * answer, a message posted through a one-off response URL); only the former are reported.
 */
export interface Outlet<M> {
  render(reply: Reply): M;
  first(msg: M, reply: Reply): Promise<MessageRef | undefined>;
  next(msg: M, reply: Reply): Promise<MessageRef | undefined>;
}

/** A reply with its intents resolved, and its message rendered: ready to post. */
export interface Prepared<M> {
  reply: Reply;
  msg: M;
}

/** Where a job's message goes (Notifier.post's first argument). */
export type ChannelRef = Parameters<Notifier["post"]>[0];

/**
 * How a platform puts a job's messages in a channel and redraws them: all a Notifier needs
 * beyond the delivery (see `deliveryNotifier`).
 */
export interface ChannelPoster<M> {
  render(reply: Reply): M;
  /** How an update is drawn, when not as `render` does (the console prints a brief one). */
  renderUpdate?(reply: Reply): M;
  post(where: ChannelRef, msg: M, reply: Reply): Promise<MessageRef>;
  update(ref: MessageRef, msg: M, reply: Reply): Promise<void>;
}

const PLATFORM_NAMES: Record<string, string> = { slack: "Slack", discord: "Discord", console: "The console" };

/** The one sentence a user gets when the platform refused peerbot's answer (the details are logged). */
export function refusal(platform: string, code: string | number): string {
  return `${PLATFORM_NAMES[platform] ?? platform} refused peerbot's answer (${code}); it has been logged.`;
}

/** The one sentence a user gets when there is no answer to give (the details are logged). */
export const FAILED_TEXT = "Something went wrong; it has been logged.";

/** The answer when running an invocation threw instead of answering. */
export function failedReply(): Reply {
  return { kind: "error", text: FAILED_TEXT, ephemeral: true };
}

export class Delivery {
  constructor(
    /** "slack", "discord", "console": for the log. */
    readonly platform: string,
    private readonly opts: DeliveryOptions,
  ) {}

  get log(): Logger {
    return this.opts.log;
  }

  /** The reply as it will be posted: intents resolved (follow-ups included). */
  resolve(reply: Reply): Reply {
    return this.opts.resolve ? this.opts.resolve(reply) : reply;
  }

  /** Resolves and renders, without posting (a platform that answers in-line looks at it first). */
  prepare<M>(outlet: Pick<Outlet<M>, "render">, reply: Reply): Prepared<M> {
    const resolved = this.resolve(reply);
    return { reply: resolved, msg: outlet.render(resolved) };
  }

  /** Resolves, renders, posts, reports, and posts the follow-ups. Throws when the first post fails. */
  async deliver<M>(outlet: Outlet<M>, reply: Reply): Promise<MessageRef | undefined> {
    return this.send(outlet, this.prepare(outlet, reply));
  }

  /** Posts a prepared reply: its message, reported, then its follow-ups. */
  async send<M>(outlet: Outlet<M>, p: Prepared<M>): Promise<MessageRef | undefined> {
    const ref = await outlet.first(p.msg, p.reply);
    if (ref) await this.report(p.reply, ref);
    await this.followUps(outlet, p.reply);
    return ref;
  }

  /** Tells the tracker where a message lives. A failure is logged: the message is out already. */
  async report(reply: Reply, ref: MessageRef): Promise<void> {
    try {
      await this.opts.posted?.(reply, ref);
    } catch (err) {
      this.log.error(`${this.platform}: recording the posted message failed`, { err });
    }
  }

  private async followUps<M>(outlet: Outlet<M>, reply: Reply): Promise<void> {
    for (const f of reply.followUps ?? []) {
      try {
        const ref = await outlet.next(outlet.render(f), f);
        if (ref) await this.report(f, ref);
      } catch (err) {
        this.log.error(`${this.platform}: posting a follow-up failed`, { err });
      }
      await this.followUps(outlet, f);
    }
  }
}

/**
 * The Notifier jobs use, on every platform and in every process: `post` delivers the reply and
 * its follow-ups in the channel (in its thread when given), each reported; `update` redraws one
 * message (follow-ups belong to a post, not to an update). A job's messages have nobody to be
 * ephemeral to, so `ephemeral` does not apply to them: every one is posted in the channel.
 */
export function deliveryNotifier<M>(delivery: Delivery, poster: ChannelPoster<M>): Notifier {
  return {
    post: async (where, reply) => {
      const put = (msg: M, r: Reply) => poster.post(where, msg, r);
      const ref = await delivery.deliver({ render: (r) => poster.render(r), first: put, next: put }, reply);
      if (!ref) throw new Error(`${delivery.platform}: the message was posted but has no id`);
      return ref;
    },
    update: async (ref, reply) => {
      const r = delivery.resolve(reply);
      await poster.update(ref, poster.renderUpdate ? poster.renderUpdate(r) : poster.render(r), r);
    },
  };
}
