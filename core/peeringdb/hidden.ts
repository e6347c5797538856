// Hidden peers, as Peering Manager has them: an ASN left out of an IXP's available peers,
// for good or until a moment.
import { specialAsn } from "../asn.js";
import type { Database } from "../db.js";
import { UserError } from "../errors.js";

export interface HiddenPeerInfo {
  id: number;
  asn: number;
  ixpId: number;
  until: Date | null;
  reason: string;
  createdBy: string;
  createdAt: Date;
}

export interface HideInput {
  asn: number;
  ixpId: number;
  /** Hidden until then; null or absent hides for good. */
  until?: Date | null;
  reason?: string;
  createdBy?: string;
  /** For the "until is in the past" check (default now). */
  now?: Date;
}

type Row = {
  id: number;
  asn: bigint;
  ixpId: number;
  until: Date | null;
  reason: string;
  createdBy: string;
  createdAt: Date;
};
const info = (r: Row): HiddenPeerInfo => ({ ...r, asn: Number(r.asn) });

/**
 * Why `asn` is not a network to hide, in one sentence, or null: one of ours (affiliated) or a
 * special-purpose AS number (AS_TRANS, private, reserved, documentation: core/asn.ts).
 */
export async function whyNotHideable(db: Database, asn: number): Promise<string | null> {
  const ours = await db.prisma.autonomousSystem.findUnique({
    where: { asn: BigInt(asn) },
    select: { affiliated: true },
  });
  if (ours?.affiliated) return `AS${asn} is one of ours; \`peers\` never lists our own networks.`;
  const special = specialAsn(asn);
  if (special) return `AS${asn} is ${special.what}, not a network to hide.`;
  return null;
}

/** Hides (or re-hides with a new expiry and reason) `asn` at an IXP. */
export async function hidePeer(db: Database, input: HideInput): Promise<HiddenPeerInfo> {
  const why = await whyNotHideable(db, input.asn);
  if (why) throw new UserError(why, "Hide a network that `peers` lists at the IXP.");
  const now = input.now ?? new Date();
  if (input.until && input.until.getTime() <= now.getTime())
    throw new UserError(
      "That moment has already passed.",
      "Give a date in the future, e.g. `until 2026-12-31`.",
    );
  const data = {
    until: input.until ?? null,
    reason: input.reason ?? "",
    createdBy: input.createdBy ?? "",
  };
  const row = await db.prisma.hiddenPeer.upsert({
    where: { asn_ixpId: { asn: BigInt(input.asn), ixpId: input.ixpId } },
    update: data,
    create: { asn: BigInt(input.asn), ixpId: input.ixpId, ...data },
  });
  return info(row);
}

/** Unhides; false when it was not hidden. */
export async function unhidePeer(db: Database, asn: number, ixpId: number): Promise<boolean> {
  const r = await db.prisma.hiddenPeer.deleteMany({ where: { asn: BigInt(asn), ixpId } });
  return r.count > 0;
}

/** Peers hidden now (expired ones left out), at one IXP or all. */
export async function listHiddenPeers(
  db: Database,
  ixpId?: number,
  now = new Date(),
): Promise<HiddenPeerInfo[]> {
  const rows = await db.prisma.hiddenPeer.findMany({
    where: { ...(ixpId === undefined ? {} : { ixpId }), OR: [{ until: null }, { until: { gt: now } }] },
    orderBy: [{ ixpId: "asc" }, { asn: "asc" }],
  });
  return rows.map(info);
}
