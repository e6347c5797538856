// Small validated values the render rooms share: statuses, AS numbers, counts, multihop TTLs,
// how a session is named in messages, and the two sort orders of policies and communities.
import type { EffectiveStatus, PolicyContext } from "./contract.js";
import { RenderError } from "./escape.js";

const STATUS_RANK: Record<EffectiveStatus, number> = { enabled: 0, maintenance: 1, disabled: 2 };

/** An object's status as templates see it: anything but `disabled` or `maintenance` is enabled. */
export function objectStatus(s: string | null | undefined): EffectiveStatus {
  return s === "disabled" ? "disabled" : s === "maintenance" ? "maintenance" : "enabled";
}

/** The worst of two or three statuses (disabled > maintenance > enabled). */
export function worst(
  a: EffectiveStatus,
  b: EffectiveStatus,
  c: EffectiveStatus = "enabled",
): EffectiveStatus {
  const w = STATUS_RANK[a] >= STATUS_RANK[b] ? a : b;
  return STATUS_RANK[w] >= STATUS_RANK[c] ? w : c;
}

/** A 32-bit AS number (1 - 4294967295), or a RenderError naming `what`. */
export function asn(value: string | number | null | undefined, what: string): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 4294967295)
    throw new RenderError(`${what} has an invalid AS number`);
  return n;
}

/** A positive 32-bit count (max prefixes), else 0 (unknown). */
export function count(value: number | null | undefined): number {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value <= 2147483647 ? value : 0;
}

/** A session as messages name it: `AS6939 at LINX LON1 (195.66.224.21)`. */
export function where(peer: { asn: number }, at: string, address: string): string {
  return `AS${peer.asn} at ${at} (${address})`;
}

/** A multihop TTL (1-255), null when not set (NULL or <= 0), a RenderError above 255. */
export function ttl(value: number | null, peer: { asn: number }, at: string, address: string): number | null {
  if (value === null || value <= 0) return null;
  if (!Number.isInteger(value) || value > 255)
    throw new RenderError(`the session ${where(peer, at, address)} has a multihop TTL outside 1-255`);
  return value;
}

/** Policies in the order a level applies them: highest weight first, then by slug. */
export function byWeightThenSlug(a: PolicyContext, b: PolicyContext): number {
  return b.weight - a.weight || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
}

export function bySlug<T extends { slug: string }>(a: T, b: T): number {
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0;
}
