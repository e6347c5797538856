// Connections: our ports on an exchange, each on a router, with our addresses on the peering
// LAN (checked against the IXP's prefixes), VLAN, MAC and speed. Found by id (`#12`, as listed
// by `connection list`, `router show`) or by IXP and router when that names one.
import type { Database, Prisma } from "../db.js";
import { UserError } from "../errors.js";
import { recordChange, type HistoryAuthor, type Tx } from "../history.js";
import { clip, plural, singleLine } from "../text.js";
import { checkIxpAddress } from "./addresses.js";
import { repr } from "./repr.js";
import {
  check,
  lineText,
  mac as macSchema,
  objectStatus,
  speed as speedSchema,
  vlan as vlanSchema,
} from "./validate.js";

type ConnectionRow = Prisma.ConnectionGetPayload<object>;

/** The fields of a connection chat, a file or an import may set; null clears an optional one. */
export interface ConnectionFields {
  /** Router name, or null for none. */
  router: string | null;
  /** Our IPv4 address, with or without the LAN's prefix length; null for none. */
  ipv4: string | null;
  ipv6: string | null;
  vlan: number | null;
  /** Any usual notation; "" for none. */
  mac: string;
  /** Mbit/s. */
  speed: number;
  status: "enabled" | "disabled" | "maintenance";
  name: string;
  comments: string;
}

export interface ConnectionWrite {
  connection: ConnectionRow;
  ixpName: string;
  routerName: string | null;
  changed: boolean;
  notes: string[];
}

const run = <T>(db: Database, tx: Tx | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> =>
  tx ? fn(tx) : db.prisma.$transaction((t) => fn(t));

async function routerByName(tx: Tx, name: string) {
  const r = await tx.router.findUnique({
    where: { name },
    select: { id: true, name: true, localAsId: true },
  });
  if (!r) throw new UserError(`There is no router called "${clip(name, 60)}".`);
  return r;
}

interface IxpRow {
  id: number;
  name: string;
  prefixes: string[];
  localAsId: number;
}

/**
 * Checks and normalises the addresses, VLAN, MAC and speed; refuses an address another of our
 * connections at that IXP has, or that is a peer's address in one of our sessions there.
 */
async function resolveFields(
  tx: Tx,
  ixp: IxpRow,
  f: Partial<ConnectionFields>,
  selfId: number | null,
): Promise<{ data: Prisma.ConnectionUncheckedUpdateInput; notes: string[] }> {
  const data: Prisma.ConnectionUncheckedUpdateInput = {};
  const notes: string[] = [];
  const ixpName = singleLine(ixp.name, 60);
  for (const [key, family, column] of [
    ["ipv4", 4, "ipv4Address"],
    ["ipv6", 6, "ipv6Address"],
  ] as const) {
    const v = f[key];
    if (v === undefined) continue;
    if (v === null) {
      data[column] = null;
      continue;
    }
    const a = checkIxpAddress(v, family, { name: ixpName, prefixes: ixp.prefixes });
    if (a.unchecked)
      notes.push(
        `${ixpName} lists no IPv${family} peering LAN, so peerbot could not check ${a.text} against it.`,
      );
    const [other] = await tx.$queryRaw<{ id: number }[]>`
      select id from "Connection"
       where "ixpId" = ${ixp.id} and id <> ${selfId ?? 0}
         and (host("ipv4Address")::inet = ${a.host}::inet or host("ipv6Address")::inet = ${a.host}::inet)
       order by id limit 1`;
    if (other)
      throw new UserError(`${a.host} is already the address of connection #${other.id} at ${ixpName}.`);
    const [peer] = await tx.$queryRaw<{ asn: string }[]>`
      select a.asn::text as asn from "IxpSession" s
        join "Connection" c on c.id = s."connectionId"
        join "AutonomousSystem" a on a.id = s."autonomousSystemId"
       where c."ixpId" = ${ixp.id} and host(s."ipAddress")::inet = ${a.host}::inet
       limit 1`;
    if (peer)
      throw new UserError(
        `${a.host} is AS${peer.asn}'s address at ${ixpName} (we have a session with it there), not ours.`,
      );
    data[column] = a.text;
  }
  if (f.vlan !== undefined) data.vlan = f.vlan === null ? null : check(vlanSchema, f.vlan);
  if (f.mac !== undefined) data.macAddress = f.mac === "" ? "" : check(macSchema, f.mac);
  if (f.speed !== undefined) data.speed = check(speedSchema, f.speed);
  if (f.status !== undefined) data.status = check(objectStatus, f.status);
  if (f.name !== undefined) data.name = check(lineText("connection name", 100), f.name);
  if (f.comments !== undefined) data.comments = check(lineText("comment", 1000), f.comments);
  if (f.router !== undefined)
    data.routerId = f.router === null ? null : (await routerByName(tx, f.router)).id;
  return { data, notes };
}

export async function createConnection(
  db: Database,
  author: HistoryAuthor,
  input: { ixpId: number } & Partial<ConnectionFields>,
  opts: { tx?: Tx } = {},
): Promise<ConnectionWrite> {
  if (!input.ipv4 && !input.ipv6)
    throw new UserError(
      "A connection needs our address on the peering LAN: give v4 <address/len>, v6 <address/len> or both.",
    );
  return run(db, opts.tx, async (tx) => {
    const ixp = await tx.internetExchange.findUniqueOrThrow({
      where: { id: input.ixpId },
      select: { id: true, name: true, prefixes: true, localAsId: true },
    });
    const { data, notes } = await resolveFields(tx, ixp, input, null);
    const created = await tx.connection.create({
      data: {
        ...(data as Prisma.ConnectionUncheckedCreateInput),
        ixpId: ixp.id,
        name: (data.name as string | undefined) || "",
      },
    });
    const router = created.routerId
      ? await tx.router.findUnique({
          where: { id: created.routerId },
          select: { name: true, localAsId: true },
        })
      : null;
    if (router && router.localAsId !== ixp.localAsId)
      notes.push(
        `${router.name}'s local AS is not ${singleLine(ixp.name, 60)}'s; sessions there use the IXP's.`,
      );
    await recordChange(tx, author, {
      type: "connection",
      id: created.id,
      repr: repr.connection(created, ixp.name),
      action: "create",
      after: created,
    });
    return {
      connection: created,
      ixpName: singleLine(ixp.name, 100),
      routerName: router?.name ?? null,
      changed: true,
      notes,
    };
  });
}

export async function updateConnection(
  db: Database,
  author: HistoryAuthor,
  id: number,
  patch: Partial<ConnectionFields>,
  opts: { tx?: Tx } = {},
): Promise<ConnectionWrite> {
  return run(db, opts.tx, async (tx) => {
    const before = await requireConnection(tx, id);
    const ixp = await tx.internetExchange.findUniqueOrThrow({
      where: { id: before.ixpId },
      select: { id: true, name: true, prefixes: true, localAsId: true },
    });
    const { data, notes } = await resolveFields(tx, ixp, patch, before.id);
    const after = await tx.connection.update({ where: { id: before.id }, data });
    if (!after.ipv4Address && !after.ipv6Address)
      throw new UserError(`Connection #${id} would have no address left; a connection needs at least one.`);
    const n = await recordChange(tx, author, {
      type: "connection",
      id: after.id,
      repr: repr.connection(after, ixp.name),
      action: "update",
      before,
      after,
    });
    const sessions = await tx.ixpSession.count({ where: { connectionId: after.id } });
    const router = after.routerId
      ? await tx.router.findUnique({ where: { id: after.routerId }, select: { name: true } })
      : null;
    if (
      n &&
      sessions &&
      (patch.router !== undefined || patch.ipv4 !== undefined || patch.ipv6 !== undefined)
    ) {
      const old =
        before.routerId !== after.routerId && before.routerId
          ? await tx.router.findUnique({ where: { id: before.routerId }, select: { name: true } })
          : null;
      const routers = [old?.name, router?.name].filter(Boolean);
      notes.push(
        `Its ${plural(sessions, "session")} ${sessions === 1 ? "goes" : "go"} with it: ${routers.length ? routers.map((r) => `deploy ${r}`).join(" and ") : "assign a router"} to apply that on the router${routers.length > 1 ? "s" : ""}.`,
      );
    }
    return {
      connection: after,
      ixpName: singleLine(ixp.name, 100),
      routerName: router?.name ?? null,
      changed: n > 0,
      notes,
    };
  });
}

async function requireConnection(tx: Tx, id: number): Promise<ConnectionRow> {
  const c = await tx.connection.findUnique({ where: { id } });
  if (!c)
    throw new UserError(
      `There is no connection #${id}.`,
      "connection list shows our connections with their ids.",
    );
  return c;
}

/** Removes a connection, refused while sessions use it. */
export async function removeConnection(
  db: Database,
  author: HistoryAuthor,
  id: number,
  opts: { tx?: Tx } = {},
): Promise<{ repr: string }> {
  return run(db, opts.tx, async (tx) => {
    const c = await requireConnection(tx, id);
    const ixp = await tx.internetExchange.findUniqueOrThrow({
      where: { id: c.ixpId },
      select: { name: true },
    });
    const sessions = await tx.ixpSession.count({ where: { connectionId: id } });
    if (sessions)
      throw new UserError(
        `Connection #${id} at ${singleLine(ixp.name, 60)} still has ${plural(sessions, "session")}, so peerbot will not remove it.`,
        "Remove its sessions first (session <AS> at <IXP> remove), or set the connection disabled.",
      );
    await tx.connection.delete({ where: { id } });
    const name = repr.connection(c, ixp.name);
    await recordChange(tx, author, { type: "connection", id, repr: name, action: "delete", before: c });
    return { repr: name };
  });
}

export interface ConnectionListRow {
  id: number;
  name: string;
  ixp: string;
  ixpSlug: string;
  router: string | null;
  ipv4: string | null;
  ipv6: string | null;
  vlan: number | null;
  mac: string;
  speed: number;
  status: string;
  sessions: number;
}

/** Our connections, at an IXP or on a router, or all, by IXP then id. */
export async function listConnections(
  db: Database,
  filter: { ixpId?: number; routerId?: number } = {},
): Promise<ConnectionListRow[]> {
  const rows = await db.prisma.connection.findMany({
    where: {
      ...(filter.ixpId ? { ixpId: filter.ixpId } : {}),
      ...(filter.routerId ? { routerId: filter.routerId } : {}),
    },
    include: {
      ixp: { select: { name: true, slug: true } },
      router: { select: { name: true } },
      _count: { select: { ixpSessions: true } },
    },
    orderBy: [{ ixp: { name: "asc" } }, { id: "asc" }],
  });
  return rows.map((c) => ({
    id: c.id,
    name: singleLine(c.name, 60),
    ixp: singleLine(c.ixp.name, 60),
    ixpSlug: c.ixp.slug,
    router: c.router?.name ?? null,
    ipv4: c.ipv4Address,
    ipv6: c.ipv6Address,
    vlan: c.vlan,
    mac: c.macAddress,
    speed: c.speed,
    status: c.status,
    sessions: c._count.ixpSessions,
  }));
}

/** A connection's id and where it is, or null. */
export async function findConnection(db: Database, id: number) {
  return db.prisma.connection.findUnique({
    where: { id },
    include: { ixp: { select: { id: true, name: true } }, router: { select: { name: true } } },
  });
}
