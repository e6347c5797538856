// What `sessions <target>` and `status <target>` mean by their target: an AS number, else a
// router's name, else an IXP (whose lookup explains itself when nothing matches). A target
// that is written like an AS number but is not a valid one (AS0, AS4294967296, AS-1) and names
// no router is not looked up as an IXP: it gets a sentence about AS numbers.
import { MAX_ASN, parseAsn } from "../core/asn.js";
import { clip } from "../core/text.js";
import type { Database } from "../core/db.js";
import { UserError } from "../core/errors.js";
import { findRouterByName } from "../core/inventory.js";
import { resolveIxpArg } from "./args.js";

/** "AS0", "as-1", "AS 99999999999", "0": meant as an AS number, valid or not. */
const ASN_LIKE = /^(?:as\s*)?[-+\u2212]?\s*\d+$/i;

export interface SessionScope {
  asn?: number;
  routerId?: number;
  ixpId?: number;
  /** "all sessions", "AS6939", "router edge1.lon", "LINX LON1". */
  label: string;
  /** Set when the target is a router. */
  router?: { id: number; name: string; pollSessionState: boolean };
}

export async function resolveSessionScope(
  db: Database,
  target: string | undefined,
  ctx: { objects: string[] },
  rerun: (slug: string) => string,
  usage: string,
): Promise<SessionScope> {
  if (!target) return { label: "all sessions" };
  const asn = parseAsn(target);
  if (asn !== null) return { asn, label: `AS${asn}` };
  const router = await findRouterByName(db, target);
  if (router) {
    ctx.objects.push(`router:${router.id}`);
    return { routerId: router.id, label: `router ${router.name}`, router };
  }
  if (ASN_LIKE.test(target.trim())) {
    throw new UserError(
      `"${clip(target.trim())}" is not a valid AS number: an AS number is a whole number from 1 to ${MAX_ASN}.`,
      `Usage: ${usage}`,
    );
  }
  const ixp = await resolveIxpArg(db, target, rerun, usage);
  ctx.objects.push(`ixp:${ixp.id}`);
  return { ixpId: ixp.id, label: ixp.name };
}
