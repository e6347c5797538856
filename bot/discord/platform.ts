// The Discord platform (a ChatPlatform, ../chat-platform.ts), in three parts, as Bolt keeps
// receivers apart from listeners:
//   - the receiver (receiver.ts): where interactions come from; by default the HTTP
//     Interactions endpoint (body limit, Ed25519 signature, clock skew), replaceable by any
//     InteractionReceiver (a Gateway connection, a test's own)
//   - the interaction handling (interactions.ts): slash commands, buttons, the confirm prompt,
//     deferral, follow-ups
//   - the notifier (notifier.ts): channel messages for jobs over REST with the bot token, the
//     same one `peerbot worker` uses
// All three answer through the shared delivery. No gateway connection is needed by default.
import type { REST } from "discord.js";
import { Routes } from "discord.js";
import type { Notifier } from "../../core/ports.js";
import type { ChatPlatform, PlatformDeps } from "../chat-platform.js";
import { Delivery, deliveryOptions } from "../delivery.js";
import { discordInteractions } from "./interactions.js";
import { closeDiscordRest, discordRest, discordRestNotifier } from "./notifier.js";
import { HttpInteractionReceiver, type InteractionHandler, type InteractionReceiver } from "./receiver.js";

export interface DiscordPlatformOptions extends PlatformDeps {
  /** Bot token (for channel messages and command registration). */
  token: string;
  applicationId: string;
  /** The application's Ed25519 public key, 64 hex digits (for the HTTP receiver). */
  publicKey: string;
  /** Where interactions come from; default: the HTTP endpoint below. */
  receiver?: InteractionReceiver;
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

export class DiscordPlatform implements ChatPlatform {
  readonly name = "discord";
  readonly rest: REST;
  readonly receiver: InteractionReceiver;
  /** Updates and posts channel messages for jobs (bot token). */
  readonly notifier: Notifier;
  /** What the receiver hands each interaction to. */
  readonly handler: InteractionHandler;

  constructor(opts: DiscordPlatformOptions) {
    this.rest = discordRest(opts.token, opts.apiUrl);
    this.receiver =
      opts.receiver ??
      new HttpInteractionReceiver({
        publicKey: opts.publicKey,
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(opts.path !== undefined ? { path: opts.path } : {}),
        ...(opts.maxSkewSeconds !== undefined ? { maxSkewSeconds: opts.maxSkewSeconds } : {}),
        log: opts.log,
      });
    const delivery = deliveryOptions(opts);
    this.handler = discordInteractions({
      ...delivery,
      handle: opts.handle,
      rest: this.rest,
      delivery: new Delivery("discord", delivery),
      commands: opts.commands ?? DEFAULT_DISCORD_COMMANDS,
      deferAfterMs: opts.deferAfterMs ?? 2000,
    });
    this.notifier = discordRestNotifier(this.rest, delivery);
  }

  /** The HTTP endpoint's port, once started (undefined with another receiver). */
  get port(): number | undefined {
    return this.receiver instanceof HttpInteractionReceiver ? this.receiver.port : undefined;
  }

  async start(): Promise<void> {
    await this.receiver.start(this.handler);
  }

  async stop(): Promise<void> {
    await this.receiver.stop();
    closeDiscordRest(this.rest);
  }
}

/** A started Discord platform. */
export async function startDiscord(opts: DiscordPlatformOptions): Promise<DiscordPlatform> {
  const discord = new DiscordPlatform(opts);
  await discord.start();
  return discord;
}
