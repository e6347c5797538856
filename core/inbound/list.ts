// `requests [open|all]`: the inbound requests, newest first, unverified ones past their token's
// expiry marked expired first.
import { clip, singleLine, utc } from "../text.js";
import type { Reply } from "../reply.js";
import { expireRequests, INBOUND_STATE, inboundActionId, ixpsOf, type InboundServices } from "./model.js";

export const LIST_LIMIT = 50;

export async function listRequests(
  s: Pick<InboundServices, "db" | "clock">,
  which: "open" | "all",
): Promise<Reply> {
  await expireRequests(s);
  const rows = await s.db.prisma.inboundRequest.findMany({
    where: which === "open" ? { state: "open" } : {},
    orderBy: { id: "desc" },
    take: LIST_LIMIT,
  });
  if (!rows.length)
    return {
      kind: "info",
      text:
        which === "open"
          ? "No open peering requests. `requests all` lists every one."
          : "No peering request has come in yet.",
    };
  const ixpIds = [...new Set(rows.flatMap((r) => ixpsOf(r).map((x) => x.ixpId)))];
  const ixps = new Map(
    (
      await s.db.prisma.internetExchange.findMany({
        where: { id: { in: ixpIds } },
        select: { id: true, slug: true },
      })
    ).map((x) => [x.id, x.slug]),
  );
  const asns = [...new Set(rows.map((r) => String(r.asn)))];
  const { rows: nets } = await s.db.pool.query<{ asn: string; name: string }>(
    `select asn::text as asn, name from pdb_net where asn = any($1::bigint[]) and status = 'ok'`,
    [asns],
  );
  const names = new Map(nets.map((n) => [n.asn, singleLine(n.name, 40)]));
  const open = rows.filter((r) => r.state === "open").slice(0, 10);
  return {
    kind: "info",
    title: which === "open" ? "Open peering requests" : "Peering requests",
    table: {
      columns: ["#", "AS", "Network", "IXPs", "State", "Received"],
      rows: rows.map((r) => [
        String(r.id),
        `AS${r.asn}`,
        names.get(String(r.asn)) ?? "",
        clip(
          ixpsOf(r)
            .map((x) => ixps.get(x.ixpId) ?? `#${x.ixpId}`)
            .join(", "),
          60,
        ),
        r.state === "declined" || r.state === "peered"
          ? `${r.state} by ${clip(r.decidedByName, 30)}`
          : INBOUND_STATE[r.state].label.split(",")[0]!,
        utc(r.createdAt),
      ]),
      alignRight: [0],
    },
    buttons: open.flatMap((r) => [
      { label: `Peer #${r.id}`, actionId: inboundActionId("peer", r.id), style: "primary" as const },
      { label: `Decline #${r.id}`, actionId: inboundActionId("decline", r.id), style: "danger" as const },
    ]),
    context: rows.length === LIST_LIMIT ? `the ${LIST_LIMIT} newest` : undefined,
  };
}
