// `contact add|remove`: whom to write at a network (ours or a peer's), with Peering Manager's
// roles (operator). `as <asn>` lists them.
import { z } from "zod";
import { chatAuthor } from "../../core/history.js";
import { addContact, CONTACT_ROLES, removeContact } from "../../core/objects/index.js";
import { plural, singleLine } from "../../core/text.js";
import { asnArg } from "../args.js";
import { defineCommand } from "../registry.js";
import { runSubcommand, shortUsage, subcommand, wordsOf, type Subcommand } from "./subcommands.js";
import { required } from "./values.js";

const addUsage = "contact add <AS> <e-mail> [name <text>] [role <role>] [phone <number>]";
const removeUsage = "contact remove <AS> <e-mail> [role <role>]";

const contactAdd = subcommand({
  name: "contact add",
  usage: addUsage,
  summary: `Add a contact to a network (operator); roles: ${CONTACT_ROLES.join(", ")} (default technical).`,
  examples: [
    "contact add AS6939 peering@he.net name Peering Team role policy",
    "contact add 64500 noc@example.net role noc phone +44 20 7946 0000",
  ],
  role: "operator",
  words: { positional: ["asn", "email"], keywords: ["role"], text: ["name", "phone"] },
  schema: z.object({
    asn: asnArg(),
    email: required("Say the contact's e-mail address, e.g. contact add AS6939 noc@he.net."),
    name: z.string().optional(),
    role: z.string().optional(),
    phone: z.string().optional(),
  }),
  async handler(a, ctx) {
    const c = await addContact(ctx.services.db, chatAuthor(ctx.actor), {
      asn: a.asn,
      email: a.email,
      ...(a.name !== undefined ? { name: a.name } : {}),
      ...(a.role !== undefined ? { role: a.role } : {}),
      ...(a.phone !== undefined ? { phone: a.phone } : {}),
    });
    ctx.objects.push(`contact:${c.id}`);
    return {
      kind: "success",
      text: `${c.name ? `${singleLine(c.name, 100)} <${c.email}>` : c.email} is now AS${a.asn}'s ${c.role} contact.`,
      buttons: [{ label: `Show AS${a.asn}`, actionId: `cmd:as ${a.asn}` }],
    };
  },
});

const contactRemove = subcommand({
  name: "contact remove",
  usage: removeUsage,
  summary: "Remove a network's contact (in every role, or only in the one given) (operator).",
  examples: ["contact remove AS6939 peering@he.net", "contact remove 64500 noc@example.net role noc"],
  role: "operator",
  words: { positional: ["asn", "email"], keywords: ["role"] },
  schema: z.object({
    asn: asnArg(),
    email: required("Say the contact's e-mail address, e.g. contact remove AS6939 noc@he.net."),
    role: z.string().optional(),
  }),
  async handler(a, ctx) {
    const rows = await removeContact(ctx.services.db, chatAuthor(ctx.actor), {
      asn: a.asn,
      email: a.email,
      ...(a.role !== undefined ? { role: a.role } : {}),
    });
    for (const r of rows) ctx.objects.push(`contact:${r.id}`);
    return {
      kind: "success",
      text: `${rows[0]?.email} is no longer AS${a.asn}'s contact (${rows.map((r) => r.role).join(", ")}); ${plural(rows.length, "contact")} removed.`,
    };
  },
});

export const contactSubcommands: Record<string, Subcommand> = { add: contactAdd, remove: contactRemove };

export const contactCommand = defineCommand({
  name: "contact",
  aliases: ["contacts"],
  summary: "Add or remove a network's contacts (operator); `as <asn>` lists them.",
  usage: shortUsage("contact", contactSubcommands, "<AS> <e-mail> …"),
  examples: Object.values(contactSubcommands).flatMap((s) => s.examples),
  role: "viewer",
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(2000, "That line is too long.").optional() }),
  async handler({ line }, ctx) {
    return runSubcommand("contact", contactSubcommands, wordsOf(line), ctx);
  },
});
