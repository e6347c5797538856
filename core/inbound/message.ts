// The chat message of an inbound request, drawn from its row: who asks, where, with which
// addresses, what they wrote (on one line, clipped: text from outside adds no line and no
// mention), and, while it is open, Peer and Decline. Posted to PEERBOT_REQUESTS_CHANNEL through
// the notifier (as session alerts are), and redrawn in place once it is decided.
import type { Button, Field, Reply } from "../reply.js";
import { clip, errorLine, singleLine, utc } from "../text.js";
import {
  INBOUND_STATE,
  inboundActionId,
  ixpsOf,
  requestsChannel,
  type InboundRow,
  type InboundServices,
} from "./model.js";

export async function requestReply(s: Pick<InboundServices, "db">, row: InboundRow): Promise<Reply> {
  const wanted = ixpsOf(row);
  const ixps = await s.db.prisma.internetExchange.findMany({
    where: { id: { in: wanted.map((w) => w.ixpId) } },
    select: { id: true, name: true, peeringdbIxlanId: true },
  });
  const { rows: net } = await s.db.pool.query<{ name: string }>(
    `select name from pdb_net where asn = $1 and status = 'ok' limit 1`,
    [String(row.asn)],
  );
  const name = singleLine(net[0]?.name ?? "", 60);
  const who = `AS${row.asn}${name ? ` ${name}` : ""}`;
  const fields: Field[] = [];
  for (const w of wanted) {
    const ixp = ixps.find((x) => x.id === w.ixpId);
    if (!ixp) continue;
    let addresses = [w.ipv4, w.ipv6].filter((x): x is string => !!x);
    if (!addresses.length && ixp.peeringdbIxlanId !== null) {
      const { rows } = await s.db.pool.query<{ ipaddr4: string | null; ipaddr6: string | null }>(
        `select host(ipaddr4) as ipaddr4, host(ipaddr6) as ipaddr6 from pdb_netixlan
          where asn = $1 and ixlan_id = $2 and status = 'ok' order by id`,
        [String(row.asn), ixp.peeringdbIxlanId],
      );
      addresses = rows.flatMap((r) => [r.ipaddr4, r.ipaddr6]).filter((x): x is string => !!x);
    }
    fields.push({
      label: singleLine(ixp.name, 60),
      value: addresses.length ? clip(addresses.join(", "), 300) : "no address in PeeringDB",
      inline: true,
    });
  }
  if (row.message.trim()) fields.push({ label: "Their message", value: singleLine(row.message, 500) });
  const st = INBOUND_STATE[row.state];
  let status: string = st.label;
  if (row.state === "peered")
    status = `peered by ${clip(row.decidedByName, 60)}${row.changeIds.length ? `: change ${row.changeIds.map((c) => `#${c}`).join(", ")}` : ""}`;
  if (row.state === "declined")
    status = `declined by ${clip(row.decidedByName, 60)}${row.reason ? `: ${singleLine(row.reason, 200)}` : ""}`;
  const buttons: Button[] = st.open
    ? [
        { label: "Peer", actionId: inboundActionId("peer", row.id), style: "primary" },
        { label: "Decline", actionId: inboundActionId("decline", row.id), style: "danger" },
      ]
    : [];
  return {
    kind: row.state === "open" ? "info" : row.state === "peered" ? "success" : "warning",
    title: `Peering request #${row.id} from ${who}`,
    text: `${who} asks to peer with us at ${ixps.map((x) => singleLine(x.name, 60)).join(", ") || "no IXP we still have"}. Verified by e-mail to ${singleLine(row.contactEmail, 254)}, a PeeringDB contact of AS${row.asn}${row.verifiedAt ? `, ${utc(row.verifiedAt)}` : ""}.\nStatus: ${status}.`,
    fields,
    buttons,
    context: `request ${row.uid} · from ${singleLine(row.sourceAddress, 60)} · received ${utc(row.createdAt)}`,
  };
}

/** Posts an open request to the requests channel; where it went is stored so that any process can redraw it. */
export async function postRequest(s: InboundServices, row: InboundRow): Promise<void> {
  const channel = requestsChannel(s.config.PEERBOT_REQUESTS_CHANNEL);
  if (!channel || !s.notifier) {
    s.log.warn("inbound request verified but not posted: no requests channel or notifier", {
      request: row.uid,
    });
    return;
  }
  try {
    const ref = await s.notifier.post(channel, await requestReply(s, row));
    await s.db.prisma.inboundRequest.update({
      where: { id: row.id },
      data: { messagePlatform: ref.platform, messageChannel: ref.channel, messageId: ref.messageId },
    });
  } catch (err) {
    // The request stays open: `requests` lists it, with its buttons.
    s.log.warn("could not post an inbound request", { request: row.uid, err: errorLine(err) });
  }
}

/** Redraws a request's message (after Peer or Decline); a message that cannot be reached is logged. */
export async function refreshRequestMessage(s: InboundServices, id: number): Promise<void> {
  const row = await s.db.prisma.inboundRequest.findUnique({ where: { id } });
  if (!row || !row.messageId || !s.notifier) return;
  try {
    await s.notifier.update(
      { platform: row.messagePlatform, channel: row.messageChannel, messageId: row.messageId },
      await requestReply(s, row),
    );
  } catch (err) {
    s.log.warn("could not redraw an inbound request's message", { request: row.uid, err: errorLine(err) });
  }
}
