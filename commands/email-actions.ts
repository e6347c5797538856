// The buttons of e-mails and batches (Send, Edit, Cancel; Send all, Cancel all, Retry failed)
// and the Tell AS<n> button of a deployed change. Each press is authorised again and acts on
// the row as it is now: a second press of Send finds no draft.
import {
  cancelBatch,
  cancelEmail,
  draftSessionsConfigured,
  EMAIL_ACTIONS,
  editHelp,
  emailReply,
  loadEmailView,
  parseEmailId,
  queueEmail,
  requireEmail,
  retryFailed,
  sendBatch,
} from "../core/email/index.js";
import { UserError } from "../core/errors.js";
import { clip, plural } from "../core/text.js";
import { rowAction, type RowActionDef } from "./action-helpers.js";
import type { ActionDef } from "./registry.js";

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
        text: `E-mail #${e.id} queued by ${ctx.actor.userName} for ${clip(e.to.join(", "), 200)}; its message shows the delivery.`,
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
      return { kind: "info", text: editHelp(id), ephemeral: true };
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
        text: `E-mail #${e.id} cancelled by ${ctx.actor.userName}; it will never be sent.`,
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
        text: `Batch #${id}: ${plural(queued, "e-mail")} queued by ${ctx.actor.userName}; the batch's message shows the progress.`,
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
        text: `Batch #${id} cancelled by ${ctx.actor.userName}: ${plural(cancelled, "draft")} will never be sent.`,
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
        text: `Batch #${id}: ${plural(n, "failed e-mail")} queued again by ${ctx.actor.userName}.`,
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
