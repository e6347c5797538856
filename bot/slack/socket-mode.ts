// Slack's Socket Mode as a Bolt receiver: peerbot opens a WebSocket to Slack (no inbound port),
// Slack sends each slash command and button press as an envelope over it, and each envelope is
// acknowledged over the same socket by its envelope_id.
//
//   start     apps.connections.open at the Web API URL with the app-level token (xapp-…) gives a
//             one-use wss:// URL; the socket is ready at Slack's `hello`
//   envelope  {envelope_id, type: "slash_commands" | "interactive" | …, payload, retry_attempt?}:
//             the payload goes to the app's listeners, which acknowledge before any other work
//   reconnect a `disconnect` message (warning, refresh_requested), a dropped socket or a missing
//             pong: @slack/socket-mode asks for a new URL and connects again
//
// Slack delivers an envelope again, with the same envelope_id, when it did not receive the ack
// (the socket dropped before the ack got through, or the ack came late). Each envelope_id runs
// once: the first delivery claims it in the once-store (Redis when configured, so a second
// process connected to the same app drops it too); a later delivery is acknowledged and dropped.
// An ack that cannot be sent (the socket is already gone) does not stop the command: the
// redelivery that follows is then the one dropped, so the command runs once either way.
//
// @slack/socket-mode reconnects by calling the client's `start` from a timer and leaves its
// promise unobserved: a stop during a reconnect, or a reconnect Slack refuses (a revoked
// token), would be an unhandled rejection that ends the process. The reconnects here go
// through a `start` that catches and logs; only the first connection's failure is thrown.
import { SocketModeClient } from "@slack/socket-mode";
import type { App, Logger as BoltLogger, Receiver, ReceiverEvent } from "@slack/bolt";
import type { Logger } from "../../core/log.js";
import { MemoryOnceStore, type OnceStore } from "../once.js";

/** How long an envelope id is remembered: Slack's redeliveries come within minutes. */
export const ENVELOPE_MEMORY_MS = 3_600_000;

export interface SlackSocketOptions {
  /** The app-level token (xapp-…) with the connections:write scope. */
  appToken: string;
  /** Web API base URL where apps.connections.open is called ("https://slack.com/api/" unless set). */
  apiUrl?: string;
  log: Logger;
  /** Bolt's logger on top of `log`, for @slack/socket-mode's own lines. */
  logger: BoltLogger;
  /** Envelope ids already run; one process's memory unless given a shared store. */
  once?: OnceStore;
  /** How long to wait for a pong before reconnecting, and the base of the reconnect delay (ms). Default 5000. */
  clientPingTimeout?: number;
  /** How long to wait for Slack's next ping before reconnecting (ms). Default 30000. */
  serverPingTimeout?: number;
}

type Start = SocketModeClient["start"];

/** What @slack/socket-mode emits for every envelope (`slack_event`). */
interface SocketEnvelope {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id?: string;
  type: string;
  body: Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}

/**
 * @slack/socket-mode logs every message and ack in full at debug level: keep out the
 * response_urls (each lets its holder answer as peerbot) and the legacy verification token.
 */
function quietLogger(logger: BoltLogger): BoltLogger {
  const scrub = (m: unknown) =>
    typeof m === "string" ? m.replace(/("(?:response_url|token)"\s*:\s*")[^"]*"/g, '$1[redacted]"') : m;
  return {
    ...logger,
    debug: (...m: unknown[]) => logger.debug(...m.map(scrub)),
    info: (...m: unknown[]) => logger.info(...m.map(scrub)),
    warn: (...m: unknown[]) => logger.warn(...m.map(scrub)),
    error: (...m: unknown[]) => logger.error(...m.map(scrub)),
    setLevel: (l) => logger.setLevel(l),
    getLevel: () => logger.getLevel(),
    setName: (n) => logger.setName(n),
  };
}

export class SlackSocketReceiver implements Receiver {
  readonly client: SocketModeClient;
  private app?: App;
  private readonly once: OnceStore;
  private readonly log: Logger;
  /** The client's own start, for the first connection (its failure is the caller's). */
  private readonly connect: Start;
  private stopping = false;
  private isConnected = false;

  constructor(opts: SlackSocketOptions) {
    this.log = opts.log;
    this.once = opts.once ?? new MemoryOnceStore();
    this.client = new SocketModeClient({
      appToken: opts.appToken,
      logger: quietLogger(opts.logger),
      autoReconnectEnabled: true,
      ...(opts.clientPingTimeout !== undefined ? { clientPingTimeout: opts.clientPingTimeout } : {}),
      ...(opts.serverPingTimeout !== undefined ? { serverPingTimeout: opts.serverPingTimeout } : {}),
      clientOptions: opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {},
    });
    this.client.on("slack_event", (e: SocketEnvelope) => {
      void this.onEnvelope(e);
    });
    this.connect = this.client.start.bind(this.client);
    this.client.start = async () => {
      try {
        return await this.connect();
      } catch (err) {
        if (!this.stopping)
          this.log.error("slack: Socket Mode could not reconnect; restart peerbot once the cause is fixed", {
            error: err instanceof Error ? err.message : String(err),
          });
        return { ok: false } as Awaited<ReturnType<Start>>;
      }
    };
    this.client.on("connected", () => {
      this.isConnected = true;
      this.log.info("slack: Socket Mode connected");
    });
    this.client.on("reconnecting", () => this.log.info("slack: Socket Mode reconnecting"));
    this.client.on("close", () => (this.isConnected = false));
    this.client.on("ws_message", (data: unknown) => this.onMessage(data));
  }

  init(app: App): void {
    this.app = app;
  }

  /** Whether a socket is open and Slack said hello on it. */
  get connected(): boolean {
    return this.isConnected;
  }

  /** Connects; resolves at Slack's hello, rejects when Slack refuses the app token. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.client.disconnect();
    this.isConnected = false;
  }

  /** Logs why Slack asks peerbot to reconnect; link_disabled needs a person. */
  private onMessage(data: unknown): void {
    const text = typeof data === "string" ? data : data instanceof Buffer ? data.toString("utf8") : "";
    if (!text.includes('"disconnect"')) return;
    let msg: { type?: unknown; reason?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (msg.type !== "disconnect") return;
    const reason = typeof msg.reason === "string" ? msg.reason : "unknown";
    if (reason === "link_disabled")
      this.log.error(
        "slack: Slack turned Socket Mode off for this app (link_disabled); turn it on in the app's settings, or run the HTTP endpoint",
      );
    else this.log.info("slack: Slack asked for a new Socket Mode connection", { reason });
  }

  private async onEnvelope(e: SocketEnvelope): Promise<void> {
    const app = this.app;
    const id = e.envelope_id;
    if (!app || !id) return;
    const retry = e.retry_num ?? 0;
    let first = true;
    try {
      first = await this.once.claim(`slack-envelope:${id}`, ENVELOPE_MEMORY_MS);
    } catch (err) {
      // Without the store, running twice is the lesser evil than losing the command.
      this.log.warn("slack: could not check the envelope against those already run; running it", {
        envelopeId: id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    let acked = false;
    const ack = async (response?: Record<string, unknown>): Promise<void> => {
      if (acked) return;
      acked = true;
      try {
        await e.ack(response);
      } catch (err) {
        this.log.warn("slack: the acknowledgement did not go out; Slack will send the envelope again", {
          envelopeId: id,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    };
    if (!first) {
      this.log.info("slack: envelope delivered again; it ran already, dropped", {
        envelopeId: id,
        type: e.type,
        retry,
        ...(e.retry_reason ? { reason: e.retry_reason } : {}),
      });
      await ack();
      return;
    }
    const event: ReceiverEvent = {
      body: e.body,
      ack: (response?: unknown) => ack(response as Record<string, unknown> | undefined),
      ...(e.retry_num !== undefined ? { retryNum: e.retry_num } : {}),
      ...(e.retry_reason ? { retryReason: e.retry_reason } : {}),
    };
    try {
      await app.processEvent(event);
    } catch (err) {
      this.log.error("slack: an envelope could not be handled", {
        envelopeId: id,
        type: e.type,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    // An envelope no listener took (an event peerbot does not use) is still acknowledged, so
    // Slack does not send it again.
    await ack();
  }
}
