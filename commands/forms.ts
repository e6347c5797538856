// What the actions behind forms share (core/reply.ts Form): reading a submission against the
// form it came from, and refusing it field by field. A submission is checked here whatever the
// platform already checked: a forged or replayed one gets the same answer as a careless one.
import { UserError } from "../core/errors.js";
import type { Button, Form, FormField } from "../core/reply.js";
import { clip } from "../core/text.js";

/** Field names a platform can carry as an input id (Slack block_id, Discord custom_id). */
export const FIELD_NAME = /^[A-Za-z0-9_-]{1,40}$/;

/** One field's value as the form gives it: a line on one line, a text with \n line breaks. */
function normalise(field: FormField, raw: string): string {
  if (field.kind === "line") return raw.replace(/[\r\n]+/g, " ").trim();
  return raw.replace(/\r\n?/g, "\n").replace(/\s+$/, "");
}

/**
 * A refusal of a submission: one sentence per field (shown under the inputs on Slack, as a
 * message elsewhere), nothing run. `reopen`, when given, is a button that opens the form again.
 */
export function formRefusal(form: Form, errors: Record<string, string>, reopen?: Button): UserError {
  const lines = Object.entries(errors).map(([name, msg]) => {
    const label = form.fields.find((f) => f.name === name)?.label ?? name;
    return `${label}: ${msg}`;
  });
  return new UserError(lines[0] ?? "That form is not right.", undefined, {
    kind: "error",
    text: lines.join("\n"),
    formErrors: errors,
    ephemeral: true,
    ...(reopen ? { buttons: [reopen] } : {}),
  });
}

/**
 * The values of a submission of `form`, each normalised; a required field left empty or a
 * value over its length is refused (formRefusal). Values of fields the form lacks are dropped.
 */
export function readForm(
  form: Form,
  values: Record<string, string> | undefined,
  reopen?: Button,
): Record<string, string> {
  const out: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const f of form.fields) {
    const raw = values?.[f.name];
    const v = normalise(f, typeof raw === "string" ? raw : "");
    if (f.required && !v) errors[f.name] = "This cannot be empty.";
    else if (f.maxLength !== undefined && v.length > f.maxLength)
      errors[f.name] = `At most ${f.maxLength} characters, please (this has ${v.length}).`;
    out[f.name] = v;
  }
  if (Object.keys(errors).length) throw formRefusal(form, errors, reopen);
  return out;
}

/** Runs `check` on one field's value; a UserError it throws becomes that field's error. */
export function checkField<T>(errors: Record<string, string>, name: string, check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    errors[name] = clip(err.message, 300);
    return undefined;
  }
}
