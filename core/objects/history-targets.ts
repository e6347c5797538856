// What `history <kind> <name>` reads: the object named (as it is now, or as the history last
// named it when it is gone) and, for sessions, connections and contacts, every such object of an
// AS, an IXP or an address, deleted ones included.
import { parseAsn } from "../asn.js";
import type { Database } from "../db.js";
import { UserError } from "../errors.js";
import {
  historyObjectsNamed,
  historyObjectsReferring,
  type HistoryFilter,
  type HistoryObjectRef,
  type HistoryObjectType,
} from "../history.js";
import { clip } from "../text.js";
import { parseCidr } from "./addresses.js";

export type HistoryKind =
  "router" | "as" | "ixp" | "connection" | "session" | "policy" | "community" | "group" | "contact" | "ixapi";

export interface HistoryTarget {
  filter: HistoryFilter;
  /** "router edge1.lon", "sessions of AS6939". */
  label: string;
  /** Set when the object no longer exists (only the history knows it). */
  gone?: boolean;
}

/** Groups refs by type for HistoryFilter.anyOf. */
function anyOf(refs: HistoryObjectRef[]): HistoryFilter {
  const by = new Map<HistoryObjectType, string[]>();
  for (const r of refs) by.set(r.type, [...(by.get(r.type) ?? []), r.id]);
  return { anyOf: [...by.entries()].map(([type, ids]) => ({ type, ids })) };
}

const SESSION_TYPES: HistoryObjectType[] = ["ixp-session", "direct-session"];

/** An object of `type` by its id now, else by the name the history gave it. */
async function oneObject(
  db: Database,
  type: HistoryObjectType,
  id: number | null,
  repr: string,
  label: string,
): Promise<HistoryTarget> {
  if (id !== null) return { filter: { type, id }, label };
  const past = await historyObjectsNamed(db, type, { repr });
  if (!past.length) throw new UserError(`No ${label} exists, and peerbot's history has none by that name.`);
  return { filter: anyOf(past), label, gone: true };
}

export async function historyTarget(
  db: Database,
  kind: HistoryKind,
  name: string,
  ixp?: { id: number; name: string } | null,
): Promise<HistoryTarget> {
  const p = db.prisma;
  switch (kind) {
    case "router": {
      const r = await p.router.findUnique({ where: { name }, select: { id: true } });
      return oneObject(db, "router", r?.id ?? null, name, `router ${clip(name, 60)}`);
    }
    case "as": {
      const asn = parseAsn(name);
      if (asn === null) throw new UserError(`"${clip(name, 30)}" is not an AS number; write it as AS6939.`);
      const a = await p.autonomousSystem.findUnique({ where: { asn: BigInt(asn) }, select: { id: true } });
      return oneObject(db, "as", a?.id ?? null, `AS${asn}`, `AS${asn}`);
    }
    case "ixp":
      return oneObject(db, "ixp", ixp?.id ?? null, ixp?.name ?? name, `IXP ${clip(ixp?.name ?? name, 60)}`);
    case "connection": {
      const id = /^#?(\d{1,9})$/.exec(name.trim());
      if (id) return { filter: { type: "connection", id: Number(id[1]) }, label: `connection #${id[1]}` };
      if (!ixp) throw new UserError(`Say which connection: #<id>, or an IXP for all of ours there.`);
      const now = await p.connection.findMany({ where: { ixpId: ixp.id }, select: { id: true } });
      const past = await historyObjectsReferring(db, ["connection"], "ixpId", ixp.id);
      const refs = [...now.map((c) => ({ type: "connection" as const, id: String(c.id) })), ...past];
      return {
        filter: refs.length ? anyOf(refs) : { type: "connection", id: -1 },
        label: `connections at ${ixp.name}`,
      };
    }
    case "session":
      return sessionTarget(db, name);
    case "ixapi": {
      const e = await p.ixApiEndpoint.findUnique({ where: { name }, select: { id: true } });
      return oneObject(db, "ixapi-endpoint", e?.id ?? null, name, `IX-API endpoint ${clip(name, 60)}`);
    }
    case "contact": {
      const [asWord, email] = name.trim().split(/\s+/);
      const asn = parseAsn(asWord ?? "");
      if (asn === null)
        throw new UserError(
          "Say whose contacts: history contact <AS> [<e-mail>], e.g. history contact AS6939.",
        );
      const a = await p.autonomousSystem.findUnique({ where: { asn: BigInt(asn) }, select: { id: true } });
      if (email) {
        const past = await historyObjectsNamed(db, "contact", { repr: `AS${asn} ${email}` });
        if (!past.length)
          throw new UserError(`peerbot's history has no contact ${clip(email, 60)} of AS${asn}.`);
        return { filter: anyOf(past), label: `contact ${clip(email, 60)} of AS${asn}` };
      }
      if (!a) throw new UserError(`AS${asn} is not in peerbot's database, so it has no contacts.`);
      const refs = await historyObjectsReferring(db, ["contact"], "autonomousSystemId", a.id);
      return {
        filter: refs.length ? anyOf(refs) : { type: "contact", id: -1 },
        label: `contacts of AS${asn}`,
      };
    }
    case "policy":
    case "community":
    case "group": {
      const where = { OR: [{ slug: name }, { name: { equals: name, mode: "insensitive" as const } }] };
      const row =
        kind === "policy"
          ? await p.routingPolicy.findFirst({ where, select: { id: true, slug: true } })
          : kind === "community"
            ? await p.community.findFirst({ where, select: { id: true, slug: true } })
            : await p.bgpGroup.findFirst({ where, select: { id: true, slug: true } });
      return oneObject(
        db,
        kind,
        row?.id ?? null,
        row?.slug ?? name,
        `${kind} ${clip(row?.slug ?? name, 60)}`,
      );
    }
  }
}

/** `history session AS6939` (every session with it) or `history session 195.66.224.21`. */
async function sessionTarget(db: Database, name: string): Promise<HistoryTarget> {
  const asn = parseAsn(name);
  if (asn !== null) {
    const a = await db.prisma.autonomousSystem.findUnique({
      where: { asn: BigInt(asn) },
      select: { id: true },
    });
    if (!a) throw new UserError(`AS${asn} is not in peerbot's database, so we have no sessions with it.`);
    const [ixp, direct, past] = await Promise.all([
      db.prisma.ixpSession.findMany({ where: { autonomousSystemId: a.id }, select: { id: true } }),
      db.prisma.directSession.findMany({ where: { autonomousSystemId: a.id }, select: { id: true } }),
      historyObjectsReferring(db, SESSION_TYPES, "autonomousSystemId", a.id),
    ]);
    const refs: HistoryObjectRef[] = [
      ...ixp.map((s) => ({ type: "ixp-session" as const, id: String(s.id) })),
      ...direct.map((s) => ({ type: "direct-session" as const, id: String(s.id) })),
      ...past,
    ];
    return {
      filter: refs.length ? anyOf(refs) : { type: "ixp-session", id: -1 },
      label: `sessions with AS${asn}`,
    };
  }
  const ip = parseCidr(name);
  if (!ip)
    throw new UserError(
      `Say which sessions: an AS number or the peer's address, e.g. history session AS6939 or history session 195.66.224.21.`,
    );
  const { rows } = await db.pool.query<{ type: HistoryObjectType; id: string }>(
    `select 'ixp-session' as type, id::text from "IxpSession" where host("ipAddress")::inet = $1::inet
     union all
     select 'direct-session', id::text from "DirectSession" where host("ipAddress")::inet = $1::inet`,
    [ip.host],
  );
  const past = await historyObjectsNamed(db, SESSION_TYPES, { suffix: ip.host });
  const refs = [...rows, ...past];
  if (!refs.length)
    throw new UserError(`We have no session with ${ip.host}, and peerbot's history has none.`);
  return { filter: anyOf(refs), label: `sessions with ${ip.host}` };
}
