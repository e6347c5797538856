// Our usable connections at an IXP and the addresses we already have a session on: one
// definition, used by `peers` (core/peeringdb/available.ts, in its SQL) and by `peer`
// (core/peering.ts), so that every network `peers` lists is one `peer` adds sessions with,
// and a network `peer` has covered is gone from `peers`.
//
// - A connection is usable when it is `enabled` and has a router: only then can `peer` put a
//   session on it and a change deploy it. Connections in maintenance, disabled or without a
//   router are left out of both: they neither cover an address nor get new sessions.
// - We already have a session with a network on an address when one of those connections
//   has a session with that network's ASN on that host address, whatever prefix length the
//   address was stored with (192.0.2.1, 192.0.2.1/32 and 192.0.2.1/24 are one address), in
//   any status but `requested` (which `peer` takes up) and `decommissioned` (gone).
// - A session with another ASN on an address that PeeringDB now lists for this network
//   covers nothing: the exchange reassigned the address, and `peer` replaces that session
//   (marks it for removal in the same change that adds the new one) when it is in one of
//   the statuses that put it into the router's configuration.
import type { Prisma, SessionStatus } from "./db.js";
import { RENDERED_STATUSES } from "./render/index.js";

/** Prisma's filter for a usable connection (see above). */
export const USABLE_CONNECTION = {
  status: "enabled",
  routerId: { not: null },
} as const satisfies Prisma.ConnectionWhereInput;

/**
 * SQL selecting our usable connections at the IXP whose id is the SQL expression `ixp`:
 * id, router_id, v4 and v6 (whether it has an address of that family).
 */
export function usableConnectionsSql(ixp: string): string {
  return `select id, "routerId" as router_id, "ipv4Address" is not null as v4, "ipv6Address" is not null as v6
      from "Connection" where "ixpId" = ${ixp} and status = 'enabled' and "routerId" is not null`;
}

/** Statuses in which a session with a network means we already have a session with it there. */
export const COVERING_STATUSES = [
  "provisioning",
  "enabled",
  "maintenance",
  "disabled",
  "decommissioning",
] as const satisfies readonly SessionStatus[];

/** Statuses of another network's session that `peer` replaces on a reassigned address. */
export const REPLACED_STATUSES: readonly SessionStatus[] = RENDERED_STATUSES;

const sqlList = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(", ");

/** SQL that is true when the session status expression `col` covers its address. */
export function coveringStatusSql(col: string): string {
  return `${col} in (${sqlList(COVERING_STATUSES)})`;
}

export const covers = (status: SessionStatus): boolean =>
  (COVERING_STATUSES as readonly SessionStatus[]).includes(status);

/** A session on one of the given connections, by host address. */
export interface SessionOnAddress {
  id: number;
  connectionId: number;
  /** The host address as PostgreSQL writes it, without a prefix length. */
  host: string;
  /** The prefix length it is stored with (32 or 128 for a bare address). */
  masklen: number;
  asn: number;
  asName: string;
  status: SessionStatus;
}

/** Every session (any status, any AS) on `connectionIds` whose host address is one of `hosts`. */
export async function sessionsOnAddresses(
  tx: Pick<Prisma.TransactionClient, "$queryRaw">,
  connectionIds: number[],
  hosts: string[],
): Promise<SessionOnAddress[]> {
  if (!connectionIds.length || !hosts.length) return [];
  const rows = await tx.$queryRaw<
    {
      id: number;
      connectionId: number;
      host: string;
      masklen: number;
      asn: string;
      asName: string;
      status: SessionStatus;
    }[]
  >`select s.id, s."connectionId", host(s."ipAddress") as host, masklen(s."ipAddress") as masklen,
           a.asn::text as asn, a.name as "asName", s.status::text as status
      from "IxpSession" s join "AutonomousSystem" a on a.id = s."autonomousSystemId"
     where s."connectionId" = any(${connectionIds}::int[])
       and host(s."ipAddress")::inet = any(${hosts}::inet[])
     order by s.id`;
  return rows.map((r) => ({ ...r, asn: Number(r.asn), masklen: Number(r.masklen) }));
}

/**
 * The text to store a new session's address as on a connection: the bare host address, or,
 * when a row on that connection already holds it (the unique key is connection and address
 * with its prefix length, and a session being replaced keeps its row until it is gone), the
 * address with the connection's own prefix length, as Peering Manager stores them, else the
 * longest prefix length no row uses.
 */
export function storedAddress(
  host: string,
  connectionAddress: string | null,
  taken: readonly SessionOnAddress[],
): string {
  const full = host.includes(":") ? 128 : 32;
  const used = new Set(taken.map((t) => t.masklen));
  if (!used.has(full)) return host;
  const own = Number(/\/(\d+)$/.exec(connectionAddress ?? "")?.[1] ?? NaN);
  const candidates = [own, ...Array.from({ length: full }, (_, i) => full - 1 - i)];
  const len = candidates.find((l) => Number.isInteger(l) && l >= 0 && l < full && !used.has(l));
  if (len === undefined) throw new Error(`no free prefix length for ${host} on the connection`);
  return `${host}/${len}`;
}
