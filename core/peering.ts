// `peer <AS> at <IXP>`: for each of the AS's PeeringDB addresses at the exchange (on ports
// PeeringDB marks operational) and each of our usable connections there (core/connections.ts;
// same address family), a session in `provisioning`, unless we already have one with it on
// that address; a session of another network on an address the exchange has since given to
// this one is marked for removal in the same change. Then a change per router carrying those
// sessions. Also enable/disable/remove of existing sessions.
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

/**
 * The local AutonomousSystem for `asn`, created from the PeeringDB mirror when it is new.
 * When the mirror has no `net` for it, `fallbackName` (if given) names a bare one instead of
 * an error: PeeringDB lists the network at an exchange, so it exists.
 */
export async function ensureAutonomousSystem(
  db: Database,
  asn: number,
  opts: { fallbackName?: string } = {},
): Promise<{ id: number; name: string }> {
  const local = await db.prisma.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { id: true, name: true },
  });
  if (local) return local;
  const { rows } = await db.pool.query<{
    id: number;
    name: string;
    irr_as_set: string;
    info_prefixes4: number | null;
    info_prefixes6: number | null;
    policy_general: string;
  }>(
    `select id, name, irr_as_set, info_prefixes4, info_prefixes6, policy_general
       from pdb_net where asn = $1 and status = 'ok' order by id desc limit 1`,
    [asn],
  );
  const net = rows[0];
  if (!net && opts.fallbackName === undefined) {
    throw new UserError(
      `AS${asn} is neither in peerbot's database nor in the PeeringDB mirror.`,
      "Check the number, or run `sync` to refresh the mirror.",
    );
  }
  return db.prisma.autonomousSystem.upsert({
    where: { asn: BigInt(asn) },
    update: {},
    create: net ? asFromNet(asn, net) : { asn: BigInt(asn), name: singleLine(opts.fallbackName, 255) },
    select: { id: true, name: true },
  });
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

export async function peer(s: ChangeServices, req: PeerRequest): Promise<PeerResult> {
  const { db } = s;
  await assertPeerable(db, req.asn);
  const ixp = await db.prisma.internetExchange.findUniqueOrThrow({
    where: { id: req.ixp.id },
    include: {
      connections: { where: USABLE_CONNECTION, include: { router: true }, orderBy: { id: "asc" } },
    },
  });
  const ixpName = singleLine(ixp.name, NAME_MAX);
  let connections = ixp.connections;
  if (req.routerName) {
    connections = connections.filter((c) => c.router?.name === req.routerName);
    if (!connections.length) {
      throw new UserError(
        `We have no enabled connection to ${ixpName} on router ${clip(req.routerName, 40)}.`,
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
  const as = await ensureAutonomousSystem(db, req.asn, { fallbackName: `AS${req.asn}` });
  const asName = singleLine(as.name, NAME_MAX) || `AS${req.asn}`;

  // Sessions, created in one transaction with a draft change per router that carries them as
  // effects, so that a rejected change undoes them and no failure leaves one without its change.
  let summary = `peer AS${req.asn} ${asName} at ${ixpName}`;
  const byRouter = new Map<number, Effect[]>();
  const drafts = new Map<number, number>();
  const replaced: ReplacedSession[] = [];
  let created = 0;
  let existing = 0;
  await db.prisma.$transaction(async (tx) => {
    const ids = connections.map((c) => c.id);
    // One `peer` at a time on these connections, so the sessions read here stay true.
    await tx.$queryRaw`select id from "Connection" where id = any(${ids}::int[]) order by id for update`;
    const known = await sessionsOnAddresses(tx, ids, addresses);
    for (const conn of connections) {
      const routerId = conn.routerId as number;
      for (const ip of addresses) {
        const fam = familyOf(ip);
        const own = fam === "ipv4" ? conn.ipv4Address : conn.ipv6Address;
        if (!own) continue;
        const here = known.filter((k) => k.connectionId === conn.id && k.host === ip);
        const mine = here.filter((k) => k.asn === req.asn);
        if (mine.some((k) => covers(k.status))) {
          existing++;
          continue;
        }
        const effects = byRouter.get(routerId) ?? [];
        byRouter.set(routerId, effects);
        // The exchange gave this address to the peer: another network's session on it goes.
        for (const old of here) {
          if (old.asn === req.asn || !REPLACED_STATUSES.includes(old.status)) continue;
          await tx.ixpSession.update({ where: { id: old.id }, data: { status: "decommissioning" } });
          effects.push({ kind: "ixp", id: old.id, onDeploy: "decommissioned", onRevert: old.status });
          replaced.push({ asn: old.asn, asName: singleLine(old.asName, NAME_MAX), ipAddress: ip });
          old.status = "decommissioning";
        }
        // A requested or decommissioned session of the peer's on the address is taken up again.
        const again = mine[0];
        const session = again
          ? await tx.ixpSession.update({ where: { id: again.id }, data: { status: "provisioning" } })
          : await tx.ixpSession.create({
              data: {
                autonomousSystemId: as.id,
                connectionId: conn.id,
                ipAddress: storedAddress(ip, own, here),
                isRouteServer: false,
                status: "provisioning",
              },
              select: { id: true, ipAddress: true },
            });
        if (!again) {
          const len = /\/(\d+)$/.exec(session.ipAddress)?.[1];
          known.push({
            id: session.id,
            connectionId: conn.id,
            host: ip,
            masklen: len ? Number(len) : fam === "ipv4" ? 32 : 128,
            asn: req.asn,
            asName: as.name,
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
    for (const [routerId, effects] of byRouter)
      drafts.set(routerId, await draftChange(tx, s, { routerId, summary, actor: req.actor, effects }));
  });
  if (created === 0) {
    throw new UserError(
      existing
        ? `We already have sessions with AS${req.asn} (${asName}) on every address at ${ixpName}.`
        : `None of AS${req.asn}'s addresses at ${ixpName} matches an address family of our connections there.`,
      `\`sessions AS${req.asn}\` lists them.`,
    );
  }
  const { changes, unchanged } = await planDrafts(s, summary, req.actor, byRouter, drafts);
  return {
    created,
    existing,
    replaced,
    notOperational: rows.length - operational.length,
    changes,
    unchanged,
    asName,
  };
}

export type SessionAction = "enable" | "disable" | "remove";

const ACTION_TARGET: Record<SessionAction, { now: SessionStatus; onDeploy: SessionStatus }> = {
  enable: { now: "enabled", onDeploy: "enabled" },
  disable: { now: "disabled", onDeploy: "disabled" },
  remove: { now: "decommissioning", onDeploy: "decommissioned" },
};

/** `session <AS> at <IXP> enable|disable|remove`: changes the status and plans the change. */
export async function changeSessions(
  s: ChangeServices,
  req: { asn: number; ixp: IxpRef; action: SessionAction; actor: Actor },
): Promise<{ changes: ChangeRow[]; count: number }> {
  const { db } = s;
  const target = ACTION_TARGET[req.action];
  const sessions = await db.prisma.ixpSession.findMany({
    where: {
      autonomousSystem: { asn: BigInt(req.asn) },
      connection: { ixpId: req.ixp.id },
      status: { notIn: ["decommissioned", target.now] },
    },
    include: { connection: { select: { routerId: true } } },
  });
  if (!sessions.length) {
    throw new UserError(
      `There is no session with AS${req.asn} at ${singleLine(req.ixp.name, NAME_MAX)} to ${req.action}.`,
      `\`sessions AS${req.asn}\` lists them${req.action === "enable" ? "; `peer` creates new ones" : ""}.`,
    );
  }
  const summary = `${req.action} AS${req.asn} at ${singleLine(req.ixp.name, NAME_MAX)}`;
  const byRouter = new Map<number, Effect[]>();
  const drafts = new Map<number, number>();
  await db.prisma.$transaction(async (tx) => {
    for (const ss of sessions) {
      await tx.ixpSession.update({ where: { id: ss.id }, data: { status: target.now } });
      const routerId = ss.connection.routerId;
      if (routerId === null) continue;
      const list = byRouter.get(routerId) ?? [];
      list.push({ kind: "ixp", id: ss.id, onDeploy: target.onDeploy, onRevert: ss.status });
      byRouter.set(routerId, list);
    }
    for (const [routerId, effects] of byRouter)
      drafts.set(routerId, await draftChange(tx, s, { routerId, summary, actor: req.actor, effects }));
  });
  const { changes } = await planDrafts(s, summary, req.actor, byRouter, drafts);
  return { changes, count: sessions.length };
}

/**
 * Plans each router's draft. When one plan fails, the drafts not yet planned are ended and
 * their sessions reverted (the reconciler does it if even that fails); the changes already
 * planned stand, each a whole change of its own.
 */
async function planDrafts(
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
