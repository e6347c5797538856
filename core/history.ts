// The change history of every inventory object (Peering Manager's change log): each create,
// update and delete, from chat, a file, an import or a sync, with who, when, through what, and
// the object's data before and after. A row is written in the same transaction as the change it
// records, so that neither exists without the other. Secrets are masked before they are stored.
import { randomUUID } from "node:crypto";
import type { Database, Prisma } from "./db.js";
import type { Actor } from "./roles.js";

/** The Prisma client or a transaction of it: history is written inside the caller's transaction. */
export type Tx = Database["prisma"] | Prisma.TransactionClient;

/** What kind of object a row is about; `history <kind> <name>` names them the same way. */
export type HistoryObjectType =
  | "router"
  | "as"
  | "ixp"
  | "connection"
  | "ixp-session"
  | "direct-session"
  | "policy"
  | "community"
  | "group"
  | "contact"
  | "hidden-peer"
  | "ixapi-endpoint";

/** Through what a change came. */
export type HistoryVia = "chat" | "file" | "import" | "sync" | "peering-manager" | "deploy" | "cli" | "demo";

/** Who made a change and through what; one per command, apply or import (one requestId). */
export interface HistoryAuthor {
  /** "<platform>:<user id>", or a process: "cli:<user>", "sync", "import". */
  actor: string;
  actorName: string;
  via: HistoryVia;
  /** Groups the rows of one command or one apply. */
  requestId: string;
}

/** The author of a change made by a chat user (or a console user). */
export function chatAuthor(actor: Actor, via: HistoryVia = "chat"): HistoryAuthor {
  return {
    actor: `${actor.platform}:${actor.userId}`,
    actorName: actor.userName || actor.userId,
    via,
    requestId: randomUUID(),
  };
}

/** The author of a change made by a process (sync, a CLI run, an import). */
export function processAuthor(actor: string, via: HistoryVia, actorName = actor): HistoryAuthor {
  return { actor, actorName, via, requestId: randomUUID() };
}

/** Fields that hold a secret, or its ciphertext: never stored in the history, only whether one is set. */
const SECRET_FIELDS = /(password|secret|token|privateKey|apiKey|credentialValue)(Enc)?$/i;
/**
 * Bookkeeping that is no part of what an engineer changed: timestamps, and a session's state as
 * last polled from its router (polling writes it all the time; it is no inventory change).
 */
const NOISE_FIELDS = new Set([
  "createdAt",
  "updatedAt",
  "bgpState",
  "receivedPrefixCount",
  "acceptedPrefixCount",
  "advertisedPrefixCount",
  "lastEstablishedAt",
  "polledAt",
  "alertedState",
  "alertedAt",
]);

/**
 * An object's data as the history keeps it: plain JSON (bigint as a number where it fits, dates
 * as ISO text), bookkeeping left out, and every secret replaced by "(set)" or null. Fields
 * that name where a secret lives (`credentialEnv`, `passwordEnv`) are kept: they are no secret.
 */
export function snapshot(obj: Record<string, unknown> | null | undefined): Prisma.InputJsonValue | null {
  if (!obj) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (NOISE_FIELDS.has(k) || v === undefined) continue;
    if (SECRET_FIELDS.test(k) && !/Env$/.test(k)) {
      out[k] = v === null || v === "" ? null : "(set)";
      continue;
    }
    out[k] = plain(v);
  }
  return out as Prisma.InputJsonValue;
}

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return v;
}

export interface HistoryEntry {
  type: HistoryObjectType;
  id: number | bigint | string;
  /** How `history` names it: "edge1.lon1", "AS6939", "LINX LON1 195.66.224.21". */
  repr: string;
  action: "create" | "update" | "delete";
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Whether an update changed anything worth a row (secrets compared as "(set)"/null, as stored). */
export function changed(before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  return JSON.stringify(snapshot(before)) !== JSON.stringify(snapshot(after));
}

/** How many rows one statement of recordChanges inserts at the most (it bounds the statement's size). */
const CHUNK = 5_000;

/**
 * Records changes in the caller's transaction. An update whose data did not change writes no
 * row (re-applying a file, or a sync that found nothing new, leaves no noise). The rows go in
 * one INSERT ... SELECT FROM unnest per CHUNK: Prisma's createMany spent 0.6 to 0.7 ms a row
 * on the JSON columns, this about 0.08 ms (6,000 rows: 3.5 s before, 0.45 s now).
 */
export async function recordChanges(tx: Tx, author: HistoryAuthor, entries: HistoryEntry[]): Promise<number> {
  const rows = entries.filter(
    (e) => e.action !== "update" || !e.before || !e.after || changed(e.before, e.after),
  );
  // A missing before or after is NULL (not JSON null), as it was with createMany.
  const json = (v: Record<string, unknown> | null | undefined) => {
    const s = snapshot(v);
    return s === null ? null : JSON.stringify(s);
  };
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await tx.$executeRaw`
      insert into "ObjectChange" (actor, "actorName", via, "requestId", "objectType", "objectId", "objectRepr", action, before, after)
      select ${oneLine(author.actor, 200)}, ${oneLine(author.actorName, 200)}, ${author.via}, ${author.requestId},
             v.t, v.i, v.r, v.a::"ObjectAction", v.b::jsonb, v.f::jsonb
        from unnest(${part.map((e) => e.type)}::text[], ${part.map((e) => String(e.id))}::text[],
                    ${part.map((e) => oneLine(e.repr, 300))}::text[],
                    ${part.map((e) => e.action)}::text[], ${part.map((e) => json(e.before))}::text[],
                    ${part.map((e) => json(e.after))}::text[]) as v(t, i, r, a, b, f)`;
  }
  return rows.length;
}

/** Records one change; see recordChanges. */
export function recordChange(tx: Tx, author: HistoryAuthor, entry: HistoryEntry): Promise<number> {
  return recordChanges(tx, author, [entry]);
}

export interface HistoryRow {
  id: bigint;
  at: Date;
  actor: string;
  actorName: string;
  via: string;
  objectType: string;
  objectId: string;
  objectRepr: string;
  action: "create" | "update" | "delete";
  before: unknown;
  after: unknown;
}

/** Which rows `objectHistory` reads; every member given narrows it. */
export interface HistoryFilter {
  type?: HistoryObjectType;
  id?: number | bigint | string;
  requestId?: string;
  /** Rows of any of these objects (a type with some of its ids): an AS's sessions, say. */
  anyOf?: { type: HistoryObjectType; ids: (number | string)[] }[];
}

/** An object's history (or every object's of a type, or everything), newest first, paged. */
export async function objectHistory(
  db: Database,
  filter: HistoryFilter,
  page = 1,
  perPage = 20,
): Promise<{ rows: HistoryRow[]; total: number }> {
  const where: Prisma.ObjectChangeWhereInput = {
    ...(filter.type ? { objectType: filter.type } : {}),
    ...(filter.id !== undefined ? { objectId: String(filter.id) } : {}),
    ...(filter.requestId ? { requestId: filter.requestId } : {}),
    ...(filter.anyOf
      ? {
          OR: filter.anyOf.map((o) => ({ objectType: o.type, objectId: { in: o.ids.map(String) } })),
        }
      : {}),
  };
  const [rows, total] = await Promise.all([
    db.prisma.objectChange.findMany({
      where,
      orderBy: [{ at: "desc" }, { id: "desc" }],
      skip: (page - 1) * perPage,
      take: perPage,
    }),
    db.prisma.objectChange.count({ where }),
  ]);
  return { rows: rows as HistoryRow[], total };
}

/** The fields an update changed, as "field: old -> new" lines (secrets as stored: "(set)"). */
export function changedFields(before: unknown, after: unknown): string[] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  const show = (v: unknown) => (v === undefined ? "—" : JSON.stringify(v));
  return keys
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => `${k}: ${show(b[k])} -> ${show(a[k])}`);
}

/** One object as the history knows it: its type and id (it may be deleted by now). */
export interface HistoryObjectRef {
  type: HistoryObjectType;
  id: string;
}

/**
 * The objects of `types` whose history rows carry `field` = `value` in their data before or
 * after (an AS's sessions and contacts by `autonomousSystemId`, an IXP's connections by
 * `ixpId`), deleted ones included.
 */
export async function historyObjectsReferring(
  db: Database,
  types: HistoryObjectType[],
  field: string,
  value: number | string,
): Promise<HistoryObjectRef[]> {
  const { rows } = await db.pool.query<{ type: HistoryObjectType; id: string }>(
    `select distinct "objectType" as type, "objectId" as id from "ObjectChange"
      where "objectType" = any($1::text[]) and (before->>$2 = $3 or after->>$2 = $3)`,
    [types, field, String(value)],
  );
  return rows;
}

/**
 * The objects of `type` that the history names `repr` (case-insensitively), or whose name ends
 * with ` <suffix>` when `suffix` is set: how a deleted router or a session's address is found.
 */
export async function historyObjectsNamed(
  db: Database,
  type: HistoryObjectType | HistoryObjectType[],
  name: { repr?: string; suffix?: string },
): Promise<HistoryObjectRef[]> {
  const types = Array.isArray(type) ? type : [type];
  const { rows } = await db.pool.query<{ type: HistoryObjectType; id: string }>(
    `select distinct "objectType" as type, "objectId" as id from "ObjectChange"
      where "objectType" = any($1::text[])
        and (lower("objectRepr") = lower($2) or ($3::text is not null and right(lower("objectRepr"), length($3) + 1) = ' ' || lower($3)))`,
    [types, name.repr ?? "", name.suffix ?? null],
  );
  return rows;
}

/** Text for a history column: control characters (NUL above all, which PostgreSQL text cannot hold) as spaces, at most `n` units. */
function oneLine(s: string, n: number): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, n);
}
