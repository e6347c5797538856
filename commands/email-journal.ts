// The e-mail journal from chat: `emails` lists what peerbot drafted and sent, `email <id>`
// shows one with its delivery history (and sends or cancels a draft by command), `edit`
// changes a draft's recipients, subject or body.
import { z } from "zod";
import {
  cancelEmail,
  EDIT_USAGE,
  editEmail,
  emailDetail,
  emailReply,
  EMAIL_STATUSES,
  journalTable,
  listEmails,
  loadEmailView,
  queueEmail,
  refreshBatchMessage,
  refreshEmailMessage,
  type EmailStatus,
} from "../core/email/index.js";
import { PermissionError } from "../core/errors.js";
import { hasRole } from "../core/roles.js";
import { withUsageHint } from "./action-helpers.js";
import { denial } from "./dispatch.js";
import { clip, plural } from "../core/text.js";
import { pageArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { defineCommand, type Registry } from "./registry.js";
import { resolveSessionScope } from "./scope.js";

const emailsUsage = "emails [AS|IXP|router] [status:<status>] [page:<n>]";

const emailStatusArg = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined) return undefined;
    const hit = EMAIL_STATUSES.find((x) => x === s.toLowerCase());
    if (!hit) {
      ctx.addIssue({
        code: "custom",
        message: `"${clip(s, 20)}" is not an e-mail status; use one of ${EMAIL_STATUSES.join(", ")}.`,
      });
      return z.NEVER;
    }
    return hit as EmailStatus;
  });

export const emailsCommand = withUsageHint(
  defineCommand({
    name: "emails",
    aliases: ["mails", "journal"],
    summary:
      "The e-mail journal: every peering request, sessions-configured note and maintenance notice, newest first.",
    usage: emailsUsage,
    examples: ["emails", "emails AS6939", "emails linx status:sent", "emails status:failed"],
    role: "viewer",
    args: { positional: ["target"], rest: true, options: ["status", "page"] },
    schema: z.object({
      target: z.string().max(100, "That name is too long for an AS, an IXP or a router.").optional(),
      status: emailStatusArg,
      page: pageArg,
    }),
    async handler({ target, status, page }, ctx) {
      const db = ctx.services.db;
      const rerun = (slug: string) =>
        ["emails", quoteWord(slug), status ? `status:${status}` : ""].filter(Boolean).join(" ");
      const where = await resolveSessionScope(db, target, ctx, rerun, emailsUsage);
      const scope = target ? where.label : "all networks";
      const res = await listEmails(
        db,
        {
          asn: where.asn !== undefined ? BigInt(where.asn) : undefined,
          ixpId: where.ixpId,
          routerId: where.routerId,
          status,
        },
        page,
      );
      if (res.total === 0)
        return {
          kind: "info",
          text: `No ${status ? `${status} ` : ""}e-mail for ${scope} yet. \`request <AS> at <IXP>\` drafts one.`,
        };
      if (page > res.pages)
        return {
          kind: "warning",
          text: `The journal for ${scope} has ${plural(res.pages, "page")}; page ${page} is past the end.`,
        };
      const base = ["emails", target ? quoteWord(target) : "", status ? `status:${status}` : ""]
        .filter(Boolean)
        .join(" ");
      return {
        title: `E-mails: ${scope}${status ? ` (${status})` : ""}`,
        text: `${plural(res.total, "e-mail")}${res.pages > 1 ? `, page ${page} of ${res.pages}` : ""}. \`email <id>\` shows one with its delivery.`,
        table: journalTable(res.rows),
        pagination:
          res.pages > 1
            ? {
                page,
                pages: res.pages,
                prev: page > 1 ? `cmd:${base} page:${page - 1}` : undefined,
                next: page < res.pages ? `cmd:${base} page:${page + 1}` : undefined,
              }
            : undefined,
      };
    },
  }),
);

const idArg = (usage: string) =>
  z
    .string({ error: `Say which e-mail, by its number: ${usage}.` })
    .regex(
      /^#?\d{1,9}$/,
      `An e-mail is named by its number, e.g. ${usage.replace("<id>", "12").replace("<e-mail>", "12")}.`,
    )
    .transform((s) => Number(s.replace("#", "")));

export const emailCommand = withUsageHint(
  defineCommand({
    name: "email",
    aliases: ["mail"],
    summary:
      "Show one e-mail with its delivery history (each attempt and the server's reply); send or cancel a draft.",
    usage: "email <id> [send|cancel]",
    examples: ["email 12", "email 12 send", "email 12 cancel"],
    role: "viewer",
    args: { positional: ["id", "verb"] },
    schema: z.object({
      id: idArg("email <id>"),
      verb: z
        .enum(["send", "cancel"], {
          error: "Say send or cancel, or nothing to see the e-mail: email 12 send.",
        })
        .optional(),
    }),
    async handler({ id, verb }, ctx) {
      const s = ctx.services;
      ctx.objects.push(`email:${id}`);
      if (!verb) return emailDetail(s.db, id, s.config.PEERBOT_EMAIL_ATTEMPTS);
      if (!hasRole(ctx.role, "operator")) throw new PermissionError(denial("operator", `${verb} an e-mail`));
      const e = verb === "send" ? await queueEmail(s, id, ctx.actor) : await cancelEmail(s, id, ctx.actor);
      return verb === "send"
        ? {
            kind: "success",
            text: `E-mail #${e.id} queued for ${clip(e.to.join(", "), 200)}; its message shows the delivery.`,
          }
        : { kind: "info", text: `E-mail #${e.id} cancelled; it will never be sent.` };
    },
  }),
);

export const editCommand = withUsageHint(
  defineCommand({
    name: "edit",
    summary: "Change a draft e-mail: its subject, To, Cc or body (the body in quotes, \\n for a new line).",
    usage: EDIT_USAGE,
    examples: [
      'edit 12 subject "Peering with AS64500 at LINX LON1"',
      "edit 12 to peering@he.net,noc@he.net",
      "edit 12 cc none",
      'edit 12 body "Hello,\\n\\nWe would like to peer with you at LINX LON1.\\n\\nThanks"',
    ],
    role: "operator",
    args: { positional: ["id", "field", "value"], rest: true },
    schema: z.object({
      id: idArg('edit <e-mail> subject "…"'),
      field: z.enum(["subject", "to", "cc", "body"], {
        error: "Say what to change: subject, to, cc or body.",
      }),
      value: z
        .string({ error: 'Say the new value after it, e.g. edit 12 subject "Peering with AS64500".' })
        .max(3900, "That is too long for one line; keep it under 3,900 characters."),
    }),
    async handler({ id, field, value }, ctx) {
      const s = ctx.services;
      ctx.objects.push(`email:${id}`);
      const { email, note } = await editEmail(s, id, { field, value });
      await refreshEmailMessage(s, id);
      if (email.batchId !== null) await refreshBatchMessage(s, email.batchId, true);
      const view = emailReply((await loadEmailView(s.db, id))!, s.config.PEERBOT_EMAIL_ATTEMPTS);
      // The preview above is redrawn; this copy is not tracked (the first keeps the updates).
      return { ...view, text: `Draft #${id}: ${note}.\n${view.text ?? ""}`, track: undefined };
    },
  }),
);

export function addEmailJournalCommands(r: Registry): void {
  r.add(emailsCommand).add(emailCommand).add(editCommand);
}
