// `router show <name>`: every field of a router, its connections with their ids, its open
// changes; a credential only as whether and where one is stored, never its value.
import path from "node:path";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { credentialLines, routerDetail } from "../../core/objects/index.js";
import type { Button, Field, Reply } from "../../core/reply.js";
import { clip, singleLine, utc } from "../../core/text.js";
import { quoteWord } from "../grammar.js";
import { formatSpeed } from "../ix.js";
import type { CommandContext } from "../registry.js";
import { subcommand } from "./subcommands.js";
import { required } from "./values.js";

/** `router show <name>` (or `router <name>`); null when there is no such router. */
export async function showRouter(
  name: string,
  ctx: CommandContext,
  opts: { canTest: boolean },
): Promise<Reply | null> {
  const d = await routerDetail(ctx.services.db, name);
  if (!d) return null;
  const r = d.router;
  ctx.objects.push(`router:${r.id}`);
  const ixpSessions = r.connections.reduce((n, c) => n + c._count.ixpSessions, 0);
  const fields: Field[] = [
    { label: "Host", value: `${r.hostname}:${r.port}`, inline: true },
    {
      label: "Platform",
      value: `${r.platform} (template ${r.template || `${r.platform}, built in`})`,
      inline: true,
    },
    { label: "Local AS", value: `AS${r.localAs.asn} ${singleLine(r.localAs.name, 60)}`, inline: true },
    { label: "Status", value: r.status, inline: true },
    { label: "Polling", value: r.pollSessionState ? "on" : "off", inline: true },
    { label: "Four-eyes", value: r.fourEyes ? "on" : "off", inline: true },
    { label: "Login", value: r.username || "none", inline: true },
    { label: "Credential", value: credentialLines(r).join("\n"), inline: true },
    {
      label: "Host key",
      value: r.hostKeyFingerprint ? `pinned ${r.hostKeyFingerprint}` : "not pinned",
      inline: true,
    },
    { label: "BGP router id", value: r.bgpRouterId || "none (left to the router)", inline: true },
  ];
  if (r.configPath || r.platform === "file" || r.platform === "bird2" || r.platform === "frr") {
    fields.push({
      label: "Config path",
      value:
        r.configPath ||
        (r.platform === "file"
          ? `${path.join("configs", `${r.name}.conf`)} (in the data folder)`
          : "the driver's default"),
      inline: true,
    });
  }
  fields.push({
    label: "Sessions",
    value: `${ixpSessions} at IXPs, ${r._count.directSessions} direct`,
    inline: true,
  });
  fields.push({
    label: "Open changes",
    value: d.openChanges.length
      ? d.openChanges.map((c) => `#${c.id} ${c.status}: ${clip(c.summary, 60)}`).join("\n")
      : "none",
  });
  if (d.lastDeployed?.deployedAt)
    fields.push({
      label: "Last deploy",
      value: `#${d.lastDeployed.id}, ${utc(d.lastDeployed.deployedAt)}`,
      inline: true,
    });
  if (r.comments) fields.push({ label: "Comments", value: singleLine(r.comments, 300) });
  const buttons: Button[] = [
    { label: "Sessions", actionId: `cmd:sessions ${quoteWord(r.name)}` },
    { label: "Diff", actionId: `cmd:diff ${quoteWord(r.name)}` },
    { label: "History", actionId: `cmd:history router ${quoteWord(r.name)}` },
  ];
  if (opts.canTest) buttons.push({ label: "Test", actionId: `cmd:router test ${quoteWord(r.name)}` });
  return {
    title: `Router ${r.name}`,
    fields,
    table: r.connections.length
      ? {
          columns: ["connection", "IXP", "IPv4", "IPv6", "speed", "status", "sessions"],
          rows: r.connections.map((c) => [
            `#${c.id}`,
            singleLine(c.ixp.name, 60),
            c.ipv4Address ?? "",
            c.ipv6Address ?? "",
            c.speed ? formatSpeed(c.speed) : "",
            c.status,
            String(c._count.ixpSessions),
          ]),
          alignRight: [6],
        }
      : undefined,
    text: r.connections.length ? undefined : `${r.name} has no connection to an IXP yet.`,
    buttons,
    context: `router ${r.id} · added ${utc(r.createdAt)} · changed ${utc(r.updatedAt)}`,
  };
}

export const routerShow = subcommand({
  name: "router show",
  usage: "router show <name>",
  summary: "Every field of a router; credentials only as whether and where one is stored.",
  examples: ["router show edge1.lon"],
  role: "viewer",
  words: { positional: ["name"] },
  schema: z.object({ name: required("Say which router, e.g. router show edge1.lon.") }),
  async handler({ name }, ctx) {
    const shown = await showRouter(name, ctx, { canTest: true });
    if (shown) return shown;
    throw new UserError(`There is no router called "${clip(name, 60)}".`, "`routers` lists them.");
  },
});
