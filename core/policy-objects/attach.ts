// `policy|community attach|detach <name> to|from <owner>`: the levels the schema and the render
// context have (core/render/policy.ts): an autonomous system, an IXP, a BGP group, an IXP
// session, a direct session. There is no router level. A policy goes into the owner's import
// list, export list or both, as its kind says (a both-ways policy may be attached one way).
// Each attach or detach is one transaction with its history row on the owner, whose
// attachment lists are what changed (Peering Manager keeps it on the owner's change log too).
import type { Database, PolicyKind, SessionStatus } from "../db.js";
import { UserError } from "../errors.js";
import { chatAuthor, recordChange, type HistoryAuthor, type HistoryObjectType, type Tx } from "../history.js";
import { ensureAutonomousSystem } from "../peering.js";
import { RENDERED_STATUSES } from "../render/index.js";
import type { Actor } from "../roles.js";
import { clip, singleLine } from "../text.js";
import { findCommunity, findGroup, findPolicy } from "./objects.js";
import { POLICY_KIND_WORD } from "./values.js";

/** What a command names as the owner; the IXP and the router are already resolved. */
export type OwnerRef =
  | { kind: "as"; asn: number }
  | { kind: "ixp"; id: number; name: string }
  | { kind: "group"; query: string }
  | { kind: "router"; name: string }
  | {
      kind: "session";
      asn: number;
      ip: string;
      at: { routerId: number; routerName: string } | { ixpId: number; ixpName: string };
    };

type OwnerType = Extract<HistoryObjectType, "as" | "ixp" | "group" | "ixp-session" | "direct-session">;

interface Owner {
  type: OwnerType;
  id: number;
  /** As the history names it. */
  repr: string;
  /** As a message names it: "AS174", "IXP LINX LON1", "group transit", "session AS174 on edge1.lon 192.0.2.1". */
  label: string;
}

/** The sentence for a router, which has no policies of its own. */
export const NO_ROUTER_LEVEL =
  "Policies and communities attach to an AS, an IXP, a BGP group or a session: peerbot has no router-level ones.";

async function resolveOwner(db: Database, tx: Tx, o: OwnerRef, author: HistoryAuthor): Promise<Owner> {
  switch (o.kind) {
    case "router":
      throw new UserError(
        NO_ROUTER_LEVEL,
        `To apply one to every session of ${clip(o.name)}, attach it to their BGP group or IXP instead.`,
      );
    case "as": {
      const as = await ensureAutonomousSystem(db, o.asn, { tx, author });
      return { type: "as", id: as.id, repr: `AS${o.asn}`, label: `AS${o.asn}` };
    }
    case "ixp":
      return { type: "ixp", id: o.id, repr: singleLine(o.name, 100), label: `IXP ${singleLine(o.name, 60)}` };
    case "group": {
      const g = await findGroup({ prisma: tx }, o.query);
      return { type: "group", id: g.id, repr: g.slug, label: `group ${g.slug}` };
    }
    case "session":
      return resolveSession(tx, o);
  }
}

interface SessionHit {
  kind: "ixp" | "direct";
  id: number;
  asn: bigint;
  status: SessionStatus;
  place: string;
}

async function resolveSession(tx: Tx, o: Extract<OwnerRef, { kind: "session" }>): Promise<Owner> {
  const ip = o.ip;
  const hits =
    "routerId" in o.at
      ? await tx.$queryRaw<SessionHit[]>`
          select 'direct' as kind, d.id, a.asn, d.status::text as status, r.name as place
            from "DirectSession" d join "AutonomousSystem" a on a.id = d."autonomousSystemId"
            join "Router" r on r.id = d."routerId"
           where d."routerId" = ${o.at.routerId} and host(d."ipAddress")::inet = ${ip}::inet
             and d.status <> 'decommissioned'
          union all
          select 'ixp', s.id, a.asn, s.status::text, x.name
            from "IxpSession" s join "Connection" c on c.id = s."connectionId"
            join "InternetExchange" x on x.id = c."ixpId"
            join "AutonomousSystem" a on a.id = s."autonomousSystemId"
           where c."routerId" = ${o.at.routerId} and host(s."ipAddress")::inet = ${ip}::inet
             and s.status <> 'decommissioned'`
      : await tx.$queryRaw<SessionHit[]>`
          select 'ixp' as kind, s.id, a.asn, s.status::text as status, x.name as place
            from "IxpSession" s join "Connection" c on c.id = s."connectionId"
            join "InternetExchange" x on x.id = c."ixpId"
            join "AutonomousSystem" a on a.id = s."autonomousSystemId"
           where c."ixpId" = ${o.at.ixpId} and host(s."ipAddress")::inet = ${ip}::inet
             and s.status <> 'decommissioned'`;
  const where = "routerId" in o.at ? o.at.routerName : singleLine(o.at.ixpName, 60);
  const hit = hits[0];
  if (!hit)
    throw new UserError(
      `There is no session on ${ip} ${"routerId" in o.at ? "on" : "at"} ${where}.`,
      `\`sessions ${"routerId" in o.at ? o.at.routerName : `AS${o.asn}`}\` lists them.`,
    );
  if (Number(hit.asn) !== o.asn)
    throw new UserError(
      `The session on ${ip} ${"routerId" in o.at ? "on" : "at"} ${where} is with AS${hit.asn}, not AS${o.asn}.`,
    );
  const place = singleLine(hit.place, 60);
  // As core/objects/repr.ts names sessions (a router name is one line already).
  const repr = `${singleLine(hit.place, 100)} ${ip}`;
  return hit.kind === "direct"
    ? {
        type: "direct-session",
        id: hit.id,
        repr,
        label: `session AS${o.asn} on ${place} ${ip}`,
      }
    : {
        type: "ixp-session",
        id: hit.id,
        repr,
        label: `session AS${o.asn} at ${place} ${ip}`,
      };
}

interface Links {
  importPolicies: { id: number; slug: string }[];
  exportPolicies: { id: number; slug: string }[];
  communities: { id: number; slug: string }[];
}
type ListName = keyof Links;
type LinkData = Partial<Record<ListName, { connect?: { id: number }[]; disconnect?: { id: number }[] }>>;

const LINKS = {
  importPolicies: { select: { id: true, slug: true }, orderBy: { slug: "asc" } },
  exportPolicies: { select: { id: true, slug: true }, orderBy: { slug: "asc" } },
  communities: { select: { id: true, slug: true }, orderBy: { slug: "asc" } },
} as const;

/**
 * The owner's three lists, one query each: Prisma loads the relations of one select in parallel,
 * which inside a transaction means overlapping queries on its one connection.
 */
async function linksOf(tx: Tx, o: Owner): Promise<Links> {
  const out: Partial<Links> = {};
  for (const list of ["importPolicies", "exportPolicies", "communities"] as const) {
    const where = { where: { id: o.id }, select: { [list]: LINKS[list] } as Pick<typeof LINKS, typeof list> };
    let row: Partial<Links>;
    switch (o.type) {
      case "as":
        row = await tx.autonomousSystem.findUniqueOrThrow(where);
        break;
      case "ixp":
        row = await tx.internetExchange.findUniqueOrThrow(where);
        break;
      case "group":
        row = await tx.bgpGroup.findUniqueOrThrow(where);
        break;
      case "ixp-session":
        row = await tx.ixpSession.findUniqueOrThrow(where);
        break;
      case "direct-session":
        row = await tx.directSession.findUniqueOrThrow(where);
        break;
    }
    out[list] = row[list] ?? [];
  }
  return out as Links;
}

async function setLinks(tx: Tx, o: Owner, data: LinkData): Promise<void> {
  const args = { where: { id: o.id }, data, select: { id: true } };
  switch (o.type) {
    case "as":
      await tx.autonomousSystem.update(args);
      break;
    case "ixp":
      await tx.internetExchange.update(args);
      break;
    case "group":
      await tx.bgpGroup.update(args);
      break;
    case "ixp-session":
      await tx.ixpSession.update(args);
      break;
    case "direct-session":
      await tx.directSession.update(args);
      break;
  }
}

/** The routers whose rendered configuration the owner is part of, for "`diff <router>` shows it". */
async function routersOf(db: Database, o: Owner): Promise<string[]> {
  const st = [...RENDERED_STATUSES];
  const sql: Record<OwnerType, string> = {
    as: `select r.name from "IxpSession" s join "Connection" c on c.id = s."connectionId" join "Router" r on r.id = c."routerId"
          where s."autonomousSystemId" = $1 and s.status::text = any($2)
         union select r.name from "DirectSession" d join "Router" r on r.id = d."routerId"
          where d."autonomousSystemId" = $1 and d.status::text = any($2)`,
    ixp: `select r.name from "Connection" c join "Router" r on r.id = c."routerId" where c."ixpId" = $1 and $2::text[] is not null`,
    group: `select r.name from "DirectSession" d join "Router" r on r.id = d."routerId"
             where d."bgpGroupId" = $1 and d.status::text = any($2)`,
    "ixp-session": `select r.name from "IxpSession" s join "Connection" c on c.id = s."connectionId" join "Router" r on r.id = c."routerId"
                     where s.id = $1 and s.status::text = any($2)`,
    "direct-session": `select r.name from "DirectSession" d join "Router" r on r.id = d."routerId"
                        where d.id = $1 and d.status::text = any($2)`,
  };
  const { rows } = await db.pool.query<{ name: string }>(
    `select distinct name from (${sql[o.type]}) x order by name`,
    [o.id, st],
  );
  return rows.map((r) => r.name);
}

export interface AttachResult {
  /** The policy's or community's slug. */
  object: string;
  owner: string;
  /** The lists it went into or left: "import", "export" (policies), "communities". */
  lists: string[];
  /** Routers whose configuration changes with it. */
  routers: string[];
}

const slugs = (xs: { slug: string }[]) => xs.map((x) => x.slug).sort();

/** Which of the owner's lists a policy of `kind` goes into, when attached `direction`. */
function policyLists(slug: string, kind: PolicyKind, direction: "import" | "export" | undefined): ListName[] {
  if (kind === "import_export")
    return direction
      ? [direction === "import" ? "importPolicies" : "exportPolicies"]
      : ["importPolicies", "exportPolicies"];
  if (direction && direction !== kind)
    throw new UserError(
      `${slug} is an ${POLICY_KIND_WORD[kind]} policy: it cannot be attached as ${direction}.`,
      `Leave out the direction, or add an ${direction} (or both-ways) policy with \`policy add\`.`,
    );
  return [kind === "import" ? "importPolicies" : "exportPolicies"];
}

const LIST_WORD: Record<ListName, string> = {
  importPolicies: "import",
  exportPolicies: "export",
  communities: "communities",
};

/** Attaches or detaches a policy (direction given for a both-ways one, or to detach one way). */
export async function linkPolicy(
  db: Database,
  req: {
    policy: string;
    owner: OwnerRef;
    detach: boolean;
    direction?: "import" | "export";
    actor: Actor;
  },
): Promise<AttachResult> {
  const author = chatAuthor(req.actor);
  const { owner, result } = await db.prisma.$transaction(async (tx) => {
    const policy = await findPolicy({ prisma: tx }, req.policy);
    const owner = await resolveOwner(db, tx, req.owner, author);
    const links = await linksOf(tx, owner);
    const lists: ListName[] = req.detach
      ? req.direction
        ? [req.direction === "import" ? "importPolicies" : "exportPolicies"]
        : (["importPolicies", "exportPolicies"] as ListName[])
      : policyLists(policy.slug, policy.kind, req.direction);
    const has = (l: ListName) => links[l].some((p) => p.id === policy.id);
    const touched = lists.filter((l) => (req.detach ? has(l) : !has(l)));
    if (!touched.length)
      throw new UserError(
        req.detach
          ? `${policy.slug} is not attached to ${owner.label}${req.direction ? ` as ${req.direction}` : ""}.`
          : `${policy.slug} is already attached to ${owner.label} as ${lists.map((l) => LIST_WORD[l]).join(" and ")}.`,
        "`policies` shows where each policy is attached.",
      );
    const data: LinkData = {};
    for (const l of touched)
      data[l] = req.detach ? { disconnect: [{ id: policy.id }] } : { connect: [{ id: policy.id }] };
    await setLinks(tx, owner, data);
    const before = {
      importPolicies: slugs(links.importPolicies),
      exportPolicies: slugs(links.exportPolicies),
    };
    const after = { ...before };
    for (const l of touched) {
      const now = l === "importPolicies" ? after.importPolicies : after.exportPolicies;
      const next = req.detach ? now.filter((x) => x !== policy.slug) : [...now, policy.slug].sort();
      if (l === "importPolicies") after.importPolicies = next;
      else after.exportPolicies = next;
    }
    await recordChange(tx, author, {
      type: owner.type,
      id: owner.id,
      repr: owner.repr,
      action: "update",
      before,
      after,
    });
    return {
      owner,
      result: { object: policy.slug, owner: owner.label, lists: touched.map((l) => LIST_WORD[l]) },
    };
  });
  return { ...result, routers: await routersOf(db, owner) };
}

/** Attaches or detaches a community. */
export async function linkCommunity(
  db: Database,
  req: { community: string; owner: OwnerRef; detach: boolean; actor: Actor },
): Promise<AttachResult> {
  const author = chatAuthor(req.actor);
  const { owner, result } = await db.prisma.$transaction(async (tx) => {
    const community = await findCommunity({ prisma: tx }, req.community);
    const owner = await resolveOwner(db, tx, req.owner, author);
    const links = await linksOf(tx, owner);
    const has = links.communities.some((c) => c.id === community.id);
    if (has !== req.detach)
      throw new UserError(
        req.detach
          ? `The community ${community.slug} is not attached to ${owner.label}.`
          : `The community ${community.slug} is already attached to ${owner.label}.`,
        "`communities` shows where each community is attached.",
      );
    await setLinks(tx, owner, {
      communities: req.detach ? { disconnect: [{ id: community.id }] } : { connect: [{ id: community.id }] },
    });
    const before = { communities: slugs(links.communities) };
    const after = {
      communities: req.detach
        ? before.communities.filter((x) => x !== community.slug)
        : [...before.communities, community.slug].sort(),
    };
    await recordChange(tx, author, {
      type: owner.type,
      id: owner.id,
      repr: owner.repr,
      action: "update",
      before,
      after,
    });
    return { owner, result: { object: community.slug, owner: owner.label, lists: ["communities"] } };
  });
  return { ...result, routers: await routersOf(db, owner) };
}
