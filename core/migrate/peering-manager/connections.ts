// Our connections to IXPs: the IXP, the router, addresses with their prefix length, VLAN, MAC
// and the PeeringDB netixlan.
import { comments, host, inet, mac, name, objectStatus } from "./mapping.js";
import { listOf } from "./links.js";
import { byId, writes, type ImportRun } from "./run.js";
import type { PmConnection, PmList } from "./source.js";

export async function importConnections(run: ImportRun, list: PmList<PmConnection>): Promise<void> {
  const rows = await run.tx.connection.findMany({ orderBy: { id: "asc" } });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const byNetixlan = new Map(
    rows.filter((r) => r.peeringdbNetixlanId !== null).map((r) => [r.peeringdbNetixlanId!, r]),
  );
  const claimed = new Set<number>();
  for (const c of byId(list)) {
    const ixpId = c.internet_exchange_point ? run.refs.get("ixp", c.internet_exchange_point.id) : undefined;
    const label = name(c.name, 80) || `#${c.id}`;
    if (ixpId === undefined) {
      run.skip(
        "connection",
        c.internet_exchange_point
          ? `Connection ${label}: its IXP ${name(c.internet_exchange_point.name, 60)} was not brought in, so neither was the connection.`
          : `Connection ${label} is to no IXP; peerbot keeps connections to IXPs only (its sessions would be direct sessions).`,
      );
      continue;
    }
    const status = objectStatus(c.status);
    const v4 = inet(c.ipv4_address);
    const v6 = inet(c.ipv6_address);
    if (!status || (!v4 && !v6)) {
      run.skip(
        "connection",
        !status
          ? `Connection ${label} has the status ${JSON.stringify(name(c.status, 30))}, which peerbot does not know, so it was not brought in.`
          : `Connection ${label} has no IPv4 or IPv6 address, so it was not brought in.`,
      );
      continue;
    }
    let routerId: number | null = null;
    if (c.router) {
      routerId = run.refs.get("router", c.router.id) ?? null;
      if (routerId === null)
        run.group(
          "connection-no-router",
          label,
          (items) =>
            `${listOf(items)} came in without a router, because ${items.length === 1 ? "its router was" : "their routers were"} not brought in.`,
        );
    }
    const refId = run.refs.get("connection", c.id);
    let row = refId !== undefined ? rowById.get(refId) : undefined;
    let adopted = false;
    if (!row) {
      row =
        (c.peeringdb_netixlan !== null ? byNetixlan.get(c.peeringdb_netixlan) : undefined) ??
        rows.find(
          (r) =>
            r.ixpId === ixpId &&
            !claimed.has(r.id) &&
            ((v4 !== null && host(r.ipv4Address) === host(v4)) ||
              (v6 !== null && host(r.ipv6Address) === host(v6))),
        );
      adopted = !!row;
    }
    // A netixlan another connection of ours already holds stays there.
    const holder = c.peeringdb_netixlan !== null ? byNetixlan.get(c.peeringdb_netixlan) : undefined;
    const netixlan = holder && holder.id !== row?.id ? null : c.peeringdb_netixlan;
    const ixp = run.ixps.get(ixpId);
    const fields = {
      name: name(c.name, 100),
      ixpId,
      routerId,
      ipv4Address: v4,
      ipv6Address: v6,
      vlan: c.vlan,
      macAddress: mac(c.mac_address),
      status,
      peeringdbNetixlanId: netixlan,
      comments: comments(c.description, c.comments),
    };
    const view = (f: typeof fields) => {
      const { ixpId: x, routerId: rid, ...rest } = f;
      return {
        ...rest,
        ixp: run.ixps.get(x)?.slug ?? x,
        router: rid === null ? null : (run.routers.get(rid) ?? rid),
      };
    };
    const id = await run.apply({
      family: "connection",
      type: "connection",
      pmId: c.id,
      repr: `${ixp?.name ?? "IXP"} ${host(v4) ?? host(v6)}`,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: view({
              name: row.name,
              ixpId: row.ixpId,
              routerId: row.routerId,
              ipv4Address: inet(row.ipv4Address),
              ipv6Address: inet(row.ipv6Address),
              vlan: row.vlan,
              macAddress: row.macAddress,
              status: row.status,
              peeringdbNetixlanId: row.peeringdbNetixlanId,
              comments: row.comments,
            }),
          }
        : null,
      desired: view(fields),
      ...writes(run.tx.connection, fields),
    });
    claimed.add(id);
    run.connections.set(id, ixp?.name ?? "IXP");
  }
}
