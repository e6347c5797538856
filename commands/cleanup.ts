// `cleanup [IXP|router]`: abandoned sessions (core/cleanup.ts) with their reason, and a
// Propose button; `cleanup [IXP|router] propose` (operator) makes one change per router that
// removes them (a renumbered peer's new address in the same change), to be approved as usual.
import { z } from "zod";
import {
  abandonedSessions,
  proposeCleanup,
  type AbandonedSession,
  type CleanupScope,
} from "../core/cleanup.js";
import { PermissionError, UserError } from "../core/errors.js";
import { findRouterByName } from "../core/inventory.js";
import { findIxps } from "../core/ixp.js";
import type { Reply } from "../core/reply.js";
import { hasRole } from "../core/roles.js";
import { clip, plural } from "../core/text.js";
import { denial } from "./dispatch.js";
import { wordAndVerb } from "./args.js";
import { changesReply } from "./changes.js";
import { quoteWord } from "./grammar.js";
import { wordsOf } from "./inventory/subcommands.js";
import { defineCommand, type CommandContext } from "./registry.js";

const usage = "cleanup [IXP|router] [propose]";
const SHOWN = 30;
const day = (d: Date) => d.toISOString().slice(0, 10);

function why(f: AbandonedSession): string {
  switch (f.reason) {
    case "left":
      return `AS${f.asn} is no longer at ${f.ixpName} on this address in PeeringDB`;
    case "renumbered":
      return `renumbered in PeeringDB: ${f.newAddress} replaces it`;
    case "gone":
      return `AS${f.asn} is no longer in PeeringDB`;
    case "down":
      return `not Established since ${f.downSince ? day(f.downSince) : "it was made"}`;
  }
}

async function scopeOf(
  ctx: CommandContext,
  word: string | undefined,
): Promise<{ scope: CleanupScope; label: string; word: string }> {
  if (!word) return { scope: {}, label: "", word: "" };
  const router = await findRouterByName(ctx.services.db, word);
  if (router) {
    ctx.objects.push(`router:${router.id}`);
    return { scope: { routerId: router.id }, label: ` on ${router.name}`, word: router.name };
  }
  const hits = await findIxps(ctx.services.db, word);
  if (hits.length === 1) {
    ctx.objects.push(`ixp:${hits[0]!.id}`);
    return { scope: { ixpId: hits[0]!.id }, label: ` at ${hits[0]!.name}`, word: hits[0]!.slug };
  }
  throw new UserError(
    hits.length
      ? `"${clip(word, 40)}" names ${hits.length} IXPs: ${hits
          .slice(0, 5)
          .map((h) => h.slug)
          .join(", ")}.`
      : `No router or IXP is called "${clip(word, 40)}".`,
    `Usage: ${usage}; \`routers\` and \`ixps\` list them.`,
  );
}

export const cleanupCommand = defineCommand({
  name: "cleanup",
  summary:
    "Abandoned sessions: the peer left the IXP or renumbered (PeeringDB), vanished from PeeringDB, or has been down longer than PEERBOT_ABANDONED_AFTER; `propose` makes the changes that remove them.",
  usage,
  examples: ["cleanup", "cleanup LINX", "cleanup edge1.lon", "cleanup LINX propose"],
  role: "viewer",
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(300, "That line is too long.").optional() }),
  async handler({ line }, ctx): Promise<Reply> {
    const { word: named, verb: propose } = wordAndVerb(wordsOf(line), "cleanup", usage, "propose");
    const { scope, label, word } = await scopeOf(ctx, named);
    const now = ctx.services.clock.now();
    const found = await abandonedSessions(ctx.services.db, scope, {
      now,
      downAfterMs: ctx.services.config.PEERBOT_ABANDONED_AFTER,
    });
    if (!found.length)
      return {
        kind: "success",
        text: `No abandoned sessions${label}: every peer is still where PeeringDB says, and none has been down for long.`,
      };
    if (propose) {
      if (!hasRole(ctx.role, "operator")) throw new PermissionError(denial("operator", "propose a cleanup"));
      const summary = `cleanup${label}: remove ${plural(found.length, "abandoned session")}`;
      const r = await proposeCleanup(ctx.services, found, ctx.actor, summary);
      const lead = `${plural(r.sessions, "abandoned session")} set to decommissioning, in ${plural(r.changes.length, "change")} to approve; a rejected change puts them back.${r.unchanged.length ? ` No router diff: ${r.unchanged.join(", ")}.` : ""}`;
      return changesReply(r.changes, ctx, lead);
    }
    const shown = found.slice(0, SHOWN);
    return {
      kind: "info",
      title: `Abandoned sessions${label}`,
      text: `${plural(found.length, "session")}${found.length > SHOWN ? `; the first ${SHOWN} shown` : ""}. Nothing is removed until a change is approved.`,
      table: {
        columns: ["AS", "name", "IXP", "address", "router", "status", "why"],
        rows: shown.map((f) => [
          `AS${f.asn}`,
          f.asName,
          f.ixpName,
          f.address,
          f.routerName || "-",
          f.status,
          why(f),
        ]),
      },
      buttons: [
        {
          label: `Propose removing ${plural(found.length, "session")}`,
          actionId: `cmd:cleanup ${word ? `${quoteWord(word)} ` : ""}propose`,
          style: "danger",
        },
      ],
    };
  },
});
