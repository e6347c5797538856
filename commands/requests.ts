// Inbound peering requests (core/inbound): `requests [open|all]`, and the Peer and Decline
// buttons of a request's message. Every press is authorised again and acts on the row as it
// is now: a second press finds the request no longer open.
import { z } from "zod";
import { changeReply } from "../core/changes.js";
import { actorKey } from "../core/email/index.js";
import {
  declineRequest,
  INBOUND_ACTIONS,
  INBOUND_STATE,
  inboundActionId,
  listRequests,
  MAX_REASON,
  parseInboundId,
  peerRequest,
  requireRequest,
} from "../core/inbound/index.js";
import { UserError } from "../core/errors.js";
import { People } from "../core/people.js";
import type { Form, Reply } from "../core/reply.js";
import { clip } from "../core/text.js";
import { rowAction } from "./action-helpers.js";
import { readForm } from "./forms.js";
import { defineCommand, type ActionDef } from "./registry.js";

export const requestsCommand = defineCommand({
  name: "requests",
  summary: "List the peering requests other networks sent us (POST /peering-requests): open ones, or all.",
  usage: "requests [open|all]",
  examples: ["requests", "requests all"],
  role: "viewer",
  args: { flags: ["open", "all"] },
  schema: z
    .object({ open: z.boolean().optional(), all: z.boolean().optional() })
    .refine((a) => !(a.open && a.all), { message: "Say open or all, not both." }),
  async handler(args, ctx) {
    return listRequests(ctx.services, args.all ? "all" : "open");
  },
});

const inboundAction = (def: Omit<Parameters<typeof rowAction>[0], "parse" | "stale" | "object">): ActionDef =>
  rowAction({
    ...def,
    parse: parseInboundId,
    stale: "`requests all` lists them.",
    object: "inbound-request",
  });

function declineForm(id: number): Form {
  return {
    title: `Decline request #${id}`,
    submitLabel: "Decline",
    action: inboundActionId("decline", id),
    intro: `The network gets our templated reply by e-mail, with this reason.`,
    fields: [
      {
        name: "reason",
        label: "Reason (optional, sent to them)",
        kind: "line",
        placeholder: "e.g. our policy needs 1 Gbit/s of traffic",
        maxLength: MAX_REASON,
      },
    ],
  };
}

export const requestActions: ActionDef[] = [
  inboundAction({
    prefix: INBOUND_ACTIONS.peer,
    role: "operator",
    label: "peer with networks",
    async run(id, ctx) {
      const r = await peerRequest(ctx.services, id, ctx.actor);
      for (const c of r.changes) ctx.objects.push(`change:${c.id}`);
      const people = new People();
      const lead = `Peering request #${id} from AS${r.row.asn}: peered by ${people.of(actorKey(ctx.actor), ctx.actor.userName)}. ${r.notes.join(" ")}${r.changes.length ? " An approver other than you must approve the diff." : ""}`;
      const [first, ...rest] = r.changes.map((c) => changeReply(c, ctx.services.config));
      if (!first) return { kind: "success", text: lead, mentions: people.list };
      return { ...first, text: `${lead}\n${first.text ?? ""}`, followUps: rest, mentions: people.list };
    },
  }),
  inboundAction({
    prefix: INBOUND_ACTIONS.decline,
    role: "operator",
    label: "decline peering requests",
    async run(id, ctx): Promise<Reply> {
      const form = declineForm(id);
      if (!ctx.values) {
        const row = await requireRequest(ctx.services, id);
        if (row.state !== "open")
          throw new UserError(
            `Peering request #${id} is ${INBOUND_STATE[row.state].label}; there is nothing to decline.`,
            "`requests all` lists the requests.",
          );
        return {
          kind: "info",
          text: `Declining request #${id} from AS${row.asn} e-mails them our reply; say why, or leave it empty.`,
          ephemeral: true,
          form,
        };
      }
      const { reason = "" } = readForm(form, ctx.values);
      const { row, email } = await declineRequest(ctx.services, id, ctx.actor, reason);
      ctx.objects.push(`email:${email.id}`);
      const people = new People();
      return {
        kind: "info",
        text: `Peering request #${id} from AS${row.asn} declined by ${people.of(actorKey(ctx.actor), ctx.actor.userName)}${reason.trim() ? `: ${clip(reason.trim(), 200)}` : ""}. Our reply (e-mail #${email.id}) is queued for ${clip(email.to.join(", "), 200)}.`,
        mentions: people.list,
      };
    },
  }),
];
