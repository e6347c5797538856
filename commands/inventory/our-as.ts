// `as add <asn> [affiliated]` and `as set <asn> <field> <value>` (commands/as.ts dispatches to
// them; `as <asn>` itself stays there). A peer's AS needs an operator; one of ours (affiliated),
// making one ours, or its e-mail sender, an admin.
import { z } from "zod";
import { UserError, PermissionError } from "../../core/errors.js";
import { chatAuthor } from "../../core/history.js";
import {
  addAutonomousSystem,
  asChangeNeedsAdmin,
  updateAutonomousSystem,
  type AsFields,
} from "../../core/objects/index.js";
import { hasRole } from "../../core/roles.js";
import { clip, singleLine } from "../../core/text.js";
import { asnArg } from "../args.js";
import { denial } from "../dispatch.js";
import { subcommand, type Subcommand } from "./subcommands.js";
import { isNone, onOff, required, wholeNumber } from "./values.js";

const addUsage = "as add <asn> [affiliated] [name <text>]";
const setUsage = "as set <asn> <field> <value>";

const asAdd = subcommand({
  name: "as add",
  usage: addUsage,
  summary:
    "Add a network from the PeeringDB mirror (name, AS-SET, max prefixes, policy); `affiliated` for one of ours (admin).",
  examples: ["as add 64500 affiliated", "as add AS6939", "as add 4200000001 name Customer Ltd"],
  role: "operator",
  words: { positional: ["asn"], flags: ["affiliated"], text: ["name"] },
  schema: z.object({ asn: asnArg(), affiliated: z.boolean().optional(), name: z.string().optional() }),
  async handler(a, ctx) {
    if (a.affiliated && !hasRole(ctx.role, "admin"))
      throw new PermissionError(denial("admin", "add one of our own networks"));
    const r = await addAutonomousSystem(ctx.services.db, chatAuthor(ctx.actor), {
      asn: a.asn,
      affiliated: !!a.affiliated,
      ...(a.name !== undefined ? { name: a.name } : {}),
    });
    ctx.objects.push(`as:${r.as.id}`);
    const facts = r.fromPeeringDb
      ? `, from PeeringDB: AS-SET ${r.as.irrAsSet || "none"}, max prefixes IPv4 ${r.as.ipv4MaxPrefixes} / IPv6 ${r.as.ipv6MaxPrefixes}, policy ${r.as.generalPolicy || "unknown"}`
      : "";
    return {
      kind: "success",
      text: [
        `AS${r.as.asn} ${singleLine(r.as.name, 100)} added${r.as.affiliated ? " as one of ours" : ""}${facts}.`,
        ...r.notes,
      ].join("\n"),
      context: r.as.affiliated
        ? "Next: `import ixps` finds our exchanges and ports in PeeringDB; `router add` adds a router."
        : `\`as ${r.as.asn}\` shows it; \`contact add AS${r.as.asn} <e-mail>\` adds a contact.`,
      buttons: [{ label: "Show", actionId: `cmd:as ${r.as.asn}` }],
    };
  },
});

const SET_FIELDS = [
  "name",
  "max-prefixes",
  "ipv4-max-prefixes",
  "ipv6-max-prefixes",
  "as-set",
  "policy",
  "comments",
  "email-from",
  "email-reply-to",
  "affiliated",
  "sync-name",
  "sync-as-set",
  "sync-max-prefixes",
  "sync-policy",
  "sync",
] as const;
type SetField = (typeof SET_FIELDS)[number];
const ALIASES: Record<string, SetField> = {
  "irr-as-set": "as-set",
  asset: "as-set",
  irr: "as-set",
  "max-prefix": "max-prefixes",
  maxprefixes: "max-prefixes",
  "max-prefixes-v4": "ipv4-max-prefixes",
  "max-prefixes-v6": "ipv6-max-prefixes",
  "v4-max-prefixes": "ipv4-max-prefixes",
  "v6-max-prefixes": "ipv6-max-prefixes",
  "general-policy": "policy",
  comment: "comments",
  from: "email-from",
  "reply-to": "email-reply-to",
  "sync-irr-as-set": "sync-as-set",
  "sync-max-prefix": "sync-max-prefixes",
  "sync-prefixes": "sync-max-prefixes",
};

const prefixCount = (v: string) => wholeNumber("max-prefix count", v, 0, 10_000_000, "1000");

function patchFor(field: SetField, v: string): Partial<AsFields> {
  switch (field) {
    case "name":
      return { name: v };
    case "max-prefixes": {
      const m = /^(v4|v6|ipv4|ipv6)\s+(\S+)$/i.exec(v.trim());
      if (!m) throw new UserError("Say which family: max-prefixes v4 <n> or max-prefixes v6 <n>.");
      return /4/.test(m[1] as string)
        ? { ipv4MaxPrefixes: prefixCount(m[2] as string) }
        : { ipv6MaxPrefixes: prefixCount(m[2] as string) };
    }
    case "ipv4-max-prefixes":
      return { ipv4MaxPrefixes: prefixCount(v) };
    case "ipv6-max-prefixes":
      return { ipv6MaxPrefixes: prefixCount(v) };
    case "as-set":
      return { irrAsSet: isNone(v) ? "" : v };
    case "policy":
      return { generalPolicy: isNone(v) ? "" : v };
    case "comments":
      return { comments: isNone(v) ? "" : v };
    case "email-from":
      return { emailFrom: isNone(v) ? "" : v };
    case "email-reply-to":
      return { emailReplyTo: isNone(v) ? "" : v };
    case "affiliated":
      return { affiliated: onOff("affiliated", v) };
    case "sync-name":
      return { syncName: onOff("sync-name", v) };
    case "sync-as-set":
      return { syncIrrAsSet: onOff("sync-as-set", v) };
    case "sync-max-prefixes":
      return { syncMaxPrefixes: onOff("sync-max-prefixes", v) };
    case "sync-policy":
      return { syncPolicy: onOff("sync-policy", v) };
    case "sync": {
      const on = onOff("sync", v);
      return { syncName: on, syncIrrAsSet: on, syncMaxPrefixes: on, syncPolicy: on };
    }
  }
}

/** What a field holds now, for the reply. */
function shown(field: SetField, a: Awaited<ReturnType<typeof updateAutonomousSystem>>["as"]): string {
  const onoff = (b: boolean) => (b ? "on" : "off");
  switch (field) {
    case "name":
      return singleLine(a.name, 100);
    case "max-prefixes":
    case "ipv4-max-prefixes":
    case "ipv6-max-prefixes":
      return `IPv4 ${a.ipv4MaxPrefixes} / IPv6 ${a.ipv6MaxPrefixes}`;
    case "as-set":
      return a.irrAsSet || "none";
    case "policy":
      return a.generalPolicy || "unknown";
    case "comments":
      return a.comments ? `"${clip(a.comments, 80)}"` : "none";
    case "email-from":
      return a.emailFrom || "none (PEERBOT_EMAIL_FROM)";
    case "email-reply-to":
      return a.emailReplyTo || "none (PEERBOT_EMAIL_REPLY_TO)";
    case "affiliated":
      return a.affiliated ? "yes" : "no";
    case "sync-name":
      return onoff(a.syncName);
    case "sync-as-set":
      return onoff(a.syncIrrAsSet);
    case "sync-max-prefixes":
      return onoff(a.syncMaxPrefixes);
    case "sync-policy":
      return onoff(a.syncPolicy);
    case "sync":
      return `name ${onoff(a.syncName)}, AS-SET ${onoff(a.syncIrrAsSet)}, max prefixes ${onoff(a.syncMaxPrefixes)}, policy ${onoff(a.syncPolicy)}`;
  }
}

const asSetCommand = subcommand({
  name: "as set",
  usage: setUsage,
  summary: `Change one field of a network: ${SET_FIELDS.join(", ")} (one of ours: admin).`,
  examples: [
    "as set 6939 max-prefixes v4 250000",
    "as set 6939 as-set AS-HURRICANE",
    "as set 6939 sync-max-prefixes on",
    "as set 64500 email-from Example Peering <peering@example.net>",
    "as set 64500 comments our backbone",
  ],
  role: "operator",
  words: { positional: ["asn", "field", "value"], rest: true, noise: [] },
  schema: z.object({
    asn: asnArg(),
    field: required(`Say which field to change: ${SET_FIELDS.join(", ")}.`),
    value: z.string().optional(),
  }),
  async handler(a, ctx) {
    const word = a.field.toLowerCase();
    const field = (SET_FIELDS as readonly string[]).includes(word) ? (word as SetField) : ALIASES[word];
    if (!field)
      throw new UserError(
        `A network has no field "${clip(a.field, 30)}"; the fields are ${SET_FIELDS.join(", ")}.`,
      );
    if (a.value === undefined || a.value === "")
      throw new UserError(`Say the new ${field}, e.g. as set ${a.asn} ${field} ${EXAMPLE[field]}.`);
    const patch = patchFor(field, a.value);
    if (!hasRole(ctx.role, "admin") && (await asChangeNeedsAdmin(ctx.services.db, a.asn, patch)))
      throw new PermissionError(denial("admin", "change one of our own networks or make one ours"));
    const r = await updateAutonomousSystem(ctx.services.db, chatAuthor(ctx.actor), a.asn, patch);
    ctx.objects.push(`as:${r.as.id}`);
    return {
      kind: r.changed ? "success" : "info",
      text: [
        r.changed
          ? `AS${r.as.asn}: ${field} is now ${shown(field, r.as)}.`
          : `AS${r.as.asn}'s ${field} already was ${shown(field, r.as)}.`,
        ...r.notes,
      ].join("\n"),
    };
  },
});

const EXAMPLE: Record<SetField, string> = {
  name: "Example Networks",
  "max-prefixes": "v4 1000",
  "ipv4-max-prefixes": "1000",
  "ipv6-max-prefixes": "200",
  "as-set": "AS-EXAMPLE",
  policy: "Open",
  comments: "met at RIPE 91",
  "email-from": "peering@example.net",
  "email-reply-to": "noc@example.net",
  affiliated: "yes",
  "sync-name": "on",
  "sync-as-set": "on",
  "sync-max-prefixes": "on",
  "sync-policy": "on",
  sync: "on",
};

/** `as add` and `as set`; `as <asn>` is commands/as.ts's own. */
export const asSubcommands: Record<string, Subcommand> = { add: asAdd, set: asSetCommand };
