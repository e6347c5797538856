// Change requests, as Atlantis does plans: render, diff against what the router has, store
// the config, the diff and their SHA-256, then approve (not by anyone whose request it
// carries), and deploy exactly what was approved. One step per file under core/changes/:
//   model.ts     the row, the services it needs, the one status table every check reads
//   refs.ts      its button ids, job ids, audit object and name, printed and parsed in one place
//   effects.ts   the session status changes it carries (validated by zod), applied with its status
//   plan.ts      drafts, render and diff, the pending change, supersede
//   decide.ts    approve, reject, expire
//   deploy.ts    the deploy job and the recovery of a deploy that died, from what the router runs
//   recovery.ts  the last retry, the reconciler, an admin's abandon
//   message.ts   its chat message, drawn from the row alone
//   ixapi.ts     an IX-API change (a connection's MACs at the exchange): plan, deploy, read back
export * from "./changes/model.js";
export * from "./changes/refs.js";
export { effectsOf, revertEffects } from "./changes/effects.js";
export {
  abandonDrafts,
  changeConfig,
  diffRouter,
  draftChange,
  planChange,
  render,
  type PlanInput,
  type PlanResult,
} from "./changes/plan.js";
export { approveChange, expireChanges, rejectChange } from "./changes/decide.js";
export { deployChange, type DeployOutcome } from "./changes/deploy.js";
export { abandonChange, giveUpDeploy, reconcileChanges, type ReconcileReport } from "./changes/recovery.js";
export {
  changeReply,
  getChange,
  listChanges,
  recordChangeMessage,
  refreshMessage,
} from "./changes/message.js";
