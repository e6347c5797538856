// What `sessions <target>` and `status <target>` mean by their target: an AS number, else a
// router's name, else an IXP (whose lookup explains itself when nothing matches).
import { parseAsn } from "../core/asn.js";
import type { Database } from "../core/db.js";
import { findRouterByName } from "../core/inventory.js";
import { resolveIxp } from "../core/ixp.js";

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
  const ixp = await resolveIxp(db, target, rerun, usage);
  ctx.objects.push(`ixp:${ixp.id}`);
  return { ixpId: ixp.id, label: ixp.name };
}
