// Listing BGP sessions (IXP and direct) with the filters of `sessions [AS|IXP|router] [status:…]`.
import type { Database } from "./db.js";
import type { SessionStatus } from "./db.js";

export const SESSION_STATUSES = [
  "requested",
  "provisioning",
  "enabled",
  "maintenance",
  "disabled",
  "decommissioning",
  "decommissioned",
] as const satisfies readonly SessionStatus[];

export interface SessionFilter {
  asn?: number;
  ixpId?: number;
  routerId?: number;
  status?: SessionStatus;
}

export interface SessionRow {
  kind: "ixp" | "direct";
  id: number;
  asn: number;
  asName: string;
  /** IXP name for IXP sessions, "direct" otherwise. */
  where: string;
  router: string;
  ipAddress: string;
  status: SessionStatus;
  bgpState: string | null;
  receivedPrefixCount: number | null;
  isRouteServer: boolean;
}

export interface SessionPage {
  rows: SessionRow[];
  total: number;
  page: number;
  pages: number;
}

/** One page of sessions, IXP sessions first (by IXP, AS, address), then direct ones. */
export async function listSessions(
  db: Database,
  f: SessionFilter,
  page = 1,
  perPage = 50,
): Promise<SessionPage> {
  const asFilter = f.asn !== undefined ? { autonomousSystem: { asn: BigInt(f.asn) } } : {};
  const status = f.status ? { status: f.status } : {};
  const ixpWhere = {
    ...asFilter,
    ...status,
    ...(f.ixpId !== undefined || f.routerId !== undefined
      ? {
          connection: {
            ...(f.ixpId !== undefined ? { ixpId: f.ixpId } : {}),
            ...(f.routerId !== undefined ? { routerId: f.routerId } : {}),
          },
        }
      : {}),
  };
  const wantDirect = f.ixpId === undefined;
  const directWhere = {
    ...asFilter,
    ...status,
    ...(f.routerId !== undefined ? { routerId: f.routerId } : {}),
  };
  const [ixpCount, directCount] = await Promise.all([
    db.prisma.ixpSession.count({ where: ixpWhere }),
    wantDirect ? db.prisma.directSession.count({ where: directWhere }) : Promise.resolve(0),
  ]);
  const total = ixpCount + directCount;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const p = Math.min(Math.max(1, page), pages);
  const skip = (p - 1) * perPage;
  const rows: SessionRow[] = [];
  if (skip < ixpCount) {
    const ixp = await db.prisma.ixpSession.findMany({
      where: ixpWhere,
      orderBy: [
        { connection: { ixp: { name: "asc" } } },
        { autonomousSystem: { asn: "asc" } },
        { ipAddress: "asc" },
      ],
      skip,
      take: perPage,
      select: {
        id: true,
        ipAddress: true,
        status: true,
        bgpState: true,
        receivedPrefixCount: true,
        isRouteServer: true,
        autonomousSystem: { select: { asn: true, name: true } },
        connection: { select: { ixp: { select: { name: true } }, router: { select: { name: true } } } },
      },
    });
    for (const s of ixp) {
      rows.push({
        kind: "ixp",
        id: s.id,
        asn: Number(s.autonomousSystem.asn),
        asName: s.autonomousSystem.name,
        where: s.connection.ixp.name,
        router: s.connection.router?.name ?? "",
        ipAddress: s.ipAddress,
        status: s.status,
        bgpState: s.bgpState,
        receivedPrefixCount: s.receivedPrefixCount,
        isRouteServer: s.isRouteServer,
      });
    }
  }
  const left = perPage - rows.length;
  if (wantDirect && left > 0) {
    const dskip = Math.max(0, skip - ixpCount);
    const direct = await db.prisma.directSession.findMany({
      where: directWhere,
      orderBy: [{ autonomousSystem: { asn: "asc" } }, { ipAddress: "asc" }],
      skip: dskip,
      take: left,
      select: {
        id: true,
        ipAddress: true,
        status: true,
        bgpState: true,
        receivedPrefixCount: true,
        relationship: true,
        autonomousSystem: { select: { asn: true, name: true } },
        router: { select: { name: true } },
      },
    });
    for (const s of direct) {
      rows.push({
        kind: "direct",
        id: s.id,
        asn: Number(s.autonomousSystem.asn),
        asName: s.autonomousSystem.name,
        where: `direct (${s.relationship.replace(/_/g, " ")})`,
        router: s.router?.name ?? "",
        ipAddress: s.ipAddress,
        status: s.status,
        bgpState: s.bgpState,
        receivedPrefixCount: s.receivedPrefixCount,
        isRouteServer: false,
      });
    }
  }
  return { rows, total, page: p, pages };
}

/** Counts of sessions by status, for summaries. */
export function countByStatus(rows: { status: SessionStatus }[]): string {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.status, (m.get(r.status) ?? 0) + 1);
  return [...m.entries()].map(([k, v]) => `${v} ${k}`).join(", ") || "none";
}
