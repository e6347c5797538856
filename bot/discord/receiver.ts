// Where Discord's interactions come from: the receiver, apart from what is done with them
// (interactions.ts), as Bolt keeps its receivers apart from its listeners. A receiver hands
// each verified interaction to the handler and delivers the handler's interaction response.
//
// HttpInteractionReceiver is the HTTP Interactions endpoint: Discord POSTs every slash command
// and button press to it, signed with Ed25519 (X-Signature-Ed25519 over X-Signature-Timestamp
// + body, checked against the application's public key); the response goes back in the HTTP
// answer. It refuses a body over 1 MB (413), a bad signature or a timestamp too far from now
// (401), a body that is not JSON (400) and an interaction the handler does not take (400), and
// answers Discord's PING itself. A Gateway connection (INTERACTION_CREATE in, the response
// POSTed to the interaction's callback) is another InteractionReceiver.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InteractionResponseType, InteractionType } from "discord.js";
import type { Logger } from "../../core/log.js";

export interface DiscordUser {
  id: string;
  username?: string;
  global_name?: string | null;
}
export interface DiscordRawButton {
  type: number;
  custom_id?: string;
  label?: string;
  style?: number;
}

/** An interaction as Discord sends it (the fields peerbot reads). */
export interface DiscordInteraction {
  id: string;
  type: number;
  token: string;
  application_id: string;
  channel_id?: string;
  channel?: { id: string };
  guild_id?: string;
  member?: { user: DiscordUser; roles?: string[] };
  user?: DiscordUser;
  data?: {
    name?: string;
    options?: { name: string; type: number; value?: unknown }[];
    custom_id?: string;
    component_type?: number;
  };
  message?: {
    id: string;
    channel_id?: string;
    flags?: number;
    components?: { components?: DiscordRawButton[] }[];
  };
}

/** The answer to an interaction (Discord's "interaction response"). */
export interface InteractionResponse {
  type: number;
  data?: Record<string, unknown>;
}

/** Handles one interaction; undefined when it is of a type the handler does not take. */
export type InteractionHandler = (i: DiscordInteraction) => Promise<InteractionResponse | undefined>;

export interface InteractionReceiver {
  /** Starts handing interactions to `handler`; resolves once it is ready for them. */
  start(handler: InteractionHandler): Promise<void>;
  stop(): Promise<void>;
}

/** The public key as a KeyObject (Ed25519, from its 32 raw bytes in hex). */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error("the Discord public key must be 64 hex digits");
  return createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(hex, "hex").toString("base64url") },
    format: "jwk",
  });
}

/** Checks Discord's Ed25519 signature of timestamp + body. */
export function verifyDiscordSignature(
  key: KeyObject,
  signatureHex: string,
  timestamp: string,
  body: Buffer,
): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex) || !timestamp) return false;
  try {
    return verify(
      null,
      Buffer.concat([Buffer.from(timestamp, "utf8"), body]),
      key,
      Buffer.from(signatureHex, "hex"),
    );
  } catch {
    return false;
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface HttpInteractionReceiverOptions {
  /** The application's Ed25519 public key, 64 hex digits. */
  publicKey: string;
  /** Port (0: any free port) and host. Default 3001 on every interface. */
  port?: number;
  host?: string;
  /** Path of the endpoint. Default "/interactions". */
  path?: string;
  /** Refuse requests whose timestamp is further than this from now (s). Default 300. */
  maxSkewSeconds?: number;
  /** Refuse bodies larger than this (bytes). Default 1 MB. */
  bodyLimit?: number;
  log: Logger;
}

type HttpAnswer = { status: number; body: unknown };

export class HttpInteractionReceiver implements InteractionReceiver {
  private readonly key: KeyObject;
  private readonly endpoint: string;
  private server?: Server;
  private listening?: number;

  constructor(private readonly opts: HttpInteractionReceiverOptions) {
    this.key = discordPublicKey(opts.publicKey);
    this.endpoint = opts.path ?? "/interactions";
  }

  /** The port listened on, once started. */
  get port(): number | undefined {
    return this.listening;
  }

  async start(handler: InteractionHandler): Promise<void> {
    const log = this.opts.log;
    const server = createServer((req, res) => {
      this.serve(req, res, handler).catch((err: unknown) => {
        log.error("discord: interaction failed", { err });
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 3001, this.opts.host ?? "0.0.0.0", () => resolve());
    });
    this.server = server;
    this.listening = (server.address() as AddressInfo).port;
    log.info("discord: interactions endpoint listening", { port: this.listening, path: this.endpoint });
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse, handler: InteractionHandler): Promise<void> {
    const send = (a: HttpAnswer): void => {
      res.statusCode = a.status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(a.body));
    };
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "POST" || url.pathname !== this.endpoint)
      return send({ status: 404, body: { error: "not found" } });
    const body = await readBody(req, this.opts.bodyLimit ?? 1_000_000);
    if (!body) return send({ status: 413, body: { error: "too large" } });
    const sig = String(req.headers["x-signature-ed25519"] ?? "");
    const ts = String(req.headers["x-signature-timestamp"] ?? "");
    const skew = Math.abs(Date.now() / 1000 - Number(ts));
    if (!verifyDiscordSignature(this.key, sig, ts, body) || !(skew <= (this.opts.maxSkewSeconds ?? 300))) {
      this.opts.log.warn("discord: refused a request with a bad signature");
      return send({ status: 401, body: { error: "invalid request signature" } });
    }
    let i: DiscordInteraction;
    try {
      i = JSON.parse(body.toString("utf8")) as DiscordInteraction;
    } catch {
      return send({ status: 400, body: { error: "bad json" } });
    }
    // Discord PINGs the endpoint to check it is ours: an HTTP endpoint's own business.
    if (i.type === InteractionType.Ping)
      return send({ status: 200, body: { type: InteractionResponseType.Pong } });
    const response = await handler(i);
    if (!response) return send({ status: 400, body: { error: "unsupported interaction type" } });
    return send({ status: 200, body: response });
  }
}
