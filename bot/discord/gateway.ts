// Discord's interactions over the Gateway: an outbound WebSocket, so peerbot needs no public
// URL. A discord.js Client (intent Guilds only, nothing privileged) logs in with the bot token;
// @discordjs/ws asks GET /gateway/bot for the WebSocket URL, connects with ?v=10&encoding=json
// (no transport compression unless zlib-sync is installed), heartbeats, and RESUMEs or
// IDENTIFYs again after RECONNECT, INVALID_SESSION or a dropped socket on its own.
//
// Each raw INTERACTION_CREATE dispatch is the same DiscordInteraction the HTTP endpoint gets;
// it goes to the same handler, and the handler's InteractionResponse is POSTed to the
// interaction's callback (POST /interactions/{id}/{token}/callback, no bot token). An
// interaction delivered twice (a RESUME may replay what was seen) runs once: its id is
// claimed in the once store for the 15 minutes its token lives.
//
// The handler may send follow-ups and edit @original in the background as soon as it has
// answered; over HTTP those wait behind the HTTP answer at Discord, over the Gateway they must
// wait for our callback. CallbackGate holds an interaction's webhook calls until then.
import {
  Client,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  MessageFlags,
  Routes,
  Status,
  type REST,
} from "discord.js";
import type { Logger } from "../../core/log.js";
import { FAILED_TEXT } from "../delivery.js";
import { MemoryOnceStore, type OnceStore } from "../once.js";
import type {
  DiscordInteraction,
  InteractionHandler,
  InteractionReceiver,
  InteractionResponse,
} from "./receiver.js";

/** How long an interaction id is remembered: its token's lifetime. */
export const INTERACTION_TTL_MS = 15 * 60_000;

/** Holds the webhook calls of an interaction token until its callback has been sent. */
export class CallbackGate {
  private readonly held = new Map<string, Promise<void>>();

  /** Holds `token`'s webhook calls; the returned function lets them go. */
  hold(token: string): () => void {
    let release!: () => void;
    const p = new Promise<void>((resolve) => (release = resolve));
    this.held.set(token, p);
    return () => {
      if (this.held.get(token) === p) this.held.delete(token);
      release();
    };
  }

  /** Waits while the interaction whose webhook `route` names is held. */
  async wait(route: string): Promise<void> {
    const m = /^\/webhooks\/\d+\/([^/?]+)/.exec(route);
    const p = m ? this.held.get(m[1]!) : undefined;
    if (p) await p;
  }
}

/** `rest` whose requests to an interaction's webhook wait for `gate`. */
export function gatedRest(rest: REST, gate: CallbackGate): REST {
  const methods = new Set(["get", "post", "put", "patch", "delete"]);
  return new Proxy(rest, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== "string" || !methods.has(prop) || typeof value !== "function") return value;
      return async (route: `/${string}`, options?: unknown) => {
        await gate.wait(route);
        return (value as (r: string, o?: unknown) => Promise<unknown>).call(target, route, options);
      };
    },
  });
}

export interface GatewayInteractionReceiverOptions {
  /** The bot token. */
  token: string;
  /** The platform's REST client: interaction callbacks go through it. */
  rest: REST;
  /** REST base URL for the Client's own calls (GET /gateway/bot); Discord's unless set. */
  apiUrl?: string;
  /** Where interaction ids are claimed; one process's memory unless given. */
  once?: OnceStore;
  /** Held by the receiver until each callback is sent (see CallbackGate). */
  gate?: CallbackGate;
  /** How long start() waits for READY (ms). Default 30 s. */
  readyTimeoutMs?: number;
  log: Logger;
}

/** What went wrong with a callback, without its URL (it holds the interaction token). */
function describe(err: unknown): Record<string, unknown> {
  const e = err as { code?: unknown; status?: unknown; message?: unknown };
  return {
    code: e?.code,
    status: e?.status,
    message: typeof e?.message === "string" ? e.message : String(err),
  };
}

/** One sentence for a login that failed, never with the token in it. */
function loginProblem(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; status?: unknown };
  const msg = typeof e?.message === "string" ? e.message : "";
  if (e?.code === "TokenInvalid" || e?.status === 401 || /Authentication failed/i.test(msg))
    return "Discord refused the bot token (DISCORD_TOKEN); copy it again from the Developer Portal's Bot page.";
  if (/disallowed intents/i.test(msg))
    return "Discord refused the Gateway intents peerbot asked for (Guilds only); check the application's Bot settings.";
  return `could not connect to the Discord Gateway: ${msg || "unknown error"}`;
}

export class GatewayInteractionReceiver implements InteractionReceiver {
  private client?: Client;
  private readonly once: OnceStore;

  constructor(private readonly opts: GatewayInteractionReceiverOptions) {
    this.once = opts.once ?? new MemoryOnceStore();
  }

  /** Whether the connection is up: READY or RESUMED (guilds may still be arriving), not reconnecting. */
  get connected(): boolean {
    const shards = this.client?.ws.shards;
    return Boolean(
      shards?.size && shards.every((s) => s.status === Status.Ready || s.status === Status.WaitingForGuilds),
    );
  }

  async start(handler: InteractionHandler): Promise<void> {
    const { log } = this.opts;
    const client = new Client({
      intents: [GatewayIntentBits.Guilds],
      ...(this.opts.apiUrl ? { rest: { api: this.opts.apiUrl } } : {}),
    });
    // peerbot reads the raw dispatch: discord.js need not build (and cache) an object of its own.
    (
      client as unknown as { actions: { InteractionCreate: { handle(d: unknown): void } } }
    ).actions.InteractionCreate.handle = () => {};
    client.ws.on(GatewayDispatchEvents.InteractionCreate, (raw: unknown) => {
      void this.receive(raw, handler);
    });
    client.on(Events.ShardReconnecting, () => log.info("discord: Gateway connection lost, reconnecting"));
    client.on(Events.ShardResume, (_id, replayed) =>
      log.info("discord: Gateway session resumed", { replayed }),
    );
    client.on(Events.ShardError, (err) => log.warn("discord: Gateway error", { err: describe(err) }));
    client.on(Events.ShardDisconnect, (ev) =>
      log.error("discord: the Gateway closed the connection for good", { code: ev.code }),
    );
    this.client = client;
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.opts.readyTimeoutMs ?? 30_000;
    try {
      await Promise.race([
        client.login(this.opts.token),
        new Promise<never>((_r, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error(`no READY from the Discord Gateway within ${Math.round(timeoutMs / 1000)} s`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (err) {
      this.client = undefined;
      await client.destroy().catch(() => {});
      throw new Error(loginProblem(err));
    } finally {
      clearTimeout(timer);
    }
    log.info("discord: connected to the Gateway");
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.destroy();
  }

  private async receive(raw: unknown, handler: InteractionHandler): Promise<void> {
    const { log, rest, gate } = this.opts;
    const i = raw as DiscordInteraction | null;
    if (!i || typeof i !== "object" || typeof i.id !== "string" || typeof i.token !== "string") {
      log.warn("discord: ignored an INTERACTION_CREATE without an id and a token");
      return;
    }
    let response: InteractionResponse | undefined;
    const release = gate?.hold(i.token);
    try {
      let first: boolean;
      try {
        first = await this.once.claim(`discord:${i.id}`, INTERACTION_TTL_MS);
      } catch (err) {
        // Without the store nobody can tell a redelivery: answer, but run nothing.
        log.error("discord: could not check whether an interaction was seen before", { err: describe(err) });
        first = false;
        response = {
          type: 4,
          data: { content: FAILED_TEXT, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
        };
      }
      if (!first && !response) {
        log.info("discord: dropped an interaction delivered twice", { id: i.id, type: i.type });
        return;
      }
      if (first) {
        try {
          response = await handler(i);
        } catch (err) {
          log.error("discord: interaction failed", { err });
          response = {
            type: 4,
            data: { content: FAILED_TEXT, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } },
          };
        }
      }
      if (!response) {
        log.warn("discord: an interaction of a type peerbot does not take", { type: i.type });
        return;
      }
      try {
        await rest.post(Routes.interactionCallback(i.id, i.token), { body: response, auth: false });
      } catch (err) {
        log.error("discord: Discord refused the interaction callback", { err: describe(err) });
      }
    } finally {
      release?.();
    }
  }
}
