// Reading the values people type after a field name: numbers, on/off, speeds, and `none` for
// "clear it". Each refusal is one sentence naming the field.
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { clip } from "../../core/text.js";

/** `none`, `-` or `default` clears an optional field. */
export const isNone = (v: string) => /^(none|-|default|unset)$/i.test(v.trim());

export function onOff(field: string, v: string): boolean {
  const w = v.trim().toLowerCase();
  if (["on", "yes", "true", "enabled", "enable"].includes(w)) return true;
  if (["off", "no", "false", "disabled", "disable"].includes(w)) return false;
  throw new UserError(`${field} is on or off, not "${clip(v, 30)}".`);
}

export function wholeNumber(field: string, v: string, min: number, max: number, example: string): number {
  const t = v.trim().replace(/_/g, "");
  const n = /^\d{1,12}$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UserError(
      `"${clip(v, 20)}" is not a ${field}: give a whole number from ${min} to ${max}, e.g. ${example}.`,
    );
  return n;
}

/** "10000", "10G", "400g", "1T", "100M": Mbit/s. */
export function speedMbps(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([mgt])?(?:bit\/s|bps|b)?$/i.exec(v.trim());
  const mult = { m: 1, g: 1000, t: 1_000_000 }[(m?.[2] ?? "m").toLowerCase() as "m" | "g" | "t"];
  const n = m ? Math.round(Number(m[1]) * mult) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 100_000_000)
    throw new UserError(`"${clip(v, 20)}" is not a port speed: give Mbit/s (10000) or 10G, 100G, 400G.`);
  return n;
}

/** A zod string argument with a sentence for when it is missing. */
export const required = (message: string, max = 200) =>
  z
    .string({ error: message })
    .trim()
    .min(1, message)
    .max(max, `That is too long: at most ${max} characters.`);

/** An optional one-word or text argument. */
export const optional = (max = 200) =>
  z.string().trim().max(max, `That is too long: at most ${max} characters.`).optional();

/**
 * `credential` takes only `env:<VAR>` (or `none`): a secret typed in chat would sit in the
 * chat's history, so anything else is refused, without repeating it.
 */
export function credentialWord(v: string, router: string): { env: string } | { none: true } {
  if (isNone(v)) return { none: true };
  const m = /^env:(.+)$/i.exec(v.trim());
  if (!m) {
    throw new UserError(
      "A credential is never typed in chat: name an environment variable with credential env:<VAR>.",
      `Or store the password from the shell, where it is not echoed: peerbot secret set router ${router}`,
    );
  }
  return { env: m[1] as string };
}
