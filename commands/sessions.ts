import { z } from "zod";
import { listRouters } from "../core/inventory.js";
import type { Button } from "../core/reply.js";
import { listSessions, type SessionFilter } from "../core/sessions.js";
import { pageArg, statusArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { defineCommand } from "./registry.js";
import { resolveSessionScope } from "./scope.js";
import { plural } from "../core/text.js";

const usage = "sessions [AS|IXP|router] [status:<status>] [page:<n>]";

export const sessionsCommand = defineCommand({
  name: "sessions",
  aliases: ["session-list", "bgp"],
  summary: "List BGP sessions, for an AS, an IXP or a router, optionally by status.",
  usage,
  examples: ["sessions", "sessions linx", "sessions AS15169", "sessions edge1.lon status:enabled"],
  role: "viewer",
  args: { positional: ["target"], rest: true, options: ["status", "page"] },
  schema: z.object({
    target: z.string().max(100, "That name is too long for an AS, an IXP or a router.").optional(),
    status: statusArg,
    page: pageArg,
  }),
  async handler({ target, status, page }, ctx) {
    const { db } = ctx.services;
    const rerun = (slug: string) =>
      ["sessions", quoteWord(slug), status ? `status:${status}` : ""].filter(Boolean).join(" ");
    const where = await resolveSessionScope(db, target, ctx, rerun, usage);
    const filter: SessionFilter = { status, asn: where.asn, routerId: where.routerId, ixpId: where.ixpId };
    const scope = where.label;
    const res = await listSessions(db, filter, page);
    if (res.total === 0) {
      return { kind: "info", text: `No ${status ? `${status} ` : ""}sessions for ${scope}.` };
    }
    const base = ["sessions", target ? quoteWord(target) : "", status ? `status:${status}` : ""]
      .filter(Boolean)
      .join(" ");
    const buttons: Button[] = [];
    const prev = res.page > 1 ? `cmd:${base} page:${res.page - 1}` : undefined;
    const next = res.page < res.pages ? `cmd:${base} page:${res.page + 1}` : undefined;
    return {
      title: `Sessions: ${scope}${status ? ` (${status})` : ""}`,
      text: `${plural(res.total, "session")}${res.pages > 1 ? `, page ${res.page} of ${res.pages}` : ""}.`,
      table: {
        columns: ["AS", "name", "where", "router", "address", "status", "BGP", "prefixes"],
        rows: res.rows.map((r) => [
          `AS${r.asn}`,
          r.asName,
          r.where + (r.isRouteServer ? " (RS)" : ""),
          r.router,
          r.ipAddress,
          r.status,
          r.bgpState ?? "",
          r.receivedPrefixCount === null ? "" : String(r.receivedPrefixCount),
        ]),
        alignRight: [7],
      },
      buttons,
      pagination: res.pages > 1 ? { page: res.page, pages: res.pages, prev, next } : undefined,
    };
  },
});

export const routersCommand = defineCommand({
  name: "routers",
  summary: "List our routers: platform, local AS, status and how many sessions each carries.",
  usage: "routers",
  examples: ["routers"],
  role: "viewer",
  args: {},
  schema: z.object({}),
  async handler(_args, ctx) {
    const { db } = ctx.services;
    const routers = await listRouters(db);
    if (!routers.length) return { kind: "info", text: "peerbot knows no router yet." };
    return {
      title: `${plural(routers.length, "router")}`,
      table: {
        columns: ["name", "hostname", "platform", "local AS", "status", "connections", "sessions", "polled"],
        rows: routers.map((r) => [
          r.name,
          r.hostname,
          r.platform,
          `AS${r.localAsn}`,
          r.status,
          String(r.connections),
          String(r.sessions),
          r.pollSessionState ? "yes" : "no",
        ]),
        alignRight: [5, 6],
      },
    };
  },
});
