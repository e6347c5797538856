// The buttons of e-mails and batches (Send, Edit, Cancel; Send all, Cancel all, Retry failed)
// and the Tell AS<n> button of a deployed change. Each press is authorised again and acts on
// the row as it is now: a second press of Send finds no draft.
import {
  actorKey,
  cancelBatch,
  cancelEmail,
  draftSessionsConfigured,
  EMAIL_ACTIONS,
  editEmail,
  editHelp,
  emailActionId,
  emailReply,
  loadEmailView,
  parseEmailId,
  parseRecipients,
  queueEmail,
  refreshBatchMessage,
  refreshEmailMessage,
  requireEmail,
  retryFailed,
  sendBatch,
  type EmailEdit,
  type EmailRow,
} from "../core/email/index.js";
import { MAX_SUBJECT } from "../core/email/address.js";
import { UserError } from "../core/errors.js";
import { personOf, personText } from "../core/people.js";
import type { Form, Reply } from "../core/reply.js";
import { clip, plural } from "../core/text.js";
import { rowAction, type RowActionDef } from "./action-helpers.js";
import { checkField, formRefusal, readForm } from "./forms.js";
import type { ActionDef, CommandContext } from "./registry.js";

/**
 * The form of the Edit button: the draft's subject, To, Cc and body as they are now. Its submit
 * (the same action, with the values) changes what differs, all or nothing; the typed `edit`
 * command changes one field at a time.
 */
function editForm(e: EmailRow): Form {
  return {
    title: `Edit e-mail #${e.id}`,
    submitLabel: "Save",
    action: emailActionId("edit", e.id),
    intro: "The preview is redrawn with what you save; nothing is sent until Send.",
    fields: [
      {
        name: "subject",
        label: "Subject",
        kind: "line",
        value: e.subject,
        required: true,
        maxLength: MAX_SUBJECT,
      },
      { name: "to", label: "To", kind: "line", value: e.to.join(", "), required: true, maxLength: 2000 },
      {
        name: "cc",
        label: "Cc (optional)",
        kind: "line",
        value: e.cc.join(", "),
        placeholder: "addresses, separated by commas",
        maxLength: 2000,
      },
      {
        name: "body",
        label: "Body",
        kind: "text",
        value: e.textBody.replace(/\n$/, ""),
        required: true,
        maxLength: 3900,
      },
    ],
  };
}

/** Applies a submitted edit form: every field is checked first, then what changed is saved. */
async function submitEdit(ctx: CommandContext, e: EmailRow, form: Form): Promise<Reply> {
  const s = ctx.services;
  const reopen = { label: "Edit again", actionId: emailActionId("edit", e.id) };
  const v = readForm(form, ctx.values, reopen);
  const errors: Record<string, string> = {};
  const subject = v.subject ?? "";
  const to = checkField(errors, "to", () => parseRecipients(v.to ?? "", "the recipients"));
  if (to && !to.length) errors.to = "An e-mail needs at least one recipient in To.";
  const cc = checkField(errors, "cc", () =>
    /^none$/i.test(v.cc ?? "") ? [] : parseRecipients(v.cc ?? "", "the Cc addresses"),
  );
  if (Object.keys(errors).length) throw formRefusal(form, errors, reopen);
  const same = (a: string[], b: string[]) => a.join(",").toLowerCase() === b.join(",").toLowerCase();
  const edits: EmailEdit[] = [];
  if (subject !== e.subject) edits.push({ field: "subject", value: subject });
  if (to && !same(to, e.to)) edits.push({ field: "to", value: to.join(",") });
  if (cc && !same(cc, e.cc)) edits.push({ field: "cc", value: cc.length ? cc.join(",") : "none" });
  // The body goes through the typed command's `\n` reading: its own backslashes are kept.
  const body = v.body ?? "";
  if (`${body}\n` !== e.textBody) edits.push({ field: "body", value: body.replace(/\\/g, "\\\\") });
  const notes: string[] = [];
  for (const edit of edits) notes.push((await editEmail(s, e.id, edit)).note);
  await refreshEmailMessage(s, e.id);
  if (e.batchId !== null) await refreshBatchMessage(s, e.batchId, true);
  const view = emailReply((await loadEmailView(s.db, e.id))!, s.config.PEERBOT_EMAIL_ATTEMPTS);
  const what = notes.length ? notes.join("; ") : "nothing changed";
  // The preview above is redrawn; this copy is not tracked (the first keeps the updates).
  return {
    ...view,
    text: `Draft #${e.id} (edited by ${personText(personOf(actorKey(ctx.actor), ctx.actor.userName))}): ${what}.\n${view.text ?? ""}`,
    track: undefined,
  };
}

/** An e-mail button: its id is read with parseEmailId; a stale one points at the journal. */
const emailAction = (def: Omit<RowActionDef, "parse" | "stale">): ActionDef =>
  rowAction({ ...def, parse: parseEmailId, stale: "`emails` lists the journal." });

export const emailActions: ActionDef[] = [
  emailAction({
    prefix: EMAIL_ACTIONS.send,
    role: "operator",
    label: "send e-mails",
    object: "email",
    async run(id, ctx) {
      const e = await queueEmail(ctx.services, id, ctx.actor);
      return {
        kind: "success",
        text: `E-mail #${e.id} queued by ${personText(personOf(actorKey(ctx.actor), ctx.actor.userName))} for ${clip(e.to.join(", "), 200)}; its message shows the delivery.`,
      };
    },
  }),
  emailAction({
    prefix: EMAIL_ACTIONS.edit,
    role: "operator",
    label: "edit e-mails",
    object: "email",
    async run(id, ctx) {
      const e = await requireEmail(ctx.services.db, id);
      if (e.status !== "draft")
        throw new UserError(
          `E-mail #${id} is no longer a draft; it cannot be changed.`,
          `\`email ${id}\` shows it.`,
        );
      const form = editForm(e);
      if (!ctx.values) return { kind: "info", text: editHelp(id), ephemeral: true, form };
      return submitEdit(ctx, e, form);
    },
  }),
  emailAction({
    prefix: EMAIL_ACTIONS.cancel,
    role: "operator",
    label: "cancel e-mails",
    object: "email",
    async run(id, ctx) {
      const e = await cancelEmail(ctx.services, id, ctx.actor);
      return {
        kind: "info",
        text: `E-mail #${e.id} cancelled by ${personText(personOf(actorKey(ctx.actor), ctx.actor.userName))}; it will never be sent.`,
      };
    },
  }),
  emailAction({
    prefix: EMAIL_ACTIONS.sendBatch,
    role: "operator",
    label: "send e-mails",
    object: "email-batch",
    async run(id, ctx) {
      const { queued } = await sendBatch(ctx.services, id, ctx.actor, ctx.role);
      return {
        kind: "success",
        text: `Batch #${id}: ${plural(queued, "e-mail")} queued by ${personText(personOf(actorKey(ctx.actor), ctx.actor.userName))}; the batch's message shows the progress.`,
      };
    },
  }),
  emailAction({
    prefix: EMAIL_ACTIONS.cancelBatch,
    role: "operator",
    label: "cancel e-mails",
    object: "email-batch",
    async run(id, ctx) {
      const { cancelled } = await cancelBatch(ctx.services, id, ctx.actor);
      return {
        kind: "info",
        text: `Batch #${id} cancelled by ${personText(personOf(actorKey(ctx.actor), ctx.actor.userName))}: ${plural(cancelled, "draft")} will never be sent.`,
      };
    },
  }),
  emailAction({
    prefix: EMAIL_ACTIONS.retryBatch,
    role: "operator",
    label: "send e-mails",
    object: "email-batch",
    async run(id, ctx) {
      const n = await retryFailed(ctx.services, id, ctx.actor);
      return {
        kind: "info",
        text: `Batch #${id}: ${plural(n, "failed e-mail")} queued again by ${personText(personOf(actorKey(ctx.actor), ctx.actor.userName))}.`,
      };
    },
  }),
  emailAction({
    prefix: EMAIL_ACTIONS.tell,
    role: "operator",
    label: "e-mail networks",
    object: "change",
    async run(changeId, ctx) {
      const e = await draftSessionsConfigured(ctx.services, changeId, ctx.actor);
      ctx.objects.push(`email:${e.id}`);
      const view = emailReply(
        (await loadEmailView(ctx.services.db, e.id))!,
        ctx.services.config.PEERBOT_EMAIL_ATTEMPTS,
      );
      return {
        ...view,
        text: `Preview of the note telling AS${e.peerAsn} that the sessions of change #${changeId} are configured; nothing is sent until you press Send.\n${view.text ?? ""}`,
      };
    },
  }),
];
