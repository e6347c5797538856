import { z } from "zod";
import { specialAsn } from "../core/asn.js";
import { clip, singleLine } from "../core/text.js";
import { UserError } from "../core/errors.js";
import { localAsDetail } from "../core/inventory.js";
import { asEmailFields } from "../core/email/tracking.js";
import { lookupNet } from "../core/peeringdb/index.js";
import { irrLists } from "../core/irr/cache.js";
import { missingSessions } from "../core/peeringdb/missing.js";
import type { Button, Field, Reply } from "../core/reply.js";
import { asnArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { defineCommand, type CommandContext } from "./registry.js";
import { asSubcommands } from "./inventory/our-as.js";
import { wordsOf } from "./inventory/subcommands.js";
import { plural } from "../core/text.js";

const usage = "as <asn> | as add <asn> [affiliated] | as set <asn> <field> <value>";

export const asCommand = defineCommand({
  name: "as",
  aliases: ["asn", "network"],
  summary:
    "Show an autonomous system: policy, prefixes, AS-SET, contacts, the IXPs we share and our sessions with it; `as add` / `as set` add and change one.",
  usage,
  examples: ["as 64500", "as AS6939", ...Object.values(asSubcommands).flatMap((s) => s.examples)],
  role: "viewer",
  // `as <asn>`, or `as add …` / `as set …` (commands/inventory/our-as.ts).
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(2000, "That line is too long.").optional() }),
  async handler({ line }, ctx) {
    const words = wordsOf(line);
    const first = (words[0] ?? "").toLowerCase();
    const sub = Object.hasOwn(asSubcommands, first) ? asSubcommands[first] : undefined;
    if (sub) return sub.run(words.slice(1), ctx);
    if (words.length > 1)
      throw new UserError(
        `I did not understand "${clip(words.slice(1).join(" "))}" in that \`as\` command.`,
        `Usage: ${usage}`,
      );
    const parsed = asnArg().safeParse(words[0]);
    if (!parsed.success)
      throw new UserError(
        parsed.error.issues[0]?.message ?? "Give an AS number, e.g. AS6939.",
        `Usage: ${usage}`,
      );
    return showAs(parsed.data, ctx);
  },
});

/** `as <asn>`: the network as we know it and as PeeringDB does. */
async function showAs(asn: number, ctx: CommandContext): Promise<Reply> {
  const { db } = ctx.services;
  const [local, net] = await Promise.all([localAsDetail(db, asn), lookupNet(db, asn)]);
  const irr = local ? await irrLists(db, `as:${local.id}`, 0) : [];
  if (!local && !net) {
    throw new UserError(
      `AS${asn} is neither in peerbot's database nor in the PeeringDB mirror.`,
      "Check the number, or run `sync` to refresh the mirror.",
    );
  }
  if (local) ctx.objects.push(`as:${local.id}`);
  // Names and the like may come from PeeringDB (directly, or synced into our database): on
  // one line, so that no text of theirs adds a line to the reply.
  const name = singleLine(local?.name ?? net?.name, 100);
  const fields: Field[] = [
    {
      label: "Policy",
      value: singleLine(local?.generalPolicy || net?.policyGeneral, 40) || "unknown",
      inline: true,
    },
    {
      label: "IRR AS-SET",
      value: singleLine(local?.irrAsSet || net?.irrAsSet, 200) || "none",
      inline: true,
    },
    {
      label: "Max prefixes",
      value: local
        ? `IPv4 ${local.ipv4MaxPrefixes} / IPv6 ${local.ipv6MaxPrefixes}`
        : `IPv4 ${net?.infoPrefixes4 ?? "?"} / IPv6 ${net?.infoPrefixes6 ?? "?"}`,
      inline: true,
    },
  ];
  // Sessions we could add with them (`missing AS<n>`).
  if (local && !local.affiliated) {
    const gaps = await missingSessions(db, { asn, now: ctx.services.clock.now() });
    if (gaps.length)
      fields.push({
        label: "Missing sessions",
        value: `${gaps.length} (${gaps.map((g) => (g.kind === "ixp" ? g.ixpName : `${g.ixpName} IPv${g.families.join("/")}`)).join(", ")}): \`missing AS${asn}\``,
        inline: true,
      });
  }
  // Beside PeeringDB's max-prefix figures, what the peer's IRR objects hold (`irr AS<n>`).
  if (irr.some((l) => l.fetchedAt)) {
    const of = (f: 4 | 6) => {
      const l = irr.find((x) => x.family === f);
      return l?.fetchedAt ? `${l.count}${l.stale ? " (stale)" : l.overCap ? " (over the cap)" : ""}` : "?";
    };
    fields.push({ label: "IRR prefixes", value: `IPv4 ${of(4)} / IPv6 ${of(6)}`, inline: true });
  }
  if (local?.affiliated) fields.push({ label: "Ours", value: "yes (affiliated)", inline: true });
  if (net) {
    if (net.networkTypes.length)
      fields.push({ label: "Type", value: net.networkTypes.join(", "), inline: true });
    if (net.website) fields.push({ label: "Website", value: net.website, inline: true });
    if (net.policyUrl) fields.push({ label: "Peering policy", value: net.policyUrl, inline: true });
    const contacts = Object.entries(net.contacts).flatMap(([role, list]) =>
      list.map(
        (c) =>
          `${role}: ${c.name || "(no name)"}${c.email ? ` <${c.email}>` : ""}${c.phone ? ` ${c.phone}` : ""}`,
      ),
    );
    if (contacts.length) fields.push({ label: "Contacts (PeeringDB)", value: contacts.join("\n") });
    fields.push({
      label: "IXPs we share",
      value: net.sharedIxps.map((x) => x.name).join(", ") || "none",
    });
  }
  if (local?.contacts.length) {
    fields.push({
      label: "Contacts",
      value: local.contacts
        .map(
          (c) =>
            `${c.role}: ${c.name || "(no name)"}${c.email ? ` <${c.email}>` : ""}${c.phone ? ` ${c.phone}` : ""}`,
        )
        .join("\n"),
    });
  }
  if (local?.comments) fields.push({ label: "Comments", value: local.comments });
  fields.push(...(await asEmailFields(db, asn, ctx.services.clock.now()))); // request state, last e-mails

  const sessions = [
    ...(local?.ixpSessions ?? []).map((s) => [
      singleLine(s.connection.ixp.name, 60),
      s.ipAddress,
      s.status,
      s.bgpState ?? "",
      s.receivedPrefixCount === null ? "" : String(s.receivedPrefixCount),
    ]),
    ...(local?.directSessions ?? []).map((s) => [
      `direct (${s.relationship.replace(/_/g, " ")})`,
      s.ipAddress,
      s.status,
      s.bgpState ?? "",
      "",
    ]),
  ];
  // A Peer button for each shared IXP where we have no session with them yet; none for our
  // own networks or an ASN `peer` refuses at an IXP (AS_TRANS, private, reserved).
  const peeredAt = new Set((local?.ixpSessions ?? []).map((s) => singleLine(s.connection.ixp.name, 100)));
  const buttons: Button[] =
    local?.affiliated || specialAsn(asn)?.peerable === false
      ? []
      : (net?.sharedIxps ?? [])
          .filter((x) => !peeredAt.has(x.name))
          .slice(0, 5)
          .map((x) => ({
            label: `Peer at ${x.name}`,
            actionId: `cmd:peer AS${asn} at ${quoteWord(x.slug)}`,
            style: "primary",
          }));
  return {
    title: `AS${asn} ${name}`,
    text: sessions.length
      ? `${plural(sessions.length, "session")} with us.`
      : local?.affiliated
        ? "One of our own networks."
        : "No session with us yet.",
    fields,
    table: sessions.length
      ? { columns: ["where", "address", "status", "BGP", "prefixes"], rows: sessions, alignRight: [4] }
      : undefined,
    buttons,
    context: net
      ? `PeeringDB net ${net.netId}, updated ${net.updated.toISOString().slice(0, 10)}${local ? "" : " · not in peerbot's database yet"}`
      : "not in the PeeringDB mirror",
  };
}
