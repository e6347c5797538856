// Where peering with a network stands, for each of our ASes (PeeringRequest): requested when a
// peering request is sent, configured when sessions with them come up (polling), declined or
// answered by command. Read by `request` (the cooldown), `request all`, `as` and `peers`.
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import { actorMark, personOf, personText, type People } from "../people.js";
import type { Field } from "../reply.js";
import type { Actor } from "../roles.js";
import { clip, singleLine } from "../text.js";
import { actorKey, EMAIL_STATUS, KIND_LABEL, type EmailCore, type EmailRow } from "./model.js";

type Tx = Database["prisma"] | Prisma.TransactionClient;
export type RequestState = "requested" | "configured" | "declined" | "answered";

const DAY = 86_400_000;

/** "today", "1 d ago", "12 d ago". */
export function daysAgo(at: Date, now: Date): string {
  const d = Math.floor((now.getTime() - at.getTime()) / DAY);
  return d <= 0 ? "today" : `${d} d ago`;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** In the sending transaction: a peering request that went out makes the pair `requested`. */
export async function noteRequested(tx: Tx, e: EmailRow, at: Date): Promise<void> {
  if (e.kind !== "peering_request" || e.localAsId === null) return;
  const who = { requestedBy: e.sentBy || e.draftedBy, requestedByName: e.sentByName || e.draftedByName };
  const data = {
    state: "requested" as const,
    requestedAt: at,
    ...who,
    lastEmailId: e.id,
    until: null,
    hidden: false,
  };
  await tx.peeringRequest.upsert({
    where: { localAsId_peerAsn: { localAsId: e.localAsId, peerAsn: e.peerAsn } },
    update: data,
    create: { localAsId: e.localAsId, peerAsn: e.peerAsn, ...data },
  });
}

/**
 * Sessions with these networks came up Established on this router (core/polling.ts): their
 * peering requests, for the router's AS, become `configured`. Only requests peerbot tracks
 * change; a network never asked gets no row.
 */
export async function markConfigured(
  db: Database,
  routerId: number,
  sessions: Array<{ asn: string | number | bigint }>,
): Promise<number> {
  if (!sessions.length) return 0;
  const r = await db.pool.query(
    `update "PeeringRequest" p set state = 'configured', until = null, hidden = false, "updatedAt" = now()
       from "Router" r
      where r.id = $1 and p."localAsId" = r."localAsId" and p."peerAsn" = any($2::bigint[]) and p.state <> 'configured'`,
    [routerId, [...new Set(sessions.map((x) => String(x.asn)))]],
  );
  return r.rowCount ?? 0;
}

export interface RequestInfo {
  state: RequestState;
  requestedAt: Date | null;
  /** The actor key of who sent the request ("slack:U123"), "" when not known. */
  requestedBy: string;
  requestedByName: string;
  until: Date | null;
  hidden: boolean;
  lastEmailId: number | null;
}

/** The requests of these networks with one of our ASes, by ASN (as a string). */
export async function requestsOf(
  db: Database,
  localAsId: number,
  asns: Array<bigint | number>,
): Promise<Map<string, RequestInfo>> {
  const rows = await db.prisma.peeringRequest.findMany({
    where: { localAsId, peerAsn: { in: asns.map((a) => BigInt(a)) } },
  });
  return new Map(rows.map((r) => [String(r.peerAsn), r]));
}

/**
 * Who did something, where a line is plain text or stored: "Alice (Slack U123)", or with
 * `people` a token of that message. Without a key, the stored name.
 */
function who(key: string, name: string, people?: People): string {
  if (!key) return singleLine(name, 60) || "someone";
  return people ? people.of(key, name) : personText(personOf(key, name));
}

/** The requester as a mark in a stored line (core/people.ts actorMark), the stored name without a key. */
function requesterMark(r: RequestInfo): string {
  if (!r.requestedBy) return singleLine(r.requestedByName, 60) || "someone";
  const p = personOf(r.requestedBy, r.requestedByName);
  return actorMark({ platform: p.platform, userId: p.id, userName: p.name });
}

/**
 * Whether a request still stands in the way of another e-mail (null when not), in words. The
 * requester of a recent request is a mark ("by @{slack:U123|Alice}"): the line is stored with
 * a draft's warnings, and its message draws the mark as a person (`standingWithPeople`).
 */
export function standing(r: RequestInfo | undefined, now: Date, cooldownMs: number): string | null {
  if (!r) return null;
  if (r.state === "requested" && r.requestedAt && now.getTime() - r.requestedAt.getTime() < cooldownMs)
    return `last contacted ${day(r.requestedAt)} (${daysAgo(r.requestedAt, now)}) by ${requesterMark(r)}`;
  if (r.state === "declined" && (!r.until || r.until > now))
    return `they declined${r.until ? ` until ${day(r.until)}` : ""}`;
  if (r.state === "answered" && (!r.until || r.until > now)) return "they answered our request";
  if (r.state === "configured") return "sessions with them are configured";
  return null;
}

/** `standing`'s own words with a requester's mark; a mark anywhere else is text. */
const CONTACTED_BY =
  /(last contacted \d{4}-\d{2}-\d{2} \((?:today|\d{1,6} d ago)\) by )@\{([a-z]{1,20}:[^{}|\n]{1,100})\|([^{}|\n]{0,100})\}/g;

/**
 * A stored line (a draft's warning) with the requester that `standing` marked as a person of
 * the message (a token of `people`). Lines without a mark, as stored before marks, stay as they are.
 */
export function standingWithPeople(line: string, people: People): string {
  return line.replace(
    CONTACTED_BY,
    (_m, lead: string, key: string, name: string) => `${lead}${people.of(key, name)}`,
  );
}

/** Which of our ASes a command about a network means: the IXP's, or the only one we have. */
export async function ourAs(
  db: Database,
  ixpId?: number,
): Promise<{ id: number; asn: bigint; name: string }> {
  if (ixpId !== undefined) {
    const x = await db.prisma.internetExchange.findUniqueOrThrow({
      where: { id: ixpId },
      select: { localAs: true },
    });
    return x.localAs;
  }
  const ours = await db.prisma.autonomousSystem.findMany({
    where: { affiliated: true },
    orderBy: { asn: "asc" },
  });
  if (ours.length === 1) return ours[0] as (typeof ours)[number];
  if (!ours.length)
    throw new UserError(
      "peerbot has no affiliated AS of ours yet.",
      "Mark one of our networks as affiliated first.",
    );
  throw new UserError(
    `We have ${ours.length} networks (AS${ours.map((a) => a.asn).join(", AS")}); say which with \`at <IXP>\`.`,
    "e.g. request AS6939 declined at LINX",
  );
}

/** `request <AS> declined|answered`: records what they said. */
export async function setRequestState(
  s: Pick<EmailCore, "db" | "clock">,
  input: {
    localAsId: number;
    asn: bigint;
    state: "declined" | "answered";
    until?: Date;
    hide?: boolean;
    actor: Actor;
  },
): Promise<RequestInfo> {
  if (input.until && input.until <= s.clock.now())
    throw new UserError(
      `${day(input.until)} is in the past; say until when, from tomorrow on.`,
      "Usage: request <AS> declined [until <YYYY-MM-DD>] [hide]",
    );
  const data = {
    state: input.state,
    until: input.until ?? null,
    hidden: input.state === "declined" && !!input.hide,
    note: `${input.state} noted by ${clip(input.actor.userName, 60)} (${actorKey(input.actor)})`,
  };
  return s.db.prisma.peeringRequest.upsert({
    where: { localAsId_peerAsn: { localAsId: input.localAsId, peerAsn: input.asn } },
    update: data,
    create: { localAsId: input.localAsId, peerAsn: input.asn, ...data },
  });
}

/**
 * Where a request stands, in words: "requested 2026-01-02 (3 d ago) by Alice (Slack U123)".
 * With `people` (the people of the reply it goes into), the requester is a token of it.
 */
export function stateText(r: RequestInfo, now: Date, people?: People): string {
  switch (r.state) {
    case "requested":
      return `requested${r.requestedAt ? ` ${day(r.requestedAt)} (${daysAgo(r.requestedAt, now)})` : ""}${r.requestedBy || r.requestedByName ? ` by ${who(r.requestedBy, r.requestedByName, people)}` : ""}`;
    case "configured":
      return "configured: sessions are up";
    case "declined":
      return `declined${r.until ? ` until ${day(r.until)}` : ""}${r.hidden ? ", hidden from peers" : ""}`;
    case "answered":
      return `answered${r.until ? ` (until ${day(r.until)})` : ""}`;
  }
}

/**
 * `as <asn>`: where our requests with the network stand, and its last e-mails. Who requested,
 * drafted and sent is "name (platform id)"; with `people` (whose list becomes the reply's
 * `mentions`), a token of it.
 */
export async function asEmailFields(
  db: Database,
  asn: number | bigint,
  now = new Date(),
  people?: People,
): Promise<Field[]> {
  const peerAsn = BigInt(asn);
  const [requests, emails] = await Promise.all([
    db.prisma.peeringRequest.findMany({
      where: { peerAsn },
      include: { localAs: { select: { asn: true } } },
    }),
    db.prisma.email.findMany({
      where: { peerAsn },
      orderBy: { id: "desc" },
      take: 5,
      select: {
        id: true,
        kind: true,
        status: true,
        createdAt: true,
        sentAt: true,
        sentBy: true,
        sentByName: true,
        draftedBy: true,
        draftedByName: true,
      },
    }),
  ]);
  const fields: Field[] = [];
  if (requests.length)
    fields.push({
      label: "Peering request",
      value: requests
        .map((r) => `${requests.length > 1 ? `AS${r.localAs.asn}: ` : ""}${stateText(r, now, people)}`)
        .join("\n"),
    });
  if (emails.length)
    fields.push({
      label: "Last e-mails",
      value: emails
        .map(
          (e) =>
            `#${e.id} ${KIND_LABEL[e.kind].toLowerCase()}, ${EMAIL_STATUS[e.status].label}${e.sentAt ? ` ${day(e.sentAt)} by ${who(e.sentBy, e.sentByName, people)}` : ` (drafted ${day(e.createdAt)} by ${who(e.draftedBy, e.draftedByName, people)})`}`,
        )
        .join("\n"),
    });
  return fields;
}

/**
 * `peers`: a note for each network already contacted ("requested 3 d ago"), and the networks
 * whose request is declined with `hide` (left out), for the IXP's AS.
 */
export async function peersNotes(
  db: Database,
  ixpId: number,
  asns: Array<number | bigint>,
  now = new Date(),
): Promise<{ notes: Map<number, string>; hidden: Set<number> }> {
  const notes = new Map<number, string>();
  const hidden = new Set<number>();
  if (!asns.length) return { notes, hidden };
  const x = await db.prisma.internetExchange.findUnique({
    where: { id: ixpId },
    select: { localAsId: true },
  });
  if (!x) return { notes, hidden };
  for (const [asn, r] of await requestsOf(db, x.localAsId, asns)) {
    const n = Number(asn);
    if (r.state === "declined" && r.hidden && (!r.until || r.until > now)) hidden.add(n);
    else if (r.state === "requested" && r.requestedAt)
      notes.set(n, `requested ${daysAgo(r.requestedAt, now)}`);
    else if (r.state === "declined")
      notes.set(n, r.until && r.until <= now ? "declined (expired)" : "declined");
    else if (r.state === "answered") notes.set(n, "answered");
  }
  return { notes, hidden };
}

/**
 * `peers`, in place: networks whose request is declined with `hide` are taken out of the page
 * (and its total), and the note for each network already contacted is returned by ASN.
 */
export async function applyRequestNotes(
  db: Database,
  ixpId: number,
  page: { rows: { asn: number }[]; total: number },
  now = new Date(),
): Promise<Map<number, string>> {
  const { notes, hidden } = await peersNotes(
    db,
    ixpId,
    page.rows.map((r) => r.asn),
    now,
  );
  if (hidden.size) {
    const before = page.rows.length;
    page.rows = page.rows.filter((r) => !hidden.has(r.asn));
    page.total -= before - page.rows.length;
  }
  return notes;
}
