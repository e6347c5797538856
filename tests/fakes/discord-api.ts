// A fake Discord on loopback, at the protocol level:
//  (a) the REST routes the app calls under /api/v10 (webhook follow-ups and @original edits,
//      channel messages, command registration), JSON or multipart (payload_json + files[n]);
//  (b) a client that POSTs interactions to the app's endpoint signed with Ed25519 like Discord:
//      X-Signature-Ed25519 = hex(sign(timestamp + body)), X-Signature-Timestamp = unix seconds.
//  (c) for the Gateway (discord-gateway.ts): GET /gateway/bot with the WebSocket URL, and the
//      interaction callback POST /interactions/{id}/{token}/callback (204; 10062 for an unknown
//      interaction, 40060 for one already answered), applied like an HTTP endpoint's answer.
// The fake keeps the messages it has seen, so a test can follow an interaction to its message.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RestCall {
  method: string;
  path: string;
  auth?: string;
  body: Record<string, unknown>;
  files: { name: string; content: string }[];
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  /** Interaction token that created it (webhook messages). */
  token?: string;
  flags?: number;
  data: Record<string, unknown>;
  deleted?: boolean;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Discord's own checks that matter here (the full walk is in the renderer tests). */
function invalidMessage(b: Record<string, unknown>): string | undefined {
  const content = typeof b.content === "string" ? b.content : "";
  if (content.length > 2000) return "content";
  const embeds = (b.embeds ?? []) as Record<string, unknown>[];
  if (embeds.length > 10) return "embeds";
  let total = 0;
  for (const e of embeds) {
    const f = (e.fields ?? []) as { name: string; value: string }[];
    total += String(e.title ?? "").length + String(e.description ?? "").length;
    total += String((e.footer as { text?: string } | undefined)?.text ?? "").length;
    for (const x of f) total += x.name.length + x.value.length;
  }
  if (total > 6000) return "embed total";
  const rows = (b.components ?? []) as { components: { custom_id?: string }[] }[];
  if (rows.length > 5 || rows.some((r) => r.components.length > 5)) return "components";
  if (rows.some((r) => r.components.some((c) => (c.custom_id ?? "").length > 100))) return "custom_id";
  return undefined;
}

export class FakeDiscord {
  readonly calls: RestCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  /** Modals the app opened (interaction response type 9), in order. */
  readonly modals: { token: string; data: Record<string, unknown> }[] = [];
  /** The key pair of "the application": the app under test is given the public key. */
  readonly keys: { publicKey: KeyObject; privateKey: KeyObject };
  readonly publicKeyHex: string;
  private server?: Server;
  private seq = 1_000;
  private waiters: (() => void)[] = [];
  url = "";
  /** What GET /gateway/bot answers as `url` (set by the Gateway fake). */
  gatewayUrl = "";
  /** Interactions made by command() and press(), by id: what a callback answers. */
  readonly issued = new Map<string, Record<string, unknown>>();
  /** Ids of the interactions whose callback was taken. */
  readonly acknowledged = new Set<string>();
  /** The servers the bot is in (a guild's command registration needs it: 50001 otherwise). */
  readonly guilds = new Set(["300000000000000001"]);
  /** How long a callback takes before its message exists (Discord's own processing), ms. */
  callbackDelayMs = 0;
  /**
   * Per-route buckets for channel messages, as Discord keeps them: creating messages in a
   * channel, and editing them, each `limit` calls per `windowMs`. Every answer on those routes
   * carries X-RateLimit-Limit, -Remaining, -Reset-After and -Bucket; a call over the limit gets
   * 429 with `retry_after` and Retry-After.
   */
  rateLimit?: { limit: number; windowMs: number };
  /** The next `times` channel-message calls answer 429 with this retry_after, whatever the buckets. */
  force429?: { times: number; retryAfterMs: number };
  /** Calls answered 429, with when and the retry_after given (ms). */
  readonly tooMany: { method: string; path: string; at: number; retryAfterMs: number }[] = [];
  private readonly buckets = new Map<string, { remaining: number; resetAt: number }>();

  constructor(
    private readonly botToken: string,
    readonly applicationId = "100000000000000001",
  ) {
    this.keys = generateKeyPairSync("ed25519");
    const jwk = this.keys.publicKey.export({ format: "jwk" });
    this.publicKeyHex = Buffer.from(String(jwk.x), "base64url").toString("hex");
  }

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
    return `${this.url}/api`;
  }

  nextId(): string {
    return String(++this.seq).padStart(18, "9");
  }

  callsTo(method: string, pathPart: string | RegExp): RestCall[] {
    return this.calls.filter(
      (c) =>
        c.method === method &&
        (typeof pathPart === "string" ? c.path.includes(pathPart) : pathPart.test(c.path)),
    );
  }

  async waitFor<T>(check: () => T | undefined | false, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error("fake Discord: timed out waiting");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private lastActivity = 0;

  async quiet(ms = 150): Promise<void> {
    while (Date.now() - this.lastActivity < ms) await new Promise((r) => setTimeout(r, ms / 3));
  }

  private notify(): void {
    this.lastActivity = Date.now();
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private send(res: ServerResponse, status: number, body?: unknown): void {
    res.statusCode = status;
    if (body !== undefined) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(body));
    } else res.end();
    this.notify();
  }

  private original(token: string): FakeMessage | undefined {
    return [...this.messages.values()].find((m) => m.token === token && !m.deleted);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? "/", this.url).pathname);
    const raw = await readBody(req);
    const ct = req.headers["content-type"] ?? "";
    let body: Record<string, unknown> = {};
    const files: { name: string; content: string }[] = [];
    if (ct.startsWith("multipart/form-data")) {
      const form = await new Response(raw, { headers: { "content-type": ct } }).formData();
      for (const [k, v] of form) {
        if (k === "payload_json") body = JSON.parse(String(v)) as Record<string, unknown>;
        else if (typeof v !== "string") files.push({ name: (v as File).name, content: await v.text() });
      }
    } else if (raw.length) body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    const method = req.method ?? "GET";
    const auth = req.headers.authorization;
    this.calls.push({ method, path, ...(auth ? { auth } : {}), body, files });

    const m = /^\/api\/v10(\/.*)$/.exec(path);
    if (!m) return this.send(res, 404, { message: "404: Not Found", code: 0 });
    const p = m[1]!;
    const bad = method === "POST" || method === "PATCH" ? invalidMessage(body) : undefined;
    if (bad && !p.includes("/commands"))
      return this.send(res, 400, { message: "Invalid Form Body", code: 50035, errors: bad });

    let r: RegExpExecArray | null;
    if ((r = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/@original$/.exec(p))) {
      const msg = this.original(r[2]!);
      if (!msg) return this.send(res, 404, { message: "Unknown Message", code: 10008 });
      if (method === "GET")
        return this.send(res, 200, { id: msg.id, channel_id: msg.channel_id, ...msg.data });
      if (method === "DELETE") {
        msg.deleted = true;
        return this.send(res, 204);
      }
      if (method === "PATCH") {
        msg.data = { ...msg.data, ...body, files };
        return this.send(res, 200, { id: msg.id, channel_id: msg.channel_id, ...msg.data });
      }
    }
    if ((r = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(p)) && method === "POST") {
      const source = [...this.messages.values()].find((x) => x.token === r![2]);
      const msg: FakeMessage = {
        id: this.nextId(),
        channel_id: source?.channel_id ?? "0",
        flags: Number(body.flags ?? 0),
        data: { ...body, files },
      };
      this.messages.set(msg.id, msg);
      return this.send(res, 200, { id: msg.id, channel_id: msg.channel_id, ...msg.data });
    }
    const botAuth = auth === `Bot ${this.botToken}`;
    if (/^\/channels\/\d+\/messages(\/\d+)?$/.test(p) && (method === "POST" || method === "PATCH")) {
      const over = this.bucket(res, method, p);
      if (over !== undefined) {
        this.tooMany.push({ method, path: p, at: Date.now(), retryAfterMs: over });
        res.setHeader("retry-after", String(over / 1000));
        res.setHeader("x-ratelimit-scope", "user");
        return this.send(res, 429, {
          message: "You are being rate limited.",
          retry_after: over / 1000,
          global: false,
        });
      }
    }
    if ((r = /^\/channels\/(\d+)\/messages$/.exec(p)) && method === "POST") {
      if (!botAuth) return this.send(res, 401, { message: "401: Unauthorized", code: 0 });
      const msg: FakeMessage = { id: this.nextId(), channel_id: r[1]!, data: { ...body, files } };
      this.messages.set(msg.id, msg);
      return this.send(res, 200, { id: msg.id, channel_id: msg.channel_id, ...msg.data });
    }
    if ((r = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(p)) && method === "PATCH") {
      if (!botAuth) return this.send(res, 401, { message: "401: Unauthorized", code: 0 });
      const msg = this.messages.get(r[2]!) ?? { id: r[2]!, channel_id: r[1]!, data: {} };
      msg.data = { ...msg.data, ...body, files };
      this.messages.set(msg.id, msg);
      return this.send(res, 200, { id: msg.id, channel_id: msg.channel_id, ...msg.data });
    }
    if (p === "/users/@me" && method === "GET") {
      if (!botAuth) return this.send(res, 401, { message: "401: Unauthorized", code: 0 });
      return this.send(res, 200, {
        id: this.applicationId,
        username: "peerbot",
        discriminator: "0",
        bot: true,
      });
    }
    if (p === "/gateway/bot" && method === "GET") {
      if (!botAuth) return this.send(res, 401, { message: "401: Unauthorized", code: 0 });
      return this.send(res, 200, {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      });
    }
    if ((r = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(p)) && method === "POST") {
      const interaction = this.issued.get(r[1]!);
      if (!interaction || interaction.token !== r[2])
        return this.send(res, 404, { message: "Unknown interaction", code: 10062 });
      if (this.acknowledged.has(r[1]!))
        return this.send(res, 400, { message: "Interaction has already been acknowledged.", code: 40060 });
      const invalid = body.data ? invalidMessage(body.data as Record<string, unknown>) : undefined;
      if (invalid) return this.send(res, 400, { message: "Invalid Form Body", code: 50035, errors: invalid });
      this.acknowledged.add(r[1]!);
      if (this.callbackDelayMs) await new Promise((resolve) => setTimeout(resolve, this.callbackDelayMs));
      this.apply(interaction, body);
      return this.send(res, 204);
    }
    if ((r = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(p)) && method === "PUT") {
      if (!botAuth) return this.send(res, 401, { message: "401: Unauthorized", code: 0 });
      if (r[1] !== this.applicationId)
        return this.send(res, 403, { message: "Unknown Application", code: 10002 });
      if (r[2] && !this.guilds.has(r[2]))
        return this.send(res, 403, { message: "Missing Access", code: 50001 });
      // Discord answers with the commands as registered: ids and versions added.
      if (!Array.isArray(body)) return this.send(res, 200, body);
      const registered = (body as Record<string, unknown>[]).map((c) => ({
        id: this.nextId(),
        application_id: this.applicationId,
        version: this.nextId(),
        ...(r![2] ? { guild_id: r![2] } : {}),
        ...c,
      }));
      return this.send(res, 200, registered);
    }
    return this.send(res, 404, { message: "404: Not Found", code: 0 });
  }

  /** Spends a call of the route's bucket and sets its headers; the ms to wait when it is empty. */
  private bucket(res: ServerResponse, method: string, path: string): number | undefined {
    const f = this.force429;
    if (f && f.times > 0) {
      f.times--;
      return f.retryAfterMs;
    }
    const l = this.rateLimit;
    if (!l) return undefined;
    const channel = /^\/channels\/(\d+)/.exec(path)![1]!;
    const key = `${method}:${channel}`;
    const now = Date.now();
    let b = this.buckets.get(key);
    if (!b || now >= b.resetAt) b = { remaining: l.limit, resetAt: now + l.windowMs };
    this.buckets.set(key, b);
    const resetAfter = Math.max(0, b.resetAt - now) / 1000;
    res.setHeader("x-ratelimit-limit", String(l.limit));
    res.setHeader("x-ratelimit-bucket", `bucket-${method.toLowerCase()}-messages`);
    res.setHeader("x-ratelimit-reset-after", resetAfter.toFixed(3));
    if (b.remaining <= 0) {
      res.setHeader("x-ratelimit-remaining", "0");
      return Math.max(1, b.resetAt - now);
    }
    b.remaining--;
    res.setHeader("x-ratelimit-remaining", String(b.remaining));
    return undefined;
  }

  // -------------------------------------------------------------------------
  // Interactions to the app
  // -------------------------------------------------------------------------

  /**
   * POSTs `interaction` to the app, signed with `privateKey` (the application's by default),
   * and applies the answer as Discord would: a message for type 4/5, an update for type 6/7.
   */
  async interact(
    endpoint: string,
    interaction: Record<string, unknown>,
    opts: { privateKey?: KeyObject; timestamp?: number; tamper?: boolean } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const body = JSON.stringify(interaction);
    const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(ts + body), opts.privateKey ?? this.keys.privateKey).toString(
      "hex",
    );
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-signature-ed25519": signature,
        "x-signature-timestamp": ts,
      },
      body: opts.tamper ? body.replace("peers", "deploy") : body,
    });
    const text = await res.text();
    const answer = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (res.status === 200) this.apply(interaction, answer);
    return { status: res.status, body: answer };
  }

  private apply(interaction: Record<string, unknown>, answer: Record<string, unknown>): void {
    const token = String(interaction.token);
    if (answer.type === 9) {
      // A modal opens on the user's screen; nothing is posted.
      this.modals.push({ token, data: (answer.data ?? {}) as Record<string, unknown> });
      this.notify();
      return;
    }
    const channel = String(interaction.channel_id ?? "0");
    const data = (answer.data ?? {}) as Record<string, unknown>;
    const source = interaction.message as { id: string } | undefined;
    if (answer.type === 4 || answer.type === 5) {
      const msg: FakeMessage = {
        id: this.nextId(),
        channel_id: channel,
        token,
        flags: Number(data.flags ?? 0),
        data: answer.type === 5 ? { content: "peerbot is thinking…" } : data,
      };
      this.messages.set(msg.id, msg);
    } else if ((answer.type === 6 || answer.type === 7) && source) {
      const msg = this.messages.get(source.id) ?? { id: source.id, channel_id: channel, data: {} };
      msg.token = token;
      if (answer.type === 7) msg.data = { ...msg.data, ...data };
      this.messages.set(msg.id, msg);
    }
    this.notify();
  }

  private tokenSeq = 0;

  /** A slash command interaction. */
  command(
    name: string,
    options: Record<string, string>,
    who: { userId: string; roles?: string[] },
  ): Record<string, unknown> {
    return this.issue({
      id: this.nextId(),
      type: 2,
      application_id: this.applicationId,
      token: `itoken-${++this.tokenSeq}`,
      guild_id: "300000000000000001",
      channel_id: "200000000000000001",
      member: {
        user: { id: who.userId, username: `user${who.userId.slice(-2)}`, global_name: "Alice" },
        roles: who.roles ?? [],
      },
      data: {
        id: "400000000000000001",
        name,
        type: 1,
        options: Object.entries(options).map(([k, v]) => ({ name: k, type: 3, value: v })),
      },
    });
  }

  /** Remembers an interaction, so that its callback can be answered. */
  issue(interaction: Record<string, unknown>): Record<string, unknown> {
    this.issued.set(String(interaction.id), interaction);
    return interaction;
  }

  /**
   * A modal's submission (interaction type 5, MODAL_SUBMIT): `modal` as the app opened it, with
   * what the user typed by text input custom_id; `message` is the one whose button opened it.
   */
  modalSubmit(
    modal: Record<string, unknown>,
    values: Record<string, string>,
    who: { userId: string; roles?: string[] },
    message?: { id: string; flags?: number },
  ): Record<string, unknown> {
    const rows = (modal.components ?? []) as { components: { custom_id: string }[] }[];
    return {
      id: this.nextId(),
      type: 5,
      application_id: this.applicationId,
      token: `itoken-${++this.tokenSeq}`,
      guild_id: "300000000000000001",
      channel_id: "200000000000000001",
      member: { user: { id: who.userId, username: "alice" }, roles: who.roles ?? [] },
      ...(message
        ? { message: { channel_id: "200000000000000001", flags: 0, components: [], ...message } }
        : {}),
      data: {
        custom_id: modal.custom_id,
        components: rows.map((r) => ({
          type: 1,
          components: r.components.map((c) => ({
            type: 4,
            custom_id: c.custom_id,
            value: values[c.custom_id] ?? "",
          })),
        })),
      },
    };
  }

  /** A button press on message `message`. */
  press(
    customId: string,
    message: { id: string; flags?: number; components?: unknown[] },
    who: { userId: string; roles?: string[] },
  ): Record<string, unknown> {
    return this.issue({
      id: this.nextId(),
      type: 3,
      application_id: this.applicationId,
      token: `itoken-${++this.tokenSeq}`,
      guild_id: "300000000000000001",
      channel_id: "200000000000000001",
      member: { user: { id: who.userId, username: "alice" }, roles: who.roles ?? [] },
      message: { channel_id: "200000000000000001", flags: 0, components: [], ...message },
      data: { custom_id: customId, component_type: 2 },
    });
  }
}
