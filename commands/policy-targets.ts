// What `policy|community attach|detach <name> to|from …` attaches to, as a person writes it:
//   AS174 | IXP <name> | group <name> | router <name> | session <AS> on <router|IXP> <ip>
// turned into core's OwnerRef (core/policy-objects/attach.ts). An IXP is found the forgiving
// way (an ambiguous name comes back as buttons that run the same command for each candidate).
import { parseAsn } from "../core/asn.js";
import type { Database } from "../core/db.js";
import { UserError } from "../core/errors.js";
import { findRouterByName } from "../core/inventory.js";
import { findIxps } from "../core/ixp.js";
import type { OwnerRef } from "../core/policy-objects/index.js";
import { parseIp } from "../core/render/ip.js";
import { clip } from "../core/text.js";
import { resolveIxpArg } from "./args.js";
import { quoteWord } from "./grammar.js";

export const TARGET_FORMS = "AS <asn>, IXP <name>, group <name> or session <AS> on <router|IXP> <ip>";

/** A target's words, without the leading to/from. */
export function targetWords(rest: string | undefined): string[] {
  const words = (rest ?? "").split(/\s+/).filter(Boolean);
  if (words[0] && /^(to|from|onto|into)$/i.test(words[0])) words.shift();
  return words;
}

/**
 * The owner the words name. `line(target)` rewrites the command with another target (for the
 * buttons of an ambiguous IXP name).
 */
export async function parseTarget(
  db: Database,
  words: string[],
  line: (target: string) => string,
  usage: string,
): Promise<OwnerRef> {
  const [first, ...more] = words;
  const fail = (why: string) => new UserError(why, `Usage: ${usage}`);
  if (!first) throw fail(`Say what to attach it to: ${TARGET_FORMS}.`);
  const kind = first.toLowerCase();
  const rest = more.join(" ");
  const asn = parseAsn(first);
  if (asn !== null && /^(as)?\d+$/i.test(first)) {
    if (more.length) throw fail(`I did not understand "${clip(rest)}" after AS${asn}.`);
    return { kind: "as", asn };
  }
  switch (kind) {
    case "as": {
      const n = parseAsn(rest);
      if (n === null) throw fail(`"${clip(rest)}" is not an AS number; write it as AS174 or 174.`);
      return { kind: "as", asn: n };
    }
    case "ixp":
    case "ix":
    case "exchange": {
      if (!rest) throw fail("Say which IXP, e.g. IXP LINX.");
      const ixp = await resolveIxpArg(db, rest, (slug) => line(`IXP ${quoteWord(slug)}`), usage);
      return { kind: "ixp", id: ixp.id, name: ixp.name };
    }
    case "group":
      if (!rest) throw fail("Say which BGP group, e.g. group transit.");
      return { kind: "group", query: rest };
    case "router":
      return { kind: "router", name: rest || "that router" };
    case "session":
      return parseSession(db, more, line, usage);
    default:
      throw fail(`"${clip(first)}" is not something a policy or community attaches to: say ${TARGET_FORMS}.`);
  }
}

async function parseSession(
  db: Database,
  words: string[],
  line: (target: string) => string,
  usage: string,
): Promise<OwnerRef> {
  const fail = (why: string) => new UserError(why, `Usage: ${usage}`);
  const example = "e.g. session AS174 on edge1.lon 192.0.2.1";
  const [asWord, ...rest] = words;
  const asn = asWord === undefined ? null : parseAsn(asWord);
  if (asn === null) throw fail(`Say whose session: its AS, router or IXP, and address, ${example}.`);
  const ipWord = rest.pop();
  const ip = ipWord === undefined ? null : parseIp(ipWord);
  if (!ip) throw fail(`Say the session's address last, ${example}.`);
  const place = rest.join(" ");
  if (!place) throw fail(`Say on which router or at which IXP, ${example}.`);
  const router = await findRouterByName(db, place);
  if (router && !(await findIxps(db, place)).some((x) => x.slug === place))
    return { kind: "session", asn, ip: ip.address, at: { routerId: router.id, routerName: router.name } };
  const ixp = await resolveIxpArg(
    db,
    place,
    (slug) => line(`session AS${asn} at ${quoteWord(slug)} ${ip.address}`),
    usage,
  );
  return { kind: "session", asn, ip: ip.address, at: { ixpId: ixp.id, ixpName: ixp.name } };
}
