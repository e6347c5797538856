// `peer <AS> at <IXP>`: for each of the AS's PeeringDB addresses at the exchange and each of
// our connections there (same address family), a session in `provisioning`; then a change
// per router carrying those sessions. Also enable/disable/remove of existing sessions.
import { clip } from "./asn.js";
import {
  abandonDrafts,
  draftChange,
  errorLine,
  planChange,
  type ChangeRow,
  type ChangeServices,
  type Effect,
} from "./changes.js";
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

export interface PeerResult {
  created: number;
  existing: number;
  changes: ChangeRow[];
  /** Routers whose configuration already matched (nothing to deploy). */
  unchanged: string[];
  asName: string;
}

const familyOf = (ip: string) => (ip.includes(":") ? "ipv6" : "ipv4");

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
    name: net.name,
    irrAsSet: net.irr_as_set ?? "",
    ipv4MaxPrefixes: net.info_prefixes4 ?? 0,
    ipv6MaxPrefixes: net.info_prefixes6 ?? 0,
    generalPolicy: net.policy_general ?? "",
    peeringdbNetId: net.id,
  };
}

/** The local AutonomousSystem for `asn`, created from the PeeringDB mirror when it is new. */
export async function ensureAutonomousSystem(
  db: Database,
  asn: number,
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
  if (!net) {
    throw new UserError(
      `AS${asn} is neither in peerbot's database nor in the PeeringDB mirror.`,
      "Check the number, or run `sync` to refresh the mirror.",
    );
  }
  return db.prisma.autonomousSystem.upsert({
    where: { asn: BigInt(asn) },
    update: {},
    create: asFromNet(asn, net),
    select: { id: true, name: true },
  });
}

export async function peer(s: ChangeServices, req: PeerRequest): Promise<PeerResult> {
  const { db } = s;
  const ixp = await db.prisma.internetExchange.findUniqueOrThrow({
    where: { id: req.ixp.id },
    include: {
      connections: { where: { status: "enabled" }, include: { router: true }, orderBy: { id: "asc" } },
    },
  });
  let connections = ixp.connections.filter((c) => c.router);
  if (req.routerName) {
    connections = connections.filter((c) => c.router?.name === req.routerName);
    if (!connections.length) {
      throw new UserError(
        `We have no connection to ${ixp.name} on router ${clip(req.routerName, 40)}.`,
        `\`ix ${ixp.slug}\` shows our connections there.`,
      );
    }
  }
  if (!connections.length) {
    throw new UserError(
      `We have no enabled connection to ${ixp.name} on a router.`,
      `\`ix ${ixp.slug}\` shows our connections there.`,
    );
  }
  const ours = await db.prisma.autonomousSystem.findUnique({
    where: { asn: BigInt(req.asn) },
    select: { affiliated: true },
  });
  if (ours?.affiliated)
    throw new UserError(`AS${req.asn} is one of ours; peerbot does not peer with itself.`);
  if (ixp.peeringdbIxlanId === null) {
    throw new UserError(
      `${ixp.name} is not linked to PeeringDB, so peerbot cannot find AS${req.asn}'s addresses there.`,
    );
  }
  const { rows } = await db.pool.query<NetixlanRow>(
    `select host(ipaddr4) as ipaddr4, host(ipaddr6) as ipaddr6, is_rs_peer, operational
       from pdb_netixlan where ixlan_id = $1 and asn = $2 and status = 'ok' order by id`,
    [ixp.peeringdbIxlanId, req.asn],
  );
  const addresses = rows
    .flatMap((r) =>
      [r.ipaddr4, r.ipaddr6].filter((x): x is string => !!x).map((ip) => ({ ip, rs: r.is_rs_peer })),
    )
    .filter((a) => !req.family || familyOf(a.ip) === req.family);
  if (!addresses.length) {
    throw new UserError(
      `AS${req.asn} has no ${req.family === "ipv4" ? "IPv4 " : req.family === "ipv6" ? "IPv6 " : ""}address at ${ixp.name} in PeeringDB.`,
      `To ask them to peer anyway, use \`request AS${req.asn}\`; \`peers ${ixp.slug}\` lists who is there.`,
    );
  }
  const as = await ensureAutonomousSystem(db, req.asn);

  // Sessions, created in one transaction with a draft change per router that carries them as
  // effects, so that a rejected change undoes them and no failure leaves one without its change.
  const summary = `peer AS${req.asn} ${as.name} at ${ixp.name}`;
  const byRouter = new Map<number, Effect[]>();
  const drafts = new Map<number, number>();
  let created = 0;
  let existing = 0;
  await db.prisma.$transaction(async (tx) => {
    for (const conn of connections) {
      for (const a of addresses) {
        const fam = familyOf(a.ip);
        if ((fam === "ipv4" && !conn.ipv4Address) || (fam === "ipv6" && !conn.ipv6Address)) continue;
        const found = await tx.ixpSession.findUnique({
          where: { connectionId_ipAddress: { connectionId: conn.id, ipAddress: a.ip } },
        });
        if (found && found.status !== "decommissioned" && found.status !== "requested") {
          existing++;
          continue;
        }
        const session = found
          ? await tx.ixpSession.update({
              where: { id: found.id },
              data: { status: "provisioning", autonomousSystemId: as.id },
            })
          : await tx.ixpSession.create({
              data: {
                autonomousSystemId: as.id,
                connectionId: conn.id,
                ipAddress: a.ip,
                isRouteServer: false,
                status: "provisioning",
              },
            });
        created++;
        const list = byRouter.get(conn.routerId as number) ?? [];
        list.push({
          kind: "ixp",
          id: session.id,
          onDeploy: "enabled",
          onRevert: found ? found.status : "delete",
        });
        byRouter.set(conn.routerId as number, list);
      }
    }
    for (const [routerId, effects] of byRouter)
      drafts.set(routerId, await draftChange(tx, s, { routerId, summary, actor: req.actor, effects }));
  });
  if (created === 0) {
    throw new UserError(
      existing
        ? `We already have sessions with AS${req.asn} (${as.name}) on every address at ${ixp.name}.`
        : `None of AS${req.asn}'s addresses at ${ixp.name} matches an address family of our connections there.`,
      `\`sessions AS${req.asn}\` lists them.`,
    );
  }
  const { changes, unchanged } = await planDrafts(s, summary, req.actor, byRouter, drafts);
  return { created, existing, changes, unchanged, asName: as.name };
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
      `There is no session with AS${req.asn} at ${req.ixp.name} to ${req.action}.`,
      `\`sessions AS${req.asn}\` lists them${req.action === "enable" ? "; `peer` creates new ones" : ""}.`,
    );
  }
  const summary = `${req.action} AS${req.asn} at ${req.ixp.name}`;
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
