// The Slack platform (a ChatPlatform, ../chat-platform.ts), in Bolt's shape: a receiver takes
// Slack's requests (our HTTP receiver at /slack/events, receiver.ts: signing secret, replays, body caps;
// Socket Mode when an app token is given, socket-mode.ts; or any Bolt Receiver passed in), the listeners
// (listeners.ts) turn them into Invocations and answers, and the messenger (messenger.ts) posts
// them and is the notifier jobs use. Replies go out through the shared delivery.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, LogLevel } from "@slack/bolt";
import type { Logger as BoltLogger, Receiver } from "@slack/bolt";
import type { Logger } from "../../core/log.js";
import type { Notifier } from "../../core/ports.js";
import type { ChatPlatform, PlatformDeps } from "../chat-platform.js";
import { Delivery, deliveryOptions } from "../delivery.js";
import type { OnceStore } from "../once.js";
import { registerSlackListeners } from "./listeners.js";
import { SlackHttpReceiver, type SlackHttpReceiverOptions } from "./receiver.js";
import { SlackMessenger, slackMessengerNotifier } from "./messenger.js";
import { SlackSocketReceiver } from "./socket-mode.js";

export interface SlackPlatformOptions extends PlatformDeps {
  botToken: string;
  /** Verifies the HTTP requests (HMAC-SHA256, v0 scheme). Required without an app token or a receiver. */
  signingSecret?: string;
  /** An app-level token (xapp-...) switches to Socket Mode: no public HTTP endpoint needed. */
  appToken?: string;
  /** Another Bolt receiver: requests come from it instead of HTTP or Socket Mode. */
  receiver?: Receiver;
  /** Socket Mode: what has run once already (envelope ids); shared through Redis across processes. */
  socketOnce?: OnceStore;
  /** Socket Mode: pong timeout (also the base of the reconnect delay) and Slack's ping timeout, in ms. */
  socketTimeouts?: { clientPingTimeout?: number; serverPingTimeout?: number };
  /** HTTP: replay memory, audit of refusals, body limits (receiver.ts). */
  http?: Omit<SlackHttpReceiverOptions, "signingSecret" | "log" | "port" | "host">;
  /** HTTP port (0: any free port) and host of the receiver. */
  port?: number;
  host?: string;
  /** Web API base URL, "https://slack.com/api/" unless pointed at a fake. */
  apiUrl?: string;
  /** Slash command -> command-line prefix. Default: /peerbot "", /peer "peer", /peers "peers". */
  commands?: Record<string, string>;
  /** How long user-group memberships are cached (ms). Default 5 minutes. */
  groupCacheMs?: number;
}

export const DEFAULT_SLACK_COMMANDS: Record<string, string> = {
  "/peerbot": "",
  "/peer": "peer",
  "/peers": "peers",
};

/** Bolt's logger on top of ours (which redacts tokens). */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]): string =>
    msg
      .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m)))
      .join(" ");
  return {
    debug: (...m: unknown[]) => log.debug(`slack: ${text(m)}`),
    info: (...m: unknown[]) => log.info(`slack: ${text(m)}`),
    warn: (...m: unknown[]) => log.warn(`slack: ${text(m)}`),
    error: (...m: unknown[]) => log.error(`slack: ${text(m)}`),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export class SlackPlatform implements ChatPlatform {
  readonly name = "slack";
  readonly app: App;
  /** Updates and posts messages for jobs (chat.update / chat.postMessage). */
  readonly notifier: Notifier;
  private readonly mode: "http" | "socket" | "receiver";
  private listening?: number;
  /** The Socket Mode receiver, when the app token is set. */
  readonly socket?: SlackSocketReceiver;

  constructor(private readonly opts: SlackPlatformOptions) {
    this.mode = opts.receiver ? "receiver" : opts.appToken ? "socket" : "http";
    if (this.mode === "http" && !opts.signingSecret)
      throw new Error("Slack needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)");
    const logger = boltLogger(opts.log);
    if (this.mode === "socket")
      this.socket = new SlackSocketReceiver({
        appToken: opts.appToken!,
        ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
        log: opts.log,
        logger,
        ...(opts.socketOnce ? { once: opts.socketOnce } : {}),
        ...opts.socketTimeouts,
      });
    this.app = new App({
      token: opts.botToken,
      ...(this.mode === "receiver"
        ? { receiver: opts.receiver }
        : this.mode === "socket"
          ? { receiver: this.socket }
          : {
              receiver: new SlackHttpReceiver({
                signingSecret: opts.signingSecret!,
                log: opts.log,
                ...opts.http,
              }),
            }),
      logger,
      deferInitialization: true,
      ...(opts.apiUrl ? { clientOptions: { slackApiUrl: opts.apiUrl } } : {}),
    });
    const messenger = new SlackMessenger(this.app.client, opts.log, opts.groupCacheMs);
    const delivery = deliveryOptions(opts);
    registerSlackListeners(this.app, {
      ...delivery,
      handle: opts.handle,
      messenger,
      delivery: new Delivery("slack", delivery),
      commands: opts.commands ?? DEFAULT_SLACK_COMMANDS,
    });
    this.notifier = slackMessengerNotifier(messenger, delivery);
  }

  /** The HTTP port listened on (undefined in Socket Mode, with another receiver, or before start). */
  /** For /readyz: over Socket Mode, whether Slack's hello arrived on a live socket. */
  ready(): true | string {
    if (this.socket && !this.socket.connected) return "the Slack Socket Mode connection is down";
    return true;
  }

  get port(): number | undefined {
    return this.listening;
  }

  async start(): Promise<void> {
    await this.app.init(); // auth.test: fails fast on a bad token
    if (this.mode === "http") {
      const server = (await this.app.start({
        port: this.opts.port ?? 3000,
        host: this.opts.host ?? "0.0.0.0",
      })) as Server;
      this.listening = (server.address() as AddressInfo).port;
    } else await this.app.start();
    this.opts.log.info("slack: started", {
      mode: this.mode,
      ...(this.listening !== undefined ? { port: this.listening } : {}),
    });
  }

  async stop(): Promise<void> {
    await this.app.stop();
  }
}

/** A started Slack platform. */
export async function startSlack(opts: SlackPlatformOptions): Promise<SlackPlatform> {
  const slack = new SlackPlatform(opts);
  await slack.start();
  return slack;
}
