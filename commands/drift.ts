// `drift [AS]`: peers whose PeeringDB max-prefix figure or IRR list has outgrown the limit we
// configure (core/drift.ts); `drift [AS] propose` (operator) raises the limits and plans the
// router changes, for approval as usual. Limits set by hand (max-prefix sync off) are listed,
// never changed.
import { z } from "zod";
import { parseAsn } from "../core/asn.js";
import { maxPrefixDrift, proposeDrift, type DriftRow } from "../core/drift.js";
import { PermissionError, UserError } from "../core/errors.js";
import type { Reply } from "../core/reply.js";
import { hasRole } from "../core/roles.js";
import { clip, plural } from "../core/text.js";
import { wordAndVerb } from "./args.js";
import { changesReply } from "./changes.js";
import { denial } from "./dispatch.js";
import { wordsOf } from "./inventory/subcommands.js";
import { defineCommand } from "./registry.js";

const usage = "drift [AS] [propose]";
const fmt = (n: number | null) => (n === null ? "-" : n.toLocaleString("en-US"));

export const driftCommand = defineCommand({
  name: "drift",
  summary:
    "Peers whose PeeringDB max-prefix or IRR prefix count has outgrown our limit by more than PEERBOT_DRIFT_MARGIN; `propose` raises the limits and plans the router changes.",
  usage,
  examples: ["drift", "drift AS6939", "drift propose"],
  role: "viewer",
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(200, "That line is too long.").optional() }),
  async handler({ line }, ctx): Promise<Reply> {
    const { word, verb: propose } = wordAndVerb(wordsOf(line), "drift", usage, "propose");
    let asn: number | undefined;
    if (word) {
      const n = parseAsn(word);
      if (n === null)
        throw new UserError(
          /^(as)?\d+$/i.test(word)
            ? `${clip(word, 20)} is out of range: an ASN is a number from 1 to 4294967295.`
            : `"${clip(word, 40)}" is not an AS number; write it as AS6939 or 6939.`,
          `Usage: ${usage}`,
        );
      asn = n;
    }
    const margin = ctx.services.config.PEERBOT_DRIFT_MARGIN;
    const rows = await maxPrefixDrift(ctx.services.db, margin, asn);
    const scope = asn !== undefined ? ` for AS${asn}` : "";
    if (!rows.length)
      return {
        kind: "success",
        text: `No max-prefix drift${scope}: every limit is within ${margin}% of PeeringDB's figure and the IRR count.`,
      };
    if (propose) {
      if (!hasRole(ctx.role, "operator"))
        throw new PermissionError(denial("operator", "raise max-prefix limits"));
      const r = await proposeDrift(ctx.services, rows, ctx.actor);
      const byHand = rows.filter((x) => x.byHand);
      const lead = [
        r.raised.length
          ? `Raised ${plural(r.raised.length, "limit")} (${r.raised.map((x) => `AS${x.asn} IPv${x.family} ${fmt(x.configured)} -> ${fmt(x.proposed)}`).join(", ")}); their max-prefix sync from PeeringDB is now off, so a sync does not lower them again.`
          : "Nothing raised.",
        byHand.length
          ? `Set by hand, not changed: ${[...new Set(byHand.map((x) => `AS${x.asn}`))].join(", ")}.`
          : "",
        r.unchanged.length ? `No diff on ${r.unchanged.join(", ")}.` : "",
      ]
        .filter(Boolean)
        .join(" ");
      return changesReply(r.changes, ctx, lead);
    }
    const proposable = rows.filter((x) => !x.byHand).length;
    return {
      kind: "info",
      title: `Max-prefix drift${scope}`,
      text: `${plural(rows.length, "limit")} more than ${margin}% under what the peer announces it may send.`,
      table: {
        columns: ["AS", "name", "family", "ours", "PeeringDB", "IRR", "proposed"],
        rows: rows.map((x: DriftRow) => [
          `AS${x.asn}`,
          x.name,
          `IPv${x.family}`,
          fmt(x.configured),
          fmt(x.peeringdb),
          fmt(x.irr),
          x.byHand ? "set by hand: not changed" : fmt(x.proposed),
        ]),
        alignRight: [3, 4, 5],
      },
      buttons: proposable
        ? [
            {
              label: `Raise ${plural(proposable, "limit")}`,
              actionId: `cmd:drift ${asn !== undefined ? `AS${asn} ` : ""}propose`,
              style: "primary",
            },
          ]
        : [],
    };
  },
});
