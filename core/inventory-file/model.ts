// The inventory as records: one shape for what the database holds and what a file asks for, so
// that a plan is a field-by-field comparison. Field names are the file's; references are
// natural keys (ASN, slug, router name), never database ids; lists of attachments are sorted.
import type { HistoryObjectType } from "../history.js";

export interface Attachments {
  import_policies: string[];
  export_policies: string[];
  communities: string[];
}

export interface PolicyRec {
  slug: string;
  name: string;
  kind: string;
  family: string;
  weight: number;
  comments: string;
}

export interface CommunityRec {
  slug: string;
  name: string;
  value: string;
  kind: string;
  direction: string;
  comments: string;
}

export interface GroupRec extends Attachments {
  slug: string;
  name: string;
  status: string;
  comments: string;
}

export interface AsRec extends Attachments {
  asn: number;
  name: string;
  affiliated: boolean;
  irr_as_set: string;
  ipv4_max_prefixes: number;
  ipv6_max_prefixes: number;
  policy: string;
  comments: string;
  peeringdb_id: number | null;
  sync_name: boolean;
  sync_irr_as_set: boolean;
  sync_max_prefixes: boolean;
  sync_policy: boolean;
  email_from: string;
  email_reply_to: string;
}

export interface ContactRec {
  asn: number;
  name: string;
  role: string;
  email: string;
  phone: string;
}

export interface IxpRec extends Attachments {
  slug: string;
  name: string;
  local_as: number;
  peeringdb_ix_id: number | null;
  peeringdb_ixlan_id: number | null;
  prefixes: string[];
  status: string;
  comments: string;
}

/** A secret as the file names it: where it lives, never its value. */
export type SecretRef = "stored" | "none" | `env:${string}`;

export interface RouterRec {
  name: string;
  hostname: string;
  port: number;
  platform: string;
  local_as: number;
  status: string;
  template: string;
  config_path: string;
  bgp_router_id: string;
  poll_session_state: boolean;
  four_eyes: boolean;
  username: string;
  credential: SecretRef;
  private_key: "stored" | "none";
  /** "" when none is pinned. */
  host_key: string;
  comments: string;
}

export interface ConnectionRec {
  ixp: string;
  router: string | null;
  name: string;
  ipv4: string | null;
  ipv6: string | null;
  vlan: number | null;
  mac: string;
  speed: number;
  status: string;
  peeringdb_netixlan_id: number | null;
  comments: string;
}

export interface IxpSessionRec extends Attachments {
  asn: number;
  ip: string;
  status: string;
  route_server: boolean;
  password: "stored" | "none";
  multihop_ttl: number | null;
  passive: boolean;
  bfd: boolean;
  comments: string;
}

export interface DirectSessionRec extends Attachments {
  router: string | null;
  ip: string;
  asn: number;
  local_asn: number | null;
  local_ip: string | null;
  relationship: string;
  status: string;
  group: string | null;
  password: SecretRef;
  multihop_ttl: number | null;
  passive: boolean;
  bfd: boolean;
  comments: string;
}

/** The kinds of object a file holds, in the order they are created (deleted in reverse). */
export const KINDS = [
  "policy",
  "community",
  "group",
  "as",
  "contact",
  "ixp",
  "router",
  "connection",
  "ixp-session",
  "direct-session",
] as const satisfies readonly HistoryObjectType[];
export type Kind = (typeof KINDS)[number];

/** How a plan and a summary name each kind: singular, plural. */
export const KIND_NAMES: Record<Kind, [string, string]> = {
  policy: ["policy", "policies"],
  community: ["community", "communities"],
  group: ["group", "groups"],
  as: ["AS", "ASes"],
  contact: ["contact", "contacts"],
  ixp: ["IXP", "IXPs"],
  router: ["router", "routers"],
  connection: ["connection", "connections"],
  "ixp-session": ["IXP session", "IXP sessions"],
  "direct-session": ["direct session", "direct sessions"],
};

export const kindCount = (kind: Kind, n: number) => `${n} ${KIND_NAMES[kind][n === 1 ? 0 : 1]}`;

/** "195.66.224.21/22" -> "195.66.224.21". */
export const hostOf = (ip: string) => ip.split("/")[0] as string;

/** Code-unit order, the same on every machine and database locale. */
export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Numeric address order (IPv4 before IPv6), then prefix length. */
export function ipOrder(a: string, b: string): number {
  const ka = ipSortKey(a);
  const kb = ipSortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const sortKeys = new Map<string, string>();
export function ipSortKey(ip: string): string {
  let k = sortKeys.get(ip);
  if (k !== undefined) return k;
  const [addr = "", len = ""] = ip.split("/");
  if (addr.includes(":")) {
    const [head = "", tail = ""] = addr.includes("::") ? addr.split("::") : [addr, ""];
    const h = head ? head.split(":") : [];
    let t = tail ? tail.split(":") : [];
    // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
    const last = t.at(-1) ?? h.at(-1) ?? "";
    if (last.includes(".")) {
      const o = last.split(".").map(Number);
      const g = [((o[0] ?? 0) << 8) | (o[1] ?? 0), ((o[2] ?? 0) << 8) | (o[3] ?? 0)].map((x) =>
        x.toString(16),
      );
      if (t.length) t = [...t.slice(0, -1), ...g];
      else h.splice(h.length - 1, 1, ...g);
    }
    const fill = addr.includes("::") ? Array(Math.max(0, 8 - h.length - t.length)).fill("0") : [];
    k = `6${[...h, ...fill, ...t].map((g) => g.padStart(4, "0")).join("")}`;
  } else {
    k = `4${addr
      .split(".")
      .map((o) => o.padStart(3, "0"))
      .join("")}`;
  }
  k += `/${len.padStart(3, "0")}`;
  if (sortKeys.size > 100_000) sortKeys.clear();
  sortKeys.set(ip, k);
  return k;
}

/** Whether `ip` (with or without a length) lies inside `prefix`. */
export function inPrefix(ip: string, prefix: string): boolean {
  const [net = "", lenText = ""] = prefix.split("/");
  const v6 = net.includes(":");
  if (v6 !== hostOf(ip).includes(":")) return false;
  const bits = v6 ? 128 : 32;
  const len = Number(lenText);
  const a = ipBits(hostOf(ip), v6);
  const b = ipBits(net, v6);
  if (a === null || b === null || !(len >= 0 && len <= bits)) return false;
  const shift = BigInt(bits - len);
  return a >> shift === b >> shift;
}

function ipBits(addr: string, v6: boolean): bigint | null {
  const key = ipSortKey(addr);
  const hex = v6 ? key.slice(1, 33) : null;
  if (hex !== null) return /^[0-9a-f]{32}$/i.test(hex) ? BigInt(`0x${hex}`) : null;
  const o = addr.split(".").map(Number);
  if (o.length !== 4 || o.some((x) => !(x >= 0 && x <= 255))) return null;
  return BigInt((((o[0]! * 256 + o[1]!) * 256 + o[2]!) * 256 + o[3]!) >>> 0);
}

/** A community's kind as its value shows it, when the file leaves `kind` out. */
export function inferCommunityKind(value: string): string {
  const v = value.trim().toLowerCase();
  if (/^(rt|soo|target|origin)[\s:]/.test(v)) return "extended";
  if (/^(large:)?\d+:\d+:\d+$/.test(v)) return "large";
  return "standard";
}
