import { z } from "zod";
import { UserError } from "../core/errors.js";
import type { Field } from "../core/reply.js";
import { countByStatus } from "../core/sessions.js";
import { asnArg } from "./args.js";
import { defineCommand } from "./registry.js";

const usage = "as <asn>";

export const asCommand = defineCommand({
  name: "as",
  aliases: ["asn", "network"],
  summary: "Show an autonomous system: policy, prefixes, AS-SET, contacts and our sessions with it.",
  usage,
  examples: ["as 64500", "as AS6939"],
  role: "viewer",
  args: { positional: ["asn"] },
  schema: z.object({ asn: asnArg() }),
  async handler({ asn }, ctx) {
    const { db } = ctx.services;
    const as = await db.prisma.autonomousSystem.findUnique({
      where: { asn: BigInt(asn) },
      include: {
        contacts: { orderBy: [{ role: "asc" }, { name: "asc" }] },
        ixpSessions: {
          select: {
            status: true,
            ipAddress: true,
            bgpState: true,
            connection: { select: { ixp: { select: { name: true } } } },
          },
        },
        directSessions: { select: { status: true } },
      },
    });
    if (!as) {
      throw new UserError(
        `AS${asn} is not in peerbot's database.`,
        `Try \`peers <IXP>\` to find networks at an exchange, or \`help as\`.`,
      );
    }
    ctx.objects.push(`as:${as.id}`);
    const ixps = [...new Set(as.ixpSessions.map((s) => s.connection.ixp.name))].sort();
    const fields: Field[] = [
      { label: "ASN", value: `AS${as.asn}`, inline: true },
      { label: "Policy", value: as.generalPolicy || "unknown", inline: true },
      { label: "IRR AS-SET", value: as.irrAsSet || "none", inline: true },
      {
        label: "Max prefixes",
        value: `IPv4 ${as.ipv4MaxPrefixes} / IPv6 ${as.ipv6MaxPrefixes}`,
        inline: true,
      },
      { label: "Ours", value: as.affiliated ? "yes (affiliated)" : "no", inline: true },
      { label: "IXP sessions", value: countByStatus(as.ixpSessions), inline: true },
      { label: "Direct sessions", value: countByStatus(as.directSessions), inline: true },
      { label: "IXPs with sessions", value: ixps.join(", ") || "none" },
    ];
    if (as.contacts.length) {
      fields.push({
        label: "Contacts",
        value: as.contacts.map((c) => `${c.role}: ${c.name}${c.email ? ` <${c.email}>` : ""}`).join("\n"),
      });
    }
    if (as.comments) fields.push({ label: "Comments", value: as.comments });
    return {
      title: `AS${as.asn} ${as.name}`,
      fields,
      context: as.peeringdbNetId ? `PeeringDB net ${as.peeringdbNetId}` : "not linked to PeeringDB",
    };
  },
});
