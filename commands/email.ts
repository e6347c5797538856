// E-mail to other networks: `request` (one peering request, the state of one, or a bulk
// request to every available peer at an IXP) and `notify maintenance`. Each drafts; nothing is
// sent until Send is pressed (commands/email-actions.ts). `emails`, `email` and `edit` are in
// commands/email-journal.ts.
import { z } from "zod";
import { parseAsn, MAX_ASN } from "../core/asn.js";
import {
  batchView,
  composeBulk,
  composeEmail,
  composeMaintenance,
  draftBatch,
  draftEmail,
  emailReply,
  loadEmailView,
  ourAs,
  parseRecipients,
  requesterOf,
  requestsOf,
  setRequestState,
  standing,
  stateText,
  type RequestInfo,
} from "../core/email/index.js";
import { UserError } from "../core/errors.js";
import { findRouterByName } from "../core/inventory.js";
import { availablePeers, parsePeerFilters, type AvailablePeer } from "../core/peeringdb/index.js";
import type { Reply } from "../core/reply.js";
import { clip, plural, singleLine, utc } from "../core/text.js";
import { withUsageHint } from "./action-helpers.js";
import { ixpArg, resolveIxpArg } from "./args.js";
import { quoteWord, tokenize } from "./grammar.js";
import { ixpAndRest } from "./peeringdb.js";
import { defineCommand, type CommandContext, type Registry } from "./registry.js";
import { addEmailJournalCommands } from "./email-journal.js";
import { emailActions } from "./email-actions.js";

const requestUsage =
  "request <AS> [at <IXP>] [to:<addr>,…] [cc:<addr>,…] | request <AS> declined [until <YYYY-MM-DD>] [hide] | request <AS> answered | request all at <IXP> [peers filters] [max:<n>] [force]";

const DAY = 86_400_000;

/** A YYYY-MM-DD date (midnight UTC). */
export function parseDay(s: string, usage: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  const d = m ? new Date(`${s.trim()}T00:00:00Z`) : null;
  if (!d || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s.trim())
    throw new UserError(`"${clip(s, 30)}" is not a date; write it as YYYY-MM-DD.`, `Usage: ${usage}`);
  return d;
}

/** "2026-12-01 22:00", "2026-12-01T22:00", "2026-12-01 22:00 UTC", "2026-12-01": a moment in UTC. */
export function parseMoment(words: string[], usage: string): Date {
  const text = words
    .join(" ")
    .replace(/\s*(utc|z)$/i, "")
    .trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(text);
  if (!m)
    throw new UserError(
      `"${clip(words.join(" "), 40)}" is not a date and time; write it as YYYY-MM-DD HH:MM (UTC).`,
      `Usage: ${usage}`,
    );
  const day = parseDay(m[1] as string, usage);
  const h = Number(m[2] ?? 0);
  const min = Number(m[3] ?? 0);
  if (h > 23 || min > 59)
    throw new UserError(
      `"${clip(text, 40)}" is not a time of day; write it as HH:MM, 00:00 to 23:59.`,
      `Usage: ${usage}`,
    );
  return new Date(day.getTime() + h * 3_600_000 + min * 60_000);
}

const maxArg = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(n) || n < 1 || n > 5000) {
      ctx.addIssue({
        code: "custom",
        message: `max:${clip(s, 20)} is not a number of e-mails: say max:1 to max:5000.`,
      });
      return z.NEVER;
    }
    return n;
  });

const requestSchema = z.object({
  target: z
    .string({ error: "Say which network: request AS6939 at LINX (or request all at LINX)." })
    .max(30, "Say which network: request AS6939 at LINX (or request all at LINX)."),
  line: z.string().max(500, "That line is too long.").optional(),
  to: z.string().max(1000, "That is too many addresses.").optional(),
  cc: z.string().max(1000, "That is too many addresses.").optional(),
  max: maxArg,
  until: z.string().max(30, "Write the date as YYYY-MM-DD.").optional(),
  declined: z.boolean().optional(),
  answered: z.boolean().optional(),
  hide: z.boolean().optional(),
  force: z.boolean().optional(),
});

type RequestArgs = z.output<typeof requestSchema>;

export const requestCommand = withUsageHint(
  defineCommand({
    name: "request",
    summary:
      "Draft a peering request e-mail to a network (preview with Send, Edit and Cancel), to every available peer at an IXP (`all`), or note that they declined or answered.",
    usage: requestUsage,
    examples: [
      "request AS6939 at LINX",
      "request AS6939 at LINX to:peering@he.net cc:noc@example.net",
      "request all at LINX policy:open max:20",
      "request AS6939 declined until 2027-06-01 hide",
      "request AS6939 answered",
    ],
    role: "operator",
    args: {
      positional: ["target", "line"],
      rest: true,
      options: ["to", "cc", "max"],
      keywords: [{ name: "until" }],
      flags: ["declined", "answered", "hide", "force"],
    },
    schema: requestSchema,
    async handler(args, ctx) {
      if (/^all$/i.test(args.target)) return requestAll(args, ctx);
      const asn = parseAsn(args.target);
      if (asn === null)
        throw new UserError(
          /^(?:as)?\s*\d+$/i.test(args.target)
            ? `${clip(args.target, 20)} is out of range: an ASN is a number from 1 to ${MAX_ASN}.`
            : `"${clip(args.target)}" is not an AS number; write it as AS6939 or 6939 (or \`request all at <IXP>\`).`,
          `Usage: ${requestUsage}`,
        );
      if (args.max !== undefined || args.force)
        throw new UserError("max: and force are for `request all at <IXP>`.", `Usage: ${requestUsage}`);
      if (args.declined || args.answered) return requestState(BigInt(asn), args, ctx);
      if (args.until || args.hide)
        throw new UserError(
          "until and hide go with declined: request AS6939 declined until 2027-06-01 hide.",
          `Usage: ${requestUsage}`,
        );
      return requestOne(BigInt(asn), args, ctx);
    },
  }),
);

const ixpOf = async (ctx: CommandContext, line: string | undefined, rerun: (slug: string) => string) => {
  if (!line) return undefined;
  const name = ixpArg.safeParse(line);
  if (!name.success)
    throw new UserError(name.error.issues[0]?.message ?? "Say which IXP.", `Usage: ${requestUsage}`);
  const ixp = await resolveIxpArg(ctx.services.db, name.data, rerun, requestUsage);
  ctx.objects.push(`ixp:${ixp.id}`);
  return ixp;
};

/** What a preview warns about: a recent request, or an answer that makes another one odd. */
function warningFor(asn: bigint, r: RequestInfo | undefined, now: Date, cooldownMs: number): string | null {
  const st = standing(r, now, cooldownMs);
  if (!st || !r) return null;
  switch (r.state) {
    case "requested":
      return `AS${asn} was ${st}; the cooldown is ${Math.round(cooldownMs / DAY)} days. Send only if you mean to write again.`;
    case "declined":
      return `AS${asn} ${st.replace(/^they /, "")}: send only if they asked to hear from us again.`;
    case "answered":
      return `AS${asn} answered our last request already.`;
    case "configured":
      return `Sessions with AS${asn} are configured already.`;
  }
}

async function requestOne(asn: bigint, args: RequestArgs, ctx: CommandContext): Promise<Reply> {
  const s = ctx.services;
  const extra = [args.to ? `to:${args.to}` : "", args.cc ? `cc:${args.cc}` : ""].filter(Boolean).join(" ");
  const ixp = await ixpOf(ctx, args.line, (slug) =>
    ["request", `AS${asn}`, "at", quoteWord(slug), extra].filter(Boolean).join(" "),
  );
  const to = args.to !== undefined ? parseRecipients(args.to, "to:") : undefined;
  const cc = args.cc !== undefined ? parseRecipients(args.cc, "cc:") : undefined;
  if (to && !to.length)
    throw new UserError(
      "to: needs at least one address, e.g. to:peering@example.net.",
      `Usage: ${requestUsage}`,
    );
  ctx.objects.push(`as:${asn}`);
  const composed = await composeEmail(s, {
    kind: "peering_request",
    peerAsn: asn,
    ...(ixp ? { ixpId: ixp.id } : {}),
    requester: requesterOf(ctx.actor),
    ...(to ? { to } : {}),
    ...(cc?.length ? { cc } : {}),
  });
  const now = s.clock.now();
  const prior = (await requestsOf(s.db, composed.localAs.id, [asn])).get(String(asn));
  const warning = warningFor(asn, prior, now, s.config.PEERBOT_EMAIL_COOLDOWN);
  const warnings = warning ? [warning] : [];
  const e = await draftEmail(s, composed, ctx.actor, { warnings });
  ctx.objects.push(`email:${e.id}`);
  const view = emailReply((await loadEmailView(s.db, e.id))!, s.config.PEERBOT_EMAIL_ATTEMPTS);
  const source = {
    local: "its contacts in peerbot",
    peeringdb: "its PeeringDB contacts",
    override: "the addresses you gave",
  }[composed.recipientSource];
  return {
    ...view,
    text: `Preview of a peering request to AS${asn} ${singleLine(composed.peer.name, 80)}, to ${source}${composed.peer.inDatabase ? "" : " (not in peerbot's database yet: from the PeeringDB mirror)"}; nothing is sent until you press Send.\n${view.text ?? ""}`,
  };
}

async function requestState(asn: bigint, args: RequestArgs, ctx: CommandContext): Promise<Reply> {
  const s = ctx.services;
  if (args.declined && args.answered)
    throw new UserError("Say declined or answered, not both.", `Usage: ${requestUsage}`);
  if (args.to || args.cc)
    throw new UserError(
      "to: and cc: are for drafting a request, not for noting an answer.",
      `Usage: ${requestUsage}`,
    );
  if (args.answered && args.hide)
    throw new UserError("hide goes with declined: request AS6939 declined hide.", `Usage: ${requestUsage}`);
  const state = args.declined ? "declined" : "answered";
  const until = args.until !== undefined ? parseDay(args.until, requestUsage) : undefined;
  const ixp = await ixpOf(ctx, args.line, (slug) => `request AS${asn} ${state} at ${quoteWord(slug)}`);
  const local = await ourAs(s.db, ixp?.id);
  if (local.asn === asn)
    throw new UserError(`AS${asn} is one of our own networks.`, `Usage: ${requestUsage}`);
  const r: RequestInfo = await setRequestState(s, {
    localAsId: local.id,
    asn,
    state,
    until,
    hide: args.hide,
    actor: ctx.actor,
  });
  ctx.objects.push(`as:${asn}`);
  return {
    kind: "success",
    text: `Peering between AS${local.asn} and AS${asn}: ${stateText(r, s.clock.now())}.${r.hidden ? ` AS${asn} is left out of \`peers\`${r.until ? " until then" : ""}.` : ""}${state === "declined" ? " `request all` skips them." : ""}`,
  };
}

/** Every available peer at the IXP (all pages), as `peers` lists them. */
async function allAvailable(
  ctx: CommandContext,
  ixp: { id: number; peeringdbIxId: number | null; peeringdbIxlanId: number | null },
  rest: string[],
) {
  const { filters, options } = parsePeerFilters(rest.filter((w) => !/^page:/i.test(w)));
  const out: AvailablePeer[] = [];
  for (let page = 1; page <= 40; page++) {
    const p = await availablePeers(ctx.services.db, ixp, filters, {
      ...options,
      page,
      pageSize: 500,
      now: ctx.services.clock.now(),
    });
    out.push(...p.rows);
    if (page >= p.pages) break;
  }
  return out;
}

/** A compose refusal as a reason shared by many networks: "has no e-mail contact peerbot can write to". */
export function skipReason(asn: bigint, message: string): string {
  const label = new RegExp(`AS${asn}\\b(?: \\([^)]*\\))?`);
  const m = message.replace(/\.$/, "").trim();
  return m.search(label) === 0 ? m.replace(label, "").trim() : m.replace(label, "them");
}

function reasonOf(r: RequestInfo | undefined, now: Date, cooldownMs: number): string | null {
  const st = standing(r, now, cooldownMs);
  if (!st || !r) return null;
  if (r.state === "requested") return `contacted in the last ${Math.round(cooldownMs / DAY)} days`;
  return r.state === "declined" ? "declined" : r.state === "answered" ? "answered" : "configured";
}

async function requestAll(args: RequestArgs, ctx: CommandContext): Promise<Reply> {
  const s = ctx.services;
  if (args.declined || args.answered || args.until || args.hide || args.to || args.cc)
    throw new UserError(
      "`request all` takes the peers filters, max:<n> and force only.",
      `Usage: ${requestUsage}`,
    );
  const words = tokenize(args.line ?? "").filter((w) => !/^(at|@|on)$/i.test(w));
  if (!words.length) throw new UserError("Say at which IXP: request all at LINX.", `Usage: ${requestUsage}`);
  const tail = [args.max !== undefined ? `max:${args.max}` : "", args.force ? "force" : ""].filter(Boolean);
  const { ixp, rest } = await ixpAndRest(ctx, words, (slug, r) =>
    ["request all at", quoteWord(slug), ...r.map(quoteWord), ...tail].join(" "),
  );
  ctx.objects.push(`ixp:${ixp.id}`);
  const local = await ourAs(s.db, ixp.id);
  const peers = await allAvailable(ctx, ixp, rest);
  const now = s.clock.now();
  const cooldown = s.config.PEERBOT_EMAIL_COOLDOWN;
  const reqs = await requestsOf(
    s.db,
    local.id,
    peers.map((p) => p.asn),
  );
  const skipped: { asn: string; name: string; reason: string }[] = [];
  const chosen: AvailablePeer[] = [];
  for (const p of peers) {
    const why = reasonOf(reqs.get(String(p.asn)), now, cooldown);
    // force writes again to networks contacted within the cooldown, never to those that said no.
    if (why && !(args.force && why.startsWith("contacted")))
      skipped.push({ asn: String(p.asn), name: p.name, reason: why });
    else chosen.push(p);
  }
  const filters = rest.filter((w) => !/^page:/i.test(w)).join(" ");
  const ixpName = singleLine(ixp.name, 60);
  const made = chosen.length
    ? await composeBulk(s, {
        kind: "peering_request",
        ixpId: ixp.id,
        peerAsns: chosen.map((p) => BigInt(p.asn)),
        requester: requesterOf(ctx.actor),
        localAsId: local.id,
      })
    : { composed: [], skipped: [] };
  for (const k of made.skipped)
    skipped.push({ asn: String(k.asn), name: k.name, reason: skipReason(k.asn, k.reason) });
  // max: counts e-mails that can go, so networks without a contact do not use it up.
  const composed = args.max !== undefined ? made.composed.slice(0, args.max) : made.composed;
  const left = made.composed.length - composed.length;
  const lead = `${plural(peers.length, "available peer")} at ${ixpName}${filters ? ` matching ${singleLine(filters, 80)}` : ""}: ${plural(composed.length, "e-mail")} drafted${skipped.length ? `, ${skipped.length} skipped` : ""}${left > 0 ? `, ${left} more left for later by max:${args.max}` : ""}.`;
  if (!composed.length) {
    const why = [...new Set(skipped.map((k) => k.reason))].join("; ");
    return { kind: "info", text: `${lead}${why ? ` Skipped: ${clip(why, 300)}.` : ""} Nothing to send.` };
  }
  const b = await draftBatch(s, {
    kind: "peering_request",
    scope: ixpName,
    localAsId: local.id,
    composed,
    details: { skipped, filters, ...(args.max !== undefined ? { max: args.max } : {}) },
    actor: ctx.actor,
  });
  ctx.objects.push(`email-batch:${b.id}`);
  const view = (await batchView(s, b.id))!;
  return { ...view, text: `${lead}\n${view.text ?? ""}` };
}

const notifyUsage =
  "notify maintenance <router|IXP> from <YYYY-MM-DD HH:MM> to <YYYY-MM-DD HH:MM> [reason <text>]";

/** Splits `maintenance <target…> from <when…> to <when…> [reason <text…>]`. */
function notifyParts(line: string) {
  const words = tokenize(line);
  const lower = words.map((w) => w.toLowerCase());
  if (lower[0] !== "maintenance")
    throw new UserError(
      "peerbot sends maintenance notices: notify maintenance <router|IXP> from … to ….",
      `Usage: ${notifyUsage}`,
    );
  const from = lower.indexOf("from");
  const to = from < 0 ? -1 : lower.indexOf("to", from + 1);
  const reason = lower.indexOf("reason", Math.max(to, 1));
  if (from < 0 || to < 0)
    throw new UserError(
      "Say when: from <YYYY-MM-DD HH:MM> to <YYYY-MM-DD HH:MM>, in UTC.",
      `Usage: ${notifyUsage}`,
    );
  const target = words.slice(1, from).join(" ");
  if (!target)
    throw new UserError(
      "Say which router or IXP the maintenance is on, e.g. notify maintenance edge1.lon from ….",
      `Usage: ${notifyUsage}`,
    );
  return {
    target,
    start: parseMoment(words.slice(from + 1, to), notifyUsage),
    end: parseMoment(words.slice(to + 1, reason < 0 ? undefined : reason), notifyUsage),
    reason: reason < 0 ? "" : words.slice(reason + 1).join(" "),
  };
}

export const notifyCommand = withUsageHint(
  defineCommand({
    name: "notify",
    summary:
      "Draft a maintenance notice to every network with enabled sessions on a router or at an IXP (one e-mail each, listing its sessions), to preview and send.",
    usage: notifyUsage,
    examples: [
      "notify maintenance edge1.lon from 2026-12-10 22:00 to 2026-12-11 02:00 reason line card replacement",
      "notify maintenance LINX from 2026-12-12 01:00 to 2026-12-12 03:00",
    ],
    role: "operator",
    args: { positional: ["line"], rest: true, noise: [] },
    schema: z.object({
      line: z
        .string({
          error:
            "Say what to notify, e.g. notify maintenance edge1.lon from 2026-12-10 22:00 to 2026-12-11 02:00.",
        })
        .max(1000, "That line is too long."),
    }),
    async handler({ line }, ctx) {
      const s = ctx.services;
      const p = notifyParts(line);
      const now = s.clock.now();
      if (p.start.getTime() <= now.getTime())
        throw new UserError(
          `${utc(p.start)} is in the past; a maintenance notice is for a window still to come.`,
          `Usage: ${notifyUsage}`,
        );
      if (p.end.getTime() <= p.start.getTime())
        throw new UserError(
          `The window ends (${utc(p.end)}) before it starts (${utc(p.start)}).`,
          `Usage: ${notifyUsage}`,
        );
      if (p.reason.length > 500)
        throw new UserError(
          "That reason is too long: say it in 500 characters or fewer.",
          `Usage: ${notifyUsage}`,
        );
      const router = await findRouterByName(s.db, p.target);
      const rerun = (slug: string) =>
        `notify maintenance ${quoteWord(slug)} from ${utc(p.start).replace(" UTC", "")} to ${utc(p.end).replace(" UTC", "")}${p.reason ? ` reason ${p.reason}` : ""}`;
      const ixp = router ? undefined : await resolveIxpArg(s.db, p.target, rerun, notifyUsage);
      ctx.objects.push(router ? `router:${router.id}` : `ixp:${ixp!.id}`);
      const window = { start: p.start, end: p.end, reason: p.reason };
      const r = await composeMaintenance(s, {
        scope: router ? { routerId: router.id } : { ixpId: ixp!.id },
        window,
        requester: requesterOf(ctx.actor),
      });
      const scope = router ? `router ${router.name}` : singleLine(ixp!.name, 60);
      const skipped = r.skipped.map((k) => ({
        asn: String(k.asn),
        name: k.name,
        reason: skipReason(k.asn, k.reason),
      }));
      const lead = `Maintenance on ${scope}, ${utc(p.start)} to ${utc(p.end)}: ${plural(r.composed.length, "notice")} drafted${skipped.length ? `, ${skipped.length} skipped` : ""}.`;
      if (!r.composed.length)
        return {
          kind: "info",
          text: `${lead} ${skipped.length ? `Skipped: ${clip([...new Set(skipped.map((k) => k.reason))].join("; "), 300)}.` : `No network has an enabled session on ${scope}.`} Nothing to send.`,
        };
      const b = await draftBatch(s, {
        kind: "maintenance",
        scope,
        composed: r.composed,
        details: {
          skipped,
          window: { start: p.start.toISOString(), end: p.end.toISOString(), reason: p.reason },
        },
        actor: ctx.actor,
      });
      ctx.objects.push(`email-batch:${b.id}`);
      const view = (await batchView(s, b.id))!;
      return { ...view, text: `${lead}\n${view.text ?? ""}` };
    },
  }),
);

export function addEmailCommands(r: Registry): void {
  r.add(requestCommand).add(notifyCommand);
  addEmailJournalCommands(r);
  for (const a of emailActions) r.addAction(a);
}
