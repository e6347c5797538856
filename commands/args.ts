// zod pieces shared by the commands' argument schemas; their messages are the sentences
// users read, so each says what was wrong and what is expected.
import type { Database } from "../core/db.js";
import { resolveIxp } from "../core/ixp.js";
import { commandAction } from "./intents.js";
import { z } from "zod";
import { MAX_ASN, parseAsn } from "../core/asn.js";
import { UserError } from "../core/errors.js";
import { clip } from "../core/text.js";
import { SESSION_STATUSES } from "../core/sessions.js";

export const asnArg = (what = "an AS number") =>
  z.string({ error: `Say which network: give ${what}, e.g. AS6939.` }).transform((s, ctx) => {
    const n = parseAsn(s);
    if (n !== null) return n;
    const digits = /^(?:as)?\s*(\d+)$/i.exec(s.trim());
    ctx.addIssue({
      code: "custom",
      message: digits
        ? `AS${clip(digits[1] as string, 20)} is out of range: an ASN is a number from 1 to ${MAX_ASN}.`
        : `"${clip(s)}" is not an AS number; write it as AS6939 or 6939.`,
    });
    return z.NEVER;
  });

export const ixpArg = z
  .string({ error: "Say which IXP, by name, slug or PeeringDB id, e.g. LINX." })
  .trim()
  .min(1, "Say which IXP, by name, slug or PeeringDB id, e.g. LINX.")
  .max(100, "That IXP name is too long; IXP names are under 100 characters.");

export const pageArg = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined) return 1;
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) {
      ctx.addIssue({ code: "custom", message: `"${clip(s, 20)}" is not a page number.` });
      return z.NEVER;
    }
    return n;
  });

export const statusArg = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined) return undefined;
    const hit = SESSION_STATUSES.find((x) => x === s.toLowerCase());
    if (!hit) {
      ctx.addIssue({
        code: "custom",
        message: `"${clip(s, 20)}" is not a session status; use one of ${SESSION_STATUSES.join(", ")}.`,
      });
      return z.NEVER;
    }
    return hit;
  });

/**
 * The IXP a command's argument names (core/ixp.ts resolveIxp); when several match, the
 * candidates come back as buttons that run `line(slug)`, the same command for that IXP.
 */
export function resolveIxpArg(db: Database, query: string, line: (slug: string) => string, usage: string) {
  return resolveIxp(db, query, (slug) => commandAction(line(slug)), usage);
}

/**
 * A command line of the shape `<command> [<one word>] [<verb>]` (`cleanup linx propose`,
 * `drift AS6939`): the word, and whether the trailing verb was given. More words are refused
 * in one sentence with the usage.
 */
export function wordAndVerb(
  words: string[],
  command: string,
  usage: string,
  verb: string,
): { word: string | undefined; verb: boolean } {
  const rest = [...words];
  const given = rest[rest.length - 1]?.toLowerCase() === verb;
  if (given) rest.pop();
  if (rest.length > 1)
    throw new UserError(
      `I did not understand "${clip(rest.slice(1).join(" "))}" in that \`${command}\` command.`,
      `Usage: ${usage}`,
    );
  return { word: rest[0], verb: given };
}
