// Slack's requests over HTTP, as a Bolt Receiver of our own (Bolt's HTTPReceiver reads up to
// 4 MB before it checks a signature, accepts timestamps from the future and remembers nothing).
// One endpoint, POST /slack/events, for slash commands (form-encoded), interactivity
// (form-encoded `payload=` JSON) and the Events API (JSON), in this order:
//
//   1. the headers: content type form or JSON (415), X-Slack-Request-Timestamp within
//      `windowSeconds` of now either way (401 stale / future), X-Slack-Signature shaped
//      v0=<64 hex> (401); a request without them may only be Slack's small unsigned ssl_check;
//   2. the body, through the guard (../http-guard.ts): size cap, lanes, read deadline;
//   3. the signature: v0=HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + body), compared
//      in constant time (401);
//   4. the body's shape: an object (400 otherwise, with one sentence);
//   5. replays: (timestamp, signature) is claimed once in the OnceStore for twice the window,
//      the longest a signed request stays acceptable; a second arrival is answered 409, not
//      run, and audited (coalesced, core/refusals.ts);
//   6. ssl_check and url_verification are answered here; everything else goes to
//      `app.processEvent({ body, ack, retryNum, retryReason })` as Bolt's receivers do, and the
//      HTTP answer is sent the moment a listener calls ack() (its argument is the body). Not
//      acknowledged within 3 s: 404, as Bolt does.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { Logger } from "../../core/log.js";
import type { RefusalAudit } from "../../core/refusals.js";
import {
  closeUnread,
  HttpGuard,
  SLACK_BODY_LIMIT,
  header,
  mediaType,
  timestampProblem,
  type GuardLimits,
  type Refused,
  closeServer,
} from "../http-guard.js";
import { MemoryOnceStore, type OnceStore } from "../once.js";

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  /** Port (0: any free port) and host. Default 3000 on every interface. */
  port?: number;
  host?: string;
  /** Default "/slack/events". */
  path?: string;
  /** Requests dated further than this from now, either way, are refused (s). Default 300. */
  windowSeconds?: number;
  /** Body cap, lanes, read deadline (../http-guard.ts). */
  limits?: Partial<GuardLimits>;
  /** Where (timestamp, signature) pairs are remembered (closed by stop); default: this process's memory. */
  once?: OnceStore;
  /** Writes replays to the audit log. */
  refusals?: RefusalAudit;
  /** Answer 404 when no listener acknowledged within this (ms). Default 3001. */
  unhandledTimeoutMs?: number;
  log: Logger;
}

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const FORM = "application/x-www-form-urlencoded";
const JSON_TYPE = "application/json";
/** Slack's unsigned ssl_check is a few dozen bytes. */
const SSL_CHECK_MAX = 512;

/** The HMAC Slack signs requests with. */
export function slackSignatureOf(secret: string, timestamp: string, body: Buffer): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(body).digest("hex")}`;
}

function parse(type: string, body: Buffer): Record<string, unknown> | undefined {
  try {
    let value: unknown;
    if (type === FORM) {
      const form = Object.fromEntries(new URLSearchParams(body.toString("utf8")));
      value = typeof form.payload === "string" ? JSON.parse(form.payload) : form;
    } else value = JSON.parse(body.toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Who and where, for the audit row of a replay: only strings, whatever the body holds. */
function whoOf(body: Record<string, unknown>): { userId?: string; userName?: string; channel?: string } {
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const obj = (v: unknown) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>) : {});
  const user = obj(body.user);
  const userId = str(body.user_id) ?? str(user.id) ?? str(obj(body.event).user);
  const userName = str(body.user_name) ?? str(user.username) ?? str(user.name);
  const channel = str(body.channel_id) ?? str(obj(body.channel).id) ?? str(obj(body.container).channel_id);
  return {
    ...(userId ? { userId } : {}),
    ...(userName ? { userName } : {}),
    ...(channel ? { channel } : {}),
  };
}

export class SlackHttpReceiver implements Receiver {
  private app?: App;
  private server?: Server;
  private listening?: number;
  private readonly guard: HttpGuard;
  private readonly once: OnceStore;
  private readonly endpoint: string;
  private readonly window: number;

  constructor(private readonly opts: SlackHttpReceiverOptions) {
    this.endpoint = opts.path ?? "/slack/events";
    this.window = opts.windowSeconds ?? 300;
    this.guard = new HttpGuard("slack", { bodyLimit: SLACK_BODY_LIMIT, ...opts.limits }, opts.log);
    this.once = opts.once ?? new MemoryOnceStore();
  }

  /** The port listened on, once started. */
  get port(): number | undefined {
    return this.listening;
  }

  /** The HTTP server, once started. */
  get httpServer(): Server | undefined {
    return this.server;
  }

  init(app: App): void {
    this.app = app;
  }

  /** Bolt's App.start passes its arguments here: a port, or `{ port, host }`. */
  async start(at?: number | { port?: number; host?: string }): Promise<Server> {
    const port = typeof at === "number" ? at : at?.port;
    const host = typeof at === "object" ? at.host : undefined;
    if (this.server) throw new Error("the Slack receiver is already started");
    const server = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        this.opts.log.error("slack: request failed", { err });
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port ?? this.opts.port ?? 3000, host ?? this.opts.host ?? "0.0.0.0", () => resolve());
    });
    this.server = server;
    this.listening = (server.address() as AddressInfo).port;
    return server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
    await this.once.close();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (r: Refused) => this.guard.refuse(req, res, r);
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "POST" || path !== this.endpoint) {
      res.writeHead(404, { "content-type": "application/json", connection: "close" });
      res.once("finish", () => closeUnread(req));
      res.end(JSON.stringify({ error: "not found" }));
      return;
    }
    const type = mediaType(req);
    if (type !== FORM && type !== JSON_TYPE)
      return refuse({
        status: 415,
        reason: "content_type",
        message: "Slack sends form-encoded or JSON requests.",
      });
    const ts = header(req, "x-slack-request-timestamp");
    const sig = header(req, "x-slack-signature");

    if (ts === undefined && sig === undefined) return this.sslCheck(req, res, type);
    const stamp = timestampProblem(ts, this.window);
    if (stamp) return refuse(stamp);
    if (sig === undefined || !SIGNATURE.test(sig))
      return refuse({ status: 401, reason: "bad_signature", message: "The request signature is malformed." });

    const body = await this.guard.read(req, res);
    if (!body) return;
    const expected = Buffer.from(slackSignatureOf(this.opts.signingSecret, ts!, body));
    if (!timingSafeEqual(expected, Buffer.from(sig)))
      return refuse({
        status: 401,
        reason: "bad_signature",
        message: "The request signature does not match.",
      });

    const parsed = parse(type, body);
    if (!parsed)
      return refuse({
        status: 400,
        reason: "bad_request",
        message: "The request body is not a JSON object or a form.",
      });

    if (!(await this.once.claim(`slack:${ts}:${sig.slice(3)}`, (this.window * 2 + 1) * 1000))) {
      const who = whoOf(parsed);
      this.opts.refusals?.note({
        platform: "slack",
        reason: "replay",
        ...who,
        detail: `A Slack request (timestamp ${ts}) arrived a second time and was not run.`,
      });
      return refuse({ status: 409, reason: "replay", message: "This request was already received." });
    }

    if (parsed.ssl_check === "1") {
      res.writeHead(200);
      res.end();
      return;
    }
    if (parsed.type === "url_verification") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ challenge: typeof parsed.challenge === "string" ? parsed.challenge : "" }));
      return;
    }
    await this.dispatch(req, res, parsed);
  }

  /** An unsigned request: only Slack's ssl_check, a few bytes, is answered 200. */
  private async sslCheck(req: IncomingMessage, res: ServerResponse, type: string): Promise<void> {
    const missing: Refused = {
      status: 401,
      reason: "missing_headers",
      message: "The request is not signed (X-Slack-Signature, X-Slack-Request-Timestamp).",
    };
    const length = Number(header(req, "content-length") ?? "NaN");
    if (type !== FORM || !(length <= SSL_CHECK_MAX)) return this.guard.refuse(req, res, missing);
    const body = await this.guard.read(req, res);
    if (!body) return;
    if (new URLSearchParams(body.toString("utf8")).get("ssl_check") !== "1")
      return this.guard.refuse(req, res, missing);
    res.writeHead(200);
    res.end();
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
  ): Promise<void> {
    let acked = false;
    const timer = setTimeout(() => {
      if (acked || res.headersSent) return;
      acked = true;
      this.opts.log.error("slack: a request was not acknowledged within 3 seconds");
      res.writeHead(404);
      res.end();
    }, this.opts.unhandledTimeoutMs ?? 3001);
    timer.unref();
    const ack = async (response?: unknown): Promise<void> => {
      if (acked) return;
      acked = true;
      clearTimeout(timer);
      if (response === undefined || response === null || response === "") {
        res.writeHead(200);
        res.end();
      } else if (typeof response === "string") {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
        res.end(response);
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(response));
      }
    };
    const retry = header(req, "x-slack-retry-num");
    const retryReason = header(req, "x-slack-retry-reason");
    const event: ReceiverEvent = {
      body,
      ack,
      ...(retry !== undefined && /^\d+$/.test(retry) ? { retryNum: Number(retry) } : {}),
      ...(retryReason !== undefined ? { retryReason } : {}),
    };
    try {
      if (!this.app) throw new Error("the Slack receiver was started without an app");
      await this.app.processEvent(event);
    } catch (err) {
      this.opts.log.error("slack: processing a request failed", {
        err: err instanceof Error ? err.message : String(err),
      });
      if (!acked) {
        acked = true;
        clearTimeout(timer);
        res.writeHead(500);
        res.end();
      }
    }
  }
}
