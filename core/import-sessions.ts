// `import sessions <router>`: bring the BGP sessions already configured on a router into
// peerbot, as Peering Manager's "Import sessions" does. The router's neighbours are read
// through its driver (nothing on the router changes) and each is classified:
//
//   - skipped, with the reason: not an address or AS number a session can have, our own AS
//     (iBGP), an address of ours, listed twice;
//   - already known: a session on this router (an IXP session on one of its connections, or a
//     direct session) has that address, whatever its status: left alone;
//   - an IXP session: the address is inside a peering LAN of one of the router's connections
//     (its IXP's prefixes, or the connection's own subnet); a route server when the IXP's
//     PeeringDB ixlan names the neighbour's AS as its route server;
//   - otherwise a direct session on the router, `peering` unless the neighbour's description
//     on the router says transit/upstream (transit_provider), customer/downstream (customer),
//     or PNI/private peering (private_peering).
//
// The networks a session needs and peerbot lacks are made from the PeeringDB mirror, or bare,
// named "AS<n> (not in PeeringDB)". Nothing is written by the plan: the Confirm press reads the
// router and plans again, and writes what is still valid then, in one transaction with a
// history row per object (via "import"). Sessions arrive `enabled` with their polled state.
import { createHash } from "node:crypto";
import { specialAsn } from "./asn.js";
import { routerInfo, type RouterRow as ChangeRouter, type ChangeServices } from "./changes.js";
import type { Database, Prisma, Relationship } from "./db.js";
import { UserError } from "./errors.js";
import { recordChanges, type HistoryAuthor } from "./history.js";
import { repr } from "./objects/repr.js";
import { asFromNet } from "./peering.js";
import { normalizeIp } from "./polling.js";
import type { BgpNeighbor, BgpNeighborState } from "./ports.js";
import { parseIp, type IpAddress } from "./render/ip.js";
import { clip, errorLine, singleLine } from "./text.js";

export interface ImportCandidate {
  kind: "ixp" | "direct";
  /** The neighbour's address, canonical. */
  address: string;
  asn: number;
  /** The network's name: ours, PeeringDB's, or "AS<n> (not in PeeringDB)". */
  asName: string;
  /** Whether peerbot has the AS already. */
  asKnown: boolean;
  connectionId?: number;
  ixpName?: string;
  isRouteServer?: boolean;
  relationship?: Relationship;
  state: BgpNeighborState;
  received?: number;
  accepted?: number;
  advertised?: number;
  /** The router's description of the neighbour, on one line. */
  description: string;
}

export interface SkippedNeighbor {
  address: string;
  asn: number | null;
  reason: string;
}

export interface NewAs {
  asn: number;
  name: string;
  inPeeringDb: boolean;
}

export interface SessionImportPlan {
  router: { id: number; name: string };
  /** Neighbours the router reported. */
  neighbors: number;
  ixp: ImportCandidate[];
  direct: ImportCandidate[];
  newAses: NewAs[];
  /** Neighbours whose address already has a session on this router. */
  known: number;
  skipped: SkippedNeighbor[];
  /** Names what the plan would create; a plan made again from the same router has the same. */
  digest: string;
}

export interface SessionImportResult {
  plan: SessionImportPlan;
  ixpSessions: number;
  directSessions: number;
  ases: number;
  /** Neighbours that got a session between the plan and the write (another import, `peer`). */
  raced: number;
}

// ---------------------------------------------------------------------------------------
// Addresses and prefixes
// ---------------------------------------------------------------------------------------

interface Net {
  family: 4 | 6;
  value: bigint;
  len: number;
}

/** The address as a number (parseIp's sortKey holds it as 16-bit groups after the family). */
function ipValue(ip: IpAddress): bigint {
  let v = 0n;
  for (let i = 1; i < ip.sortKey.length; i++) v = (v << 16n) | BigInt(ip.sortKey.charCodeAt(i));
  return v;
}

/** "192.0.2.0/24", or an address with its prefix length ("195.66.224.10/22": its LAN). */
export function parseNet(text: string | null | undefined): Net | null {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec((text ?? "").trim());
  const ip = m ? parseIp(m[1]) : null;
  if (!m || !ip) return null;
  const len = Number(m[2]);
  if (len > (ip.family === 4 ? 32 : 128)) return null;
  return { family: ip.family, value: ipValue(ip), len };
}

function inNet(ip: IpAddress, net: Net): boolean {
  if (ip.family !== net.family) return false;
  const bits = BigInt(ip.family === 4 ? 32 : 128);
  const shift = bits - BigInt(net.len);
  return ipValue(ip) >> shift === net.value >> shift;
}

/** The relationship a neighbour's description on the router suggests (`peering` when it says none). */
export function relationshipFrom(description: string): Relationship {
  const d = description.toLowerCase();
  if (/\b(ip[ -]?)?transit\b|\bupstream\b/.test(d)) return "transit_provider";
  if (/\bcustomers?\b|\bcust\b|\bdownstream\b/.test(d)) return "customer";
  if (/\bpni\b|\bprivate[ -]?peer(ing)?\b/.test(d)) return "private_peering";
  return "peering";
}

// ---------------------------------------------------------------------------------------
// What peerbot has
// ---------------------------------------------------------------------------------------

/** Host addresses of every session on the router (IXP sessions on its connections, direct ones). */
export async function knownAddresses(db: Database, routerId: number): Promise<Set<string>> {
  const { rows } = await db.pool.query<{ ip: string }>(
    `select host(s."ipAddress") as ip from "IxpSession" s join "Connection" c on c.id = s."connectionId"
      where c."routerId" = $1
     union
     select host(d."ipAddress") from "DirectSession" d where d."routerId" = $1`,
    [routerId],
  );
  return new Set(rows.map((r) => normalizeIp(r.ip)));
}

/** One of the router's connections (enabled ones first): the LANs whose neighbours are IXP sessions. */
interface RouterConnection {
  id: number;
  ixpName: string;
  rsAsn: number | null;
  nets: Net[];
}

async function routerConnections(db: Database, routerId: number): Promise<RouterConnection[]> {
  const { rows } = await db.pool.query<{
    id: number;
    v4: string | null;
    v6: string | null;
    name: string;
    prefixes: string[];
    rs_asn: string | null;
  }>(
    `select c.id, c."ipv4Address"::text as v4, c."ipv6Address"::text as v6,
            i.name, i.prefixes, (select l.rs_asn::text from pdb_ixlan l where l.id = i."peeringdbIxlanId") as rs_asn
       from "Connection" c join "InternetExchange" i on i.id = c."ixpId"
      where c."routerId" = $1
      order by (c.status = 'enabled') desc, c.id`,
    [routerId],
  );
  return rows.map((r) => ({
    id: r.id,
    ixpName: singleLine(r.name, 100),
    rsAsn: r.rs_asn && r.rs_asn !== "0" ? Number(r.rs_asn) : null,
    nets: [...r.prefixes, r.v4, r.v6].map(parseNet).filter((n): n is Net => n !== null),
  }));
}

/** Every IXP's peering LANs (its prefixes, and its connections' subnets). */
async function peeringLans(db: Database): Promise<Array<{ name: string; nets: Net[] }>> {
  const { rows } = await db.pool.query<{ name: string; prefixes: string[]; subnets: string[] }>(
    `select i.name, i.prefixes,
            coalesce(array_agg(a.addr) filter (where a.addr is not null), '{}') as subnets
       from "InternetExchange" i
       left join "Connection" c on c."ixpId" = i.id
       left join lateral (values (c."ipv4Address"::text), (c."ipv6Address"::text)) as a(addr) on true
      group by i.id order by i.id`,
  );
  return rows.map((r) => ({
    name: singleLine(r.name, 100),
    nets: [...r.prefixes, ...r.subnets].map(parseNet).filter((n): n is Net => n !== null),
  }));
}

/** Our own addresses: every connection's, and the local addresses of the router's direct sessions. */
async function ourAddresses(db: Database, routerId: number): Promise<Set<string>> {
  const { rows } = await db.pool.query<{ ip: string }>(
    `select host("ipv4Address") as ip from "Connection" where "ipv4Address" is not null
     union select host("ipv6Address") from "Connection" where "ipv6Address" is not null
     union select host("localIpAddress") from "DirectSession" where "routerId" = $1 and "localIpAddress" is not null`,
    [routerId],
  );
  return new Set(rows.map((r) => normalizeIp(r.ip)));
}

// ---------------------------------------------------------------------------------------
// The plan
// ---------------------------------------------------------------------------------------

type RouterRow = ChangeRouter & { localAs: { asn: bigint } };

async function loadRouter(db: Database, routerId: number): Promise<RouterRow> {
  const r = await db.prisma.router.findUnique({ where: { id: routerId }, include: { localAs: true } });
  if (!r) throw new UserError("That router no longer exists.", "`routers` lists them.");
  return r;
}

/** The router's BGP neighbours, through its driver; a router that cannot be read is one sentence. */
async function readNeighbors(s: ChangeServices, router: RouterRow): Promise<BgpNeighbor[]> {
  if (router.platform === "file") {
    throw new UserError(
      `${router.name} is a file router: peerbot writes its configuration to a file, and there is no router to read sessions from.`,
      "Import sessions from an SSH router (bird2, frr, junos, iosxr or eos).",
    );
  }
  try {
    const driver = s.drivers(routerInfo(router));
    try {
      return await driver.getBgpNeighbors();
    } finally {
      await driver.close().catch(() => {});
    }
  } catch (err) {
    throw new UserError(
      `Cannot read ${router.name}'s BGP neighbours: ${errorLine(err).replace(/\.$/, "")}.`,
      `\`router test ${router.name}\` says why; nothing was changed.`,
    );
  }
}

/** Why a neighbour cannot become a session, or null. */
function unusable(n: BgpNeighbor, ip: IpAddress | null): string | null {
  if (!ip) return "not an IP address";
  if (!Number.isInteger(n.remoteAs) || n.remoteAs < 1 || n.remoteAs > 4_294_967_295)
    return "no valid AS number";
  const special = specialAsn(n.remoteAs);
  // Private ASNs are fine (customers use them); AS_TRANS and the reserved ones are no network.
  if (special && !special.peerable && !special.what.includes("private"))
    return `AS${n.remoteAs} is ${special.what}`;
  return null;
}

/**
 * Reads the router's neighbours and classifies them (see the top of this file). Writes nothing.
 * Throws UserError when the router cannot be read.
 */
export async function planSessionImport(s: ChangeServices, routerId: number): Promise<SessionImportPlan> {
  const router = await loadRouter(s.db, routerId);
  const neighbors = await readNeighbors(s, router);
  return classify(s.db, router, neighbors);
}

async function classify(
  db: Database,
  router: RouterRow,
  neighbors: BgpNeighbor[],
): Promise<SessionImportPlan> {
  const [connections, lans, known, ours, affiliated] = await Promise.all([
    routerConnections(db, router.id),
    peeringLans(db),
    knownAddresses(db, router.id),
    ourAddresses(db, router.id),
    db.prisma.autonomousSystem.findMany({ where: { affiliated: true }, select: { asn: true } }),
  ]);
  const ownAsns = new Set([Number(router.localAs.asn), ...affiliated.map((a) => Number(a.asn))]);
  const plan: SessionImportPlan = {
    router: { id: router.id, name: router.name },
    neighbors: neighbors.length,
    ixp: [],
    direct: [],
    newAses: [],
    known: 0,
    skipped: [],
    digest: "",
  };
  const seen = new Set<string>();
  for (const n of neighbors) {
    const ip = parseIp(normalizeIp(n.remoteAddress));
    const address = ip?.address ?? clip(n.remoteAddress, 60);
    const asn = Number.isInteger(n.remoteAs) ? n.remoteAs : null;
    const skip = (reason: string) => plan.skipped.push({ address, asn, reason });
    const why = unusable(n, ip);
    if (why || !ip) {
      skip(why ?? "not an IP address");
      continue;
    }
    if (seen.has(address)) {
      skip("listed twice by the router");
      continue;
    }
    seen.add(address);
    if (known.has(address)) {
      plan.known++;
      continue;
    }
    if (ownAsns.has(n.remoteAs)) {
      skip(`our own AS${n.remoteAs} (iBGP)`);
      continue;
    }
    if (ours.has(address)) {
      skip("an address of ours");
      continue;
    }
    const description = singleLine(n.description, 200);
    const base = {
      address,
      asn: n.remoteAs,
      asName: "",
      asKnown: false,
      state: n.state,
      ...(n.receivedPrefixes !== undefined ? { received: n.receivedPrefixes } : {}),
      ...(n.acceptedPrefixes !== undefined ? { accepted: n.acceptedPrefixes } : {}),
      ...(n.advertisedPrefixes !== undefined ? { advertised: n.advertisedPrefixes } : {}),
      description,
    };
    const conn = connections.find((c) => c.nets.some((net) => inNet(ip, net)));
    if (conn) {
      plan.ixp.push({
        ...base,
        kind: "ixp",
        connectionId: conn.id,
        ixpName: conn.ixpName,
        isRouteServer: conn.rsAsn === n.remoteAs,
      });
      continue;
    }
    // On an exchange peerbot knows, where this router has no connection: not a direct session.
    const lan = lans.find((x) => x.nets.some((net) => inNet(ip, net)));
    if (lan) {
      skip(`on the peering LAN of ${lan.name}, where ${clip(router.name, 63)} has no connection in peerbot`);
      continue;
    }
    plan.direct.push({ ...base, kind: "direct", relationship: relationshipFrom(description) });
  }
  await nameNetworks(db, plan);
  plan.digest = digestOf(plan);
  return plan;
}

/** Fills in each candidate's network: ours, the PeeringDB mirror's (a new AS), or a bare new one. */
async function nameNetworks(db: Database, plan: SessionImportPlan): Promise<void> {
  const all = [...plan.ixp, ...plan.direct];
  const asns = [...new Set(all.map((c) => c.asn))];
  if (!asns.length) return;
  const existing = await db.prisma.autonomousSystem.findMany({
    where: { asn: { in: asns.map((a) => BigInt(a)) } },
    select: { asn: true, name: true },
  });
  const names = new Map(existing.map((a) => [Number(a.asn), { name: a.name, known: true }]));
  const missing = asns.filter((a) => !names.has(a));
  if (missing.length) {
    const nets = await pdbNets(db, missing);
    for (const asn of missing.sort((a, b) => a - b)) {
      const net = nets.get(asn);
      const name = net ? asFromNet(asn, net).name : bareName(asn);
      names.set(asn, { name, known: false });
      plan.newAses.push({ asn, name, inPeeringDb: !!net });
    }
  }
  for (const c of all) {
    const n = names.get(c.asn)!;
    c.asName = n.name;
    c.asKnown = n.known;
  }
}

const bareName = (asn: number) => `AS${asn} (not in PeeringDB)`;

type PdbNet = Parameters<typeof asFromNet>[1];

/** The PeeringDB mirror's current `net` of each ASN (the newest record when there are several). */
async function pdbNets(db: Database, asns: number[]): Promise<Map<number, PdbNet>> {
  const { rows } = await db.pool.query<PdbNet & { asn: string }>(
    `select distinct on (asn) asn::text as asn, id, name, irr_as_set, info_prefixes4, info_prefixes6, policy_general
       from pdb_net where asn = any($1::bigint[]) and status = 'ok' order by asn, id desc`,
    [asns.map(String)],
  );
  return new Map(rows.map((r) => [Number(r.asn), r]));
}

function digestOf(plan: SessionImportPlan): string {
  const rows = [...plan.ixp, ...plan.direct]
    .map((c) => `${c.kind} ${c.address} ${c.asn} ${c.connectionId ?? ""} ${c.relationship ?? ""}`)
    .sort();
  return createHash("sha256")
    .update(rows.join("\n") + `\n${plan.newAses.map((a) => a.asn).join(",")}`)
    .digest("hex")
    .slice(0, 12);
}

// ---------------------------------------------------------------------------------------
// The write
// ---------------------------------------------------------------------------------------

/**
 * Reads the router and plans again, then creates what is still valid: the new ASes and the
 * sessions, in one transaction with their history rows. The router's row is locked meanwhile,
 * so two presses of Confirm import once; a neighbour that got a session since (another import,
 * `peer`, `direct`) is left alone and counted in `raced`. The rows are written in bulk (one
 * INSERT ... SELECT FROM unnest per table): 2,000 sessions are one statement, not 2,000.
 */
export async function applySessionImport(
  s: ChangeServices,
  routerId: number,
  author: HistoryAuthor,
): Promise<SessionImportResult> {
  const plan = await planSessionImport(s, routerId);
  const result: SessionImportResult = { plan, ixpSessions: 0, directSessions: 0, ases: 0, raced: 0 };
  if (!plan.ixp.length && !plan.direct.length) return result;
  const wanted = [...new Set(plan.newAses.filter((a) => a.inPeeringDb).map((a) => a.asn))];
  const nets = wanted.length ? await pdbNets(s.db, wanted) : new Map<number, PdbNet>();
  const now = s.clock.now();
  await s.db.prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`select id from "Router" where id = ${routerId} for update`;
      const knownNow = await knownAddressesTx(tx, routerId);
      const fresh = (c: ImportCandidate) => !knownNow.has(c.address);
      const ixp = plan.ixp.filter(fresh);
      const direct = plan.direct.filter(fresh);
      result.raced = plan.ixp.length + plan.direct.length - ixp.length - direct.length;
      if (!ixp.length && !direct.length) return;

      const needed = new Set([...ixp, ...direct].map((c) => c.asn));
      const ases = await insertAses(
        tx,
        plan.newAses
          .filter((a) => needed.has(a.asn))
          .map((a) => {
            const net = nets.get(a.asn);
            return net ? asFromNet(a.asn, net) : { asn: BigInt(a.asn), name: bareName(a.asn) };
          }),
        now,
      );
      result.ases = ases.length;
      const ids = await tx.autonomousSystem.findMany({
        where: { asn: { in: [...needed].map((a) => BigInt(a)) } },
        select: { id: true, asn: true },
      });
      const asId = new Map(ids.map((a) => [Number(a.asn), a.id]));
      const ixpRows = await insertSessions(tx, "IxpSession", ixp, asId, routerId, now);
      const directRows = await insertSessions(tx, "DirectSession", direct, asId, routerId, now);
      result.ixpSessions = ixpRows.length;
      result.directSessions = directRows.length;
      const ixpName = new Map(ixp.map((c) => [c.connectionId!, c.ixpName ?? ""]));
      await recordChanges(tx, author, [
        ...ases.map((a) => ({
          type: "as" as const,
          action: "create" as const,
          id: a.id,
          repr: repr.as(a as Row & { asn: bigint }),
          after: a,
        })),
        ...ixpRows.map((x) => ({
          type: "ixp-session" as const,
          action: "create" as const,
          id: x.id,
          repr: repr.ixpSession(ixpName.get(x.connectionId as number) ?? "", String(x.ipAddress)),
          after: x,
        })),
        ...directRows.map((x) => ({
          type: "direct-session" as const,
          action: "create" as const,
          id: x.id,
          repr: repr.directSession(plan.router.name, String(x.ipAddress)),
          after: x,
        })),
      ]);
    },
    { timeout: 120_000, maxWait: 10_000 },
  );
  return result;
}

type Tx = Pick<Prisma.TransactionClient, "$queryRaw" | "$executeRaw">;
type Row = Record<string, unknown> & { id: number };

/** knownAddresses, inside the transaction that holds the router's row. */
async function knownAddressesTx(tx: Tx, routerId: number): Promise<Set<string>> {
  const rows = await tx.$queryRaw<{ ip: string }[]>`
    select host(s."ipAddress") as ip from "IxpSession" s join "Connection" c on c.id = s."connectionId"
     where c."routerId" = ${routerId}
    union
    select host(d."ipAddress") from "DirectSession" d where d."routerId" = ${routerId}`;
  return new Set(rows.map((r) => normalizeIp(r.ip)));
}

type NewAsRow = ReturnType<typeof asFromNet> | { asn: bigint; name: string };

/** The new networks, in one statement; one that exists already (another import meanwhile) is skipped. */
async function insertAses(tx: Tx, rows: NewAsRow[], now: Date): Promise<Row[]> {
  if (!rows.length) return [];
  const col = <K extends keyof ReturnType<typeof asFromNet>>(k: K, dflt: unknown) =>
    rows.map((r) => (k in r ? (r as Record<string, unknown>)[k] : dflt));
  return tx.$queryRaw<Row[]>`
    insert into "AutonomousSystem" (asn, name, "irrAsSet", "ipv4MaxPrefixes", "ipv6MaxPrefixes", "generalPolicy", "peeringdbNetId", "updatedAt")
    select t.asn, t.name, t.irr, t.v4, t.v6, t.policy, t.net, ${now}
      from unnest(${rows.map((r) => String(r.asn))}::bigint[], ${col("name", "")}::text[], ${col("irrAsSet", "")}::text[],
                  ${col("ipv4MaxPrefixes", 0)}::int[], ${col("ipv6MaxPrefixes", 0)}::int[], ${col("generalPolicy", "")}::text[],
                  ${col("peeringdbNetId", null)}::int[]) as t(asn, name, irr, v4, v6, policy, net)
    on conflict do nothing
    returning *`;
}

/** The sessions of one table, `enabled` with their polled state, in one statement. */
async function insertSessions(
  tx: Tx,
  table: "IxpSession" | "DirectSession",
  list: ImportCandidate[],
  asId: Map<number, number>,
  routerId: number,
  now: Date,
): Promise<Row[]> {
  if (!list.length) return [];
  const as = list.map((c) => asId.get(c.asn)!);
  const ip = list.map((c) => c.address);
  const comments = list.map((c) => c.description);
  const state = list.map((c) => c.state);
  const rcv = list.map((c) => c.received ?? null);
  const acc = list.map((c) => c.accepted ?? null);
  const adv = list.map((c) => c.advertised ?? null);
  if (table === "IxpSession") {
    return tx.$queryRaw<Row[]>`
      insert into "IxpSession" ("autonomousSystemId", "connectionId", "ipAddress", "isRouteServer", status, comments,
                                "bgpState", "receivedPrefixCount", "acceptedPrefixCount", "advertisedPrefixCount",
                                "polledAt", "lastEstablishedAt", "updatedAt")
      select t.a, t.c, t.ip::inet, t.rs, 'enabled', t.cm, t.st::"BgpState", t.r, t.ac, t.ad,
             ${now}, case when t.st = 'established' then ${now}::timestamp(3) end, ${now}
        from unnest(${as}::int[], ${list.map((c) => c.connectionId!)}::int[], ${ip}::text[],
                    ${list.map((c) => c.isRouteServer ?? false)}::boolean[], ${comments}::text[], ${state}::text[],
                    ${rcv}::int[], ${acc}::int[], ${adv}::int[]) as t(a, c, ip, rs, cm, st, r, ac, ad)
      on conflict do nothing
      returning *`;
  }
  return tx.$queryRaw<Row[]>`
    insert into "DirectSession" ("autonomousSystemId", "routerId", "ipAddress", relationship, status, comments,
                                 "bgpState", "receivedPrefixCount", "acceptedPrefixCount", "advertisedPrefixCount",
                                 "polledAt", "lastEstablishedAt", "updatedAt")
    select t.a, ${routerId}, t.ip::inet, t.rel::"Relationship", 'enabled', t.cm, t.st::"BgpState", t.r, t.ac, t.ad,
           ${now}, case when t.st = 'established' then ${now}::timestamp(3) end, ${now}
      from unnest(${as}::int[], ${ip}::text[], ${list.map((c) => c.relationship ?? "peering")}::text[],
                  ${comments}::text[], ${state}::text[], ${rcv}::int[], ${acc}::int[], ${adv}::int[])
           as t(a, ip, rel, cm, st, r, ac, ad)
    on conflict do nothing
    returning *`;
}
