// How Peering Manager's values become peerbot's: statuses, platforms, relationships, policy
// and community types, addresses and names. Pure functions; what cannot be mapped comes back
// as null (or with the reason) for the caller to report.
import type {
  AddressFamily,
  CommunityDirection,
  CommunityKind,
  ObjectStatus,
  PolicyKind,
  Relationship,
  RouterPlatform,
  SessionStatus,
} from "../../db.js";
import { parseIp } from "../../render/ip.js";
import { parseCommunity, RenderError } from "../../render/escape.js";
import { singleLine } from "../../text.js";
import type { PmNamedRef, PmPlatform } from "./source.js";

/** Peering Manager's BGPSessionStatus -> ours (pre-/post-maintenance are maintenance here). */
const SESSION_STATUS: Record<string, SessionStatus> = {
  requested: "requested",
  provisioning: "provisioning",
  enabled: "enabled",
  "pre-maintenance": "maintenance",
  maintenance: "maintenance",
  "post-maintenance": "maintenance",
  disabled: "disabled",
  decommissioning: "decommissioning",
  decommissioned: "decommissioned",
};

/** A session status, or null when Peering Manager sent one peerbot does not know. */
export function sessionStatus(v: string | null): SessionStatus | null {
  if (v === null) return "enabled";
  return SESSION_STATUS[v] ?? null;
}

/** BGPGroupStatus, DeviceStatus, ConnectionStatus -> ObjectStatus. */
export function objectStatus(v: string | null): ObjectStatus | null {
  if (v === null || v === "enabled") return "enabled";
  if (v === "disabled") return "disabled";
  if (/maintenance$/.test(v)) return "maintenance";
  return null;
}

/** RoutingPolicyType -> PolicyKind. */
export function policyKind(v: string): PolicyKind | null {
  return (
    (
      {
        "import-policy": "import",
        "export-policy": "export",
        "import-export-policy": "import_export",
      } as const
    )[v as "import-policy"] ?? null
  );
}

export function addressFamily(v: number): AddressFamily {
  return v === 4 ? "ipv4" : v === 6 ? "ipv6" : "all";
}

/**
 * A community's directions: Peering Manager's `ingress-egress` is both (peerbot keeps one
 * community per direction); unset is taken as ingress, peerbot's default.
 */
export function communityDirections(
  type: string | null,
): { directions: CommunityDirection[]; unset: boolean } | null {
  if (type === null) return { directions: ["ingress"], unset: true };
  if (type === "ingress" || type === "egress") return { directions: [type], unset: false };
  if (type === "ingress-egress") return { directions: ["ingress", "egress"], unset: false };
  return null;
}

/** The kind of a community value, checked as the renderer will parse it; the reason when it does not parse. */
export function communityKind(
  value: string,
  pmKind: string | null,
): { kind: CommunityKind } | { why: string } {
  const v = value.trim().toLowerCase();
  const guess: CommunityKind =
    pmKind === "standard" || pmKind === "extended" || pmKind === "large"
      ? pmKind
      : /^(rt|target|ro|soo|origin)[: ]/.test(v)
        ? "extended"
        : /^(large:)?\d+:\d+:\d+$/.test(v)
          ? "large"
          : "standard";
  try {
    parseCommunity(value, guess, "it");
    return { kind: guess };
  } catch (err) {
    if (err instanceof RenderError)
      return { why: `${JSON.stringify(singleLine(value, 40))} is not a valid ${guess} community` };
    throw err;
  }
}

/** A direct session's relationship, from its object's slug and name (or an older version's bare slug). */
export function relationship(v: PmNamedRef | string | null): Relationship {
  const words = (typeof v === "string" ? v : v ? `${v.slug ?? ""} ${v.name}` : "").toLowerCase();
  if (/transit|upstream|provider/.test(words)) return "transit_provider";
  if (/customer|downstream/.test(words)) return "customer";
  if (/private|pni/.test(words)) return "private_peering";
  if (/internal|ibgp/.test(words)) return "internal";
  if (/peer/.test(words)) return "peering";
  return "other";
}

/**
 * The peerbot platform of a Peering Manager platform, from its NAPALM driver, then its slug and
 * name; null (with what it is) when peerbot has no driver for it.
 */
export function routerPlatform(
  p: PmPlatform | null | undefined,
): { platform: RouterPlatform } | { what: string } {
  if (!p) return { what: "no platform" };
  const driver = p.napalm_driver.trim().toLowerCase();
  const byDriver: Record<string, RouterPlatform> = {
    junos: "junos",
    iosxr: "iosxr",
    iosxr_netconf: "iosxr",
    eos: "eos",
  };
  if (byDriver[driver]) return { platform: byDriver[driver] };
  const words = `${p.slug} ${p.name}`.toLowerCase();
  if (/junos|juniper/.test(words)) return { platform: "junos" };
  if (/ios-?xr/.test(words)) return { platform: "iosxr" };
  if (/\beos\b|arista/.test(words)) return { platform: "eos" };
  if (/bird/.test(words)) return { platform: "bird2" };
  if (/\bfrr\b|frrouting/.test(words)) return { platform: "frr" };
  const name = singleLine(p.name, 40) || singleLine(p.slug, 40);
  return {
    what: driver
      ? `the platform "${name}" (NAPALM driver ${singleLine(driver, 30)})`
      : `the platform "${name}"`,
  };
}

/** A router name peerbot accepts: letters, digits, dots, dashes and underscores; others become "-". */
export const ROUTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export function routerName(name: string): string | null {
  if (ROUTER_NAME.test(name)) return name;
  const n = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .replace(/-+$/, "")
    .slice(0, 63);
  return ROUTER_NAME.test(n) ? n : null;
}

/** A slug peerbot accepts for policies, communities, groups and IXPs. */
export function slug(s: string): string | null {
  const v = s.trim().toLowerCase();
  if (/^[a-z0-9][a-z0-9_-]{0,99}$/.test(v)) return v;
  const made = v
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "")
    .replace(/-+$/, "")
    .slice(0, 100);
  return made ? made : null;
}

/** An address in canonical form: "195.66.224.10/22"; a host-length prefix is left off. */
export function inet(s: string | null | undefined): string | null {
  if (!s) return null;
  const [h, len] = s.split("/");
  const ip = parseIp(h);
  if (!ip) return null;
  if (len === undefined || Number(len) === (ip.family === 4 ? 32 : 128)) return ip.address;
  return `${ip.address}/${Number(len)}`;
}

/** The host of an address, canonical: "195.66.224.10". */
export function host(s: string | null | undefined): string | null {
  if (!s) return null;
  return parseIp(s.split("/")[0])?.address ?? null;
}

/** A MAC address as lower-case colon-separated pairs; "" when none or unreadable. */
export function mac(s: string | null): string {
  if (!s) return "";
  const hex = s.toLowerCase().replace(/[^0-9a-f]/g, "");
  return hex.length === 12 ? (hex.match(/../g) as string[]).join(":") : "";
}

/** Free text from Peering Manager for peerbot's comments: kept as typed, control characters out, bounded. */
export function comments(...parts: (string | null | undefined)[]): string {
  return parts
    .map((p) => (p ?? "").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ").trim())
    .filter(Boolean)
    .join("\n\n")
    .slice(0, 4000);
}

/** A name for people: one line, bounded. */
export const name = (s: string | null | undefined, n = 100) => singleLine(s, n);

/** Peering Manager's multihop TTL (1 means directly connected) -> ours (null when not multihop). */
export function multihop(ttl: number | null): number | null {
  return ttl !== null && ttl > 1 ? ttl : null;
}
