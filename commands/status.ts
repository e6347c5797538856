import { z } from "zod";
import { bgpStateName, formatTime, prefixCounts, sessionStatus, type StatusFilter } from "../core/polling.js";
import { pageArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { defineCommand } from "./registry.js";
import { resolveSessionScope } from "./scope.js";
import { plural } from "../core/text.js";

const usage = "status [router|IXP|AS] [page:<n>]";

export const statusCommand = defineCommand({
  name: "status",
  summary: "BGP state of sessions as last polled: state, prefixes, last established, when polled.",
  usage,
  examples: ["status edge1.lon", "status LINX", "status AS6939"],
  role: "viewer",
  args: { positional: ["target"], rest: true, options: ["page"] },
  schema: z.object({
    target: z.string().max(100, "That name is too long for an AS, an IXP or a router.").optional(),
    page: pageArg,
  }),
  async handler({ target, page }, ctx) {
    const { db } = ctx.services;
    const where = await resolveSessionScope(db, target, ctx, (slug) => `status ${quoteWord(slug)}`, usage);
    const filter: StatusFilter = { asn: where.asn, routerId: where.routerId, ixpId: where.ixpId };
    const notPolled = where.router && !where.router.pollSessionState;
    const scope = `${where.label}${notPolled ? " (not polled: poll session state is off)" : ""}`;
    const res = await sessionStatus(db, filter, page);
    if (res.total === 0) return { kind: "info", text: `No sessions for ${scope}.` };
    const base = ["status", target ? quoteWord(target) : ""].filter(Boolean).join(" ");
    const prev = res.page > 1 ? `cmd:${base} page:${res.page - 1}` : undefined;
    const next = res.page < res.pages ? `cmd:${base} page:${res.page + 1}` : undefined;
    const summary = [
      `${plural(res.total, "session")}: ${res.established} established`,
      res.down ? `${res.down} not established` : "",
      res.notPolled ? `${res.notPolled} not polled yet` : "",
      res.alerted ? `${res.alerted} alerted` : "",
    ]
      .filter(Boolean)
      .join(", ");
    const anyDown = res.rows.some(
      (r) => r.polledAt && r.bgpState !== "established" && r.status === "enabled",
    );
    return {
      kind: anyDown ? "warning" : "info",
      title: `BGP status: ${scope}`,
      text: `${summary}.${res.pages > 1 ? ` Page ${res.page} of ${res.pages}.` : ""}`,
      table: {
        columns: [
          "AS",
          "where",
          "router",
          "address",
          "status",
          "BGP",
          "rcv/acc/adv",
          "last established",
          "polled",
        ],
        rows: res.rows.map((r) => [
          `AS${r.asn}`,
          r.where,
          r.router,
          r.ip,
          r.status,
          r.polledAt ? (r.bgpState ? bgpStateName(r.bgpState) : "not on router") : "",
          prefixCounts(r),
          formatTime(r.lastEstablishedAt),
          formatTime(r.polledAt),
        ]),
        alignRight: [6],
      },
      context: res.lastPolledAt ? `last polled ${formatTime(res.lastPolledAt)}` : "not polled yet",
      pagination: res.pages > 1 ? { page: res.page, pages: res.pages, prev, next } : undefined,
    };
  },
});
