// The Discord platform (a ChatPlatform, ../chat-platform.ts), in three parts, as Bolt keeps
// receivers apart from listeners:
//   - the receiver: where interactions come from; the HTTP Interactions endpoint (receiver.ts:
//     body limit, Ed25519 signature, clock skew; needs a public URL) or the Gateway (gateway.ts:
//     an outbound WebSocket, no port listened on), by `transport`, or any InteractionReceiver
//   - the interaction handling (interactions.ts): slash commands, buttons, the confirm prompt,
//     deferral, follow-ups
//   - the notifier (notifier.ts): channel messages for jobs over REST with the bot token, the
//     same one `peerbot worker` uses
// All three answer through the shared delivery.
import type { REST } from "discord.js";
import { Routes } from "discord.js";
import type { Notifier } from "../../core/ports.js";
import type { ChatPlatform, PlatformDeps } from "../chat-platform.js";
import { Delivery, deliveryOptions } from "../delivery.js";
import { discordInteractions } from "./interactions.js";
import { CallbackGate, gatedRest, GatewayInteractionReceiver } from "./gateway.js";
import { closeDiscordRest, discordRest, discordRestNotifier } from "./notifier.js";
import type { RefusalAudit } from "../../core/refusals.js";
import type { OnceStore } from "../once.js";
import { HttpInteractionReceiver, type InteractionHandler, type InteractionReceiver } from "./receiver.js";

export interface DiscordPlatformOptions extends PlatformDeps {
  /** Bot token (for channel messages and command registration). */
  token: string;
  applicationId: string;
  /** The application's Ed25519 public key, 64 hex digits (needed by the HTTP receiver only). */
  publicKey?: string;
  /** "http": the Interactions endpoint below (default); "gateway": a Gateway connection. */
  transport?: DiscordTransport;
  /** Where interactions come from, instead of `transport`'s receiver. */
  receiver?: InteractionReceiver;
  /**
   * Where interaction ids are claimed, so that one delivered twice (or replayed) runs once
   * (the receiver's own memory unless given); stop() closes it.
   */
  once?: OnceStore;
  /** Where refused requests of the HTTP endpoint are audited (coalesced). */
  refusals?: RefusalAudit;
  /** How long the Gateway receiver waits for READY (ms). Default 30 s. */
  gatewayReadyTimeoutMs?: number;
  /** Port, host and path of the HTTP endpoint. Default 3001, every interface, "/interactions". */
  port?: number;
  host?: string;
  path?: string;
  /** Refuse requests whose timestamp is further than this from now (s). Default 300. */
  maxSkewSeconds?: number;
  /** REST base URL, "https://discord.com/api" unless pointed at a fake. */
  apiUrl?: string;
  /** Defer when the command has not answered after this long (ms). Default 2000. */
  deferAfterMs?: number;
  /** Slash command -> command-line prefix. Default: peerbot "", peer "peer", peers "peers". */
  commands?: Record<string, string>;
}

export type DiscordTransport = "http" | "gateway";

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

/**
 * Registers the slash commands (globally, or in one server for quick testing), replacing the
 * application's others there; returns the commands as Discord registered them.
 */
export async function registerDiscordCommands(
  rest: REST,
  applicationId: string,
  guildId?: string,
): Promise<{ name: string; id?: string }[]> {
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  const res = (await rest.put(route, { body: DISCORD_COMMAND_DEFINITIONS })) as unknown;
  return Array.isArray(res)
    ? res.map((c: { name?: unknown; id?: unknown }) => ({
        name: String(c.name),
        ...(typeof c.id === "string" ? { id: c.id } : {}),
      }))
    : DISCORD_COMMAND_DEFINITIONS.map((c) => ({ name: c.name }));
}

export class DiscordPlatform implements ChatPlatform {
  readonly name = "discord";
  readonly rest: REST;
  readonly receiver: InteractionReceiver;
  /** Updates and posts channel messages for jobs (bot token). */
  readonly notifier: Notifier;
  /** What the receiver hands each interaction to. */
  readonly handler: InteractionHandler;
  /** How interactions arrive: "http", "gateway", or "custom" for a given receiver. */
  readonly transport: DiscordTransport | "custom";
  private readonly once?: OnceStore;

  constructor(opts: DiscordPlatformOptions) {
    this.rest = discordRest(opts.token, opts.apiUrl);
    let gate: CallbackGate | undefined;
    this.once = opts.once;
    if (opts.receiver) {
      this.receiver = opts.receiver;
      this.transport = "custom";
    } else if (opts.transport === "gateway") {
      gate = new CallbackGate();
      this.receiver = new GatewayInteractionReceiver({
        token: opts.token,
        rest: this.rest,
        ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
        ...(opts.once ? { once: opts.once } : {}),
        ...(opts.gatewayReadyTimeoutMs !== undefined ? { readyTimeoutMs: opts.gatewayReadyTimeoutMs } : {}),
        gate,
        log: opts.log,
      });
      this.transport = "gateway";
    } else {
      if (!opts.publicKey)
        throw new Error(
          "the Discord HTTP endpoint needs DISCORD_PUBLIC_KEY (or set DISCORD_TRANSPORT=gateway, which needs no public URL)",
        );
      this.receiver = new HttpInteractionReceiver({
        publicKey: opts.publicKey,
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(opts.path !== undefined ? { path: opts.path } : {}),
        ...(opts.maxSkewSeconds !== undefined ? { maxSkewSeconds: opts.maxSkewSeconds } : {}),
        ...(opts.once ? { once: opts.once } : {}),
        ...(opts.refusals ? { refusals: opts.refusals } : {}),
        log: opts.log,
      });
      this.transport = "http";
    }
    const delivery = deliveryOptions(opts);
    this.handler = discordInteractions({
      ...delivery,
      handle: opts.handle,
      ...(opts.busy ? { busy: opts.busy } : {}),
      // Over the Gateway, an interaction's webhook calls wait for its callback (gateway.ts).
      rest: gate ? gatedRest(this.rest, gate) : this.rest,
      delivery: new Delivery("discord", delivery),
      commands: opts.commands ?? DEFAULT_DISCORD_COMMANDS,
      deferAfterMs: opts.deferAfterMs ?? 2000,
      // Confirmation tokens: claimed where interaction ids are, signed with what every process has.
      ...(opts.once ? { once: opts.once } : {}),
      confirmSecret: opts.token,
    });
    this.notifier = discordRestNotifier(this.rest, delivery);
  }

  /** The HTTP endpoint's port, once started (undefined with another receiver). */
  get port(): number | undefined {
    return this.receiver instanceof HttpInteractionReceiver ? this.receiver.port : undefined;
  }

  /** For /readyz: the Gateway connection is up, or the HTTP endpoint listens. */
  ready(): true | string {
    if (this.receiver instanceof GatewayInteractionReceiver)
      return this.receiver.connected || "the Discord Gateway connection is down (reconnecting)";
    if (this.receiver instanceof HttpInteractionReceiver)
      return this.receiver.port !== undefined || "the Discord interactions endpoint is not listening";
    return true;
  }

  async start(): Promise<void> {
    await this.receiver.start(this.handler);
  }

  async stop(): Promise<void> {
    try {
      await this.receiver.stop();
    } finally {
      closeDiscordRest(this.rest);
      await this.once?.close();
    }
  }
}

/** A started Discord platform. */
export async function startDiscord(opts: DiscordPlatformOptions): Promise<DiscordPlatform> {
  const discord = new DiscordPlatform(opts);
  await discord.start();
  return discord;
}
