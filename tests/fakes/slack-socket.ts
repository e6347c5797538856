// A fake of Slack's Socket Mode on loopback, at the protocol level:
//  - apps.connections.open (served through FakeSlack's Web API: `fake.socketMode = socket`):
//    POST with the app-level token as Bearer, answering {ok: true, url: "ws://…/link/?ticket=…"}
//    with a one-use ticket; a missing token is not_authed, a bot token not_allowed_token_type,
//    any other token invalid_auth;
//  - the WebSocket at that URL: `hello` (num_connections, debug_info, connection_info.app_id)
//    on connect; envelopes {envelope_id, type, payload, accepts_response_payload[, retry_attempt,
//    retry_reason]} sent by the test; every ack {envelope_id, payload} recorded; `disconnect`
//    messages (warning, refresh_requested, link_disabled) and an abrupt drop of the socket.
// As Slack does, an envelope left unacknowledged on a socket that closed is delivered again on
// the next connection with the same envelope_id and retry_attempt + 1 (redeliverOnConnect).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import {
  blockActionBody,
  slashCommandBody,
  type BlockActionFields,
  type SlashCommandFields,
} from "./slack-api.js";

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export interface SentEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
  /** Which connection it went out on (1, 2, … in the order they opened), and when. */
  connection: number;
  sentAt: number;
}

export interface SocketAck {
  envelopeId: string;
  /** The ack's payload, as the app sent it ({} when it gave none). */
  payload?: unknown;
  connection: number;
  at: number;
}

export interface SocketConnection {
  id: number;
  openedAt: number;
  closedAt?: number;
  /** The close code seen (1000 when the client closed properly, 1006 when the socket just died). */
  closeCode?: number;
}

export interface FakeSlackSocketOptions {
  appToken: string;
  /** The bot token, refused here with not_allowed_token_type. */
  botToken?: string;
  appId?: string;
  /** The workspace the payloads come from (slack-api.ts's payloads say T1 unless given). */
  teamId?: string;
  /** Send unacknowledged envelopes of closed connections again on the next one (default true). */
  redeliverOnConnect?: boolean;
  /** Ping the client this often (ms), as Slack does; off by default. */
  pingEvery?: number;
}

export class FakeSlackSocket {
  /** Every apps.connections.open, answered or refused. */
  readonly opens: { at: number; ok: boolean; error?: string }[] = [];
  readonly connections: SocketConnection[] = [];
  readonly envelopes: SentEnvelope[] = [];
  readonly acks: SocketAck[] = [];
  /** Messages from the app that were not acks (there should be none). */
  readonly other: unknown[] = [];
  /** While true, new connections get no hello (the client stays connecting); see releaseHello. */
  holdHello = false;
  private held: WebSocket[] = [];
  /** Upgrades refused for an unknown or used ticket. */
  refusedUpgrades = 0;
  /** Acks that were lost on the way (loseAckOf), never counted as acks. */
  readonly lostAcks: SocketAck[] = [];
  private readonly losing = new Set<string>();
  private readonly live = new Map<number, WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: Server;
  private wss?: WebSocketServer;
  private waiters: (() => void)[] = [];
  private url = "";

  constructor(private readonly opts: FakeSlackSocketOptions) {}

  async start(): Promise<this> {
    this.wss = new WebSocketServer({ noServer: true });
    this.server = createServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(req, socket, head),
    );
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ws of this.live.values()) ws.terminate();
    this.live.clear();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  get appId(): string {
    return this.opts.appId ?? "A0PEERBOT";
  }

  /** Connections open now. */
  get liveCount(): number {
    return this.live.size;
  }

  /** apps.connections.open: FakeSlack hands it the request's Authorization header. */
  connectionsOpen(authorization: string | undefined): Record<string, unknown> {
    const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
    const error = !token
      ? "not_authed"
      : token === this.opts.botToken
        ? "not_allowed_token_type"
        : token !== this.opts.appToken
          ? "invalid_auth"
          : undefined;
    this.opens.push({ at: Date.now(), ok: !error, ...(error ? { error } : {}) });
    this.notify();
    if (error) return { ok: false, error };
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return { ok: true, url: `${this.url}/link/?ticket=${ticket}&app_id=${this.appId}` };
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const u = new URL(req.url ?? "/", "http://x");
    const ticket = u.searchParams.get("ticket") ?? "";
    if (u.pathname !== "/link/" || !this.tickets.delete(ticket)) {
      this.refusedUpgrades++;
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      this.notify();
      return;
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => this.connected(ws));
  }

  private connected(ws: WebSocket): void {
    const conn: SocketConnection = { id: this.connections.length + 1, openedAt: Date.now() };
    this.connections.push(conn);
    this.live.set(conn.id, ws);
    let ping: NodeJS.Timeout | undefined;
    if (this.opts.pingEvery) ping = setInterval(() => ws.ping("ping"), this.opts.pingEvery);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      let msg: { envelope_id?: unknown; payload?: unknown };
      try {
        msg = JSON.parse((data as Buffer).toString("utf8")) as typeof msg;
      } catch {
        this.other.push(String(data));
        return this.notify();
      }
      if (typeof msg.envelope_id === "string") {
        const ack = {
          envelopeId: msg.envelope_id,
          payload: msg.payload,
          connection: conn.id,
          at: Date.now(),
        };
        if (this.losing.delete(msg.envelope_id)) this.lostAcks.push(ack);
        else this.acks.push(ack);
      } else this.other.push(msg);
      this.notify();
    });
    ws.on("close", (code) => {
      if (ping) clearInterval(ping);
      conn.closedAt = Date.now();
      conn.closeCode = code;
      this.live.delete(conn.id);
      this.notify();
    });
    if (this.holdHello) this.held.push(ws);
    else this.hello(ws, conn.id);
    this.notify();
  }

  private hello(ws: WebSocket, conn: number): void {
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.live.size,
        debug_info: { host: "applink-fake-1", build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    if (this.opts.redeliverOnConnect !== false) this.redeliverUnacked(conn);
  }

  /** Sends the hello held back on the connections still open. */
  releaseHello(): void {
    this.holdHello = false;
    for (const ws of this.held.splice(0)) {
      const id = [...this.live].find(([, w]) => w === ws)?.[0];
      if (id !== undefined) this.hello(ws, id);
    }
  }

  /** Each envelope not acknowledged whose connection closed goes out again on `conn`. */
  private redeliverUnacked(conn: number): void {
    const latest = new Map<string, SentEnvelope>();
    for (const e of this.envelopes) latest.set(e.envelope_id, e);
    for (const e of latest.values()) {
      if (this.ackOf(e.envelope_id)) continue;
      if (this.live.has(e.connection) || e.connection === conn) continue;
      this.deliver({ ...e, retry_attempt: (e.retry_attempt ?? 0) + 1, retry_reason: "timeout" }, conn);
    }
  }

  /** The newest open connection (Slack picks any; the newest is as good as any here). */
  private newest(): number {
    const ids = [...this.live.keys()];
    if (!ids.length) throw new Error("fake Slack Socket Mode: no connection is open");
    return Math.max(...ids);
  }

  private deliver(e: Omit<SentEnvelope, "connection" | "sentAt">, conn = this.newest()): string {
    const ws = this.live.get(conn);
    if (!ws) throw new Error(`fake Slack Socket Mode: connection ${conn} is not open`);
    const { envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason } = e;
    ws.send(
      JSON.stringify({
        envelope_id,
        type,
        payload,
        accepts_response_payload,
        ...(retry_attempt !== undefined ? { retry_attempt, retry_reason } : {}),
      }),
    );
    this.envelopes.push({ ...e, connection: conn, sentAt: Date.now() });
    return envelope_id;
  }

  /** Sends an envelope on the newest connection; returns its envelope_id. */
  send(type: EnvelopeType, payload: Record<string, unknown>, opts: { envelopeId?: string } = {}): string {
    return this.deliver({
      envelope_id: opts.envelopeId ?? randomUUID(),
      type,
      payload,
      // Slash commands may answer in the ack; interactivity may not.
      accepts_response_payload: type === "slash_commands",
    });
  }

  /** The next ack of `envelopeId` is lost, as when the socket dies before it reaches Slack. */
  loseAckOf(envelopeId: string): void {
    this.losing.add(envelopeId);
  }

  /** A slash command envelope: the same fields as the HTTP form, as a JSON object. */
  slashCommand(fields: SlashCommandFields, opts: { envelopeId?: string } = {}): string {
    const payload: Record<string, unknown> = Object.fromEntries(
      new URLSearchParams(slashCommandBody(fields)),
    );
    payload.is_enterprise_install = "false";
    if (this.opts.teamId) payload.team_id = this.opts.teamId;
    return this.send("slash_commands", payload, opts);
  }

  /** An `interactive` envelope carrying a block_actions payload. */
  blockAction(fields: BlockActionFields): string {
    const form = new URLSearchParams(blockActionBody(fields));
    const payload = JSON.parse(form.get("payload") ?? "{}") as Record<string, unknown>;
    if (this.opts.teamId) {
      payload.team = { ...(payload.team as object), id: this.opts.teamId };
      payload.user = { ...(payload.user as object), team_id: this.opts.teamId };
    }
    return this.send("interactive", payload);
  }

  /**
   * Sends envelope `id` again, as Slack does when its ack did not arrive in time: on connection
   * `conn` (default the newest; Slack may pick another connection of the app).
   */
  redeliver(id: string, reason = "timeout", conn = this.newest()): string {
    const last = [...this.envelopes].reverse().find((e) => e.envelope_id === id);
    if (!last) throw new Error(`fake Slack Socket Mode: no envelope ${id}`);
    return this.deliver(
      { ...last, retry_attempt: (last.retry_attempt ?? 0) + 1, retry_reason: reason },
      conn,
    );
  }

  /** The ids of the connections open now, oldest first. */
  liveIds(): number[] {
    return [...this.live.keys()].sort((a, b) => a - b);
  }

  /**
   * Asks the app to reconnect, on the newest connection. Slack closes the socket itself some
   * seconds later if the app has not (`closeAfterMs`, default 10 s).
   */
  disconnect(reason: "warning" | "refresh_requested" | "link_disabled", closeAfterMs = 10_000): number {
    const conn = this.newest();
    const ws = this.live.get(conn)!;
    ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-fake-1" } }));
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.live.get(conn) === ws) ws.close(1000);
    }, closeAfterMs);
    this.timers.add(t);
    return conn;
  }

  /** Kills the newest connection's TCP socket without a close frame. */
  drop(): number {
    const conn = this.newest();
    this.live.get(conn)!.terminate();
    return conn;
  }

  ackOf(envelopeId: string): SocketAck | undefined {
    return this.acks.find((a) => a.envelopeId === envelopeId);
  }

  acksOf(envelopeId: string): SocketAck[] {
    return this.acks.filter((a) => a.envelopeId === envelopeId);
  }

  /** Resolves when `check` is true (re-checked on every socket event), or rejects after `ms`. */
  async waitFor<T>(check: () => T | undefined | false, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error("fake Slack Socket Mode: timed out waiting");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
