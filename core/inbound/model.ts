// Inbound peering requests as a record: another network asks, over POST /peering-requests, to
// peer with us at some of our IXPs. Its states, in one table:
//   unverified  the first POST was accepted; a one-time token went to the PeeringDB contact
//               (when the address is one); only the token's SHA-256 is stored
//   open        the token came back in time: the request is posted with Peer and Decline
//   peered      Peer ran `peer` at each IXP; the change ids are kept
//   declined    Decline sent the templated reply; the reason is kept
//   expired     the token was not used in time (set lazily, when a row is read)
import { createHash, randomBytes } from "node:crypto";
import type { Prisma } from "../db.js";
import { ALERT_CHANNEL_FORMAT, ALERT_CHANNEL_PROBLEM } from "../config.js";
import type { Services } from "../services.js";

export type InboundServices = Pick<
  Services,
  "db" | "config" | "clock" | "mailer" | "notifier" | "log" | "jobs" | "messages"
>;

export type InboundRow = Prisma.InboundRequestGetPayload<object>;
export type InboundState = InboundRow["state"];

export const INBOUND_STATE: Record<InboundState, { label: string; open: boolean }> = {
  unverified: { label: "waiting for the e-mailed token", open: false },
  open: { label: "open, waiting for Peer or Decline", open: true },
  peered: { label: "peered", open: false },
  declined: { label: "declined", open: false },
  expired: { label: "expired (the token was never used)", open: false },
};

/** One IXP of a request as stored in `ixps`: our IXP and the addresses the peer named there. */
export interface RequestedIxp {
  ixpId: number;
  ipv4?: string;
  ipv6?: string;
}

/** The button actions of a request's message (commands/requests.ts registers them). */
export const INBOUND_ACTIONS = { peer: "inbound.peer", decline: "inbound.decline" } as const;
export const inboundActionId = (a: keyof typeof INBOUND_ACTIONS, id: number) => `${INBOUND_ACTIONS[a]}:${id}`;
export const inboundObject = (id: number) => `inbound-request:${id}`;

/** The id in a button's argument, or null. */
export function parseInboundId(arg: string): number | null {
  const m = /^#?(\d{1,9})$/.exec(arg.trim());
  return m ? Number(m[1]) : null;
}

/** Limits of the HTTP endpoint (the rate limits are settings). */
export const INBOUND_BODY_LIMIT = 16 * 1024;
export const MAX_IXPS = 10;
export const MAX_MESSAGE = 2000;
export const RATE_WINDOW_MS = 3_600_000;
export const TOKEN_BYTES = 32;

/** A new one-time token: 32 random bytes, base64url (43 characters). */
export const newToken = () => randomBytes(TOKEN_BYTES).toString("base64url");
/** What is stored of a token: its SHA-256, hex. */
export const tokenHash = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** PEERBOT_REQUESTS_CHANNEL read as PEERBOT_ALERT_CHANNEL is; null when unset. */
export function requestsChannel(setting: string | undefined): { platform: string; channel: string } | null {
  const v = (setting ?? "").trim();
  if (!v) return null;
  const m = ALERT_CHANNEL_FORMAT.exec(v);
  if (!m) throw new Error(`PEERBOT_REQUESTS_CHANNEL: ${ALERT_CHANNEL_PROBLEM}`);
  return { platform: m[1]!, channel: m[2]! };
}

export function ixpsOf(row: { ixps: unknown }): RequestedIxp[] {
  if (!Array.isArray(row.ixps)) return [];
  return (row.ixps as unknown[]).flatMap((x) => {
    const o = x as Partial<RequestedIxp> | null;
    if (!o || typeof o.ixpId !== "number") return [];
    return [
      {
        ixpId: o.ixpId,
        ...(typeof o.ipv4 === "string" ? { ipv4: o.ipv4 } : {}),
        ...(typeof o.ipv6 === "string" ? { ipv6: o.ipv6 } : {}),
      },
    ];
  });
}

/** Unverified requests whose token ran out become `expired` (lazily: whenever rows are read). */
export async function expireRequests(s: Pick<InboundServices, "db" | "clock">): Promise<number> {
  const r = await s.db.prisma.inboundRequest.updateMany({
    where: { state: "unverified", tokenExpiresAt: { lte: s.clock.now() } },
    data: { state: "expired", tokenHash: null },
  });
  return r.count;
}
