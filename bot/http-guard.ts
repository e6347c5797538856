// What both chat HTTP receivers (Slack's /slack/events, Discord's /interactions) do before a
// request is authenticated, so that nothing unauthenticated costs more than its headers:
//
//   1. the receiver checks the headers (signature header's shape, timestamp within the window
//      either way, content type) and refuses on them alone, before a byte of the body is read;
//   2. `read` refuses a declared Content-Length over the cap (413) at once, admits the body
//      into one of two lanes, and reads it with a deadline; a body that grows past the cap is
//      answered 413 the moment it does. Small bodies (every slash command, most presses) and
//      large ones (a press on a long message) have separate lanes, so a flood of large bodies
//      fills only its own lane and is answered 503 beyond it while commands go on;
//   3. a refused request is answered with `Connection: close`; once the answer is out the
//      socket stops reading and is closed, so the rest of its body is never read.
//
// Each refusal is counted by platform and reason (`refusalCounts`), logged at most once a
// second per reason, and handed to the receiver's `onRefusal`.
//
// The body caps come from a measurement (tests/bench/chat.bench.ts prints them again): the
// largest interaction payload peerbot's own biggest message produces, a message at every limit
// the renderers allow (34 blocks, 100 buttons, full sections, fields, table and diff), pressed.
//   Slack block_actions (the whole message comes back, form-encoded):
//     plain ASCII 189 kB; every character one of & < > " 391 kB; every character a 3-byte
//     UTF-8 one (CJK) 1,021 kB.  Cap: 1.25 MiB (the worst case and a quarter).
//   Discord MESSAGE_COMPONENT (content, embeds, components, 10 attachments, a member with 250
//     roles, non-ASCII as \u escapes): ASCII 30 kB, CJK 67 kB; a modal submit of five 4,000-
//     character fields about 125 kB. Cap: 256 KiB.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Logger } from "../core/log.js";

export const SLACK_BODY_LIMIT = 1_310_720;
export const DISCORD_BODY_LIMIT = 262_144;

export type RefusalReason =
  | "missing_headers"
  | "bad_signature"
  | "stale"
  | "future"
  | "content_type"
  | "too_large"
  | "flood"
  | "timeout"
  | "replay"
  | "bad_request";

export interface GuardLimits {
  /** The largest body accepted (bytes). */
  bodyLimit: number;
  /** Bodies up to this size (declared, or read so far when undeclared) use the small lane. */
  smallBody?: number;
  /** Unauthenticated requests being read at once in each lane. */
  maxSmall?: number;
  maxLarge?: number;
  /** The whole body must arrive within this (ms). */
  readTimeoutMs?: number;
}

export interface Refused {
  status: number;
  reason: RefusalReason;
  /** One sentence, sent as the answer's `error`. */
  message: string;
}

const counts = new Map<string, number>();

/** Refusals so far in this process, by "platform:reason". */
export function refusalCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}

/** The timestamp header's value checked against now, either way (both platforms use seconds). */
export function timestampProblem(
  value: string | undefined,
  windowSeconds: number,
  nowMs = Date.now(),
): Refused | undefined {
  if (value === undefined || !/^\d{1,12}$/.test(value))
    return { status: 401, reason: "missing_headers", message: "The request has no valid timestamp header." };
  const skew = Number(value) - nowMs / 1000;
  if (skew < -windowSeconds)
    return { status: 401, reason: "stale", message: "The request's timestamp is too old." };
  if (skew > windowSeconds)
    return { status: 401, reason: "future", message: "The request's timestamp is in the future." };
  return undefined;
}

/** One header as a string (undefined when absent or repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" ? v : undefined;
}

/** The media type of the request, lower case, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (header(req, "content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

export class HttpGuard {
  private small = 0;
  private large = 0;
  private lastLog = new Map<RefusalReason, number>();
  private readonly smallBody: number;
  private readonly maxSmall: number;
  private readonly maxLarge: number;
  private readonly readTimeoutMs: number;

  constructor(
    private readonly platform: string,
    private readonly limits: GuardLimits,
    private readonly log: Logger,
    private readonly onRefusal?: (r: Refused, req: IncomingMessage) => void,
  ) {
    this.smallBody = limits.smallBody ?? 64 * 1024;
    this.maxSmall = limits.maxSmall ?? 64;
    this.maxLarge = limits.maxLarge ?? 4;
    this.readTimeoutMs = limits.readTimeoutMs ?? 5_000;
  }

  /** Requests being read now, by lane. */
  get inFlight(): { small: number; large: number } {
    return { small: this.small, large: this.large };
  }

  /**
   * Answers `r` (JSON `{error}`), closes the connection once the answer is out and counts it.
   * Whatever of the body has not been read is never read.
   */
  refuse(req: IncomingMessage, res: ServerResponse, r: Refused): void {
    const key = `${this.platform}:${r.reason}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const now = Date.now();
    if (now - (this.lastLog.get(r.reason) ?? 0) >= 1000) {
      this.lastLog.set(r.reason, now);
      this.log.warn(`${this.platform}: refused a request`, { reason: r.reason, status: r.status });
    }
    try {
      this.onRefusal?.(r, req);
    } catch {
      // a sink that fails must not keep the answer back
    }
    if (res.headersSent || res.writableEnded) {
      req.socket.destroy();
      return;
    }
    const body = JSON.stringify({ error: r.message });
    res.writeHead(r.status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      connection: "close",
      ...(r.status === 503 || r.status === 429 ? { "retry-after": "1" } : {}),
    });
    res.once("finish", () => closeUnread(req));
    res.end(body);
  }

  /**
   * Reads the body within the limits. Undefined when it was refused (the answer is sent).
   * Call it only once the headers passed.
   */
  async read(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const declaredRaw = header(req, "content-length");
    const declared = declaredRaw !== undefined && /^\d+$/.test(declaredRaw) ? Number(declaredRaw) : undefined;
    if (declaredRaw !== undefined && declared === undefined) {
      this.refuse(req, res, {
        status: 400,
        reason: "bad_request",
        message: "The Content-Length header is not a number.",
      });
      return undefined;
    }
    if (declared !== undefined && declared > this.limits.bodyLimit) {
      this.refuse(req, res, tooLarge(this.limits.bodyLimit));
      return undefined;
    }
    // Undeclared (chunked) bodies are large until they prove otherwise.
    const lane: "small" | "large" = declared !== undefined && declared <= this.smallBody ? "small" : "large";
    if (lane === "small" ? this.small >= this.maxSmall : this.large >= this.maxLarge) {
      this.refuse(req, res, {
        status: 503,
        reason: "flood",
        message: "Too many requests at once; try again.",
      });
      return undefined;
    }
    if (lane === "small") this.small++;
    else this.large++;
    try {
      return await this.collect(req, res);
    } finally {
      if (lane === "small") this.small--;
      else this.large--;
    }
  }

  private collect(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const limit = this.limits.bodyLimit;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let n = 0;
      let done = false;
      const finish = (body: Buffer | undefined, refusal?: Refused) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.off("data", onData);
        req.off("end", onEnd);
        req.off("error", onError);
        req.off("aborted", onError);
        if (refusal) {
          req.pause();
          this.refuse(req, res, refusal);
        }
        resolve(body);
      };
      const onData = (c: Buffer) => {
        n += c.length;
        if (n > limit) return finish(undefined, tooLarge(limit));
        chunks.push(c);
      };
      const onEnd = () => finish(Buffer.concat(chunks, n));
      const onError = () => {
        finish(undefined);
        req.socket.destroy();
      };
      const timer = setTimeout(
        () =>
          finish(undefined, {
            status: 408,
            reason: "timeout",
            message: "The request body did not arrive in time.",
          }),
        this.readTimeoutMs,
      );
      timer.unref();
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("aborted", onError);
    });
  }
}

/** How long a refused client has to read the answer before its connection is cut. */
const LINGER_MS = 1000;

/**
 * Once a refusal is written: stop reading (Node would otherwise read and drop the rest of the
 * body), send FIN so the client reads the answer, and cut the connection after a moment. Cut at
 * once, the reset could reach the client before it read the answer.
 */
export function closeUnread(req: IncomingMessage): void {
  const socket = req.socket;
  socket.pause();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

function tooLarge(limit: number): Refused {
  return {
    status: 413,
    reason: "too_large",
    message: `The request body is larger than ${limit} bytes.`,
  };
}

/** Stops listening and waits for the connections in flight to end (idle ones are closed now). */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
