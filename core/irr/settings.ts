// A network's IRR settings (sources, extra bgpq4 options, on or off) and an import policy's IRR
// filter, changed from chat (`irr sources|options|on|off|policy`): each change in one
// transaction with its history row, as every other inventory change is recorded.
import type { Database } from "../db.js";
import { UserError } from "../errors.js";
import { chatAuthor, recordChange } from "../history.js";
import type { Actor } from "../roles.js";
import { clip } from "../text.js";

export interface IrrAs {
  id: number;
  asn: bigint;
  name: string;
  irrAsSet: string;
  irrSources: string;
  irrArgs: string;
  irrEnabled: boolean;
}

const AS_FIELDS = {
  id: true,
  asn: true,
  name: true,
  irrAsSet: true,
  irrSources: true,
  irrArgs: true,
  irrEnabled: true,
} as const;

/** The network as peerbot keeps it, or null. */
export function findIrrAs(db: Database, asn: number): Promise<IrrAs | null> {
  return db.prisma.autonomousSystem.findUnique({ where: { asn: BigInt(asn) }, select: AS_FIELDS });
}

/** The network, or one sentence saying peerbot does not have it. */
export async function irrAs(db: Database, asn: number): Promise<IrrAs> {
  const a = await findIrrAs(db, asn);
  if (!a)
    throw new UserError(
      `AS${asn} is not in peerbot's database.`,
      "Add it with `as add`, or peer with it first.",
    );
  return a;
}

export type IrrAsPatch = Partial<Pick<IrrAs, "irrSources" | "irrArgs" | "irrEnabled">>;

/** Changes a network's IRR settings (already validated) and records it. */
export async function setAsIrr(db: Database, asn: number, patch: IrrAsPatch, actor: Actor): Promise<IrrAs> {
  return db.prisma.$transaction(async (tx) => {
    const before = await tx.autonomousSystem.findUnique({ where: { asn: BigInt(asn) }, select: AS_FIELDS });
    if (!before)
      throw new UserError(
        `AS${asn} is not in peerbot's database.`,
        "Add it with `as add`, or peer with it first.",
      );
    const after = await tx.autonomousSystem.update({
      where: { id: before.id },
      data: patch,
      select: AS_FIELDS,
    });
    const keys = Object.keys(patch) as (keyof IrrAsPatch)[];
    await recordChange(tx, chatAuthor(actor), {
      type: "as",
      id: before.id,
      repr: `AS${before.asn}`,
      action: "update",
      before: Object.fromEntries(keys.map((k) => [k, before[k]])),
      after: Object.fromEntries(keys.map((k) => [k, after[k]])),
    });
    return after;
  });
}

/**
 * Makes an import policy filter by IRR (or stop), with its fallback; refuses an unknown or
 * export-only policy in one sentence. Returns the policy as it now is.
 */
export async function setPolicyIrr(
  db: Database,
  slug: string,
  on: boolean,
  fallback: "reject" | "accept" | undefined,
  actor: Actor,
  hint: string,
): Promise<{ slug: string; irrFilter: boolean; irrFallback: "reject" | "accept" }> {
  return db.prisma.$transaction(async (tx) => {
    const p = await tx.routingPolicy.findUnique({ where: { slug } });
    if (!p)
      throw new UserError(`No routing policy is called ${clip(slug, 60)}.`, "List them with `policies`.");
    if (p.kind === "export")
      throw new UserError(`${p.slug} is an export policy: IRR filters apply to what a peer sends us.`, hint);
    const after = await tx.routingPolicy.update({
      where: { id: p.id },
      data: { irrFilter: on, irrFallback: fallback ?? p.irrFallback },
    });
    await recordChange(tx, chatAuthor(actor), {
      type: "policy",
      id: p.id,
      repr: p.slug,
      action: "update",
      before: { irrFilter: p.irrFilter, irrFallback: p.irrFallback },
      after: { irrFilter: after.irrFilter, irrFallback: after.irrFallback },
    });
    return { slug: after.slug, irrFilter: after.irrFilter, irrFallback: after.irrFallback };
  });
}
