// E-mail to other networks, as a workflow of its own (as core/changes/): one step per file,
// the states in one table.
//   compose.ts, context.ts, recipients.ts, templates.ts, address.ts   what a message says and to whom
//   model.ts     the rows, the services, the one status table every check reads
//   refs.ts      button ids, job ids, Message-IDs, tracked messages, printed and parsed in one place
//   draft.ts     a composed e-mail becomes a draft; edits of a draft
//   send.ts      Send, the delivery job with its retries, Cancel
//   batch.ts     many e-mails drafted and sent together, the bulk threshold, retry failed
//   tracking.ts  where each peering request stands (requested, configured, declined, answered)
//   journal.ts   `emails` and `email <id>`
//   message.ts   the chat messages of an e-mail and of a batch, drawn from their rows
//   recovery.ts  the reconciler's part: nothing stays queued or sending without a job
export {
  composeBulk,
  composeEmail,
  composeMaintenance,
  type Composed,
  type ComposeInput,
  type EmailKindName,
  type MaintenanceWindow,
  type Requester,
} from "./compose.js";
export * from "./model.js";
export * from "./refs.js";
export {
  bodyFromLine,
  draftEmail,
  draftSessionsConfigured,
  EDIT_USAGE,
  editEmail,
  editHelp,
  parseRecipients,
  type EmailEdit,
} from "./draft.js";
export { cancelEmail, deliverEmail, queueEmail, type DeliverOutcome } from "./send.js";
export { cancelBatch, draftBatch, requireBatch, retryFailed, sendBatch, type BatchInput } from "./batch.js";
export {
  asEmailFields,
  markConfigured,
  ourAs,
  peersNotes,
  requestsOf,
  setRequestState,
  standing,
  stateText,
  type RequestInfo,
} from "./tracking.js";
export { emailDetail, journalTable, JOURNAL_PAGE, listEmails, type JournalFilter } from "./journal.js";
export {
  batchReply,
  batchView,
  emailReply,
  loadEmailView,
  progressLine,
  refreshBatchMessage,
  refreshEmailMessage,
  type BatchDetails,
} from "./message.js";
export { reconcileEmails, type EmailReconcileReport } from "./recovery.js";
