// Commands with subcommands (`router add|set|show|remove`, `connection …`, `contact …`): each
// subcommand is declared like a command (usage, examples, role, word grammar, zod schema,
// handler) and the command dispatches to it from a table, checking the subcommand's own role.
//
// The command line reaches here as words (commands/grammar.ts has split it; quotes are gone, so a
// value of several words is read up to the next keyword: `name Jane Doe role noc`).
import type { z } from "zod";
import type { Role } from "../../core/config.js";
import { PermissionError, UserError } from "../../core/errors.js";
import type { Reply } from "../../core/reply.js";
import { hasRole } from "../../core/roles.js";
import { clip } from "../../core/text.js";
import { denial } from "../dispatch.js";
import type { RawArgs } from "../grammar.js";
import type { CommandContext } from "../registry.js";

export interface WordSpec {
  /** Positional argument names, in order. */
  positional?: string[];
  /** The last positional takes every positional word left (an IXP name of several words). */
  rest?: boolean;
  /** `keyword value` pairs whose value is one word. */
  keywords?: string[];
  /** `keyword value…` pairs whose value runs to the next keyword or flag (a name, a comment). */
  text?: string[];
  /** Bare words that switch something on. */
  flags?: string[];
  /** Words dropped where a positional would be read. Defaults to at, @, on. */
  noise?: string[];
}

/** Reads a subcommand's words into named raw values; unread positionals go to `_extra`. */
export function parseWords(words: string[], spec: WordSpec): RawArgs {
  const keywords = new Set((spec.keywords ?? []).map((k) => k.toLowerCase()));
  const text = new Set((spec.text ?? []).map((k) => k.toLowerCase()));
  const flags = new Set((spec.flags ?? []).map((k) => k.toLowerCase()));
  const noise = new Set(spec.noise ?? ["at", "@", "on"]);
  const names = spec.positional ?? [];
  const isMarker = (w: string) => keywords.has(w) || text.has(w) || flags.has(w);
  const out: RawArgs = {};
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const lw = w.toLowerCase();
    if (keywords.has(lw) && i + 1 < words.length) {
      out[lw] = words[++i];
      continue;
    }
    if (text.has(lw) && i + 1 < words.length) {
      const value: string[] = [];
      while (i + 1 < words.length && !isMarker((words[i + 1] as string).toLowerCase()))
        value.push(words[++i] as string);
      out[lw] = value.join(" ");
      continue;
    }
    if (flags.has(lw)) {
      out[lw] = true;
      continue;
    }
    // The grammar has already made "as 64500" one word, AS64500: once the positionals are
    // filled, it is the `as` keyword's value.
    const asWord = /^as(\d+)$/i.exec(w);
    if (
      asWord &&
      keywords.has("as") &&
      out.as === undefined &&
      positionals.length >= names.length &&
      !spec.rest
    ) {
      out.as = asWord[1];
      continue;
    }
    if (noise.has(lw)) continue;
    positionals.push(w);
  }
  names.forEach((name, idx) => {
    if (idx === names.length - 1 && spec.rest) {
      const restWords = positionals.slice(idx);
      if (restWords.length) out[name] = restWords.join(" ");
    } else if (positionals[idx] !== undefined) out[name] = positionals[idx];
  });
  const used = spec.rest ? Math.max(names.length, positionals.length) : names.length;
  if (positionals.length > used) out._extra = positionals.slice(used).join(" ");
  return out;
}

export interface Subcommand {
  /** "router add <name> host <hostname> …" */
  usage: string;
  summary: string;
  examples: string[];
  /** The least role that may run it; checked on every run. */
  role: Role;
  /** Runs it on the words after the subcommand's name. */
  run(words: string[], ctx: CommandContext): Promise<Reply>;
}

export interface SubcommandDef<S extends z.ZodType> {
  /** "router add", for messages. */
  name: string;
  usage: string;
  summary: string;
  examples: string[];
  role: Role;
  words: WordSpec;
  schema: S;
  handler(args: z.output<S>, ctx: CommandContext): Promise<Reply>;
}

/** A UserError from anywhere below, with the usage as its hint when it has none of its own. */
export function withUsage(err: unknown, usage: string): unknown {
  if (err instanceof UserError && !err.reply && !err.hint)
    return new UserError(err.message, `Usage: ${usage}`);
  return err;
}

export function subcommand<S extends z.ZodType>(def: SubcommandDef<S>): Subcommand {
  return {
    usage: def.usage,
    summary: def.summary,
    examples: def.examples,
    role: def.role,
    async run(words, ctx) {
      if (!hasRole(ctx.role, def.role)) throw new PermissionError(denial(def.role, `run \`${def.name}\``));
      const raw = parseWords(words, def.words);
      if (raw._extra !== undefined) {
        throw new UserError(
          `I did not understand "${clip(raw._extra)}" in that \`${def.name}\` command.`,
          `Usage: ${def.usage}`,
        );
      }
      const parsed = def.schema.safeParse(raw);
      if (!parsed.success) {
        throw new UserError(
          parsed.error.issues[0]?.message ?? "Those arguments are not right.",
          `Usage: ${def.usage}`,
        );
      }
      try {
        return await def.handler(parsed.data, ctx);
      } catch (err) {
        throw withUsage(err, def.usage);
      }
    },
  };
}

/** Splits the line a command received (its words joined by spaces) back into words. */
export const wordsOf = (line: string | undefined): string[] => (line ?? "").split(/\s+/).filter(Boolean);

/**
 * Runs the subcommand the first word names. `fallback` answers a first word that names none
 * (`router edge1` shows the router); without one, that is a sentence listing the subcommands.
 */
export async function runSubcommand(
  command: string,
  table: Record<string, Subcommand>,
  words: string[],
  ctx: CommandContext,
  fallback?: (words: string[]) => Promise<Reply | null>,
): Promise<Reply> {
  const first = (words[0] ?? "").toLowerCase();
  const sub = Object.hasOwn(table, first) ? table[first] : undefined;
  if (sub) return sub.run(words.slice(1), ctx);
  const other = words.length && fallback ? await fallback(words) : null;
  if (other) return other;
  const names = Object.keys(table);
  throw new UserError(
    first
      ? `There is no \`${command} ${clip(first, 30)}\`; \`${command}\` does ${names.join(", ")}.`
      : `Say what to do: ${names.map((n) => `${command} ${n}`).join(", ")}.`,
    `Usage:\n${subcommandUsage(table)}`,
  );
}

/** The usages of a table's subcommands, one a line (the hint of a command given no subcommand). */
export const subcommandUsage = (table: Record<string, Subcommand>): string =>
  Object.values(table)
    .map((s) => s.usage)
    .join("\n");

/** A command's own usage line, short enough for `help`: "router add|set|show|remove <name> …". */
export const shortUsage = (command: string, table: Record<string, Subcommand>, args = "…"): string =>
  `${command} ${Object.keys(table).join("|")} ${args}`;
