// Read queries over our own inventory (routers, IXPs, autonomous systems) that commands and
// jobs need, so that Prisma stays inside core/.
import type { Database } from "./db.js";
import type { MessageRef } from "./ports.js";

export function findRouterByName(db: Database, name: string) {
  return db.prisma.router.findUnique({ where: { name } });
}

export async function routerNames(db: Database): Promise<string[]> {
  return (await db.prisma.router.findMany({ select: { name: true }, orderBy: { name: "asc" } })).map(
    (r) => r.name,
  );
}

/** Routers with pollSessionState on and not disabled, by id. */
export async function pollableRouterIds(db: Database): Promise<number[]> {
  // On pg directly: the poll ticker runs this at start-up, and a process with nothing to poll
  // should not load Prisma's query compiler (about 50 MB) before its first command.
  const { rows } = await db.pool.query<{ id: number }>(
    `select id from "Router" where "pollSessionState" and status <> 'disabled' order by id`,
  );
  return rows.map((r) => r.id);
}

export interface RouterSummary {
  id: number;
  name: string;
  hostname: string;
  platform: string;
  status: string;
  pollSessionState: boolean;
  localAsn: number;
  connections: number;
  sessions: number;
}

/** Every router with its connection and session counts, in one query. */
export async function listRouters(db: Database): Promise<RouterSummary[]> {
  const { rows } = await db.pool.query<Omit<RouterSummary, "localAsn"> & { localAsn: string }>(
    `select r.id, r.name, r.hostname, r.platform::text as platform, r.status::text as status,
            r."pollSessionState", a.asn::text as "localAsn",
            (select count(*)::int from "Connection" c where c."routerId" = r.id) as connections,
            (select count(*)::int from "IxpSession" s join "Connection" c on c.id = s."connectionId"
              where c."routerId" = r.id)
          + (select count(*)::int from "DirectSession" d where d."routerId" = r.id) as sessions
       from "Router" r join "AutonomousSystem" a on a.id = r."localAsId"
      order by r.name`,
  );
  return rows.map((r) => ({ ...r, localAsn: Number(r.localAsn) }));
}

/** An IXP with its local AS and our connections (router name, session statuses). */
export function ixpDetail(db: Database, id: number) {
  return db.prisma.internetExchange.findUniqueOrThrow({
    where: { id },
    include: {
      localAs: { select: { asn: true, name: true } },
      connections: {
        orderBy: { id: "asc" },
        include: { router: { select: { name: true } }, ixpSessions: { select: { status: true } } },
      },
    },
  });
}

export function listIxps(db: Database) {
  return db.prisma.internetExchange.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      slug: true,
      peeringdbIxId: true,
      status: true,
      _count: { select: { connections: true } },
    },
  });
}

export async function hasIxps(db: Database): Promise<boolean> {
  return (await db.prisma.internetExchange.count()) > 0;
}

/** A local autonomous system with its contacts and our sessions with it; null when unknown. */
export function localAsDetail(db: Database, asn: number) {
  return db.prisma.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    include: {
      contacts: { orderBy: [{ role: "asc" }, { name: "asc" }] },
      ixpSessions: {
        orderBy: { ipAddress: "asc" },
        select: {
          status: true,
          ipAddress: true,
          bgpState: true,
          receivedPrefixCount: true,
          connection: { select: { ixp: { select: { name: true } } } },
        },
      },
      directSessions: { select: { status: true, ipAddress: true, bgpState: true, relationship: true } },
    },
  });
}

// ---------------------------------------------------------------------------
// Messages that jobs keep up to date ("sync:<id>"); changes keep their own.
// ---------------------------------------------------------------------------

export async function recordTrackedMessage(db: Database, key: string, ref: MessageRef): Promise<void> {
  const data = {
    platform: ref.platform,
    channel: ref.channel,
    messageId: ref.messageId,
    threadId: ref.threadId ?? "",
  };
  await db.prisma.trackedMessage.upsert({ where: { key }, update: data, create: { key, ...data } });
}

/** Where the message tracking `key` lives, once its platform has posted it. */
export async function trackedMessage(db: Database, key: string): Promise<MessageRef | null> {
  const t = await db.prisma.trackedMessage.findUnique({ where: { key } });
  return t
    ? { platform: t.platform, channel: t.channel, messageId: t.messageId, threadId: t.threadId || undefined }
    : null;
}

/**
 * Claims a key on the message tracker's table (TrackedMessage): true for the first insert of
 * it, in every process sharing the database (an outcome posted once in a message's thread).
 */
export async function claimTrackedKey(db: Pick<Database, "pool">, key: string): Promise<boolean> {
  const r = await db.pool.query(
    `insert into "TrackedMessage" (key, platform, channel, "messageId") values ($1, '', '', '')
     on conflict (key) do nothing`,
    [key],
  );
  return (r.rowCount ?? 0) > 0;
}
