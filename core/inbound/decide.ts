// Peer and Decline on an open inbound request. Each is claimed with one conditional update
// (open -> peered | declined), so a double press or two people at once act once.
//   Peer     runs `peer` (core/peering.ts) at each IXP of the request, as the typed command does;
//            the change ids are kept. When every IXP is refused, the request is open again.
//   Decline  stores the reason, then drafts the templated reply to the verified contact and
//            queues it as any e-mail is sent (core/email: a row, a job per attempt, retries).
import type { Prisma } from "../db.js";
import { actorKey, queueEmail, type EmailRow } from "../email/index.js";
import { headerText } from "../email/address.js";
import { newMessageId } from "../email/refs.js";
import { loadEmailTemplate, overrideDirOf, type EmailTemplateName } from "../email/templates.js";
import { UserError } from "../errors.js";
import { peer } from "../peering.js";
import type { ChangeRow } from "../changes.js";
import type { Actor } from "../roles.js";
import type { Services } from "../services.js";
import { clip, errorLine, singleLine, utc } from "../text.js";
import { refreshRequestMessage } from "./message.js";
import { INBOUND_STATE, ixpsOf, type InboundRow } from "./model.js";
import { netName, senderOf } from "./submit.js";

export async function requireRequest(s: Pick<Services, "db">, id: number): Promise<InboundRow> {
  const row = await s.db.prisma.inboundRequest.findUnique({ where: { id } });
  if (!row) throw new UserError(`There is no peering request #${id}.`, "`requests all` lists them.");
  return row;
}

function notOpen(row: InboundRow, what: string): UserError {
  return new UserError(
    `Peering request #${row.id} is ${INBOUND_STATE[row.state].label}; there is nothing to ${what}.`,
    "`requests all` lists the requests.",
  );
}

async function claim(
  s: Pick<Services, "db" | "clock">,
  row: InboundRow,
  state: "peered" | "declined",
  actor: Actor,
  extra: Prisma.InboundRequestUpdateManyMutationInput = {},
): Promise<void> {
  const n = await s.db.prisma.inboundRequest.updateMany({
    where: { id: row.id, state: "open" },
    data: {
      state,
      decidedBy: actorKey(actor),
      decidedByName: clip(actor.userName || actor.userId, 100),
      decidedAt: s.clock.now(),
      ...extra,
    },
  });
  if (n.count === 0) throw notOpen(await requireRequest(s, row.id), state === "peered" ? "peer" : "decline");
}

export interface PeeredRequest {
  row: InboundRow;
  changes: ChangeRow[];
  /** Per IXP: what `peer` did, or the sentence it refused with. */
  notes: string[];
}

/** Peer: `peer` at each IXP of the request; the request is `peered` with the change ids. */
export async function peerRequest(s: Services, id: number, actor: Actor): Promise<PeeredRequest> {
  const row = await requireRequest(s, id);
  if (row.state !== "open") throw notOpen(row, "peer");
  await claim(s, row, "peered", actor);
  const changes: ChangeRow[] = [];
  const notes: string[] = [];
  let anyCreated = false;
  try {
    for (const w of ixpsOf(row)) {
      const ixp = await s.db.prisma.internetExchange.findUnique({
        where: { id: w.ixpId },
        select: { id: true, name: true, slug: true, peeringdbIxId: true, peeringdbIxlanId: true },
      });
      if (!ixp) {
        notes.push(`IXP #${w.ixpId}: no longer in peerbot.`);
        continue;
      }
      const ref = { ...ixp, name: singleLine(ixp.name, 100) };
      // Only the family they named addresses of, when they named one family only.
      const family = w.ipv4 && !w.ipv6 ? "ipv4" : w.ipv6 && !w.ipv4 ? "ipv6" : undefined;
      try {
        const r = await peer(s, { asn: Number(row.asn), ixp: ref, family, actor });
        anyCreated = true;
        changes.push(...r.changes);
        notes.push(
          `${ref.name}: ${r.created} new session${r.created === 1 ? "" : "s"}${r.existing ? `, ${r.existing} already there` : ""}${r.unchanged.length ? ` (${r.unchanged.join(", ")}: nothing to deploy)` : ""}.`,
        );
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        notes.push(`${ref.name}: ${err.message}`);
      }
    }
  } catch (err) {
    // Not a refusal but a failure: the request is open again, to be pressed once more.
    await reopen(s, row.id);
    throw err;
  }
  if (!anyCreated) {
    await reopen(s, row.id);
    throw new UserError(
      `Nothing was set up for peering request #${row.id}: ${clip(notes.join(" "), 600)}`,
      "The request stays open; Decline answers it, or fix what is said and press Peer again.",
    );
  }
  await s.db.prisma.inboundRequest.update({
    where: { id: row.id },
    data: { changeIds: changes.map((c) => c.id) },
  });
  await refreshRequestMessage(s, row.id);
  return { row: await requireRequest(s, row.id), changes, notes };
}

async function reopen(s: Pick<Services, "db">, id: number): Promise<void> {
  await s.db.prisma.inboundRequest
    .updateMany({
      where: { id, state: "peered" },
      data: { state: "open", decidedBy: "", decidedByName: "", decidedAt: null },
    })
    .catch(() => {});
}

export const MAX_REASON = 500;

/** Decline: the request is `declined` with the reason, and the templated reply is queued. */
export async function declineRequest(
  s: Services,
  id: number,
  actor: Actor,
  reason: string,
): Promise<{ row: InboundRow; email: EmailRow }> {
  const row = await requireRequest(s, id);
  if (row.state !== "open") throw notOpen(row, "decline");
  const why = reason.trim().slice(0, MAX_REASON);
  // Drafted before the claim: a template that does not render leaves the request open.
  const data = await declineEmailData(s, row, actor, why);
  await claim(s, row, "declined", actor, { reason: why });
  const draft = await s.db.prisma.email.create({ data });
  const email = await queueEmail(s, draft.id, actor);
  await refreshRequestMessage(s, row.id);
  return { row: await requireRequest(s, row.id), email };
}

async function declineEmailData(
  s: Services,
  row: InboundRow,
  actor: Actor,
  reason: string,
): Promise<Prisma.EmailUncheckedCreateInput> {
  const wanted = ixpsOf(row);
  const ixps = await s.db.prisma.internetExchange.findMany({
    where: { id: { in: wanted.map((w) => w.ixpId) } },
    select: { name: true, localAsId: true },
    orderBy: { name: "asc" },
  });
  const local = ixps[0]
    ? await s.db.prisma.autonomousSystem.findUnique({
        where: { id: ixps[0].localAsId },
        select: { asn: true, name: true, emailFrom: true, emailReplyTo: true },
      })
    : null;
  let sender: { from: string; replyTo?: string };
  try {
    sender = senderOf(s, local);
  } catch (err) {
    throw new UserError(`Our e-mail sender is not valid: ${errorLine(err)}.`, "Fix PEERBOT_EMAIL_FROM.");
  }
  const name = await netName(s, row.asn);
  const template = loadEmailTemplate(
    "inbound-declined" as EmailTemplateName,
    overrideDirOf(s.config.PEERBOT_TEMPLATES_DIR),
  );
  const requester = singleLine(actor.userName || actor.userId, 80);
  const out = template.render({
    peer: { asn: String(row.asn), name },
    local: { asn: local ? String(local.asn) : "", name: singleLine(local?.name ?? "", 100) },
    ixps: ixps.map((x) => ({ name: singleLine(x.name, 100) })),
    uid: row.uid,
    receivedAt: utc(row.createdAt),
    reason: singleLine(reason, MAX_REASON),
    requester: { name: requester },
  });
  return {
    kind: "peering_request",
    template: "inbound-declined",
    status: "draft",
    messageId: newMessageId(sender.from),
    fromAddress: sender.from,
    replyTo: sender.replyTo ?? "",
    to: [row.contactEmail],
    subject: headerText(out.subject),
    textBody: out.text,
    htmlBody: out.html ?? "",
    // No local AS: the reply must not mark a peering request of ours as sent (core/email/tracking.ts).
    localAsId: null,
    peerAsn: row.asn,
    peerName: clip(name, 200),
    details: { inboundRequest: row.uid, reason } as Prisma.InputJsonValue,
    draftedBy: actorKey(actor),
    draftedByName: requester,
  };
}
