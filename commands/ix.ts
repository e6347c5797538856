import { z } from "zod";
import { singleLine } from "../core/text.js";
import type { Field } from "../core/reply.js";
import { ixpDetail, listIxps } from "../core/inventory.js";
import { lookupIx } from "../core/peeringdb/index.js";
import { countByStatus } from "../core/sessions.js";
import { ixpArg, resolveIxpArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { defineCommand } from "./registry.js";

const usage = "ix <name|slug|PeeringDB id>";

export const ixCommand = defineCommand({
  name: "ix",
  aliases: ["ixp"],
  summary: "Show an IXP: its PeeringDB ids, prefixes, our connections and sessions there.",
  usage,
  examples: ["ix linx", 'ix "DE-CIX Frankfurt"', "ix 26"],
  role: "viewer",
  args: { positional: ["ixp"], rest: true },
  schema: z.object({ ixp: ixpArg }),
  async handler({ ixp: query }, ctx) {
    const { db } = ctx.services;
    const ref = await resolveIxpArg(db, query, (slug) => `ix ${quoteWord(slug)}`, usage);
    ctx.objects.push(`ixp:${ref.id}`);
    const ixp = await ixpDetail(db, ref.id);
    const sessions = ixp.connections.flatMap((c) => c.ixpSessions);
    const pdb = ixp.peeringdbIxId ? (await lookupIx(db, ixp.peeringdbIxId))[0] : undefined;
    const fields: Field[] = [
      { label: "Slug", value: ixp.slug, inline: true },
      { label: "Status", value: ixp.status, inline: true },
      { label: "Local AS", value: `AS${ixp.localAs.asn} ${singleLine(ixp.localAs.name, 100)}`, inline: true },
      {
        label: "PeeringDB",
        value: ixp.peeringdbIxId
          ? `ix ${ixp.peeringdbIxId}, ixlan ${ixp.peeringdbIxlanId ?? "?"}`
          : "not linked",
        inline: true,
      },
      { label: "Prefixes", value: ixp.prefixes.join(", ") || "none", inline: true },
      { label: "Sessions", value: countByStatus(sessions), inline: true },
    ];
    if (pdb) {
      fields.push(
        {
          label: "Members (PeeringDB)",
          value: `${pdb.networks} networks, ${pdb.ports} ports, ${pdb.rsPeers} at the route servers`,
          inline: true,
        },
        { label: "Where", value: [pdb.city, pdb.country].filter(Boolean).join(", ") || "?", inline: true },
      );
      if (pdb.website) fields.push({ label: "Website", value: pdb.website, inline: true });
    }
    // The IXP's name and its connections' may come from PeeringDB (`import ixps`): on one line.
    return {
      title: singleLine(ixp.name, 100),
      fields,
      table: {
        columns: ["connection", "router", "IPv4", "IPv6", "speed", "status", "sessions"],
        rows: ixp.connections.map((c) => [
          singleLine(c.name, 60) || `#${c.id}`,
          c.router?.name ?? "",
          c.ipv4Address ?? "",
          c.ipv6Address ?? "",
          c.speed ? formatSpeed(c.speed) : "",
          c.status,
          String(c.ixpSessions.length),
        ]),
        alignRight: [6],
      },
      buttons: [
        { label: "Sessions", actionId: `cmd:sessions ${quoteWord(ixp.slug)}` },
        { label: "Available peers", actionId: `cmd:peers ${quoteWord(ixp.slug)}` },
      ],
    };
  },
});

export const ixpsCommand = defineCommand({
  name: "ixps",
  summary: "List the IXPs peerbot knows and our connections to them.",
  usage: "ixps",
  examples: ["ixps"],
  role: "viewer",
  args: {},
  schema: z.object({}),
  async handler(_args, ctx) {
    const list = await listIxps(ctx.services.db);
    if (!list.length)
      return { kind: "info", text: "peerbot knows no IXP yet. An admin can run `import ixps`." };
    return {
      title: `${list.length} IXPs`,
      table: {
        columns: ["name", "slug", "PeeringDB ix", "status", "connections"],
        rows: list.map((x) => [
          singleLine(x.name, 60),
          x.slug,
          x.peeringdbIxId ? String(x.peeringdbIxId) : "",
          x.status,
          String(x._count.connections),
        ]),
        alignRight: [2, 4],
      },
    };
  },
});

export function formatSpeed(mbps: number): string {
  if (mbps >= 1_000_000 && mbps % 1_000_000 === 0) return `${mbps / 1_000_000}T`;
  if (mbps >= 1000) return `${Number((mbps / 1000).toFixed(1))}G`;
  return `${mbps}M`;
}
