// `direct <AS> on <router> <remote-ip> …`: a direct session (transit, customer, private
// peering, …) in `provisioning`, posted as a change with the router's diff exactly as `peer`
// posts IXP sessions: the session, its history row and a draft change carrying it are written
// in one transaction, then the draft is planned (core/changes/plan.ts). Refused in one sentence,
// before anything is written: an address that is not a neighbour's (ours, a connection's, the
// router id, a special one), one already a session on the router, families that differ, an
// AS number that makes no sense for the relationship, an unknown group, a password in clear.
import { BlockList } from "node:net";
import { specialAsn } from "./asn.js";
import type { ChangeRow, ChangeServices, Effect } from "./changes.js";
import { draftChange } from "./changes.js";
import type { Relationship, SessionStatus } from "./db.js";
import { checkPasswordEnv, generatePassword } from "./direct-password.js";
import { UserError } from "./errors.js";
import { chatAuthor, recordChange, type Tx } from "./history.js";
import { findRouterByName, routerNames } from "./inventory.js";
import { ensureAutonomousSystem, planDrafts } from "./peering.js";
import { findGroup } from "./policy-objects/objects.js";
import { parseIp, type IpAddress } from "./render/ip.js";
import type { Actor } from "./roles.js";
import { clip, singleLine } from "./text.js";

/** The words `direct` takes for each Relationship (the enum's names, hyphen or underscore, and the usual short forms). */
export const RELATIONSHIP_WORDS: Record<string, Relationship> = {
  transit: "transit_provider",
  "transit-provider": "transit_provider",
  transit_provider: "transit_provider",
  upstream: "transit_provider",
  customer: "customer",
  downstream: "customer",
  "private-peering": "private_peering",
  private_peering: "private_peering",
  pni: "private_peering",
  peering: "peering",
  internal: "internal",
  ibgp: "internal",
  other: "other",
};

/** How a relationship reads in messages. */
export const RELATIONSHIP_LABEL: Record<Relationship, string> = {
  transit_provider: "transit provider",
  customer: "customer",
  private_peering: "private peering",
  peering: "peering",
  internal: "internal",
  other: "other",
};

/** The relationship a word names, or null. */
export function parseRelationship(word: string): Relationship | null {
  return RELATIONSHIP_WORDS[word.trim().toLowerCase()] ?? null;
}

/** Relationships with which a private AS number is expected (a customer, our own iBGP, anything else). */
const PRIVATE_OK: readonly Relationship[] = ["customer", "internal", "other"];

export type PasswordSpec = { env: string } | { generate: true };

export interface DirectRequest {
  asn: number;
  routerName: string;
  remote: string;
  local?: string;
  relationship: Relationship;
  group?: string;
  password?: PasswordSpec;
  multihopTtl?: number;
  actor: Actor;
}

export interface DirectResult {
  sessionId: number;
  address: string;
  routerName: string;
  asName: string;
  relationship: Relationship;
  group: string | null;
  changes: ChangeRow[];
  /** The router already had this configuration (nothing to deploy). */
  unchanged: string[];
  /** The password made by `password generate`: for the requester's eyes, once. */
  generatedPassword?: string;
  /** Notes for the reply (an address on an IXP LAN the router connects to). */
  notes: string[];
}

/** Longest AS name in a summary and a reply. */
const NAME_MAX = 60;

/** A neighbour or local address: one host address, not a network or a special one. */
export function neighbourAddress(raw: string, what: "neighbour" | "local"): IpAddress {
  const text = raw.trim();
  if (text.includes("/"))
    throw new UserError(
      `Give the ${what} address without a prefix length, e.g. ${what === "local" ? "local 192.0.2.0" : "192.0.2.1"}.`,
    );
  const ip = parseIp(text);
  if (!ip)
    throw new UserError(`"${clip(text)}" is not an IP address${what === "local" ? " for `local`" : ""}.`);
  const why = specialAddress(ip);
  if (why) throw new UserError(`${ip.address} is ${why}: it cannot be a BGP ${what} address.`);
  return ip;
}

/** Why an address cannot be a BGP endpoint, or null. */
function specialAddress(ip: IpAddress): string | null {
  const a = ip.address;
  if (ip.family === 4) {
    const [o1, o2] = a.split(".").map(Number) as [number, number];
    if (o1 === 0) return "in 0.0.0.0/8 (this network)";
    if (o1 === 127) return "a loopback address";
    if (o1 >= 224 && o1 <= 239) return "a multicast address";
    if (o1 >= 240) return a === "255.255.255.255" ? "the broadcast address" : "reserved (240.0.0.0/4)";
    if (o1 === 169 && o2 === 254) return "link-local (169.254.0.0/16)";
    return null;
  }
  if (a === "::") return "the unspecified address";
  if (a === "::1") return "the loopback address";
  if (/^ff/.test(a)) return "a multicast address";
  if (/^fe[89ab]/.test(a))
    return "link-local (fe80::/10), which needs an interface peerbot does not configure";
  if (/^::ffff:/.test(a)) return "an IPv4-mapped address: give the IPv4 address itself";
  return null;
}

/** Refuses an AS number that makes no sense for the relationship (core/asn.ts), or our own outside `internal`. */
async function assertSensible(tx: Tx, asn: number, relationship: Relationship): Promise<void> {
  const special = specialAsn(asn);
  const isPrivate = !!special && /private/.test(special.what);
  if (special && !special.peerable && !isPrivate)
    throw new UserError(`AS${asn} is ${special.what}: no BGP session can be made with it.`);
  if (isPrivate && !PRIVATE_OK.includes(relationship))
    throw new UserError(
      `AS${asn} is ${special?.what}: a ${RELATIONSHIP_LABEL[relationship]} session is with a public AS number.`,
      "A private AS number fits a customer: say `customer` (or `internal`/`other`).",
    );
  const ours = await tx.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { affiliated: true },
  });
  if (ours?.affiliated && relationship !== "internal")
    throw new UserError(
      `AS${asn} is one of ours: a session with it is internal, not ${RELATIONSHIP_LABEL[relationship]}.`,
      "Say `internal` for an iBGP session.",
    );
  if (!ours?.affiliated && relationship === "internal")
    throw new UserError(
      `AS${asn} is not one of ours, so the session cannot be internal.`,
      "Say transit, customer, private-peering, peering or other.",
    );
}

interface Taken {
  kind: string;
  asn: bigint;
  status: SessionStatus;
  place: string;
  id: number;
  rel: string | null;
}

/**
 * What already uses `remote` on the router: one of its own addresses (a connection's, the router
 * id, a direct session's local address) or a session; refused in one sentence. A direct session
 * there that is `requested` or `decommissioned` is returned, to be taken up again.
 */
async function assertFree(
  tx: Tx,
  router: { id: number; name: string; bgpRouterId: string },
  remote: IpAddress,
  local: IpAddress | null,
): Promise<{ id: number; status: SessionStatus } | null> {
  const ip = remote.address;
  if (local && local.address === ip)
    throw new UserError(
      `The neighbour address ${ip} is our own local address: give the other end's address.`,
    );
  if (router.bgpRouterId.trim() === ip)
    throw new UserError(`${ip} is ${router.name}'s own BGP router id: give the neighbour's address.`);
  const own = await tx.$queryRaw<{ place: string }[]>`
    select x.name as place from "Connection" c join "InternetExchange" x on x.id = c."ixpId"
     where c."routerId" = ${router.id}
       and (host(c."ipv4Address")::inet = ${ip}::inet or host(c."ipv6Address")::inet = ${ip}::inet)
    union all
    select 'a direct session' from "DirectSession" d
     where d."routerId" = ${router.id} and host(d."localIpAddress")::inet = ${ip}::inet
       and d.status <> 'decommissioned'
    limit 1`;
  if (own[0])
    throw new UserError(
      `${ip} is ${router.name}'s own address (${own[0].place === "a direct session" ? "the local address of a direct session" : `our connection to ${singleLine(own[0].place, 60)}`}): give the neighbour's address.`,
    );
  const taken = await tx.$queryRaw<Taken[]>`
    select 'direct' as kind, a.asn, d.status::text as status, '' as place, d.id, d.relationship::text as rel
      from "DirectSession" d join "AutonomousSystem" a on a.id = d."autonomousSystemId"
     where d."routerId" = ${router.id} and host(d."ipAddress")::inet = ${ip}::inet
    union all
    select 'ixp', a.asn, s.status::text, x.name, s.id, null
      from "IxpSession" s join "Connection" c on c.id = s."connectionId"
      join "InternetExchange" x on x.id = c."ixpId"
      join "AutonomousSystem" a on a.id = s."autonomousSystemId"
     where c."routerId" = ${router.id} and host(s."ipAddress")::inet = ${ip}::inet
       and s.status <> 'decommissioned'`;
  let reuse: { id: number; status: SessionStatus } | null = null;
  for (const t of taken) {
    if (t.kind === "direct" && (t.status === "decommissioned" || t.status === "requested")) {
      reuse = { id: t.id, status: t.status };
      continue;
    }
    throw new UserError(
      t.kind === "direct"
        ? `${ip} is already a session on ${router.name}: AS${t.asn}, ${RELATIONSHIP_LABEL[t.rel as Relationship] ?? t.rel}, ${t.status}.`
        : `${ip} is already a session on ${router.name}: AS${t.asn} at ${singleLine(t.place, 60)}, ${t.status}.`,
      `\`sessions ${router.name}\` lists them; \`session AS${t.asn} on ${router.name} ${ip} enable|disable|remove\` changes it.`,
    );
  }
  return reuse;
}

/** A note when the neighbour is on the peering LAN of an IXP the router connects to. */
async function ixpLanNote(tx: Tx, routerId: number, ip: IpAddress): Promise<string | null> {
  const ixps = await tx.internetExchange.findMany({
    where: { connections: { some: { routerId } } },
    select: { name: true, prefixes: true },
    orderBy: { name: "asc" },
  });
  const type = ip.family === 4 ? "ipv4" : "ipv6";
  for (const x of ixps) {
    for (const prefix of x.prefixes) {
      const m = /^([^/]+)\/(\d{1,3})$/.exec(prefix.trim());
      if (!m || (m[1]!.includes(":") ? 6 : 4) !== ip.family) continue;
      const list = new BlockList();
      try {
        list.addSubnet(m[1]!, Number(m[2]), type);
      } catch {
        continue; // a prefix that is not one says nothing about the address
      }
      if (list.check(ip.address, type))
        return `${ip.address} is on ${singleLine(x.name, 60)}'s peering LAN (${prefix}): an IXP session there is made with \`peer\`.`;
    }
  }
  return null;
}

/** `direct`: the session in provisioning and its change, or a sentence and nothing written. */
export async function addDirectSession(s: ChangeServices, req: DirectRequest): Promise<DirectResult> {
  const { db } = s;
  const router = await findRouterByName(db, req.routerName);
  if (!router) {
    const names = await routerNames(db);
    throw new UserError(
      `There is no router called "${clip(req.routerName, 60)}".`,
      names.length ? `Routers: ${names.join(", ")}.` : "Add one first with `router add`.",
    );
  }
  const remote = neighbourAddress(req.remote, "neighbour");
  const local = req.local === undefined ? null : neighbourAddress(req.local, "local");
  if (local && local.family !== remote.family)
    throw new UserError(
      `The local address ${local.address} is IPv${local.family} and the neighbour ${remote.address} IPv${remote.family}: give both of one family.`,
    );
  if (
    req.multihopTtl !== undefined &&
    !(Number.isInteger(req.multihopTtl) && req.multihopTtl >= 1 && req.multihopTtl <= 255)
  )
    throw new UserError("A multihop TTL is a whole number from 1 to 255.");
  let passwordEnc: string | null = null;
  let passwordEnv = "";
  let generated: string | undefined;
  if (req.password && "env" in req.password) {
    checkPasswordEnv(req.password.env);
    passwordEnv = req.password.env;
  } else if (req.password) {
    if (!s.secrets)
      throw new UserError(
        "peerbot has no secret key (PEERBOT_SECRET_KEY), so it cannot keep a generated password.",
        "Set the key, or name an environment variable that holds the password: `password env:<VAR>`.",
      );
    generated = generatePassword();
    passwordEnc = s.secrets.encrypt(generated);
  }
  const group = req.group === undefined ? null : await findGroup(db, req.group);

  const author = chatAuthor(req.actor);
  const ip = remote.address;
  const repr = `${router.name} ${ip}`;
  const rel = RELATIONSHIP_LABEL[req.relationship];
  const notes: string[] = [];
  let summary = "";
  let asName = "";
  let sessionId = 0;
  const byRouter = new Map<number, Effect[]>();
  const drafts = new Map<number, number>();
  await db.prisma.$transaction(async (tx) => {
    // One `direct` (or `peer` plan) at a time on this router, so the checks below stay true.
    await tx.$queryRaw`select id from "Router" where id = ${router.id} for update`;
    await assertSensible(tx, req.asn, req.relationship);
    const reuse = await assertFree(tx, router, remote, local);
    const special = specialAsn(req.asn);
    const as = await ensureAutonomousSystem(db, req.asn, {
      tx,
      author,
      // PeeringDB knows no private AS: a customer's is named by its number.
      ...(special && /private/.test(special.what) ? { fallbackName: `AS${req.asn}` } : {}),
    });
    asName = singleLine(as.name, NAME_MAX) || `AS${req.asn}`;
    const note = await ixpLanNote(tx, router.id, remote);
    if (note) notes.push(note);
    const data = {
      autonomousSystemId: as.id,
      bgpGroupId: group?.id ?? null,
      localIpAddress: local?.address ?? null,
      relationship: req.relationship,
      status: "provisioning" as const,
      passwordEnc,
      passwordEnv,
      multihopTtl: req.multihopTtl ?? null,
    };
    let effect: Effect;
    if (reuse) {
      const before = await tx.directSession.findUniqueOrThrow({ where: { id: reuse.id } });
      const row = await tx.directSession.update({ where: { id: reuse.id }, data });
      await recordChange(tx, author, {
        type: "direct-session",
        id: row.id,
        repr,
        action: "update",
        before,
        after: row,
      });
      effect = { kind: "direct", id: row.id, onDeploy: "enabled", onRevert: reuse.status };
      sessionId = row.id;
    } else {
      const row = await tx.directSession.create({ data: { ...data, routerId: router.id, ipAddress: ip } });
      await recordChange(tx, author, {
        type: "direct-session",
        id: row.id,
        repr,
        action: "create",
        after: row,
      });
      effect = { kind: "direct", id: row.id, onDeploy: "enabled", onRevert: "delete" };
      sessionId = row.id;
    }
    summary = `direct AS${req.asn} ${asName} on ${router.name} ${ip} (${rel}${group ? `, group ${group.slug}` : ""})`;
    byRouter.set(router.id, [effect]);
    drafts.set(
      router.id,
      await draftChange(tx, s, { routerId: router.id, summary, actor: req.actor, effects: [effect] }),
    );
  });
  const { changes, unchanged } = await planDrafts(s, summary, req.actor, byRouter, drafts);
  return {
    sessionId,
    address: ip,
    routerName: router.name,
    asName,
    relationship: req.relationship,
    group: group?.slug ?? null,
    changes,
    unchanged,
    ...(generated ? { generatedPassword: generated } : {}),
    notes,
  };
}
