// Where Discord's interactions come from: the receiver, apart from what is done with them
// (interactions.ts), as Bolt keeps its receivers apart from its listeners. A receiver hands
// each verified interaction to the handler and delivers the handler's interaction response.
//
// HttpInteractionReceiver is the HTTP Interactions endpoint: Discord POSTs every slash command
// and button press to it, signed with Ed25519 (X-Signature-Ed25519 over X-Signature-Timestamp
// + body, checked against the application's public key); the response goes back in the HTTP
// answer. In this order, each refusal one sentence in `{error}`:
//   1. the headers, before any of the body is read (../http-guard.ts): a signature header of
//      128 hex digits and a timestamp within `maxSkewSeconds` of now, either way (401); JSON
//      (415);
//   2. the body through the guard: over the cap 413 at once, too many at once 503, too slow 408;
//   3. the signature (401);
//   4. the shape: JSON (400), an interaction object with the fields peerbot reads of the right
//      types (400): `null`, an array or a string id never reach the handler;
//   5. Discord's PING is answered PONG here;
//   6. replays: the interaction id is claimed once for 15 minutes ("discord:<id>", the key the
//      Gateway receiver claims too); a second arrival is answered 409, not run, and audited;
//   7. the handler; an interaction it does not take is 400.
// A Gateway connection (INTERACTION_CREATE in, the response POSTed to the interaction's
// callback) is another InteractionReceiver.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { InteractionResponseType, InteractionType } from "discord.js";
import { z } from "zod";
import type { Logger } from "../../core/log.js";
import type { RefusalAudit } from "../../core/refusals.js";
import {
  closeUnread,
  DISCORD_BODY_LIMIT,
  HttpGuard,
  header,
  mediaType,
  timestampProblem,
  type GuardLimits,
  type Refused,
  closeServer,
} from "../http-guard.js";
import { MemoryOnceStore, type OnceStore } from "../once.js";

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
  /** Refuse bodies larger than this (bytes). Default DISCORD_BODY_LIMIT (../http-guard.ts). */
  bodyLimit?: number;
  /** Lanes and read deadline of unauthenticated bodies (../http-guard.ts). */
  limits?: Partial<GuardLimits>;
  /** Where interaction ids are claimed (closed by stop); default: this process's memory. */
  once?: OnceStore;
  /** Writes replays to the audit log. */
  refusals?: RefusalAudit;
  log: Logger;
}

/** How long an interaction id is remembered: its token lives 15 minutes. */
export const INTERACTION_MEMORY_MS = 15 * 60_000;

const snowflake = z.string().regex(/^\d{1,25}$/);
const user = z.looseObject({
  id: snowflake,
  username: z.string().optional(),
  global_name: z.string().nullish(),
});
/** The fields of an interaction peerbot reads, with their types; the rest passes through. */
const interactionSchema = z.looseObject({
  id: snowflake,
  type: z.number().int(),
  token: z.string().max(4000).optional(),
  application_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  channel: z.looseObject({ id: snowflake }).optional(),
  guild_id: snowflake.optional(),
  member: z.looseObject({ user, roles: z.array(snowflake).optional() }).optional(),
  user: user.optional(),
  data: z
    .looseObject({
      name: z.string().optional(),
      options: z.array(z.looseObject({ name: z.string(), type: z.number() })).optional(),
      custom_id: z.string().optional(),
      component_type: z.number().optional(),
    })
    .optional(),
  message: z
    .looseObject({
      id: snowflake,
      channel_id: snowflake.optional(),
      flags: z.number().optional(),
      components: z.array(z.unknown()).optional(),
    })
    .optional(),
});

type HttpAnswer = { status: number; body: unknown };

export class HttpInteractionReceiver implements InteractionReceiver {
  private readonly key: KeyObject;
  private readonly endpoint: string;
  private readonly guard: HttpGuard;
  private readonly once: OnceStore;
  private server?: Server;
  private listening?: number;

  constructor(private readonly opts: HttpInteractionReceiverOptions) {
    this.key = discordPublicKey(opts.publicKey);
    this.endpoint = opts.path ?? "/interactions";
    this.guard = new HttpGuard(
      "discord",
      { bodyLimit: opts.bodyLimit ?? DISCORD_BODY_LIMIT, ...opts.limits },
      opts.log,
    );
    this.once = opts.once ?? new MemoryOnceStore();
  }

  /** The HTTP server, once started. */
  get httpServer(): Server | undefined {
    return this.server;
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
    await closeServer(server);
    await this.once.close();
  }

  private async serve(req: IncomingMessage, res: ServerResponse, handler: InteractionHandler): Promise<void> {
    const send = (a: HttpAnswer): void => {
      res.statusCode = a.status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(a.body));
    };
    const refuse = (r: Refused) => this.guard.refuse(req, res, r);
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "POST" || path !== this.endpoint) {
      res.setHeader("connection", "close");
      res.once("finish", () => closeUnread(req));
      return send({ status: 404, body: { error: "not found" } });
    }
    const sig = header(req, "x-signature-ed25519");
    const ts = header(req, "x-signature-timestamp");
    if (sig === undefined && ts === undefined)
      return refuse({ status: 401, reason: "missing_headers", message: "The request is not signed." });
    if (sig === undefined || !/^[0-9a-fA-F]{128}$/.test(sig))
      return refuse({ status: 401, reason: "bad_signature", message: "The request signature is malformed." });
    const stamp = timestampProblem(ts, this.opts.maxSkewSeconds ?? 300);
    if (stamp) return refuse(stamp);
    if (mediaType(req) !== "application/json")
      return refuse({ status: 415, reason: "content_type", message: "Discord sends JSON requests." });

    const body = await this.guard.read(req, res);
    if (!body) return;
    if (!verifyDiscordSignature(this.key, sig, ts!, body))
      return refuse({ status: 401, reason: "bad_signature", message: "invalid request signature" });

    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return refuse({ status: 400, reason: "bad_request", message: "The request body is not JSON." });
    }
    const parsed = interactionSchema.safeParse(json);
    if (!parsed.success)
      return refuse({
        status: 400,
        reason: "bad_request",
        message: "The request body is not a Discord interaction.",
      });
    const i = parsed.data as DiscordInteraction;
    // Discord PINGs the endpoint to check it is ours: an HTTP endpoint's own business.
    if (i.type === InteractionType.Ping)
      return send({ status: 200, body: { type: InteractionResponseType.Pong } });

    if (!(await this.once.claim(`discord:${i.id}`, INTERACTION_MEMORY_MS))) {
      const u = i.member?.user ?? i.user;
      this.opts.refusals?.note({
        platform: "discord",
        reason: "replay",
        ...(u?.id ? { userId: u.id, userName: u.global_name || u.username || u.id } : {}),
        channel: i.channel_id ?? i.channel?.id ?? "",
        detail: `A Discord interaction (${i.id}) arrived a second time and was not run.`,
      });
      return refuse({ status: 409, reason: "replay", message: "This interaction was already received." });
    }
    const response = await handler(i);
    if (!response) return send({ status: 400, body: { error: "unsupported interaction type" } });
    return send({ status: 200, body: response });
  }
}
