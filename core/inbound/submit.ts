// The two POSTs of an inbound peering request, as a function of a body that was already read
// within its cap (bot/inbound-route.ts reads it): JSON in, `{status, body, headers}` out.
//
//   1. {asn, ixps, email, message?}: checked against the PeeringDB mirror (the ASN is peerable,
//      not ours, at each of our IXPs named, and the addresses named are its own there), then the
//      rate limits (per ASN, per source address, counted from the stored rows). A row is stored
//      (unverified) and, only when `email` is one of the ASN's PeeringDB contacts, a one-time
//      token is e-mailed to it. The answer (202) is the same either way.
//   2. {uid | asn, token}: the token's SHA-256 is looked up; unexpired and unused, the request
//      becomes open (the hash is cleared: a replay fails) and is posted to the requests channel.
//
// Every refusal is `{error: "<one sentence>"}` with its 4xx status, and nothing is stored or sent.
import { isIP } from "node:net";
import { z } from "zod";
import { specialAsn } from "../asn.js";
import { AddressError, addressKey, formatMailbox, parseMailbox } from "../email/address.js";
import { newMessageId } from "../email/refs.js";
import { loadEmailTemplate, overrideDirOf, type EmailTemplateName } from "../email/templates.js";
import { UserError } from "../errors.js";
import { clip, errorLine, singleLine, utc } from "../text.js";
import { postRequest } from "./message.js";
import {
  expireRequests,
  INBOUND_STATE,
  MAX_IXPS,
  MAX_MESSAGE,
  newToken,
  RATE_WINDOW_MS,
  requestsChannel,
  tokenHash,
  type InboundRow,
  type InboundServices,
  type RequestedIxp,
} from "./model.js";

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

const refuse = (status: number, error: string, headers?: Record<string, string>): ApiAnswer => ({
  status,
  body: { error },
  ...(headers ? { headers } : {}),
});

// ---------------------------------------------------------------------------
// The JSON bodies
// ---------------------------------------------------------------------------

const asnField = z.union([
  z.number().int().min(1).max(4_294_967_295),
  z
    .string()
    .trim()
    .regex(/^(AS)?\d{1,10}$/i, "expected an AS number such as 6939 or AS6939")
    .transform((s) => Number(s.replace(/^AS/i, "")))
    .refine((n) => n >= 1 && n <= 4_294_967_295, "expected an AS number between 1 and 4294967295"),
]);

const ixpName = z.union([z.string().trim().min(1).max(100), z.number().int().min(1).max(1e9)]);
const ixpEntry = z.union([
  ixpName,
  z.strictObject({
    ixp: ixpName,
    ipv4: z.string().trim().max(45).optional(),
    ipv6: z.string().trim().max(45).optional(),
  }),
]);

const askSchema = z.strictObject({
  asn: asnField,
  ixps: z.array(ixpEntry).min(1, "name at least one IXP").max(MAX_IXPS, `name at most ${MAX_IXPS} IXPs`),
  email: z.string().trim().min(3).max(254),
  message: z.string().max(MAX_MESSAGE, `the message is longer than ${MAX_MESSAGE} characters`).optional(),
});

const verifySchema = z
  .strictObject({
    uid: z.string().trim().uuid("the uid is not the id this service answered").optional(),
    asn: asnField.optional(),
    token: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{43}$/, "the token is the 43 characters of the e-mail"),
  })
  .refine((b) => b.uid !== undefined || b.asn !== undefined, {
    message: "say which request the token is for: its uid, or your asn",
  });

/** zod's first complaint as one sentence: "ixps.0.ipv4: expected a string". */
function schemaSentence(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return "The request body does not have the expected fields.";
  const where = i.path.length ? `${i.path.join(".")}: ` : "";
  let what = i.message;
  if (i.code === "unrecognized_keys")
    what = `unknown field ${i.keys.map((k) => `"${clip(k, 40)}"`).join(", ")}`;
  if (i.code === "invalid_type" && /received undefined/.test(i.message)) what = "missing";
  return `The request body is not valid: ${clip(where + what, 200)}.`;
}

/** The body as a JSON object, or the refusal. */
export function parseBody(raw: Buffer): { value: unknown } | ApiAnswer {
  const text = raw.toString("utf8");
  if (!text.trim()) return refuse(400, "The request body is empty; send a JSON object.");
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return refuse(400, "The request body must be a JSON object.");
    return { value };
  } catch {
    return refuse(400, "The request body is not valid JSON.");
  }
}

// ---------------------------------------------------------------------------
// One entry point: which POST it is
// ---------------------------------------------------------------------------

export async function handleRequestPost(s: InboundServices, raw: Buffer, source: string): Promise<ApiAnswer> {
  if (!requestsChannel(s.config.PEERBOT_REQUESTS_CHANNEL))
    return refuse(404, "Inbound peering requests are not enabled here.");
  const parsed = parseBody(raw);
  if (!("value" in parsed)) return parsed;
  const body = parsed.value as Record<string, unknown>;
  try {
    return "token" in body ? await verify(s, body, source) : await ask(s, body, source);
  } catch (err) {
    if (err instanceof UserError) return refuse(422, err.message);
    throw err;
  }
}

// ---------------------------------------------------------------------------
// The first POST
// ---------------------------------------------------------------------------

interface OurIxp {
  id: number;
  name: string;
  slug: string;
  peeringdbIxId: number | null;
  peeringdbIxlanId: number | null;
  localAsId: number;
}

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[\s_-]+/g, " ")
    .trim();

function findOurIxp(all: OurIxp[], name: string | number): OurIxp | undefined {
  if (typeof name === "number") return all.find((x) => x.peeringdbIxId === name);
  const pdb = /^(?:ix|pdb:)?(\d+)$/i.exec(name);
  if (pdb) return all.find((x) => x.peeringdbIxId === Number(pdb[1]));
  const n = norm(name);
  return all.find((x) => x.slug.toLowerCase() === name.toLowerCase() || norm(x.name) === n);
}

/** An address as PostgreSQL's host() prints it, or null when it is not one of that family. */
function canonicalIp(text: string, family: 4 | 6): string | null {
  const t = text.replace(/\/\d{1,3}$/, "");
  if (isIP(t) !== family) return null;
  if (family === 4) return t;
  // Expand and compress the same way everywhere: through URL's IPv6 host normaliser.
  try {
    return new URL(`http://[${t}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

async function ask(s: InboundServices, input: unknown, source: string): Promise<ApiAnswer> {
  const r = askSchema.safeParse(input);
  if (!r.success) return refuse(422, schemaSentence(r.error));
  const { asn, ixps, message } = r.data;
  let email: string;
  try {
    email = parseMailbox(r.data.email).address;
  } catch (err) {
    if (err instanceof AddressError) return refuse(422, `The email is not valid: ${err.problem}.`);
    throw err;
  }

  const special = specialAsn(asn);
  if (special && !special.peerable)
    return refuse(422, `AS${asn} is ${special.what}; we do not peer with it at an IXP.`);
  const db = s.db.prisma;
  const ours = await db.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { affiliated: true },
  });
  if (ours?.affiliated) return refuse(422, `AS${asn} is one of our own networks.`);

  const all = await db.internetExchange.findMany({
    select: {
      id: true,
      name: true,
      slug: true,
      peeringdbIxId: true,
      peeringdbIxlanId: true,
      localAsId: true,
    },
    orderBy: { name: "asc" },
  });
  const wanted: { ixp: OurIxp; ipv4?: string; ipv6?: string }[] = [];
  for (const entry of ixps) {
    const e = typeof entry === "object" ? entry : { ixp: entry };
    const ixp = findOurIxp(all, e.ixp);
    if (!ixp || ixp.peeringdbIxlanId === null)
      return refuse(
        422,
        `"${singleLine(String(e.ixp), 60)}" is not one of our IXPs; name one by its slug, its name or its PeeringDB ix id (${all
          .filter((x) => x.peeringdbIxlanId !== null)
          .map((x) => `${x.slug}${x.peeringdbIxId ? ` = ${x.peeringdbIxId}` : ""}`)
          .join(", ")}).`,
      );
    if (wanted.some((w) => w.ixp.id === ixp.id)) continue;
    const w: { ixp: OurIxp; ipv4?: string; ipv6?: string } = { ixp };
    for (const fam of [4, 6] as const) {
      const given = fam === 4 ? e.ipv4 : e.ipv6;
      if (given === undefined || given === "") continue;
      const ip = canonicalIp(given, fam);
      if (!ip) return refuse(422, `"${singleLine(given, 45)}" is not an IPv${fam} address.`);
      if (fam === 4) w.ipv4 = ip;
      else w.ipv6 = ip;
    }
    wanted.push(w);
  }

  // The ASN at each IXP, and the addresses named its own there (the mirror, status ok).
  const ixlans = wanted.map((w) => w.ixp.peeringdbIxlanId as number);
  const { rows } = await s.db.pool.query<{
    ixlan_id: number;
    ipaddr4: string | null;
    ipaddr6: string | null;
  }>(
    `select ixlan_id, host(ipaddr4) as ipaddr4, host(ipaddr6) as ipaddr6 from pdb_netixlan
      where asn = $1 and ixlan_id = any($2::int[]) and status = 'ok'`,
    [asn, ixlans],
  );
  for (const w of wanted) {
    const here = rows.filter((x) => x.ixlan_id === w.ixp.peeringdbIxlanId);
    const ixName = singleLine(w.ixp.name, 60);
    if (!here.length) return refuse(422, `PeeringDB does not list AS${asn} at ${ixName}.`);
    if (w.ipv4 && !here.some((x) => x.ipaddr4 === w.ipv4))
      return refuse(422, `${w.ipv4} is not AS${asn}'s address at ${ixName} in PeeringDB.`);
    if (w.ipv6 && !here.some((x) => x.ipaddr6 !== null && canonicalIp(x.ipaddr6, 6) === w.ipv6))
      return refuse(422, `${w.ipv6} is not AS${asn}'s address at ${ixName} in PeeringDB.`);
  }

  // Is the address one of the network's PeeringDB contacts? (Never told to the caller.)
  const { rows: pocs } = await s.db.pool.query<{ email: string }>(
    `select p.email from pdb_poc p join pdb_net n on n.id = p.net_id
      where n.asn = $1 and n.status = 'ok' and p.status = 'ok' and p.email <> ''`,
    [asn],
  );
  const key = addressKey(email);
  const isContact = pocs.some((p) =>
    p.email
      .split(/[,;\s]+/)
      .map((a) => a.trim())
      .filter(Boolean)
      .some((a) => addressKey(a) === key),
  );

  const now = s.clock.now();
  const token = newToken();
  const expires = new Date(now.getTime() + s.config.PEERBOT_REQUESTS_TOKEN_TTL);
  const stored: RequestedIxp[] = wanted.map((w) => ({
    ixpId: w.ixp.id,
    ...(w.ipv4 ? { ipv4: w.ipv4 } : {}),
    ...(w.ipv6 ? { ipv6: w.ipv6 } : {}),
  }));
  const since = new Date(now.getTime() - RATE_WINDOW_MS);
  type Outcome =
    { kind: "limited"; what: string; limit: number; retry: number } | { kind: "stored"; row: InboundRow };
  const outcome = await db.$transaction(async (tx): Promise<Outcome> => {
    // One first POST at a time per ASN and per source, in every process: the counts stay true.
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`peerbot-inbound-asn:${asn}`}, 0))`;
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`peerbot-inbound-src:${source}`}, 0))`;
    for (const [what, where, limit] of [
      [`AS${asn}`, { asn: BigInt(asn) }, s.config.PEERBOT_REQUESTS_PER_ASN],
      ["this address", { sourceAddress: source }, s.config.PEERBOT_REQUESTS_PER_SOURCE],
    ] as const) {
      const recent = await tx.inboundRequest.findMany({
        where: { ...where, createdAt: { gt: since } },
        select: { createdAt: true },
        orderBy: { createdAt: "desc" },
        take: limit,
      });
      if (recent.length >= limit) {
        const oldest = recent[recent.length - 1]!.createdAt.getTime();
        const retry = Math.max(1, Math.ceil((oldest + RATE_WINDOW_MS - now.getTime()) / 1000));
        return { kind: "limited", what, limit, retry };
      }
    }
    const row = await tx.inboundRequest.create({
      data: {
        asn: BigInt(asn),
        ixps: stored as unknown as object,
        contactEmail: email,
        tokenHash: isContact ? tokenHash(token) : null,
        tokenExpiresAt: expires,
        sourceAddress: source,
        state: "unverified",
        message: (message ?? "").slice(0, MAX_MESSAGE),
        createdAt: now,
      },
    });
    return { kind: "stored", row };
  });
  if (outcome.kind === "limited") {
    const l = outcome;
    return refuse(
      429,
      `Too many requests for ${l.what}: at most ${l.limit} an hour; try again in ${Math.ceil(l.retry / 60)} min.`,
      { "retry-after": String(l.retry) },
    );
  }
  const row = outcome.row;
  if (isContact) {
    // Sent after the answer is decided, not awaited: the time taken says nothing about the address.
    void sendToken(
      s,
      row,
      token,
      wanted.map((w) => w.ixp),
    ).catch((err: unknown) =>
      s.log.warn("inbound request: the token e-mail failed", { request: row.uid, err: errorLine(err) }),
    );
  }
  s.log.info("inbound request received", { request: row.uid, asn, source });
  return {
    status: 202,
    body: {
      uid: row.uid,
      state: "unverified",
      message: `If ${email} is a PeeringDB contact of AS${asn}, a token was sent to it; POST {"uid": "${row.uid}", "token": "<token>"} here within ${Math.round(s.config.PEERBOT_REQUESTS_TOKEN_TTL / 60_000)} min to verify the request.`,
      expiresAt: expires.toISOString(),
    },
  };
}

/** The e-mail with the token, from our sender to the contact; the token itself is never stored. */
async function sendToken(s: InboundServices, row: InboundRow, token: string, ixps: OurIxp[]): Promise<void> {
  const net = await netName(s, row.asn);
  const local = await s.db.prisma.autonomousSystem.findUnique({
    where: { id: ixps[0]!.localAsId },
    select: { asn: true, name: true, emailFrom: true, emailReplyTo: true },
  });
  const { from, replyTo } = senderOf(s, local);
  const template = loadEmailTemplate(
    "inbound-token" as EmailTemplateName,
    overrideDirOf(s.config.PEERBOT_TEMPLATES_DIR),
  );
  const out = template.render({
    peer: { asn: String(row.asn), name: net },
    local: { asn: local ? String(local.asn) : "", name: singleLine(local?.name ?? "", 100) },
    ixps: ixps.map((x) => ({ name: singleLine(x.name, 100), slug: x.slug })),
    uid: row.uid,
    token,
    email: row.contactEmail,
    expiresAt: utc(row.tokenExpiresAt),
    source: row.sourceAddress,
  });
  await s.mailer.send({
    messageId: newMessageId(from),
    from,
    ...(replyTo ? { replyTo } : {}),
    to: [row.contactEmail],
    cc: [],
    bcc: [],
    subject: out.subject,
    text: out.text,
    ...(out.html ? { html: out.html } : {}),
  });
  s.log.info("inbound request: token sent", { request: row.uid });
}

/** Our sender: the AS's own From / Reply-To, else PEERBOT_EMAIL_FROM / _REPLY_TO. */
export function senderOf(
  s: Pick<InboundServices, "config">,
  local: { emailFrom: string; emailReplyTo: string } | null,
): { from: string; replyTo?: string } {
  const box = (t: string) => formatMailbox(parseMailbox(t, { allowSingleLabel: true }));
  const from = box(local?.emailFrom.trim() || s.config.PEERBOT_EMAIL_FROM);
  const reply = local?.emailReplyTo.trim() || s.config.PEERBOT_EMAIL_REPLY_TO?.trim() || "";
  return reply ? { from, replyTo: box(reply) } : { from };
}

/** The network's name in the PeeringDB mirror, on one line ("" when it has none). */
export async function netName(s: Pick<InboundServices, "db">, asn: bigint | number): Promise<string> {
  const { rows } = await s.db.pool.query<{ name: string }>(
    `select name from pdb_net where asn = $1 and status = 'ok' limit 1`,
    [String(asn)],
  );
  return singleLine(rows[0]?.name ?? "", 100);
}

// ---------------------------------------------------------------------------
// The second POST
// ---------------------------------------------------------------------------

async function verify(s: InboundServices, input: unknown, source: string): Promise<ApiAnswer> {
  const r = verifySchema.safeParse(input);
  if (!r.success) return refuse(422, schemaSentence(r.error));
  const { uid, asn, token } = r.data;
  const db = s.db.prisma;
  const now = s.clock.now();
  const hash = tokenHash(token);
  const row = await db.inboundRequest.findUnique({ where: { tokenHash: hash } });
  const matches = (x: InboundRow) =>
    (uid === undefined || x.uid === uid) && (asn === undefined || x.asn === BigInt(asn));
  if (!row || !matches(row)) {
    // A token already used, or one for an expired request: say so when the caller names the request.
    if (uid !== undefined) {
      await expireRequests(s);
      const named = await db.inboundRequest.findUnique({ where: { uid } });
      if (named && named.state === "expired")
        return refuse(
          410,
          "This request expired before it was verified; send the first request again for a new token.",
        );
      if (named && named.state !== "unverified")
        return refuse(
          409,
          `This request was already verified (now ${INBOUND_STATE[named.state].label}); a token works once.`,
        );
    }
    return refuse(401, "The token is not valid for this request.");
  }
  if (row.state !== "unverified")
    return refuse(409, "This request was already verified; a token works once.");
  if (row.tokenExpiresAt <= now) {
    await db.inboundRequest.updateMany({
      where: { id: row.id, state: "unverified" },
      data: { state: "expired", tokenHash: null },
    });
    return refuse(
      410,
      `The token expired at ${utc(row.tokenExpiresAt)}; send the first request again for a new one.`,
    );
  }
  // Used once: the hash goes in the same statement that opens the request.
  const n = await db.inboundRequest.updateMany({
    where: { id: row.id, tokenHash: hash, state: "unverified", tokenExpiresAt: { gt: now } },
    data: { state: "open", tokenHash: null, verifiedAt: now },
  });
  if (n.count === 0) return refuse(409, "This request was already verified; a token works once.");
  s.log.info("inbound request verified", { request: row.uid, asn: String(row.asn), source });
  const opened = await db.inboundRequest.findUniqueOrThrow({ where: { id: row.id } });
  await postRequest(s, opened);
  return {
    status: 200,
    body: {
      uid: row.uid,
      state: "open",
      message: `Request verified: AS${row.asn}'s request is with our peering team, who will answer by e-mail to ${row.contactEmail}.`,
    },
  };
}
