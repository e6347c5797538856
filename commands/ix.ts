import { z } from "zod";
import { clip, singleLine, utc } from "../core/text.js";
import type { Button, Field } from "../core/reply.js";
import { IXAPI_ID } from "../core/ixapi/endpoints.js";
import { ixpIxApi } from "../core/ixapi/ixp.js";
import { hasRole } from "../core/roles.js";
import { ixpDetail, listIxps } from "../core/inventory.js";
import { lookupIx } from "../core/peeringdb/index.js";
import { countByStatus } from "../core/sessions.js";
import { ixpArg, resolveIxpArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { importActionId } from "./ixapi.js";
import { defineCommand, type CommandContext } from "./registry.js";

const usage = "ix <name|slug|PeeringDB id>";

export const ixCommand = defineCommand({
  name: "ix",
  aliases: ["ixp"],
  summary:
    "Show an IXP: its PeeringDB ids, prefixes, our connections and sessions there, and what its IX-API says.",
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
    const ixapi = await ixApiPart(ixp.id, ctx);
    fields.push(...ixapi.fields);
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
        ...ixapi.buttons,
      ],
    };
  },
});

/** How long ago, roughly: "5 min", "3 h", "2 days". */
function age(ms: number): string {
  const m = Math.round(Math.max(0, ms) / 60_000);
  if (m < 1) return "less than a minute";
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`;
}

/** At most this many configs are listed (the rest are counted); an exchange gives us a few. */
const MAX_CONFIGS = 20;
/** Import buttons at most (one per config we lack). */
const MAX_IMPORTS = 5;

/**
 * The IX-API part of `ix`: the endpoint's last pass (when, how old, its last error), the
 * exchange-LAN service, our configs with every discrepancy (⚠ lines), the connections the IXP
 * does not have, the route servers; and for an admin an Import button per config we lack.
 * Everything from the IX-API comes through core/ixapi/view.ts on one line and clipped.
 */
async function ixApiPart(
  ixpId: number,
  ctx: CommandContext,
): Promise<{ fields: Field[]; buttons: Button[] }> {
  const part = await ixpIxApi(ctx.services.db, ixpId);
  if (!part) return { fields: [], buttons: [] };
  const name = singleLine(part.endpoint.name, 60);
  const snap = part.snapshot;
  const now = ctx.services.clock.now().getTime();
  const lines = [
    snap?.fetchedAt
      ? `${name}: fetched ${utc(snap.fetchedAt)} (${age(now - snap.fetchedAt.getTime())} ago), ${snap.requests} requests.`
      : `${name}: not fetched yet; \`ixapi refresh ${name}\` fetches it.`,
  ];
  if (snap?.error)
    lines.push(
      `⚠ The last refresh failed${snap.errorAt ? ` at ${utc(snap.errorAt)}` : ""}: ${singleLine(snap.error, 300)}${snap.pass ? " The snapshot shown is the last good one." : ""}`,
    );
  const view = part.view;
  if (!view) return { fields: [{ label: "IX-API", value: lines.join("\n") }], buttons: [] };
  if (!view.service) {
    lines.push(view.note);
    return { fields: [{ label: "IX-API", value: lines.join("\n") }], buttons: [] };
  }
  const how = { "service-id": "as linked", peeringdb: "by PeeringDB ix id", subnet: "by subnet" }[
    view.service.matchedBy
  ];
  lines.push(
    `Exchange LAN: ${view.service.name || view.service.id} (${view.service.id}), found ${how}; ${view.issueCount ? `⚠ ${view.issueCount} discrepanc${view.issueCount === 1 ? "y" : "ies"}` : "no discrepancy"}.`,
  );
  const fields: Field[] = [{ label: "IX-API", value: lines.join("\n") }];
  const configLines: string[] = [];
  for (const c of view.configs.slice(0, MAX_CONFIGS)) {
    const addrs = [...c.ipv4, ...c.ipv6].map((i) =>
      i.prefixLength === null ? i.address : `${i.address}/${i.prefixLength}`,
    );
    const ours = c.connection
      ? `connection #${c.connection.id}${c.matchedBy === "config-id" ? "" : ` (by ${c.matchedBy === "ipv4" ? "IPv4" : "IPv6"})`}`
      : "no connection of ours";
    configLines.push(
      [
        c.id,
        c.state || "?",
        c.vlan.text,
        c.capacity ? formatSpeed(c.capacity) : "",
        addrs.join(", ") || "no IPs",
        c.macs.join(", ") || "no MAC",
        `→ ${ours}`,
      ]
        .filter(Boolean)
        .join(" · "),
      ...c.issues.map((i) => `  ⚠ ${i.text}`),
    );
  }
  if (view.configs.length > MAX_CONFIGS)
    configLines.push(`… and ${view.configs.length - MAX_CONFIGS} more configs.`);
  for (const m of view.missing) configLines.push(`⚠ ${m.issue.text}`);
  fields.push({
    label: `IX-API configs (${view.configs.length})`,
    value: configLines.join("\n") || "The IX-API lists no config of ours on this exchange LAN.",
  });
  if (view.routeServers.length)
    fields.push({
      label: `Route servers (${view.routeServers.length})`,
      value: view.routeServers
        .map((r) =>
          [
            `${r.asn ? `AS${r.asn} ` : ""}${r.fqdn || r.name || r.id}`,
            [r.ipv4, r.ipv6].filter(Boolean).join(", ") || "no address",
            r.addressFamilies.join("/") || "",
            r.sessionMode ? `${r.sessionMode} sessions` : "",
          ]
            .filter(Boolean)
            .join(" · "),
        )
        .join("\n"),
    });
  const buttons: Button[] = hasRole(ctx.role, "admin")
    ? view.configs
        .filter((c) => !c.connection && IXAPI_ID.test(c.id))
        .slice(0, MAX_IMPORTS)
        .map((c) => ({
          label: `Import connection ${clip(c.id, 30)}`,
          actionId: importActionId(ixpId, c.id),
          style: "primary" as const,
        }))
    : [];
  return { fields, buttons };
}

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
