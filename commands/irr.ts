// `irr`: the IRR prefix lists peerbot keeps (core/irr) and their settings.
// - `irr <AS|AS-SET>`: counts per family, the sets and sources used, when fetched, stale or
//   not, the first prefixes. An AS we know shows its cached lists (no IRR query); a set typed
//   by hand is looked up now when it has no fresh cached lists (cached under `set:<SET>`).
// - `irr refresh <AS>` (operator) refreshes one AS now; `irr refresh all` (admin) queues the
//   refresh of every AS with sessions, the job the schedule runs daily.
// - `irr sources <AS> <RIPE,RADB|default>`, `irr options <AS> <-r 8 -R 24|default>`, `irr on|off <AS>`
//   (operator): per-AS settings.
// - `irr policy <slug> on [reject|accept]` / `irr policy <slug> off` (operator): whether an
//   import policy filters by IRR, and what a session gets when its list cannot be used.
import { queueTracked } from "./action-helpers.js";
import { z } from "zod";
import { parseAsn } from "../core/asn.js";
import { PermissionError, UserError } from "../core/errors.js";
import {
  IRR_JOB,
  IRR_QUEUE,
  irrLists,
  irrSettings,
  parseIrrArgs,
  refreshAs,
  refreshSet,
  type IrrListView,
} from "../core/irr/cache.js";
import { findIrrAs, irrAs, setAsIrr, setPolicyIrr } from "../core/irr/settings.js";
import { validateSetName, validateSources } from "../core/irr/sets.js";
import type { Reply } from "../core/reply.js";
import { hasRole } from "../core/roles.js";
import { clip, plural, singleLine } from "../core/text.js";
import { denial } from "./dispatch.js";
import { wordsOf } from "./inventory/subcommands.js";
import { defineCommand, type CommandContext } from "./registry.js";

const usage =
  "irr <AS|AS-SET> · irr refresh <AS|all> · irr sources <AS> <RIPE,RADB|default> · irr options <AS> <bgpq4 options|default> · irr on|off <AS> · irr policy <slug> on [reject|accept]|off";

const fmt = (n: number) => n.toLocaleString("en-US");
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "never");

function need(ctx: CommandContext, role: "operator" | "admin", what: string): void {
  if (!hasRole(ctx.role, role)) throw new PermissionError(denial(role, what));
}

function irrClient(ctx: CommandContext) {
  const irr = ctx.services.irr;
  if (!irr)
    throw new UserError("No IRR client is configured here.", "Set PEERBOT_IRR_HOST and install bgpq4.");
  return irr;
}

/** An AS argument: AS714 or 714, in range; one sentence otherwise. */
function asnOf(word: string | undefined, example: string): number {
  if (!word) throw new UserError("Say which network, e.g. AS714.", `Usage: ${example}`);
  const n = parseAsn(word);
  if (n === null) {
    const why = validateSetName(word.toUpperCase());
    throw new UserError(
      why && /^AS\d+$/i.test(word)
        ? why
        : `"${clip(word, 40)}" is not an AS number; write it as AS714 or 714.`,
      `Usage: ${example}`,
    );
  }
  return n;
}

const knownAs = (ctx: CommandContext, asn: number) => irrAs(ctx.services.db, asn);

function listReply(title: string, lists: IrrListView[], extra: string[] = []): Reply {
  if (!lists.length)
    return {
      kind: "info",
      title,
      text: [...extra, "No IRR list has been fetched yet."].join("\n"),
    };
  const first = lists.flatMap((l) =>
    l.first.map((p) => `${p.prefix}${p["less-equal"] ? ` le ${p["less-equal"]}` : ""}`),
  );
  const text = [
    ...extra,
    ...lists
      .filter((l) => l.error)
      .map((l) => `IPv${l.family}: ${singleLine(l.error, 300)} (${when(l.errorAt)})`),
  ];
  return {
    kind: lists.some((l) => l.stale || l.overCap) ? "error" : "info",
    title,
    text: text.join("\n") || undefined,
    table: {
      columns: ["family", "prefixes", "origins", "sets", "sources", "fetched", "state"],
      rows: lists.map((l) => [
        `IPv${l.family}`,
        fmt(l.count),
        fmt(l.asns),
        singleLine(l.sets.join(" "), 80) || "-",
        singleLine(l.sources.join(","), 60) || "server default",
        when(l.fetchedAt),
        l.overCap
          ? "over the cap"
          : l.stale
            ? "stale (last refresh failed)"
            : l.fetchedAt
              ? "fresh"
              : "never fetched",
      ]),
      alignRight: [1, 2],
    },
    fields: first.length ? [{ label: "First prefixes", value: first.slice(0, 10).join("\n") }] : undefined,
  };
}

async function show(word: string, ctx: CommandContext): Promise<Reply> {
  const { db } = ctx.services;
  const upper = word.toUpperCase();
  const asn = parseAsn(word);
  if (asn !== null) {
    const a = await findIrrAs(db, asn);
    if (a) {
      ctx.objects.push(`as:${a.id}`);
      const extra = [
        `AS-SET field: ${singleLine(a.irrAsSet, 200) || `none (AS${asn} itself)`}${a.irrSources ? ` · sources ${singleLine(a.irrSources, 80)}` : ""}${a.irrEnabled ? "" : " · IRR turned off for this network"}`,
      ];
      return listReply(
        `IRR lists of AS${asn} ${singleLine(a.name, 80)}`,
        await irrLists(db, `as:${a.id}`),
        extra,
      );
    }
  }
  const why = validateSetName(upper);
  if (why) throw new UserError(why, `Usage: ${usage}`);
  const key = `set:${upper}`;
  let lists = await irrLists(db, key);
  const day = 86_400_000;
  if (!lists.length || lists.some((l) => !l.fetchedAt || Date.now() - l.fetchedAt.getTime() > day)) {
    await refreshSet(db, irrClient(ctx), upper, irrSettings(ctx.services.config));
    lists = await irrLists(db, key);
  }
  return listReply(`IRR lists of ${upper}`, lists);
}

async function refresh(words: string[], ctx: CommandContext): Promise<Reply> {
  const target = words[0];
  if (target?.toLowerCase() === "all") {
    need(ctx, "admin", "refresh every network's IRR lists");
    return queueTracked(
      ctx,
      { queue: IRR_QUEUE, name: IRR_JOB, prefix: "irr" },
      "IRR refresh of every network with sessions queued; this message shows the outcome.",
    );
  }
  need(ctx, "operator", "refresh IRR lists");
  const asn = asnOf(target, "irr refresh AS714");
  if (words.length > 1)
    throw new UserError(
      `I did not understand "${clip(words.slice(1).join(" "))}" after irr refresh.`,
      "Usage: irr refresh <AS|all>",
    );
  const a = await knownAs(ctx, asn);
  ctx.objects.push(`as:${a.id}`);
  const r = await refreshAs(ctx.services.db, irrClient(ctx), a.id, irrSettings(ctx.services.config));
  if (r.skipped)
    return {
      kind: "info",
      text: `IRR is turned off for AS${asn}: nothing was asked. Turn it on with \`irr on AS${asn}\`.`,
    };
  const lists = await irrLists(ctx.services.db, `as:${a.id}`);
  const bad = r.families.filter((f) => !f.ok);
  const reply = listReply(`IRR lists of AS${asn} ${singleLine(a.name, 80)}`, lists, [
    bad.length
      ? `Refresh failed for ${bad.map((f) => `IPv${f.family}`).join(" and ")}: the last good list is kept, marked stale.`
      : `Refreshed: IPv4 ${fmt(r.families[0]?.count ?? 0)}, IPv6 ${fmt(r.families[1]?.count ?? 0)} prefixes, ${plural(r.asns, "origin AS")}. Routers take the new lists at their next deploy (\`diff <router>\` shows them).`,
  ]);
  return reply;
}

async function setSources(words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "operator", "change a network's IRR settings");
  const asn = asnOf(words[0], "irr sources AS714 RIPE,RADB");
  const value = words.slice(1).join("");
  if (!value)
    throw new UserError(
      "Say which sources, e.g. RIPE,RADB, or default.",
      "Usage: irr sources AS714 RIPE,RADB",
    );
  let stored = "";
  if (value.toLowerCase() !== "default") {
    const s = validateSources(value);
    if (!Array.isArray(s)) throw new UserError(s.error, "Usage: irr sources AS714 RIPE,RADB");
    stored = s.join(",");
  }
  const a = await setAsIrr(ctx.services.db, asn, { irrSources: stored }, ctx.actor);
  ctx.objects.push(`as:${a.id}`);
  return {
    kind: "success",
    text: `AS${asn}'s IRR sources: ${stored || `the default (${ctx.services.config.PEERBOT_IRR_SOURCES || "the server's"})`}. \`irr refresh AS${asn}\` fetches with them now.`,
  };
}

async function setOptions(words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "operator", "change a network's IRR settings");
  const hint = "Usage: irr options AS714 -r 8 -R 24 · irr options AS714 default";
  const asn = asnOf(words[0], hint.slice(7));
  const rest = words.slice(1);
  if (!rest.length) throw new UserError("Say which bgpq4 options, e.g. -R 24, or default.", hint);
  let stored = "";
  if (!(rest.length === 1 && rest[0]!.toLowerCase() === "default")) {
    const args = parseIrrArgs(rest.join(" "));
    if (!Array.isArray(args)) throw new UserError(args.error, hint);
    stored = args.join(" ");
  }
  const a = await setAsIrr(ctx.services.db, asn, { irrArgs: stored }, ctx.actor);
  ctx.objects.push(`as:${a.id}`);
  return {
    kind: "success",
    text: `AS${asn}'s bgpq4 options: ${stored ? `\`${stored}\` after the defaults` : "the defaults"}. \`irr refresh AS${asn}\` fetches with them now.`,
  };
}

async function setEnabled(on: boolean, words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "operator", "change a network's IRR settings");
  const asn = asnOf(words[0], `irr ${on ? "on" : "off"} AS714`);
  const a = await setAsIrr(ctx.services.db, asn, { irrEnabled: on }, ctx.actor);
  ctx.objects.push(`as:${a.id}`);
  return {
    kind: "success",
    text: on
      ? `IRR is on for AS${asn}: its lists are refreshed with the others (\`irr refresh AS${asn}\` does it now).`
      : `IRR is off for AS${asn}: no list is fetched, and its IRR-filtered sessions get their policy's fallback at the next deploy.`,
  };
}

async function setPolicy(words: string[], ctx: CommandContext): Promise<Reply> {
  need(ctx, "operator", "change a routing policy");
  const hint = "Usage: irr policy <slug> on [reject|accept] · irr policy <slug> off";
  const [slug, state, fallback, ...rest] = words;
  if (!slug || !state || !["on", "off"].includes(state.toLowerCase()) || rest.length)
    throw new UserError("Say which import policy and on or off, e.g. irr policy peering-in on.", hint);
  const on = state.toLowerCase() === "on";
  if (fallback && (!on || !["reject", "accept"].includes(fallback.toLowerCase())))
    throw new UserError(
      `I did not understand "${clip(fallback, 20)}": the fallback is reject or accept.`,
      hint,
    );
  const p = await setPolicyIrr(
    ctx.services.db,
    slug,
    on,
    fallback?.toLowerCase() as "reject" | "accept" | undefined,
    ctx.actor,
    hint,
  );
  const irrFallback = p.irrFallback;
  ctx.objects.push(`policy:${p.slug}`);
  return {
    kind: "success",
    text: on
      ? `Sessions importing with ${p.slug} are filtered by their peer's IRR list from their router's next deploy; without a usable list they ${irrFallback === "reject" ? "refuse all routes" : "accept routes unfiltered, with a warning"}.`
      : `${p.slug} no longer filters by IRR (a session's own IRR setting still does).`,
  };
}

export const irrCommand = defineCommand({
  name: "irr",
  summary:
    "Show the IRR prefix lists peerbot keeps for a network or AS-SET; refresh them; set a network's IRR sources or turn it off; make an import policy filter by IRR.",
  usage,
  examples: [
    "irr AS6939",
    "irr AS-HURRICANE",
    "irr refresh AS6939",
    "irr refresh all",
    "irr sources AS6939 RADB",
    "irr options AS6939 -R 24",
    "irr off AS64999",
    "irr policy peering-in on reject",
  ],
  role: "viewer",
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(500, "That line is too long.").optional() }),
  async handler({ line }, ctx) {
    const words = wordsOf(line);
    const verb = (words[0] ?? "").toLowerCase();
    if (!verb) throw new UserError("Say which network or AS-SET, e.g. irr AS6939.", `Usage: ${usage}`);
    if (verb === "refresh") return refresh(words.slice(1), ctx);
    if (verb === "sources") return setSources(words.slice(1), ctx);
    if (verb === "options") return setOptions(words.slice(1), ctx);
    if (verb === "on" || verb === "off") return setEnabled(verb === "on", words.slice(1), ctx);
    if (verb === "policy") return setPolicy(words.slice(1), ctx);
    if (words.length > 1)
      throw new UserError(
        `I did not understand "${clip(words.slice(1).join(" "))}" in that \`irr\` command.`,
        `Usage: ${usage}`,
      );
    return show(words[0]!, ctx);
  },
});
