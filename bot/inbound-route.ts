// POST /peering-requests on the operations server: the HTTP side of core/inbound. Refused on the
// headers alone where it can be (method, feature off, content type), then the body is read with
// the shared guard (bot/http-guard.ts): a declared Content-Length over 16 KiB is 413 before a
// byte is read, a body that grows past it is 413 the moment it does, a slow one 408. What is
// left is JSON for core/inbound/submit.ts. Every answer is JSON; a refusal is `{error}`.
import { isIP } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleRequestPost, INBOUND_BODY_LIMIT, requestsChannel } from "../core/inbound/index.js";
import type { Services } from "../core/services.js";
import { errorLine } from "../core/text.js";
import { header, HttpGuard, mediaType } from "./http-guard.js";

export const INBOUND_PATH = "/peering-requests";

export type OpsRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The caller's address: the socket's, or (PEERBOT_REQUESTS_TRUST_PROXY) the proxy's last X-Forwarded-For entry. */
export function sourceOf(req: IncomingMessage, trustProxy: boolean): string {
  const plain = (a: string | undefined) => (a ?? "").replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
  if (trustProxy) {
    const last = (header(req, "x-forwarded-for") ?? "").split(",").pop()?.trim();
    if (last && isIP(plain(last))) return plain(last);
  }
  return plain(req.socket.remoteAddress) || "unknown";
}

function answer(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

export function inboundRoute(s: Services): OpsRoute {
  const guard = new HttpGuard(
    "peering-requests",
    {
      bodyLimit: INBOUND_BODY_LIMIT,
      smallBody: INBOUND_BODY_LIMIT,
      maxSmall: 32,
      maxLarge: 4,
      readTimeoutMs: 5_000,
    },
    s.log,
  );
  return async (req, res) => {
    if (req.method !== "POST")
      return guard.refuse(req, res, {
        status: 405,
        reason: "bad_request",
        message: "Only POST is answered here, with a JSON body.",
      });
    if (!requestsChannel(s.config.PEERBOT_REQUESTS_CHANNEL))
      return answer(res, 404, { error: "Inbound peering requests are not enabled here." });
    if (mediaType(req) !== "application/json")
      return guard.refuse(req, res, {
        status: 415,
        reason: "content_type",
        message: "Send the request as JSON, with Content-Type: application/json.",
      });
    const body = await guard.read(req, res);
    if (!body) return;
    try {
      const a = await handleRequestPost(s, body, sourceOf(req, s.config.PEERBOT_REQUESTS_TRUST_PROXY));
      answer(res, a.status, a.body, a.headers);
    } catch (err) {
      s.log.error("peering request failed", { err: errorLine(err) });
      answer(res, 500, { error: "Internal error; try again later." });
    }
  };
}
