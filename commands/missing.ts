// `missing [AS|IXP]`: sessions we could have and do not (core/peeringdb/missing.ts): a network
// we peer with elsewhere that PeeringDB shows at another of our IXPs, or a family missing at
// an IXP where both of us have it. One row each, with a Peer button that runs `peer`.
import { z } from "zod";
import { parseAsn } from "../core/asn.js";
import { UserError } from "../core/errors.js";
import { missingSessions, type MissingSession } from "../core/peeringdb/missing.js";
import type { Button, Reply } from "../core/reply.js";
import { clip, plural } from "../core/text.js";
import { resolveIxpArg } from "./args.js";
import { quoteWord } from "./grammar.js";
import { wordsOf } from "./inventory/subcommands.js";
import { defineCommand } from "./registry.js";

const usage = "missing [AS|IXP]";
const SHOWN = 20;

const what = (m: MissingSession) =>
  m.kind === "ixp"
    ? `no session here (we peer at ${m.peeredAt.join(", ") || "another IXP"})`
    : `no IPv${m.families.join("/IPv")} session (the other family is up)`;

function peerLine(m: MissingSession): string {
  const fam = m.families.length === 1 ? ` v${m.families[0]}` : "";
  return `peer AS${m.asn} at ${quoteWord(m.ixpSlug)}${fam}`;
}

export const missingCommand = defineCommand({
  name: "missing",
  summary:
    "Sessions we could have and do not: networks we peer with elsewhere that are at another of our IXPs, and a family missing where both sides have it; each with a Peer button.",
  usage,
  examples: ["missing", "missing AS6939", "missing LINX"],
  role: "viewer",
  args: { positional: ["line"], rest: true, noise: [] },
  schema: z.object({ line: z.string().max(300, "That line is too long.").optional() }),
  async handler({ line }, ctx) {
    const words = wordsOf(line);
    if (words.length > 1)
      throw new UserError(
        `I did not understand "${clip(words.slice(1).join(" "))}" in that \`missing\` command.`,
        `Usage: ${usage}`,
      );
    let filter: { asn?: number; ixpId?: number } = {};
    let scope = "";
    const word = words[0];
    if (word) {
      const asn = parseAsn(word);
      if (asn === null && /^(as)?\d+$/i.test(word))
        throw new UserError(
          `${clip(word, 20)} is out of range: an ASN is a number from 1 to 4294967295.`,
          `Usage: ${usage}`,
        );
      if (asn !== null) {
        filter = { asn };
        scope = ` with AS${asn}`;
      } else {
        const ixp = await resolveIxpArg(ctx.services.db, word, (slug) => `missing ${slug}`, usage);
        filter = { ixpId: ixp.id };
        scope = ` at ${ixp.name}`;
        ctx.objects.push(`ixp:${ixp.id}`);
      }
    }
    const rows = await missingSessions(ctx.services.db, { ...filter, now: ctx.services.clock.now() });
    if (!rows.length)
      return {
        kind: "success",
        text: `No missing sessions${scope}: every network we peer with has sessions at each of our IXPs where PeeringDB shows it, in each family both of us have.`,
      };
    const shown = rows.slice(0, SHOWN);
    // One Peer button per row shown, as `peers` gives (the renderers say what they cannot show).
    const buttons: Button[] = shown.map((m) => ({
      label: `Peer AS${m.asn} at ${m.ixpName}`.slice(0, 75),
      actionId: `cmd:${peerLine(m)}`,
      style: "primary",
    }));
    const reply: Reply = {
      kind: "info",
      title: `Missing sessions${scope}`,
      text: `${plural(rows.length, "missing session")}${rows.length > SHOWN ? `; the first ${SHOWN} shown` : ""}. Each is one \`peer\` away.`,
      table: {
        columns: ["AS", "name", "IXP", "missing", "command"],
        rows: shown.map((m) => [`AS${m.asn}`, m.name, m.ixpName, what(m), peerLine(m)]),
      },
      buttons,
    };
    return reply;
  },
});
