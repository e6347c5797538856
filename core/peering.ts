// `peer <AS> at <IXP>`: for each of the AS's PeeringDB addresses at the exchange (on ports
// PeeringDB marks operational) and each of our usable connections there (core/connections.ts;
// same address family), a session in `provisioning`, unless we already have one with it on
// that address; a session of another network on an address the exchange has since given to
// this one is marked for removal in the same change. Then a change per router carrying those
// sessions. `peer rs at <IXP>` does the same with the IXP's route servers (core/ixapi/
// route-servers.ts), flagging the sessions as route-server ones. Also enable/disable/remove of
// existing sessions.
import { specialAsn } from "./asn.js";
import { clip, singleLine } from "./text.js";
import {
  abandonDrafts,
  draftChange,
  errorLine,
  planChange,
  type ChangeRow,
  type ChangeServices,
  type Effect,
} from "./changes.js";
import {
  covers,
  REPLACED_STATUSES,
  sessionsOnAddresses,
  storedAddress,
  USABLE_CONNECTION,
} from "./connections.js";
import type { Database, SessionStatus } from "./db.js";
import { UserError } from "./errors.js";
import {
  chatAuthor,
  processAuthor,
  recordChange,
  recordChanges,
  type HistoryAuthor,
  type HistoryEntry,
  type Tx,
} from "./history.js";
import { routeServersOf, type RouteServer } from "./ixapi/route-servers.js";
import type { IxpRef } from "./ixp.js";
import type { Actor } from "./roles.js";

interface NetixlanRow {
  ipaddr4: string | null;
  ipaddr6: string | null;
  is_rs_peer: boolean;
  operational: boolean;
}

export interface PeerRequest {
  asn: number;
  ixp: IxpRef;
  family?: "ipv4" | "ipv6";
  routerName?: string;
  actor: Actor;
}

/** A session of another network on an address PeeringDB now lists for the peer, marked for removal. */
export interface ReplacedSession {
  asn: number;
  asName: string;
  ipAddress: string;
}

export interface PeerResult {
  created: number;
  existing: number;
  /** Sessions of other networks on the peer's addresses, removed by the same changes. */
  replaced: ReplacedSession[];
  /** The peer's ports at the IXP that PeeringDB marks not operational: no session on them. */
  notOperational: number;
  changes: ChangeRow[];
  /** Routers whose configuration already matched (nothing to deploy). */
  unchanged: string[];
  /** The peer's name, on one line. */
  asName: string;
}

const familyOf = (ip: string) => (ip.includes(":") ? "ipv6" : "ipv4");

/** Longest AS or IXP name in a change's summary and a reply. */
const NAME_MAX = 60;

/** The fields of a new AutonomousSystem taken from its PeeringDB `net` record. */
export function asFromNet(
  asn: number,
  net: {
    id: number;
    name: string;
    irr_as_set: string | null;
    info_prefixes4: number | null;
    info_prefixes6: number | null;
    policy_general: string | null;
  },
) {
  return {
    asn: BigInt(asn),
    // PeeringDB allows 255 characters; a name is one line wherever it is shown.
    name: singleLine(net.name, 255) || `AS${asn}`,
    irrAsSet: net.irr_as_set ?? "",
    ipv4MaxPrefixes: net.info_prefixes4 ?? 0,
    ipv6MaxPrefixes: net.info_prefixes6 ?? 0,
    generalPolicy: net.policy_general ?? "",
    peeringdbNetId: net.id,
  };
}

/** Who creates an AutonomousSystem when the caller does not say: the PeeringDB mirror. */
const MIRROR_AUTHOR = () => processAuthor("peeringdb", "import", "PeeringDB mirror");

/**
 * The local AutonomousSystem for `asn`, created from the PeeringDB mirror when it is new (with
 * its history row, in `opts.tx` when given, else in a transaction of its own). When the mirror
 * has no `net` for it, `fallbackName` (if given) names a bare one instead of an error:
 * PeeringDB lists the network at an exchange, so it exists.
 */
export async function ensureAutonomousSystem(
  db: Database,
  asn: number,
  opts: { fallbackName?: string; author?: HistoryAuthor; tx?: Tx } = {},
): Promise<{ id: number; name: string; created?: boolean }> {
  const local = await (opts.tx ?? db.prisma).autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { id: true, name: true },
  });
  if (local) return local;
  // Through Prisma, so that it runs in the caller's transaction when there is one (the embedded
  // database has a single connection: a second one would wait for the transaction forever).
  const rows = await (opts.tx ?? db.prisma).$queryRaw<
    {
      id: number;
      name: string;
      irr_as_set: string;
      info_prefixes4: number | null;
      info_prefixes6: number | null;
      policy_general: string;
    }[]
  >`select id, name, irr_as_set, info_prefixes4, info_prefixes6, policy_general
      from pdb_net where asn = ${BigInt(asn)} and status = 'ok' order by id desc limit 1`;
  const net = rows[0];
  if (!net && opts.fallbackName === undefined) {
    throw new UserError(
      `AS${asn} is neither in peerbot's database nor in the PeeringDB mirror.`,
      "Check the number, or run `sync` to refresh the mirror.",
    );
  }
  const data = net ? asFromNet(asn, net) : { asn: BigInt(asn), name: singleLine(opts.fallbackName, 255) };
  const author = opts.author ?? MIRROR_AUTHOR();
  const write = async (tx: Tx) => {
    // Two commands may create it at once: the one whose insert wins records it.
    const [row] = await tx.autonomousSystem.createManyAndReturn({ data: [data], skipDuplicates: true });
    if (row) {
      await recordChange(tx, author, {
        type: "as",
        id: row.id,
        repr: `AS${asn}`,
        action: "create",
        after: row,
      });
      return { id: row.id, name: row.name, created: true };
    }
    return tx.autonomousSystem.findUniqueOrThrow({
      where: { asn: BigInt(asn) },
      select: { id: true, name: true },
    });
  };
  return opts.tx ? write(opts.tx) : db.prisma.$transaction(write);
}

/**
 * Refuses an ASN peerbot never peers with at an IXP: one of ours, AS_TRANS, a private or a
 * reserved one (core/asn.ts; `peers` leaves the same ones out).
 */
async function assertPeerable(db: Database, asn: number): Promise<void> {
  const ours = await db.prisma.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { affiliated: true },
  });
  if (ours?.affiliated) throw new UserError(`AS${asn} is one of ours; peerbot does not peer with itself.`);
  const special = specialAsn(asn);
  if (special && !special.peerable) {
    throw new UserError(
      `AS${asn} is ${special.what}: peerbot does not peer with it at an IXP.`,
      "Give the public AS number of a network PeeringDB lists there, e.g. `peer AS6939 at LINX`.",
    );
  }
}

/** "AS64501 on 192.0.2.12, AS64502 on 192.0.2.13 and 2 more" */
function replacedText(replaced: ReplacedSession[]): string {
  const each = [...new Set(replaced.map((r) => `AS${r.asn} on ${r.ipAddress}`))];
  const shown = each.slice(0, 2).join(", ");
  return each.length > 2 ? `${shown} and ${each.length - 2} more` : shown;
}

/** Our usable connections at the IXP (on `routerName` when given), or the sentence why none. */
async function connectionsAt(db: Database, ixpId: number, routerName: string | undefined) {
  const ixp = await db.prisma.internetExchange.findUniqueOrThrow({
    where: { id: ixpId },
    include: {
      connections: { where: USABLE_CONNECTION, include: { router: true }, orderBy: { id: "asc" } },
    },
  });
  const ixpName = singleLine(ixp.name, NAME_MAX);
  let connections = ixp.connections;
  if (routerName) {
    connections = connections.filter((c) => c.router?.name === routerName);
    if (!connections.length) {
      throw new UserError(
        `We have no enabled connection to ${ixpName} on router ${clip(routerName, 40)}.`,
        `\`ix ${ixp.slug}\` shows our connections there.`,
      );
    }
  }
  if (!connections.length) {
    throw new UserError(
      `We have no enabled connection to ${ixpName} on a router.`,
      `\`ix ${ixp.slug}\` shows our connections there.`,
    );
  }
  return { ixp, ixpName, connections };
}

type UsableConnection = Awaited<ReturnType<typeof connectionsAt>>["connections"][number];

/** A session asked for: with the network `asn` (its AutonomousSystem row `asId`) on `ip`. */
interface WantedSession {
  asn: number;
  asId: number;
  asName: string;
  ip: string;
}

/**
 * The sessions `peer` and `peer rs` ask for, on each of `connections` with an address of the
 * session's family, created in `provisioning` (or a requested or decommissioned one of the same
 * network on the address taken up again) unless one already covers the address; another
 * network's session on the address is marked for removal. All in one transaction with a draft
 * change per router carrying them as effects, so that a rejected change undoes them and no
 * failure leaves one without its change. The drafts are not planned yet (planDrafts).
 */
async function addSessions(
  s: ChangeServices,
  req: {
    ixpName: string;
    connections: UsableConnection[];
    wanted: WantedSession[];
    isRouteServer: boolean;
    summary: string;
    actor: Actor;
    author: HistoryAuthor;
  },
) {
  const byRouter = new Map<number, Effect[]>();
  const drafts = new Map<number, number>();
  const replaced: ReplacedSession[] = [];
  let summary = req.summary;
  let created = 0;
  let existing = 0;
  const history: HistoryEntry[] = [];
  const addresses = [...new Set(req.wanted.map((w) => w.ip))];
  // As core/objects/repr.ts names an IXP session.
  const repr = (ip: string) => `${singleLine(req.ixpName, 100)} ${ip}`;
  await s.db.prisma.$transaction(async (tx) => {
    const ids = req.connections.map((c) => c.id);
    // One `peer` at a time on these connections, so the sessions read here stay true.
    await tx.$queryRaw`select id from "Connection" where id = any(${ids}::int[]) order by id for update`;
    const known = await sessionsOnAddresses(tx, ids, addresses);
    for (const conn of req.connections) {
      const routerId = conn.routerId as number;
      for (const { asn, asId, asName, ip } of req.wanted) {
        const fam = familyOf(ip);
        const own = fam === "ipv4" ? conn.ipv4Address : conn.ipv6Address;
        if (!own) continue;
        const here = known.filter((k) => k.connectionId === conn.id && k.host === ip);
        const mine = here.filter((k) => k.asn === asn);
        if (mine.some((k) => covers(k.status))) {
          existing++;
          continue;
        }
        const effects = byRouter.get(routerId) ?? [];
        byRouter.set(routerId, effects);
        // The exchange gave this address to the peer: another network's session on it goes.
        for (const old of here) {
          if (old.asn === asn || !REPLACED_STATUSES.includes(old.status)) continue;
          await tx.ixpSession.update({ where: { id: old.id }, data: { status: "decommissioning" } });
          history.push(statusEntry("ixp-session", old.id, repr(ip), old.status, "decommissioning"));
          effects.push({ kind: "ixp", id: old.id, onDeploy: "decommissioned", onRevert: old.status });
          replaced.push({ asn: old.asn, asName: singleLine(old.asName, NAME_MAX), ipAddress: ip });
          old.status = "decommissioning";
        }
        // A requested or decommissioned session of the peer's on the address is taken up again.
        const again = mine[0];
        const session = again
          ? await tx.ixpSession.update({
              where: { id: again.id },
              data: { status: "provisioning", ...(req.isRouteServer ? { isRouteServer: true } : {}) },
            })
          : await tx.ixpSession.create({
              data: {
                autonomousSystemId: asId,
                connectionId: conn.id,
                ipAddress: storedAddress(ip, own, here),
                isRouteServer: req.isRouteServer,
                status: "provisioning",
              },
            });
        history.push(
          again
            ? statusEntry("ixp-session", again.id, repr(ip), again.status, "provisioning")
            : { type: "ixp-session", id: session.id, repr: repr(ip), action: "create", after: session },
        );
        if (!again) {
          const len = /\/(\d+)$/.exec(session.ipAddress)?.[1];
          known.push({
            id: session.id,
            connectionId: conn.id,
            host: ip,
            masklen: len ? Number(len) : fam === "ipv4" ? 32 : 128,
            asn,
            asName,
            status: "provisioning",
          });
        }
        created++;
        effects.push({
          kind: "ixp",
          id: session.id,
          onDeploy: "enabled",
          onRevert: again ? again.status : "delete",
        });
      }
    }
    if (replaced.length) summary += `, replacing ${replacedText(replaced)}`;
    await recordChanges(tx, req.author, history);
    for (const [routerId, effects] of byRouter)
      drafts.set(routerId, await draftChange(tx, s, { routerId, summary, actor: req.actor, effects }));
  });
  return { created, existing, replaced, summary, byRouter, drafts };
}

export async function peer(s: ChangeServices, req: PeerRequest): Promise<PeerResult> {
  const { db } = s;
  await assertPeerable(db, req.asn);
  const { ixp, ixpName, connections } = await connectionsAt(db, req.ixp.id, req.routerName);
  if (ixp.peeringdbIxlanId === null) {
    throw new UserError(
      `${ixpName} is not linked to PeeringDB, so peerbot cannot find AS${req.asn}'s addresses there.`,
    );
  }
  const { rows } = await db.pool.query<NetixlanRow>(
    `select host(ipaddr4) as ipaddr4, host(ipaddr6) as ipaddr6, is_rs_peer, operational
       from pdb_netixlan where ixlan_id = $1 and asn = $2 and status = 'ok' order by id`,
    [ixp.peeringdbIxlanId, req.asn],
  );
  const ofFamily = (r: NetixlanRow) =>
    [r.ipaddr4, r.ipaddr6]
      .filter((x): x is string => !!x)
      .filter((ip) => !req.family || familyOf(ip) === req.family);
  const operational = rows.filter((r) => r.operational);
  const addresses = [...new Set(operational.flatMap(ofFamily))];
  const famWord = req.family === "ipv4" ? "IPv4 " : req.family === "ipv6" ? "IPv6 " : "";
  if (!addresses.length) {
    const idle = rows.filter((r) => !r.operational && ofFamily(r).length).length;
    if (idle) {
      throw new UserError(
        `AS${req.asn} has no operational ${famWord}port at ${ixpName}: PeeringDB marks its ${idle === 1 ? "port" : `${idle} ports`} there not operational.`,
        `\`peers ${ixp.slug}\` lists the networks peerbot can peer with there.`,
      );
    }
    throw new UserError(
      `AS${req.asn} has no ${famWord}address at ${ixpName} in PeeringDB.`,
      `\`as ${req.asn}\` shows where they are and whom to contact; \`peers ${ixp.slug}\` lists who is there.`,
    );
  }
  const author = chatAuthor(req.actor);
  const as = await ensureAutonomousSystem(db, req.asn, { fallbackName: `AS${req.asn}`, author });
  const asName = singleLine(as.name, NAME_MAX) || `AS${req.asn}`;

  const added = await addSessions(s, {
    ixpName: ixp.name,
    connections,
    wanted: addresses.map((ip) => ({ asn: req.asn, asId: as.id, asName: as.name, ip })),
    isRouteServer: false,
    summary: `peer AS${req.asn} ${asName} at ${ixpName}`,
    actor: req.actor,
    author,
  });
  if (added.created === 0) {
    throw new UserError(
      added.existing
        ? `We already have sessions with AS${req.asn} (${asName}) on every address at ${ixpName}.`
        : `None of AS${req.asn}'s addresses at ${ixpName} matches an address family of our connections there.`,
      `\`sessions AS${req.asn}\` lists them.`,
    );
  }
  const { changes, unchanged } = await planDrafts(s, added.summary, req.actor, added.byRouter, added.drafts);
  return {
    created: added.created,
    existing: added.existing,
    replaced: added.replaced,
    notOperational: rows.length - operational.length,
    changes,
    unchanged,
    asName,
  };
}

export interface PeerRouteServersRequest {
  ixp: IxpRef;
  family?: "ipv4" | "ipv6";
  routerName?: string;
  actor: Actor;
}

export interface PeerRouteServersResult {
  created: number;
  existing: number;
  replaced: ReplacedSession[];
  changes: ChangeRow[];
  unchanged: string[];
  /** Where the route servers came from. */
  source: RouteServer["source"];
  /** The route servers' networks, `AS8714 (LINX Route Servers)`, each once. */
  networks: { asn: number; name: string }[];
}

/**
 * `peer rs at <IXP>`: sessions with each of the IXP's route servers (core/ixapi/route-servers.ts:
 * the IX-API's, else PeeringDB's) on each of their addresses of a family one of our usable
 * connections there has, flagged as route-server sessions, through a change as `peer` makes.
 */
export async function peerRouteServers(
  s: ChangeServices,
  req: PeerRouteServersRequest,
): Promise<PeerRouteServersResult> {
  const { db } = s;
  const { ixp, ixpName, connections } = await connectionsAt(db, req.ixp.id, req.routerName);
  const servers = await routeServersOf(db, ixp);
  if (!servers.length) {
    throw new UserError(
      `peerbot knows no route server at ${ixpName}: ${ixp.ixapiEndpointId === null ? "the IXP has no IX-API endpoint and " : "neither its IX-API snapshot nor "}the PeeringDB mirror lists one.`,
      ixp.ixapiEndpointId === null
        ? "`sync` refreshes the PeeringDB mirror."
        : `\`ixapi refresh ${ixp.slug}\` fetches the exchange's IX-API again; \`sync\` refreshes the PeeringDB mirror.`,
    );
  }
  const famWord = req.family === "ipv4" ? "IPv4 " : req.family === "ipv6" ? "IPv6 " : "";
  const ours = new Set(
    (
      await db.prisma.autonomousSystem.findMany({
        where: { affiliated: true, asn: { in: servers.map((r) => BigInt(r.asn)) } },
        select: { asn: true },
      })
    ).map((a) => Number(a.asn)),
  );
  const usable = servers
    .filter((r) => !ours.has(r.asn))
    .map((r) => ({ ...r, addresses: r.addresses.filter((ip) => !req.family || familyOf(ip) === req.family) }))
    .filter((r) => r.addresses.length);
  if (!usable.length) {
    throw new UserError(
      `None of the route servers peerbot knows at ${ixpName} has an ${famWord}address.`,
      `\`ix ${ixp.slug}\` shows the exchange.`,
    );
  }
  const author = chatAuthor(req.actor);
  const networks: { asn: number; name: string }[] = [];
  const rows = new Map<number, { id: number; name: string }>();
  for (const r of usable) {
    if (rows.has(r.asn)) continue;
    const as = await ensureAutonomousSystem(db, r.asn, { fallbackName: r.name, author });
    rows.set(r.asn, as);
    networks.push({ asn: r.asn, name: singleLine(as.name, NAME_MAX) || `AS${r.asn}` });
  }
  const [first, ...more] = networks;
  const who = `AS${first!.asn} ${first!.name}${more.length ? ` and ${more.map((n) => `AS${n.asn}`).join(", ")}` : ""}`;
  const added = await addSessions(s, {
    ixpName: ixp.name,
    connections,
    wanted: usable.flatMap((r) => {
      const as = rows.get(r.asn)!;
      return r.addresses.map((ip) => ({ asn: r.asn, asId: as.id, asName: as.name, ip }));
    }),
    isRouteServer: true,
    summary: `peer rs ${who} at ${ixpName}`,
    actor: req.actor,
    author,
  });
  if (added.created === 0) {
    throw new UserError(
      added.existing
        ? `We already have sessions with every ${famWord}address of the route servers at ${ixpName}.`
        : `None of the route servers' addresses at ${ixpName} matches an address family of our connections there.`,
      `\`sessions ${ixp.slug}\` lists them.`,
    );
  }
  const { changes, unchanged } = await planDrafts(s, added.summary, req.actor, added.byRouter, added.drafts);
  return {
    created: added.created,
    existing: added.existing,
    replaced: added.replaced,
    changes,
    unchanged,
    source: usable[0]!.source,
    networks,
  };
}

export type SessionAction = "enable" | "disable" | "remove";

export const ACTION_TARGET: Record<SessionAction, { now: SessionStatus; onDeploy: SessionStatus }> = {
  enable: { now: "enabled", onDeploy: "enabled" },
  disable: { now: "disabled", onDeploy: "disabled" },
  remove: { now: "decommissioning", onDeploy: "decommissioned" },
};

/** A history row for a session whose status changed. */
export function statusEntry(
  type: "ixp-session" | "direct-session",
  id: number,
  repr: string,
  before: SessionStatus,
  after: SessionStatus,
): HistoryEntry {
  return { type, id, repr, action: "update", before: { status: before }, after: { status: after } };
}

/** One session whose status an enable, disable or remove changes. */
export interface SessionTarget {
  kind: "ixp" | "direct";
  id: number;
  status: SessionStatus;
  /** The router its change goes to (null: none, only its status changes). */
  routerId: number | null;
  /** How history and messages name it: "LINX LON1 195.66.224.21", "edge1.lon 192.0.2.1". */
  repr: string;
}

/**
 * Sets each session's status for `action`, with its history row, and a draft change per router
 * carrying them, in one transaction; then plans the drafts.
 */
export async function changeStatuses(
  s: ChangeServices,
  targets: SessionTarget[],
  action: SessionAction,
  summary: string,
  actor: Actor,
): Promise<ChangeRow[]> {
  const target = ACTION_TARGET[action];
  const author = chatAuthor(actor);
  const byRouter = new Map<number, Effect[]>();
  const drafts = new Map<number, number>();
  await s.db.prisma.$transaction(async (tx) => {
    for (const t of targets) {
      if (t.kind === "ixp") await tx.ixpSession.update({ where: { id: t.id }, data: { status: target.now } });
      else await tx.directSession.update({ where: { id: t.id }, data: { status: target.now } });
      if (t.routerId === null) continue;
      const list = byRouter.get(t.routerId) ?? [];
      list.push({ kind: t.kind, id: t.id, onDeploy: target.onDeploy, onRevert: t.status });
      byRouter.set(t.routerId, list);
    }
    await recordChanges(
      tx,
      author,
      targets.map((t) =>
        statusEntry(t.kind === "ixp" ? "ixp-session" : "direct-session", t.id, t.repr, t.status, target.now),
      ),
    );
    for (const [routerId, effects] of byRouter)
      drafts.set(routerId, await draftChange(tx, s, { routerId, summary, actor, effects }));
  });
  return (await planDrafts(s, summary, actor, byRouter, drafts)).changes;
}

/**
 * `session <AS> at <IXP> [<ip>] enable|disable|remove`: changes the status of our sessions with
 * the network at the IXP (or of the one on `ip`) and plans the change.
 */
export async function changeSessions(
  s: ChangeServices,
  req: { asn: number; ixp: IxpRef; ip?: string; action: SessionAction; actor: Actor },
): Promise<{ changes: ChangeRow[]; count: number; sessions: SessionTarget[] }> {
  const { db } = s;
  const target = ACTION_TARGET[req.action];
  const ixpName = singleLine(req.ixp.name, NAME_MAX);
  const rows = await db.pool.query<{
    id: number;
    host: string;
    status: SessionStatus;
    routerId: number | null;
  }>(
    `select s.id, host(s."ipAddress") as host, s.status::text as status, c."routerId"
       from "IxpSession" s join "Connection" c on c.id = s."connectionId"
       join "AutonomousSystem" a on a.id = s."autonomousSystemId"
      where a.asn = $1 and c."ixpId" = $2 and s.status not in ('decommissioned', $3::"SessionStatus")
        and ($4::inet is null or host(s."ipAddress")::inet = $4::inet)
      order by s."ipAddress"`,
    [req.asn, req.ixp.id, target.now, req.ip ?? null],
  );
  const sessions: SessionTarget[] = rows.rows.map((r) => ({
    kind: "ixp",
    id: r.id,
    status: r.status,
    routerId: r.routerId,
    repr: `${singleLine(req.ixp.name, 100)} ${r.host}`,
  }));
  if (!sessions.length) {
    throw new UserError(
      `There is no session with AS${req.asn}${req.ip ? ` on ${req.ip}` : ""} at ${ixpName} to ${req.action}.`,
      `\`sessions AS${req.asn}\` lists them${req.action === "enable" ? "; `peer` creates new ones" : ""}.`,
    );
  }
  const summary = `${req.action} AS${req.asn} at ${ixpName}${req.ip ? ` ${req.ip}` : ""}`;
  const changes = await changeStatuses(s, sessions, req.action, summary, req.actor);
  return { changes, count: sessions.length, sessions };
}

/** What `session <AS> on <router>` found when the network has IXP and direct sessions there. */
export interface SessionChoice {
  kind: "choose";
  direct: { ip: string; relationship: string }[];
  ixps: { name: string; slug: string; count: number }[];
}

/**
 * `session <AS> on <router> [<ip>] [all] enable|disable|remove`: the network's sessions on the
 * router, direct and IXP ones. When it has both kinds there and neither an address nor `all`
 * says which, nothing is changed: the kinds come back for the user to choose.
 */
export async function changeRouterSessions(
  s: ChangeServices,
  req: {
    asn: number;
    router: { id: number; name: string };
    ip?: string;
    all?: boolean;
    action: SessionAction;
    actor: Actor;
  },
): Promise<{ kind: "done"; changes: ChangeRow[]; sessions: SessionTarget[] } | SessionChoice> {
  const target = ACTION_TARGET[req.action];
  const { rows } = await s.db.pool.query<{
    kind: "ixp" | "direct";
    id: number;
    host: string;
    status: SessionStatus;
    rel: string | null;
    ixp: string | null;
    slug: string | null;
  }>(
    `select 'direct' as kind, d.id, host(d."ipAddress") as host, d.status::text as status,
            d.relationship::text as rel, null as ixp, null as slug
       from "DirectSession" d join "AutonomousSystem" a on a.id = d."autonomousSystemId"
      where a.asn = $1 and d."routerId" = $2 and d.status not in ('decommissioned', $3::"SessionStatus")
        and ($4::inet is null or host(d."ipAddress")::inet = $4::inet)
     union all
     select 'ixp', s.id, host(s."ipAddress"), s.status::text, null, x.name, x.slug
       from "IxpSession" s join "Connection" c on c.id = s."connectionId"
       join "InternetExchange" x on x.id = c."ixpId"
       join "AutonomousSystem" a on a.id = s."autonomousSystemId"
      where a.asn = $1 and c."routerId" = $2 and s.status not in ('decommissioned', $3::"SessionStatus")
        and ($4::inet is null or host(s."ipAddress")::inet = $4::inet)
      order by kind, host`,
    [req.asn, req.router.id, target.now, req.ip ?? null],
  );
  if (!rows.length) {
    throw new UserError(
      `There is no session with AS${req.asn}${req.ip ? ` on ${req.ip}` : ""} on ${req.router.name} to ${req.action}.`,
      `\`sessions ${req.router.name}\` lists them${req.action === "enable" ? "; `direct` and `peer` create new ones" : ""}.`,
    );
  }
  const direct = rows.filter((r) => r.kind === "direct");
  const ixp = rows.filter((r) => r.kind === "ixp");
  if (direct.length && ixp.length && !req.ip && !req.all) {
    const ixps = new Map<string, { name: string; slug: string; count: number }>();
    for (const r of ixp) {
      const x = ixps.get(r.slug!) ?? { name: singleLine(r.ixp, NAME_MAX), slug: r.slug!, count: 0 };
      x.count++;
      ixps.set(r.slug!, x);
    }
    return {
      kind: "choose",
      direct: direct.map((r) => ({ ip: r.host, relationship: (r.rel ?? "").replace(/_/g, " ") })),
      ixps: [...ixps.values()],
    };
  }
  const sessions: SessionTarget[] = rows.map((r) => ({
    kind: r.kind,
    id: r.id,
    status: r.status,
    routerId: req.router.id,
    repr: r.kind === "direct" ? `${req.router.name} ${r.host}` : `${singleLine(r.ixp, 100)} ${r.host}`,
  }));
  const summary = `${req.action} AS${req.asn} on ${req.router.name}${req.ip ? ` ${req.ip}` : ""}`;
  const changes = await changeStatuses(s, sessions, req.action, summary, req.actor);
  return { kind: "done", changes, sessions };
}

/**
 * Plans each router's draft. When one plan fails, the drafts not yet planned are ended and
 * their sessions reverted (the reconciler does it if even that fails); the changes already
 * planned stand, each a whole change of its own.
 */
export async function planDrafts(
  s: ChangeServices,
  summary: string,
  actor: Actor,
  byRouter: Map<number, Effect[]>,
  drafts: Map<number, number>,
): Promise<{ changes: ChangeRow[]; unchanged: string[] }> {
  const changes: ChangeRow[] = [];
  const unchanged: string[] = [];
  const left = new Set(drafts.values());
  for (const [routerId, effects] of byRouter) {
    const draftId = drafts.get(routerId) as number;
    try {
      const r = await planChange(s, { routerId, summary, actor, effects, draftId });
      left.delete(draftId);
      if (r.kind === "change") changes.push(r.change);
      else unchanged.push(r.routerName);
    } catch (err) {
      await abandonDrafts(s, [...left], `the plan failed: ${errorLine(err)}`).catch((e: unknown) =>
        s.log.warn("could not end the drafts of a failed plan; the reconciler will", { err: errorLine(e) }),
      );
      throw err;
    }
  }
  return { changes, unchanged };
}
