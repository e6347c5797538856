// A fake Slack on loopback, at the protocol level:
//  (a) the Web API methods the app calls (POST /api/<method>, form-encoded or JSON, bearer
//      token checked), file uploads (files.getUploadURLExternal -> POST upload_url ->
//      files.completeUploadExternal) and response_urls (POST /response/<id>);
//  (b) a client that sends slash commands and block_actions to the app's HTTP receiver, signed
//      with Slack's v0 scheme: X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret,
//      "v0:" + X-Slack-Request-Timestamp + ":" + body)).
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SlackCall {
  method: string;
  params: Record<string, unknown>;
}

export interface SlackUpload {
  fileId: string;
  filename: string;
  content: string;
  channel?: string;
  threadTs?: string;
}

export interface FakeSlackOptions {
  botToken: string;
  /** Channels where chat.postMessage answers not_in_channel. */
  notInChannel?: string[];
  /** Channels where chat.postMessage fails with another error. */
  failIn?: string[];
  /** usergroups.list result: group id -> member user ids. */
  userGroups?: Record<string, string[]>;
  /** trigger_ids that views.open refuses as expired_trigger_id. */
  expiredTriggers?: string[];
  /**
   * Rate limits enforced as Slack does, answering 429 with Retry-After (seconds) and
   * `ratelimited`: chat.postMessage per channel, chat.update per workspace, each a token
   * bucket of `burst` calls refilled one every `everyMs`.
   */
  limits?: {
    postPerChannel?: { everyMs: number; burst: number };
    update?: { everyMs: number; burst: number };
  };
  /** The next `times` calls of `method` answer 429 with this Retry-After, whatever the limits. */
  force429?: { method: string; times: number; retryAfterSeconds: number };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Slack's form encoding: scalars as strings, objects and arrays as JSON strings. */
function parseParams(contentType: string, body: Buffer): Record<string, unknown> {
  if (contentType.startsWith("application/json"))
    return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) {
    out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
  }
  return out;
}

export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  readonly uploads: SlackUpload[] = [];
  /** Every method ever called (never cleared). */
  readonly methodsSeen = new Set<string>();
  private readonly pending = new Map<string, { filename: string; content?: string }>();
  private server?: Server;
  private seq = 0;
  private waiters: (() => void)[] = [];
  url = "";
  /** Every call answered 429, with when (ms since the epoch) and the Retry-After given. */
  readonly tooMany: { method: string; at: number; retryAfter: number }[] = [];
  /** When each call arrived (ms since the epoch), in order: the test reads the gaps. */
  readonly arrivals: { method: string; at: number; channel?: string }[] = [];
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** Socket Mode (./slack-socket.ts): answers apps.connections.open, authenticated by the app token. */
  socketMode?: { connectionsOpen(authorization: string | undefined): Record<string, unknown> };

  constructor(private readonly opts: FakeSlackOptions) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A fresh response_url. */
  responseUrl(): string {
    return `${this.url}/response/r${++this.seq}`;
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves when `check` is true (re-checked after every request), or rejects after `ms`. */
  async waitFor<T>(check: () => T | undefined | false, ms = 5000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error("fake Slack: timed out waiting");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private lastActivity = 0;

  /** Resolves once no request has arrived for `ms` (lets a test's background work finish). */
  async quiet(ms = 150): Promise<void> {
    while (Date.now() - this.lastActivity < ms) await new Promise((r) => setTimeout(r, ms / 3));
  }

  private notify(): void {
    this.lastActivity = Date.now();
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private json(res: ServerResponse, body: unknown, status = 200): void {
    res.statusCode = status;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(body));
    this.notify();
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", this.url).pathname;
    const body = await readBody(req);
    if (path.startsWith("/response/")) {
      this.responses.push({ id: path.slice("/response/".length), body: JSON.parse(body.toString("utf8")) });
      return this.json(res, { ok: true });
    }
    if (path.startsWith("/upload/")) {
      const id = path.slice("/upload/".length);
      const p = this.pending.get(id);
      if (!p) return this.json(res, { ok: false }, 404);
      // The client posts the bytes as a multipart field; keep the file part's content.
      const ct = req.headers["content-type"] ?? "";
      if (ct.startsWith("multipart/form-data")) {
        const form = await new Response(body, { headers: { "content-type": ct } }).formData();
        const part = [...form.values()][0];
        p.content = typeof part === "string" ? part : await (part as Blob).text();
      } else p.content = body.toString("utf8");
      res.statusCode = 200;
      res.end("OK");
      this.notify();
      return;
    }
    if (!path.startsWith("/api/")) return this.json(res, { ok: false, error: "unknown_path" }, 404);
    const method = path.slice("/api/".length);
    const params = parseParams(req.headers["content-type"] ?? "", body);
    if (method === "apps.connections.open" && this.socketMode)
      return this.json(res, this.socketMode.connectionsOpen(req.headers.authorization));
    if (req.headers.authorization !== `Bearer ${this.opts.botToken}` && params.token !== this.opts.botToken) {
      return this.json(res, { ok: false, error: "invalid_auth" });
    }
    const now = Date.now();
    this.arrivals.push({ method, at: now, ...(params.channel ? { channel: String(params.channel) } : {}) });
    const wait = this.limited(method, params, now);
    if (wait !== undefined) {
      this.tooMany.push({ method, at: now, retryAfter: wait });
      res.setHeader("retry-after", String(wait));
      return this.json(res, { ok: false, error: "ratelimited" }, 429);
    }
    this.calls.push({ method, params });
    this.methodsSeen.add(method);
    return this.json(res, this.answer(method, params));
  }

  /** Seconds to wait when this call is over a limit, else undefined (and a token is spent). */
  private limited(method: string, p: Record<string, unknown>, now: number): number | undefined {
    const f = this.opts.force429;
    if (f && f.method === method && f.times > 0) {
      f.times--;
      return f.retryAfterSeconds;
    }
    const l = this.opts.limits;
    const lane =
      method === "chat.postMessage" && l?.postPerChannel
        ? { key: `post:${String(p.channel)}`, ...l.postPerChannel }
        : method === "chat.update" && l?.update
          ? { key: "update", ...l.update }
          : undefined;
    if (!lane) return undefined;
    const b = this.buckets.get(lane.key) ?? { tokens: lane.burst, at: now };
    b.tokens = Math.min(lane.burst, b.tokens + (now - b.at) / lane.everyMs);
    b.at = now;
    this.buckets.set(lane.key, b);
    // A little slack for timers that fire a millisecond early.
    if (b.tokens < 0.95) return Math.max(1, Math.ceil(((1 - b.tokens) * lane.everyMs) / 1000));
    b.tokens -= 1;
    return undefined;
  }

  private answer(method: string, p: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://fake.slack/",
          team: "Fake",
          user: "peerbot",
          team_id: "T1",
          user_id: "UBOT",
          bot_id: "BBOT",
        };
      case "chat.postMessage": {
        const channel = String(p.channel);
        if (this.opts.notInChannel?.includes(channel)) return { ok: false, error: "not_in_channel" };
        if (this.opts.failIn?.includes(channel)) return { ok: false, error: "msg_too_long" };
        const invalid = invalidBlocks(p.blocks);
        if (invalid) return { ok: false, error: "invalid_blocks", errors: [invalid] };
        return { ok: true, channel, ts: `1700000000.${String(++this.seq).padStart(6, "0")}` };
      }
      case "chat.update": {
        const invalid = invalidBlocks(p.blocks);
        if (invalid) return { ok: false, error: "invalid_blocks", errors: [invalid] };
        return { ok: true, channel: p.channel, ts: p.ts };
      }
      case "chat.postEphemeral":
        return { ok: true, message_ts: `1700000000.${String(++this.seq).padStart(6, "0")}` };
      case "usergroups.list":
        return {
          ok: true,
          usergroups: Object.entries(this.opts.userGroups ?? {}).map(([id, users]) => ({ id, users })),
        };
      case "views.open": {
        // A trigger_id lives 3 s and opens one view; the fake refuses the ones a test names.
        const trigger = String(p.trigger_id ?? "");
        if (!trigger) return { ok: false, error: "invalid_arguments" };
        if (this.opts.expiredTriggers?.includes(trigger)) return { ok: false, error: "expired_trigger_id" };
        const view = p.view as Record<string, unknown> | undefined;
        const title = (view?.title as { text?: string } | undefined)?.text ?? "";
        if (view?.type !== "modal" || title.length < 1 || title.length > 24)
          return { ok: false, error: "invalid_arguments" };
        return { ok: true, view: { ...view, id: `V${++this.seq}` } };
      }
      case "conversations.open":
        return { ok: true, channel: { id: `D${String(p.users)}` } };
      case "files.getUploadURLExternal": {
        const id = `F${++this.seq}`;
        this.pending.set(id, { filename: String(p.filename) });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case "files.completeUploadExternal": {
        const files = (p.files ?? []) as { id: string; title?: string }[];
        for (const f of files) {
          const up = this.pending.get(f.id);
          this.uploads.push({
            fileId: f.id,
            filename: up?.filename ?? "?",
            content: up?.content ?? "",
            ...(p.channel_id ? { channel: String(p.channel_id) } : {}),
            ...(p.thread_ts ? { threadTs: String(p.thread_ts) } : {}),
          });
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}

/** The checks Slack makes that matter here (the full walk is in the renderer tests). */
function invalidBlocks(blocks: unknown): string | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return "blocks is not an array";
  if (blocks.length > 50) return `${blocks.length} blocks`;
  for (const b of blocks as Record<string, unknown>[]) {
    const t = (b.text as { text?: string } | undefined)?.text;
    if (t !== undefined && t.length > (b.type === "header" ? 150 : 3000)) return `text of ${t.length}`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Signed requests to the app
// ---------------------------------------------------------------------------

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SentRequest {
  status: number;
  body: string;
}

/** POSTs `body` (form-encoded) to the app, signed with `secret` (or a given signature). */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  opts: { timestamp?: number; signature?: string } = {},
): Promise<SentRequest> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": opts.signature ?? slackSignature(secret, ts, body),
    },
    body,
  });
  return { status: res.status, body: await res.text() };
}

export interface SlashCommandFields {
  command: string;
  text: string;
  user_id: string;
  user_name: string;
  channel_id: string;
  response_url: string;
}

export function slashCommandBody(f: SlashCommandFields): string {
  return new URLSearchParams({
    token: "legacy-verification-token",
    team_id: "T1",
    team_domain: "fake",
    channel_name: "peering",
    api_app_id: "A1",
    trigger_id: "1.2.3",
    ...f,
  }).toString();
}

export interface BlockActionFields {
  actionId: string;
  value?: string;
  blockId?: string;
  userId: string;
  userName: string;
  channelId: string;
  messageTs: string;
  threadTs?: string;
  responseUrl: string;
  ephemeral?: boolean;
}

export function blockActionBody(f: BlockActionFields): string {
  const payload = {
    type: "block_actions",
    api_app_id: "A1",
    token: "legacy-verification-token",
    trigger_id: "1.2.3",
    team: { id: "T1", domain: "fake" },
    user: { id: f.userId, username: f.userName, name: f.userName, team_id: "T1" },
    container: {
      type: "message",
      message_ts: f.messageTs,
      channel_id: f.channelId,
      is_ephemeral: !!f.ephemeral,
    },
    channel: { id: f.channelId, name: "peering" },
    ...(f.ephemeral
      ? {}
      : {
          message: {
            type: "message",
            ts: f.messageTs,
            ...(f.threadTs ? { thread_ts: f.threadTs } : {}),
            text: "x",
          },
        }),
    response_url: f.responseUrl,
    actions: [
      {
        type: "button",
        action_id: f.actionId,
        block_id: f.blockId ?? "b1",
        value: f.value ?? f.actionId,
        text: { type: "plain_text", text: "x" },
        action_ts: "1700000000.1",
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface ViewSubmissionFields {
  userId: string;
  userName: string;
  /** The view as views.open was given it (callback_id, private_metadata, blocks). */
  view: Record<string, unknown>;
  /** What the user typed, by block_id; a block left out was left empty (null, as Slack sends). */
  values: Record<string, string>;
}

/** A view_submission, as Slack sends it when the user presses the modal's submit button. */
export function viewSubmissionBody(f: ViewSubmissionFields): string {
  const blocks = (f.view.blocks ?? []) as {
    type: string;
    block_id?: string;
    element?: { action_id?: string };
  }[];
  const values: Record<string, Record<string, { type: string; value: string | null }>> = {};
  for (const b of blocks) {
    if (b.type !== "input" || !b.block_id) continue;
    values[b.block_id] = {
      [b.element?.action_id ?? "value"]: { type: "plain_text_input", value: f.values[b.block_id] ?? null },
    };
  }
  const payload = {
    type: "view_submission",
    team: { id: "T1", domain: "fake" },
    user: { id: f.userId, username: f.userName, name: f.userName, team_id: "T1" },
    api_app_id: "A1",
    token: "legacy-verification-token",
    trigger_id: "4.5.6",
    view: {
      id: "V1",
      team_id: "T1",
      type: "modal",
      blocks,
      private_metadata: f.view.private_metadata ?? "",
      callback_id: f.view.callback_id ?? "",
      state: { values },
      hash: "1700000000.abc",
      title: f.view.title,
      submit: f.view.submit,
      close: f.view.close,
      app_id: "A1",
      bot_id: "BBOT",
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
