// A fake Discord Gateway on loopback, speaking the protocol of docs.discord.com's "Gateway"
// pages with JSON encoding and no compression:
//   - the REST fake's GET /gateway/bot answers this server's URL (`/gateway`); READY names
//     another one as resume_gateway_url (`/resume`), where a client must go to RESUME
//   - on connect: HELLO (op 10) with heartbeat_interval; HEARTBEAT (op 1) is answered with
//     HEARTBEAT_ACK (op 11) unless `ackHeartbeats` is off
//   - IDENTIFY (op 2) is checked for the bot token (close 4004 otherwise) and for privileged
//     intents (close 4014), and answered with READY (op 0, t READY) carrying session_id and
//     resume_gateway_url
//   - dispatches (op 0) carry sequence numbers; a session keeps every dispatch, so RESUME
//     (op 6, session_id + seq) replays the ones after `seq`, then RESUMED
//   - reconnect() sends RECONNECT (op 7); invalidateSession() sends INVALID_SESSION (op 9,
//     d false) and forgets the session, so only a fresh IDENTIFY works; drop() cuts the TCP
//     connection without a close frame; a close with 1000 or 1001 ends the session, as on Discord
//   - anything before IDENTIFY or RESUME other than a heartbeat closes with 4003, an unknown
//     opcode with 4001, a wrong `v` with 4012, an encoding other than json with 4002
// Every frame in and out is kept (`frames`), so a test can tell what the client did.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { FakeDiscord } from "./discord-api.js";

export interface GatewayFrame {
  dir: "in" | "out";
  op: number;
  t?: string | null;
  s?: number | null;
  d?: unknown;
  /** Which connection (1, 2, ...). */
  conn: number;
}

interface Session {
  id: string;
  seq: number;
  events: { s: number; t: string; d: unknown }[];
}

interface Connection {
  n: number;
  ws: WebSocket;
  path: string;
  query: URLSearchParams;
  session?: Session;
}

const PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15);

export class FakeDiscordGateway {
  readonly frames: GatewayFrame[] = [];
  /** Each connection's path and query, in order, and the close code it ended with. */
  readonly connections: { path: string; query: Record<string, string>; closed?: number }[] = [];
  /** What the gateway sends in HELLO (ms). */
  heartbeatInterval = 45_000;
  /** Answer heartbeats (off: a zombie connection, which the client must notice). */
  ackHeartbeats = true;
  /**
   * Dispatches before the client's `seq` replayed on RESUME as well (0: only those after it,
   * as Discord does; more: a redelivery of what the client has seen).
   */
  replayOverlap = 0;
  url = "";
  resumeUrl = "";
  private server?: Server;
  private wss?: WebSocketServer;
  private readonly sessions = new Map<string, Session>();
  private live?: Connection;
  private conns = 0;

  constructor(
    private readonly rest: FakeDiscord,
    private readonly botToken: string,
    readonly botUserId = "100000000000000002",
  ) {}

  async start(): Promise<this> {
    const server = createServer((_req, res) => {
      res.statusCode = 426;
      res.end();
    });
    this.wss = new WebSocketServer({ noServer: true });
    server.on("upgrade", (req, socket, head) => {
      const u = new URL(req.url ?? "/", "http://localhost");
      if (u.pathname !== "/gateway" && u.pathname !== "/resume") {
        socket.destroy();
        return;
      }
      this.wss!.handleUpgrade(req, socket, head, (ws) => this.accept(ws, u));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.url = `ws://127.0.0.1:${port}/gateway`;
    this.resumeUrl = `ws://127.0.0.1:${port}/resume`;
    this.rest.gatewayUrl = this.url;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.wss?.clients ?? []) c.terminate();
    this.wss?.close();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Frames of one opcode (and event name), in or out. */
  framesOf(dir: "in" | "out", op: number, t?: string): GatewayFrame[] {
    return this.frames.filter((f) => f.dir === dir && f.op === op && (t === undefined || f.t === t));
  }

  /** Whether a client is connected with a session (after READY or RESUMED). */
  get ready(): boolean {
    return Boolean(this.live?.session) && this.live?.ws.readyState === 1;
  }

  /** The session of the current (or last) connection. */
  get sessionId(): string | undefined {
    return this.live?.session?.id;
  }

  /**
   * Sends a dispatch on the live session; with no connection it is kept and replayed on RESUME
   * (the session is the last one a client had).
   */
  dispatch(t: string, d: unknown): number {
    const session = this.live?.session ?? [...this.sessions.values()].at(-1);
    if (!session) throw new Error("fake Gateway: no session to dispatch on");
    const s = ++session.seq;
    session.events.push({ s, t, d });
    if (this.live?.session === session && this.live.ws.readyState === 1)
      this.send(this.live, { op: 0, t, s, d });
    return s;
  }

  /**
   * An INTERACTION_CREATE dispatch of an interaction made by the REST fake, with the fields
   * Discord always sends that the REST fake's leave out (version, locale, app_permissions,
   * entitlements, context, ...).
   */
  interaction(i: Record<string, unknown>): number {
    const guild = typeof i.guild_id === "string" ? i.guild_id : undefined;
    const full = {
      version: 1,
      locale: "en-GB",
      ...(guild ? { guild_locale: "en-US", guild: { id: guild, locale: "en-US", features: [] } } : {}),
      app_permissions: "309237763072",
      entitlements: [],
      authorizing_integration_owners: guild ? { "0": guild } : { "1": "500000000000000001" },
      context: guild ? 0 : 1,
      attachment_size_limit: 10_485_760,
      channel: { id: i.channel_id, type: 0, guild_id: guild, name: "peering" },
      ...i,
    };
    this.rest.issue(full);
    return this.dispatch("INTERACTION_CREATE", full);
  }

  /** RECONNECT (op 7): the client should close and RESUME on resume_gateway_url. */
  reconnect(): void {
    if (this.live) this.send(this.live, { op: 7, d: null });
  }

  /** INVALID_SESSION (op 9, d false): the session is gone; the client must IDENTIFY afresh. */
  invalidateSession(): void {
    const c = this.live;
    if (!c?.session) return;
    this.sessions.delete(c.session.id);
    c.session = undefined;
    this.send(c, { op: 9, d: false });
  }

  /** Cuts the connection without a close frame (the client sees 1006 and may RESUME). */
  drop(): void {
    this.live?.ws.terminate();
  }

  private send(
    c: Connection,
    payload: { op: number; d: unknown; s?: number | null; t?: string | null },
  ): void {
    const frame = { s: null, t: null, ...payload };
    this.frames.push({ dir: "out", conn: c.n, op: frame.op, t: frame.t, s: frame.s, d: frame.d });
    c.ws.send(JSON.stringify(frame));
  }

  private accept(ws: WebSocket, u: URL): void {
    const c: Connection = { n: ++this.conns, ws, path: u.pathname, query: u.searchParams };
    const record: (typeof this.connections)[number] = {
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
    };
    this.connections.push(record);
    this.live = c;
    ws.on("close", (code) => {
      record.closed = code;
      // A close with 1000 or 1001 ends the session, as Discord does; any other keeps it resumable.
      if ((code === 1000 || code === 1001) && c.session) this.sessions.delete(c.session.id);
    });
    ws.on("error", () => {});
    if (u.searchParams.get("v") !== "10") return void ws.close(4012, "Invalid API version");
    if (u.searchParams.get("encoding") !== "json" || u.searchParams.has("compress"))
      return void ws.close(4002, "Decode error");
    this.send(c, { op: 10, d: { heartbeat_interval: this.heartbeatInterval } });
    let authenticated = false;
    ws.on("message", (raw, isBinary) => {
      let p: { op?: unknown; d?: unknown };
      try {
        if (isBinary) throw new Error("binary");
        p = JSON.parse(String(raw)) as { op?: unknown; d?: unknown };
      } catch {
        return void ws.close(4002, "Decode error");
      }
      const op = typeof p.op === "number" ? p.op : -1;
      this.frames.push({ dir: "in", conn: c.n, op, d: p.d });
      if (op === 1) {
        if (this.ackHeartbeats) this.send(c, { op: 11, d: null });
        return;
      }
      if (op === 2 || op === 6) {
        if (authenticated) return void ws.close(4005, "Already authenticated");
        const d = (p.d ?? {}) as { token?: unknown; intents?: unknown; session_id?: unknown; seq?: unknown };
        if (d.token !== this.botToken) return void ws.close(4004, "Authentication failed");
        authenticated = true;
        if (op === 2) {
          if (typeof d.intents !== "number") return void ws.close(4013, "Invalid intent(s)");
          if (d.intents & PRIVILEGED_INTENTS) return void ws.close(4014, "Disallowed intent(s)");
          return this.identified(c);
        }
        const session = this.sessions.get(String(d.session_id));
        if (!session || c.path !== "/resume") {
          // Discord answers a resume it cannot honour with INVALID_SESSION (d false).
          authenticated = false;
          return this.send(c, { op: 9, d: false });
        }
        c.session = session;
        const after = Number(d.seq ?? 0) - this.replayOverlap;
        for (const e of session.events) if (e.s > after) this.send(c, { op: 0, t: e.t, s: e.s, d: e.d });
        this.send(c, { op: 0, t: "RESUMED", s: ++session.seq, d: {} });
        return;
      }
      if (!authenticated) return void ws.close(4003, "Not authenticated");
      if (op === 3 || op === 4 || op === 8) return; // presence, voice, member requests: ignored
      ws.close(4001, "Unknown opcode");
    });
  }

  private identified(c: Connection): void {
    const session: Session = { id: randomBytes(16).toString("hex"), seq: 0, events: [] };
    this.sessions.set(session.id, session);
    c.session = session;
    const s = ++session.seq;
    this.send(c, {
      op: 0,
      t: "READY",
      s,
      d: {
        v: 10,
        user: {
          id: this.botUserId,
          username: "peerbot",
          discriminator: "0",
          global_name: null,
          avatar: null,
          bot: true,
        },
        guilds: [],
        session_id: session.id,
        resume_gateway_url: this.resumeUrl,
        shard: [0, 1],
        application: { id: this.rest.applicationId, flags: 0 },
      },
    });
  }
}
