// `history [<kind> <name>]`: Peering Manager's change log in chat. Every create, update and
// delete of an inventory object, newest first, paged: when, who, through what, and what changed
// (secrets only as "(set)").
import { z } from "zod";
import { parseAsn } from "../../core/asn.js";
import { UserError } from "../../core/errors.js";
import { changedFields, objectHistory, type HistoryRow } from "../../core/history.js";
import { findRouterByName } from "../../core/inventory.js";
import { historyTarget, type HistoryKind, type HistoryTarget } from "../../core/objects/index.js";
import type { Reply } from "../../core/reply.js";
import { clip, plural, utc } from "../../core/text.js";
import { withUsageHint } from "../action-helpers.js";
import { pageArg, resolveIxpArg } from "../args.js";
import { quoteWord } from "../grammar.js";
import { defineCommand, type CommandContext } from "../registry.js";
import { wordsOf } from "./subcommands.js";

const usage =
  "history [router|as|ixp|connection|session|policy|community|group|contact|ixapi <name>] [page:<n>]";
const PER_PAGE = 15;

const KINDS: Record<string, HistoryKind> = {
  router: "router",
  routers: "router",
  as: "as",
  asn: "as",
  network: "as",
  ixp: "ixp",
  ix: "ixp",
  connection: "connection",
  connections: "connection",
  session: "session",
  sessions: "session",
  policy: "policy",
  policies: "policy",
  community: "community",
  communities: "community",
  group: "group",
  groups: "group",
  contact: "contact",
  contacts: "contact",
  ixapi: "ixapi",
  "ix-api": "ixapi",
};

/** What a create row is summed up by: its values, not its ids (the object column names it). */
const quiet = (k: string, v: unknown) =>
  k === "id" ||
  /Id$/.test(k) ||
  v === null ||
  v === "" ||
  typeof v === "boolean" ||
  (Array.isArray(v) && !v.length);

/** What a row changed, in one cell: the fields an update changed, or what a create set. */
function changes(r: HistoryRow): string {
  if (r.action === "delete") return "";
  const lines =
    r.action === "update"
      ? changedFields(r.before, r.after)
      : Object.entries((r.after ?? {}) as Record<string, unknown>)
          .filter(([k, v]) => !quiet(k, v))
          .map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return clip(lines.join("; "), 160);
}

/** The kind and name of `history <words>`, the kind guessed when it is left out. */
async function resolve(ctx: CommandContext, words: string[], page: number): Promise<HistoryTarget> {
  const db = ctx.services.db;
  let kind = KINDS[(words[0] ?? "").toLowerCase()];
  // The grammar makes "as 6939" one word, AS6939.
  const joinedAs =
    words.length === 1 && parseAsn(words[0] as string) !== null && /^as/i.test(words[0] as string);
  let name = kind ? words.slice(1).join(" ") : words.join(" ");
  if (!kind) {
    if (joinedAs || parseAsn(name) !== null) kind = "as";
    else if (await findRouterByName(db, name)) kind = "router";
    else kind = "ixp";
  }
  if (!name) throw new UserError(`Say which ${kind}, e.g. ${EXAMPLES[kind]}.`, `Usage: ${usage}`);
  const rerun = (slug: string) => `history ${kind} ${quoteWord(slug)}${page > 1 ? ` page:${page}` : ""}`;
  let ixp: { id: number; name: string } | null = null;
  if (kind === "ixp" || (kind === "connection" && !/^#?\d+$/.test(name))) {
    try {
      ixp = await resolveIxpArg(db, name, rerun, usage);
    } catch (err) {
      // A name no IXP has now may be one the history knows (a removed IXP); ambiguity stays a question.
      if (!(err instanceof UserError) || err.reply || kind !== "ixp") throw err;
    }
  }
  if (kind === "contact" || kind === "session") name = name.replace(/^as\s+(\d)/i, "AS$1");
  return historyTarget(db, kind, name, ixp);
}

const EXAMPLES: Record<HistoryKind, string> = {
  router: "history router edge1.lon",
  as: "history as 6939",
  ixp: "history ixp linx",
  connection: "history connection #3",
  ixapi: "history ixapi decix",
  session: "history session AS6939",
  policy: "history policy import-peers",
  community: "history community learned-at-ixp",
  group: "history group transit",
  contact: "history contact AS6939",
};

export const historyCommand = withUsageHint(
  defineCommand({
    name: "history",
    aliases: ["changelog"],
    summary:
      "The change history of our inventory (Peering Manager's change log): who changed what, when and through what, newest first.",
    usage,
    examples: [
      "history",
      "history router edge1.lon",
      "history as 6939",
      "history ixp linx",
      "history session AS6939",
      "history session 195.66.224.21",
      "history contact AS6939",
      "history connection #3",
    ],
    role: "viewer",
    args: { positional: ["line"], rest: true, options: ["page"], noise: [] },
    schema: z.object({ line: z.string().max(300, "That name is too long.").optional(), page: pageArg }),
    async handler({ line, page }, ctx) {
      const words = wordsOf(line);
      const target: HistoryTarget = words.length
        ? await resolve(ctx, words, page)
        : { filter: {}, label: "everything" };
      const { rows, total } = await objectHistory(ctx.services.db, target.filter, page, PER_PAGE);
      const pages = Math.max(1, Math.ceil(total / PER_PAGE));
      if (!total) {
        return {
          kind: "info",
          text: words.length
            ? `No change to ${target.label} is recorded yet (objects made before the history began have none).`
            : "No change is recorded yet.",
        };
      }
      if (page > pages)
        return {
          kind: "warning",
          text: `The history of ${target.label} has ${plural(pages, "page")}; page ${page} is past the end.`,
        };
      const base = ["history", ...words.map(quoteWord)].join(" ");
      const mixed = new Set(rows.map((r) => r.objectType)).size > 1 || !words.length;
      const reply: Reply = {
        title: `History: ${target.label}`,
        text: `${plural(total, "change")}, newest first${pages > 1 ? `; page ${page} of ${pages}` : ""}.${target.gone ? " It no longer exists." : ""}`,
        table: {
          columns: ["when", "who", "via", "action", "object", "changes"],
          rows: rows.map((r) => [
            utc(r.at),
            clip(r.actorName || r.actor, 40),
            r.via,
            r.action,
            clip(mixed ? `${r.objectType} ${r.objectRepr}` : r.objectRepr, 60),
            changes(r),
          ]),
        },
        pagination:
          pages > 1
            ? {
                page,
                pages,
                prev: page > 1 ? `cmd:${base} page:${page - 1}` : undefined,
                next: page < pages ? `cmd:${base} page:${page + 1}` : undefined,
              }
            : undefined,
      };
      return reply;
    },
  }),
);
