// Finding an IXP the way a person names it: by name, slug, PeeringDB id, or an unambiguous
// prefix ("LINX" for "LINX LON1"). When several match, the caller offers them as buttons.
// An IxpRef's name is for messages: on one line (it may come from PeeringDB).
import { clip, singleLine } from "./text.js";
import type { Database } from "./db.js";
import { UserError } from "./errors.js";
import type { Button } from "./reply.js";

export interface IxpRef {
  id: number;
  /** On one line, clipped (core/asn.ts singleLine). */
  name: string;
  slug: string;
  peeringdbIxId: number | null;
  peeringdbIxlanId: number | null;
}

const norm = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

export async function findIxps(db: Database, query: string): Promise<IxpRef[]> {
  return (await matchIxps(db, query)).map((x) => ({ ...x, name: singleLine(x.name, 100) }));
}

async function matchIxps(db: Database, query: string): Promise<IxpRef[]> {
  const all = await db.prisma.internetExchange.findMany({
    select: { id: true, name: true, slug: true, peeringdbIxId: true, peeringdbIxlanId: true },
    orderBy: { name: "asc" },
  });
  const q = query.trim();
  const nq = norm(q);
  if (!nq) return [];
  const pdb = /^(?:pdb:|ix)?(\d+)$/i.exec(q);
  if (pdb) {
    const id = Number(pdb[1]);
    const hit = all.filter((x) => x.peeringdbIxId === id || x.id === id);
    if (hit.length) return hit;
  }
  const exact = all.filter((x) => norm(x.name) === nq || norm(x.slug) === nq);
  if (exact.length) return exact;
  const prefix = all.filter((x) => norm(x.name).startsWith(nq) || norm(x.slug).startsWith(nq));
  if (prefix.length) return prefix;
  return all.filter((x) => norm(x.name).includes(nq) || norm(x.slug).includes(nq));
}

/**
 * The one IXP `query` names. Throws a UserError when none does, or when several do: then
 * its reply lists them as buttons whose action ids `askAgain(slug)` gives (commands/ makes
 * them, with commands/args.ts resolveIxpArg: core writes no command line).
 */
export async function resolveIxp(
  db: Database,
  query: string,
  askAgain: (slug: string) => string,
  usage: string,
): Promise<IxpRef> {
  const hits = await findIxps(db, query);
  if (hits.length === 1) return hits[0] as IxpRef;
  if (hits.length === 0) {
    throw new UserError(
      `No IXP is called "${clip(query)}".`,
      `Type \`ixps\` to list the exchanges peerbot knows. Usage: ${usage}`,
    );
  }
  const shown = hits.slice(0, 10);
  const buttons: Button[] = shown.map((x) => ({ label: x.name, actionId: askAgain(x.slug) }));
  const text = `"${clip(query)}" matches ${hits.length} IXPs; which one?`;
  throw new UserError(text, undefined, {
    kind: "warning",
    text: hits.length > shown.length ? `${text} (showing ${shown.length})` : text,
    buttons,
    ephemeral: true,
  });
}
