// IXP and direct sessions: status (Peering Manager's lifecycle is peerbot's, its pre- and
// post-maintenance being maintenance here), multihop, passive, BFD, passwords (encrypted),
// policies and communities. The polled BGP state is not copied: peerbot polls its own.
import { comments, host, multihop, name, relationship, sessionStatus } from "./mapping.js";
import { linkedWrites, linkSlugs, listOf, ownerLinks, rowLinkSlugs, withLinks } from "./links.js";
import { currentCompare, passwordPlan } from "./passwords.js";
import { byId, type ImportRun } from "./run.js";
import type { PmDirectSession, PmIxpSession, PmList } from "./source.js";

/** Why a session's status cannot be mapped, or null. */
function badStatus(
  run: ImportRun,
  family: "ixp-session" | "direct-session",
  v: string | null,
  where: string,
) {
  const status = sessionStatus(v);
  if (!status)
    run.skip(
      family,
      `The session ${where} has the status ${JSON.stringify(name(v, 30))}, which peerbot does not know, so it was not brought in.`,
    );
  return status;
}

export async function importIxpSessions(run: ImportRun, list: PmList<PmIxpSession>): Promise<void> {
  const rows = await run.tx.ixpSession.findMany({ include: withLinks, orderBy: { id: "asc" } });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const byKey = new Map(rows.map((r) => [`${r.connectionId} ${host(r.ipAddress)}`, r.id]));
  for (const s of byId(list)) {
    const ip = host(s.ip_address)!;
    const where = `AS${s.autonomous_system.asn} ${ip}`;
    const asId = run.refs.get("as", s.autonomous_system.id);
    const connectionId = s.ixp_connection ? run.refs.get("connection", s.ixp_connection.id) : undefined;
    if (asId === undefined || connectionId === undefined) {
      const cause = asId === undefined ? `AS${s.autonomous_system.asn}` : "connection";
      run.summary.counts["ixp-session"].skipped++;
      run.group(
        `ixp-session-missing-${cause}`,
        where,
        (items) =>
          `${items.length === 1 ? "The IXP session" : `${items.length} IXP sessions`} ${listOf(items)} ${items.length === 1 ? "was" : "were"} not brought in because ${
            asId === undefined
              ? `AS${s.autonomous_system.asn} was not`
              : `${items.length === 1 ? "its connection was" : "their connections were"} not (or ${items.length === 1 ? "it has" : "they have"} none)`
          }.`,
      );
      continue;
    }
    const status = badStatus(run, "ixp-session", s.status, where);
    if (!status) continue;
    const repr = `${run.connections.get(connectionId) ?? `connection ${connectionId}`} ${ip}`;
    const { row, adopted, clash } = run.pick("ixp-session", s.id, rowById, () => {
      const id = byKey.get(`${connectionId} ${ip}`);
      // An id not loaded is a session this run made: taken, so a clash.
      return id !== undefined ? (rowById.get(id) ?? ({ id } as (typeof rows)[number])) : undefined;
    });
    if (clash) {
      run.skip(
        "ixp-session",
        `The IXP session ${where} is in Peering Manager twice on the same connection; it was brought in once.`,
      );
      continue;
    }
    const lk = ownerLinks(run, s, `the session ${where}`);
    const pw = passwordPlan(run, s.password, row?.passwordEnc ?? null, repr);
    const fields = {
      autonomousSystemId: asId,
      connectionId,
      ipAddress: ip,
      isRouteServer: s.is_route_server,
      status,
      multihopTtl: multihop(s.multihop_ttl),
      passive: s.passive,
      bfd: s.bfd !== null,
      comments: comments(s.service_reference ? `Service reference: ${s.service_reference}` : "", s.comments),
    };
    const view = (f: typeof fields, password: string | null) => {
      const { autonomousSystemId: a, connectionId: c, ...rest } = f;
      return { ...rest, as: run.asns.get(a) ?? a, connection: c, password };
    };
    const enc: { passwordEnc?: string | null } = pw.enc === undefined ? {} : { passwordEnc: pw.enc };
    const id = await run.apply({
      family: "ixp-session",
      type: "ixp-session",
      pmId: s.id,
      repr,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: {
              ...view(
                {
                  autonomousSystemId: row.autonomousSystemId,
                  connectionId: row.connectionId,
                  ipAddress: host(row.ipAddress)!,
                  isRouteServer: row.isRouteServer,
                  status: row.status,
                  multihopTtl: row.multihopTtl,
                  passive: row.passive,
                  bfd: row.bfd,
                  comments: row.comments,
                },
                currentCompare(run, row.passwordEnc),
              ),
              ...rowLinkSlugs(row),
            },
          }
        : null,
      desired: {
        ...view(fields, pw.compare),
        ...linkSlugs(lk),
      },
      ...linkedWrites(run.tx.ixpSession, { ...fields, ...enc }, lk),
    });
    byKey.set(`${connectionId} ${ip}`, id);
  }
}

export async function importDirectSessions(run: ImportRun, list: PmList<PmDirectSession>): Promise<void> {
  const rows = await run.tx.directSession.findMany({ include: withLinks, orderBy: { id: "asc" } });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const key = (routerId: number | null, asId: number, ip: string) =>
    routerId === null ? `- ${asId} ${ip}` : `${routerId} ${ip}`;
  const byKey = new Map(rows.map((r) => [key(r.routerId, r.autonomousSystemId, host(r.ipAddress)!), r.id]));
  const routerAsn = new Map(
    (await run.tx.router.findMany({ select: { id: true, localAs: { select: { asn: true } } } })).map((r) => [
      r.id,
      Number(r.localAs.asn),
    ]),
  );
  for (const s of byId(list)) {
    const ip = host(s.ip_address)!;
    const where = `AS${s.autonomous_system.asn} ${ip}`;
    const asId = run.refs.get("as", s.autonomous_system.id);
    if (asId === undefined) {
      run.summary.counts["direct-session"].skipped++;
      run.group(
        `direct-session-missing-as-${s.autonomous_system.asn}`,
        where,
        (items) =>
          `${items.length === 1 ? "The direct session" : `${items.length} direct sessions`} ${listOf(items)} ${items.length === 1 ? "was" : "were"} not brought in because AS${s.autonomous_system.asn} was not.`,
      );
      continue;
    }
    const status = badStatus(run, "direct-session", s.status, where);
    if (!status) continue;
    let routerId: number | null = null;
    if (s.router) {
      routerId = run.refs.get("router", s.router.id) ?? null;
      if (routerId === null)
        run.group(
          "direct-session-no-router",
          where,
          (items) =>
            `The direct ${items.length === 1 ? "session" : "sessions"} ${listOf(items)} came in without a router, because ${items.length === 1 ? "its router was" : "their routers were"} not brought in; peerbot renders ${items.length === 1 ? "it" : "them"} once ${items.length === 1 ? "it has" : "they have"} one.`,
        );
    }
    let groupId: number | null = null;
    if (s.bgp_group) {
      groupId = run.refs.get("group", s.bgp_group.id) ?? null;
      if (groupId === null)
        run.group(
          "direct-session-no-group",
          where,
          (items) =>
            `The direct sessions ${listOf(items)} came in without their BGP group, which was not brought in.`,
        );
    }
    const localAsn = s.local_autonomous_system?.asn ?? null;
    const rAsn = routerId !== null ? routerAsn.get(routerId) : undefined;
    const routerLabel = routerId !== null ? (run.routers.get(routerId) ?? `router ${routerId}`) : "no router";
    const repr = `${routerLabel} ${ip}`;
    const { row, adopted, clash } = run.pick("direct-session", s.id, rowById, () => {
      const id = byKey.get(key(routerId, asId, ip));
      return id !== undefined ? (rowById.get(id) ?? ({ id } as (typeof rows)[number])) : undefined;
    });
    if (clash) {
      run.skip(
        "direct-session",
        `The direct session ${where} is in Peering Manager twice on ${routerLabel}; peerbot keeps one session per router and address, so it was brought in once.`,
      );
      continue;
    }
    const lk = ownerLinks(run, s, `the session ${where}`);
    const pw = passwordPlan(run, s.password, row?.passwordEnc ?? null, repr);
    const fields = {
      autonomousSystemId: asId,
      routerId,
      bgpGroupId: groupId,
      // Only an ASN other than the router's is an override; the router's own is left implicit.
      localAsn: localAsn !== null && localAsn !== rAsn ? BigInt(localAsn) : null,
      localIpAddress: host(s.local_ip_address),
      ipAddress: ip,
      relationship: relationship(s.relationship),
      status,
      multihopTtl: multihop(s.multihop_ttl),
      passive: s.passive,
      bfd: s.bfd !== null,
      comments: comments(s.service_reference ? `Service reference: ${s.service_reference}` : "", s.comments),
    };
    const view = (f: typeof fields, password: string | null) => {
      const { autonomousSystemId: a, routerId: r, bgpGroupId: g, localAsn: l, ...rest } = f;
      return {
        ...rest,
        as: run.asns.get(a) ?? a,
        router: r === null ? null : (run.routers.get(r) ?? r),
        group: g === null ? null : (run.slugs.group.get(g) ?? g),
        localAsn: l === null ? null : Number(l),
        password,
      };
    };
    const enc: { passwordEnc?: string | null } = pw.enc === undefined ? {} : { passwordEnc: pw.enc };
    const id = await run.apply({
      family: "direct-session",
      type: "direct-session",
      pmId: s.id,
      repr,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: {
              ...view(
                {
                  autonomousSystemId: row.autonomousSystemId,
                  routerId: row.routerId,
                  bgpGroupId: row.bgpGroupId,
                  localAsn: row.localAsn,
                  localIpAddress: host(row.localIpAddress),
                  ipAddress: host(row.ipAddress)!,
                  relationship: row.relationship,
                  status: row.status,
                  multihopTtl: row.multihopTtl,
                  passive: row.passive,
                  bfd: row.bfd,
                  comments: row.comments,
                },
                currentCompare(run, row.passwordEnc),
              ),
              ...rowLinkSlugs(row),
            },
          }
        : null,
      desired: {
        ...view(fields, pw.compare),
        ...linkSlugs(lk),
      },
      ...linkedWrites(run.tx.directSession, { ...fields, ...enc }, lk),
    });
    byKey.set(key(routerId, asId, ip), id);
  }
}
