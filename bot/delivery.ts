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
  /**
   * True the first time an outcome (Reply.outcome, by its `track`) is claimed, in any process
   * (`trackerClaim` of commands/messages.ts, on the message tracker's table); without it, the memory of this process.
   */
  claim?(key: string): Promise<boolean>;
  log: Logger;
}

/** The delivery options among a platform's options (and nothing else, such as its tokens). */
export function deliveryOptions(o: DeliveryOptions): DeliveryOptions {
  return {
    ...(o.posted ? { posted: o.posted } : {}),
    ...(o.resolve ? { resolve: o.resolve } : {}),
    ...(o.claim ? { claim: o.claim } : {}),
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
  /**
   * Posts in the thread of the message at `ref` (Slack: thread_ts; Discord: a reply that
   * references it). Without it, `post` in the channel with `threadId` set to the message.
   */
  inThread?(ref: MessageRef, msg: M, reply: Reply): Promise<MessageRef>;
}

// ---------------------------------------------------------------------------
// Rate limits: pacing by lanes, and updates of one message coalesced
// ---------------------------------------------------------------------------

/** One limit: at most `burst` calls at once, then one every `everyMs` (a token bucket). */
export interface Lane {
  key: string;
  everyMs: number;
  burst: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Keeps calls within the platform's published limits before the platform has to say 429: a
 * call waits until every lane it uses has a token. Lanes are per process; the platform's own
 * 429 and Retry-After stay the last word (the API clients wait and retry on them).
 */
export class Pacer {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private tail = Promise.resolve();

  constructor(private readonly now: () => number = Date.now) {}

  /** Waits for a token of every lane, in the order calls arrived. */
  async take(lanes: readonly Lane[]): Promise<void> {
    if (!lanes.length) return;
    const turn = this.tail.then(() => this.wait(lanes));
    this.tail = turn.catch(() => {});
    await turn;
  }

  /** No tokens on `key` for `ms` (a platform said Retry-After). */
  pause(key: string, ms: number): void {
    const b = this.buckets.get(key);
    if (b) {
      b.tokens = 0;
      b.at = Math.max(b.at, this.now() + ms);
    } else this.buckets.set(key, { tokens: 0, at: this.now() + ms });
  }

  private refill(l: Lane): { tokens: number; at: number } {
    const t = this.now();
    const b = this.buckets.get(l.key) ?? { tokens: l.burst, at: t };
    if (t > b.at) {
      b.tokens = Math.min(l.burst, b.tokens + (t - b.at) / l.everyMs);
      b.at = t;
    }
    this.buckets.set(l.key, b);
    if (this.buckets.size > 10_000) this.buckets.clear();
    return b;
  }

  private async wait(lanes: readonly Lane[]): Promise<void> {
    for (;;) {
      let need = 0;
      for (const l of lanes) {
        const b = this.refill(l);
        const t = this.now();
        if (b.at > t) need = Math.max(need, b.at - t + l.everyMs);
        else if (b.tokens < 1) need = Math.max(need, (1 - b.tokens) * l.everyMs);
      }
      if (need <= 0) {
        for (const l of lanes) this.buckets.get(l.key)!.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(need));
    }
  }
}

/**
 * Updates of one message, one at a time: while one is in flight, a newer state waits, and a
 * newer one still replaces the waiting one (the latest wins). The waiting state is always sent
 * once the one in flight is done, so the final state is never dropped; whoever asked for a state
 * that was replaced hears when the state that replaced it has landed (or failed).
 */
export class Coalescer<T> {
  private readonly slots = new Map<
    string,
    { waiting?: { item: T; done: { resolve(): void; reject(e: unknown): void }[] } }
  >();
  /** How many submitted states were replaced before they were sent. */
  replaced = 0;

  constructor(
    private readonly send: (key: string, item: T) => Promise<void>,
    /** Merges a state that is being replaced into the one replacing it (outcomes are kept). */
    private readonly merge: (older: T, newer: T) => T = (_o, n) => n,
  ) {}

  submit(key: string, item: T): Promise<void> {
    const slot = this.slots.get(key);
    if (slot) {
      return new Promise<void>((resolve, reject) => {
        if (slot.waiting) {
          this.replaced++;
          slot.waiting.item = this.merge(slot.waiting.item, item);
          slot.waiting.done.push({ resolve, reject });
        } else slot.waiting = { item, done: [{ resolve, reject }] };
      });
    }
    const fresh: { waiting?: { item: T; done: { resolve(): void; reject(e: unknown): void }[] } } = {};
    this.slots.set(key, fresh);
    return this.run(key, fresh, item);
  }

  private async run(
    key: string,
    slot: { waiting?: { item: T; done: { resolve(): void; reject(e: unknown): void }[] } },
    first: T,
  ): Promise<void> {
    let firstError: unknown;
    let failed = false;
    try {
      await this.send(key, first);
    } catch (err) {
      failed = true;
      firstError = err;
    }
    // Later states go on in the background; the first caller hears of its own state.
    void this.drain(key, slot);
    if (failed) throw firstError;
  }

  private async drain(
    key: string,
    slot: { waiting?: { item: T; done: { resolve(): void; reject(e: unknown): void }[] } },
  ): Promise<void> {
    while (slot.waiting) {
      const w = slot.waiting;
      slot.waiting = undefined;
      try {
        await this.send(key, w.item);
        for (const d of w.done) d.resolve();
      } catch (err) {
        for (const d of w.done) d.reject(err);
      }
    }
    this.slots.delete(key);
  }
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

  /** How this delivery claims an outcome (see DeliveryOptions.claim). */
  get claimer(): (key: string) => Promise<boolean> {
    return this.opts.claim ?? claimInMemory;
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

/** The outcome keys this process has claimed, when the delivery has no claim of its own. */
const claimedHere = new Set<string>();
async function claimInMemory(key: string): Promise<boolean> {
  if (claimedHere.has(key)) return false;
  if (claimedHere.size > 50_000) claimedHere.clear();
  claimedHere.add(key);
  return true;
}

/**
 * The Notifier jobs use, on every platform and in every process: `post` delivers the reply and
 * its follow-ups in the channel (in its thread when given), each reported; `update` redraws one
 * message (follow-ups belong to a post, not to an update). A job's messages have nobody to be
 * ephemeral to, so `ephemeral` does not apply to them: every one is posted in the channel.
 *
 * Updates of one message are coalesced (Coalescer): a burst of progress sends the state in
 * flight and then the latest one. When a state carries an outcome (Reply.outcome), the outcome
 * is posted once in the message's thread after that state has landed, claimed by its `track`
 * so that no redraw, in this process or another, posts it twice.
 */
export function deliveryNotifier<M>(delivery: Delivery, poster: ChannelPoster<M>): Notifier {
  const refs = new Map<string, MessageRef>();
  const coalescer = new Coalescer<Reply>(
    async (key, reply) => {
      const ref = refs.get(key)!;
      const r = delivery.resolve(reply);
      await poster.update(ref, poster.renderUpdate ? poster.renderUpdate(r) : poster.render(r), r);
      if (reply.outcome) await tellOutcome(ref, reply.outcome);
    },
    // A state replaced before it was sent keeps its outcome when the newer one has none.
    (older, newer) => (newer.outcome || !older.outcome ? newer : { ...newer, outcome: older.outcome }),
  );

  async function tellOutcome(ref: MessageRef, outcome: Reply): Promise<void> {
    const key = outcome.track;
    if (!key) return;
    const claim = delivery.claimer;
    try {
      if (!(await claim(key))) return;
      const r = delivery.resolve(outcome);
      const msg = poster.render(r);
      const at = poster.inThread
        ? await poster.inThread(ref, msg, r)
        : await poster.post(
            { platform: ref.platform, channel: ref.channel, threadId: ref.threadId ?? ref.messageId },
            msg,
            r,
          );
      await delivery.report(r, at);
    } catch (err) {
      if (claim === claimInMemory) claimedHere.delete(key);
      delivery.log.error(`${delivery.platform}: posting an outcome in the thread failed`, { err });
    }
  }

  return {
    post: async (where, reply) => {
      const put = (msg: M, r: Reply) => poster.post(where, msg, r);
      const ref = await delivery.deliver({ render: (r) => poster.render(r), first: put, next: put }, reply);
      if (!ref) throw new Error(`${delivery.platform}: the message was posted but has no id`);
      return ref;
    },
    update: async (ref, reply) => {
      const key = `${ref.platform}:${ref.channel}:${ref.messageId}`;
      refs.set(key, ref);
      try {
        await coalescer.submit(key, reply);
      } finally {
        if (refs.size > 10_000) refs.clear();
      }
    },
  };
}
