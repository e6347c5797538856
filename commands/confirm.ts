// The refusal of a confirmation a platform could not verify (Discord's "are you sure?" prompt
// carries a one-time token; bot/discord/interactions.ts). The platform runs nothing and asks
// for this action instead, so that the refusal is answered and audited like any other press:
// one row, `button:confirm.refused`, outcome denied, naming the action that did not run.
import { PermissionError } from "../core/errors.js";
import type { ActionDef } from "./registry.js";

export const CONFIRM_REFUSED = "confirm.refused";

/** Why a confirmation was refused, as the action's argument starts. */
export type ConfirmRefusal = "missing" | "forged" | "expired" | "replayed";

const SENTENCES: Record<ConfirmRefusal, string> = {
  missing: "That confirmation came without the prompt's token, so nothing was run.",
  forged: "That confirmation does not belong to this button or to you, so nothing was run.",
  expired: "That confirmation has expired, so nothing was run.",
  replayed: "That confirmation was already used, so nothing was run again.",
};

/** The action id that refuses a confirmation of `actionId` for `why`. */
export const confirmRefusedAction = (why: ConfirmRefusal, actionId: string) =>
  `${CONFIRM_REFUSED}:${why} ${actionId}`;

export const confirmRefusedActionDef: ActionDef = {
  prefix: CONFIRM_REFUSED,
  role: "viewer",
  label: "confirm buttons",
  async handler(arg) {
    const why = arg.split(" ")[0] ?? "";
    const sentence = Object.hasOwn(SENTENCES, why) ? SENTENCES[why as ConfirmRefusal] : SENTENCES.missing;
    throw new PermissionError(`${sentence} Press the button on the message again to get a new prompt.`);
  },
};
