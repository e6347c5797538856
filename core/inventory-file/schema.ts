// The inventory file (`peerbot inventory export` / `apply`) as a zod schema: every section, every
// field, and the sentence a person reads when one is wrong. Field names are snake_case, enum
// values are the database's (with the chat words as aliases), and objects are named by their
// natural keys (router name, ASN, IXP slug, policy slug), never by database ids. Every object
// is strict: a field the schema does not know is a typo, refused with its line. No parser here
// ever repeats a value it refuses: a secret typed where a reference belongs stays out of errors.
import { isIP } from "node:net";
import { z } from "zod";
import { MAX_ASN } from "../asn.js";
import { SESSION_STATUSES } from "../sessions.js";

export const FILE_VERSION = 1;

export const PLATFORMS = ["junos", "iosxr", "eos", "bird2", "frr", "file"] as const;
export const OBJECT_STATUSES = ["enabled", "maintenance", "disabled"] as const;
export { SESSION_STATUSES };
export const POLICY_KINDS = ["import", "export", "import_export"] as const;
export const FAMILIES = ["all", "ipv4", "ipv6"] as const;
export const COMMUNITY_KINDS = ["standard", "extended", "large"] as const;
export const DIRECTIONS = ["ingress", "egress"] as const;
export const RELATIONSHIPS = [
  "transit_provider",
  "customer",
  "private_peering",
  "peering",
  "internal",
  "other",
] as const;
/** PeeringDB's policy_general, and "" for none. */
export const GENERAL_POLICIES = ["Open", "Selective", "Restrictive", "No", ""] as const;

/** A refusal a field parser returns (never containing the value it refused). */
class Bad {
  constructor(readonly message: string) {}
}
const bad = (m: string) => new Bad(m);

/** A zod field whose parser returns the value or a Bad; `undefined` is "required" unless `.optional()`. */
function field<T>(parse: (v: unknown) => T | Bad, what: string) {
  return z.unknown().transform((v, ctx): T => {
    if (v === undefined) {
      ctx.addIssue({ code: "custom", message: `required: ${what}` });
      return z.NEVER;
    }
    const r = parse(v);
    if (r instanceof Bad) {
      ctx.addIssue({ code: "custom", message: r.message });
      return z.NEVER;
    }
    return r;
  });
}

/** Accepts null as well (written `field: null`, or `field:` with nothing after it). */
function orNull<T>(parse: (v: unknown) => T | Bad) {
  return (v: unknown): T | null | Bad => (v === null ? null : parse(v));
}

const CONTROL_LINE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_TEXT =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function text(max: number, opts: { multiline?: boolean; pattern?: RegExp; expect?: string } = {}) {
  return (v: unknown): string | Bad => {
    if (typeof v === "number" && opts.pattern === undefined) v = String(v);
    if (typeof v !== "string") return bad(`expected text${opts.expect ? ` (${opts.expect})` : ""}`);
    if ((opts.multiline ? CONTROL_TEXT : CONTROL_LINE).test(v))
      return bad(
        opts.multiline ? "contains control characters" : "must be one line, without control characters",
      );
    if (v.length > max) return bad(`too long: at most ${max} characters`);
    if (opts.pattern && !opts.pattern.test(v)) return bad(`expected ${opts.expect ?? "a valid value"}`);
    return v;
  };
}

function int(min: number, max: number) {
  return (v: unknown): number | Bad =>
    typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
      ? v
      : bad(`expected a whole number from ${min} to ${max}`);
}

const bool = (v: unknown): boolean | Bad => (typeof v === "boolean" ? v : bad("expected true or false"));

function choice<const T extends string>(values: readonly T[], aliases: Record<string, T> = {}) {
  return (v: unknown): T | Bad => {
    if (typeof v === "string") {
      const exact = values.find((x) => x === v);
      if (exact !== undefined) return exact;
      const k = v.trim().toLowerCase();
      const hit = values.find((x) => x.toLowerCase() === k) ?? aliases[k];
      if (hit !== undefined) return hit;
    }
    return bad(`expected one of ${values.map((x) => (x === "" ? '""' : x)).join(", ")}`);
  };
}

export function asnValue(v: unknown): number | Bad {
  const n =
    typeof v === "number"
      ? v
      : typeof v === "string"
        ? Number(/^\s*(?:AS)?(\d{1,10})\s*$/i.exec(v)?.[1])
        : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_ASN
    ? n
    : bad(`expected an AS number from 1 to ${MAX_ASN}, e.g. 6939 or AS6939`);
}

/** Slugs (policies, communities, groups, IXPs): letters, digits, dot, dash, underscore. */
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const slug = text(100, { pattern: SLUG, expect: "a slug: letters, digits, dots, dashes, e.g. linx-lon1" });
/** Policy, community and group slugs are names in router configurations (core/render/escape.ts). */
const CONFIG_SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const configSlug = text(63, {
  pattern: CONFIG_SLUG,
  expect: 'a slug a router configuration can use: letters, digits, "-" and "_", e.g. import-peers',
});
/** Router names: one word that every router dialect, file name and chat line can carry. */
const ROUTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const routerName = (v: unknown): string | Bad => {
  const r = text(63, { pattern: ROUTER_NAME, expect: "a router name: letters, digits, dots, dashes" })(v);
  if (typeof r === "string" && /^(?:as)?\d+$/i.test(r))
    return bad("a router name must not read as an AS number, e.g. edge1.lon");
  return r;
};
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9._:-]{0,252})$/;
const hostname = text(253, { pattern: HOSTNAME, expect: "a host name or an IP address" });
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const HOST_KEY = /^SHA256:[A-Za-z0-9+/=]{20,100}$/;
const MAC = /^(?:[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})$/i;
const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

/** An IP address, optionally with a prefix length (`195.66.224.21`, `195.66.224.21/22`). */
function ipValue(opts: { family?: 4 | 6; needLength?: boolean } = {}) {
  return (v: unknown): string | Bad => {
    const fam = opts.family ? `an IPv${opts.family} address` : "an IP address";
    const expect = opts.needLength
      ? `${fam} with its prefix length, e.g. ${opts.family === 6 ? "2001:7f8:4::fbf4:1/64" : "195.66.224.10/22"}`
      : fam;
    if (typeof v !== "string") return bad(`expected ${expect}`);
    const [addr = "", len, more] = v.trim().split("/");
    const f = isIP(addr);
    if (!f || more !== undefined || (opts.family && f !== opts.family)) return bad(`expected ${expect}`);
    if (len !== undefined && !(/^\d{1,3}$/.test(len) && Number(len) <= (f === 4 ? 32 : 128)))
      return bad(`expected ${expect}`);
    return v.trim();
  };
}

/** A peering LAN: `195.66.224.0/22`. */
function cidr(v: unknown): string | Bad {
  const r = ipValue({ needLength: true })(v);
  if (r instanceof Bad) return bad("expected a prefix such as 195.66.224.0/22 or 2001:7f8:4::/64");
  if (!r.includes("/")) return bad("expected a prefix with its length, such as 195.66.224.0/22");
  return r;
}

/** A secret is never written in the file: only where it lives. */
function secretRef(what: string, allowEnv: boolean, noEnv = "") {
  const refs = allowEnv ? "env:VARIABLE, stored or none" : "stored or none";
  return (v: unknown): string | Bad => {
    if (v === null) return "none";
    if (v === "stored" || v === "none") return v;
    if (typeof v === "string" && v.startsWith("env:")) {
      const name = v.slice(4);
      if (!allowEnv)
        return bad(noEnv || `${what} cannot come from an environment variable here; use ${refs}`);
      if (!ENV_NAME.test(name)) return bad("expected env: and a variable name, e.g. env:EDGE1_PASSWORD");
      return `env:${name}`;
    }
    return bad(`${what} is never written in the file: give ${refs}`);
  };
}

function slugList(v: unknown): string[] | Bad {
  if (v === null) return [];
  if (!Array.isArray(v)) return bad("expected a list of slugs, e.g. [import-peers]");
  const out: string[] = [];
  for (const x of v) {
    const s = configSlug(x);
    if (s instanceof Bad) return bad(`expected a list of slugs: ${s.message}`);
    if (out.includes(s)) return bad(`lists ${s} twice`);
    out.push(s);
  }
  return out;
}

const opt = <T>(parse: (v: unknown) => T | Bad, what = "") => field(parse, what).optional();
const req = <T>(parse: (v: unknown) => T | Bad, what: string) => field(parse, what);

const attachments = {
  import_policies: opt(slugList),
  export_policies: opt(slugList),
  communities: opt(slugList),
};

export const policySchema = z.strictObject({
  slug: req(configSlug, "the policy's slug, e.g. import-peers"),
  name: opt(text(255)),
  kind: opt(choice(POLICY_KINDS, { both: "import_export", "import-export": "import_export" })),
  family: opt(choice(FAMILIES, { v4: "ipv4", v6: "ipv6", both: "all" })),
  weight: opt(int(0, 32767)),
  comments: opt(text(10_000, { multiline: true })),
});

export const communitySchema = z.strictObject({
  slug: req(configSlug, "the community's slug, e.g. learned-at-ixp"),
  name: opt(text(255)),
  value: req(text(100), "the community, e.g. 64500:100, 64500:1:2 or rt 64500:100"),
  kind: opt(choice(COMMUNITY_KINDS)),
  direction: opt(choice(DIRECTIONS)),
  comments: opt(text(10_000, { multiline: true })),
});

export const groupSchema = z.strictObject({
  slug: req(configSlug, "the group's slug, e.g. transit"),
  name: opt(text(255)),
  status: opt(choice(OBJECT_STATUSES)),
  comments: opt(text(10_000, { multiline: true })),
  ...attachments,
});

export const contactSchema = z.strictObject({
  name: opt(text(255)),
  role: opt(text(50)),
  email: opt(text(254, { pattern: EMAIL, expect: "an e-mail address" })),
  phone: opt(text(100)),
});

export const asSchema = z.strictObject({
  asn: req(asnValue, "the AS number, e.g. 6939"),
  name: opt(text(255)),
  affiliated: opt(bool),
  irr_as_set: opt(text(1000)),
  ipv4_max_prefixes: opt(int(0, 10_000_000)),
  ipv6_max_prefixes: opt(int(0, 10_000_000)),
  policy: opt(choice(GENERAL_POLICIES)),
  comments: opt(text(10_000, { multiline: true })),
  peeringdb_id: opt(orNull(int(1, 2_147_483_647))),
  sync: z
    .strictObject({
      name: opt(bool),
      irr_as_set: opt(bool),
      max_prefixes: opt(bool),
      policy: opt(bool),
    })
    .optional(),
  email_from: opt(text(254)),
  email_reply_to: opt(text(254)),
  ...attachments,
  contacts: z.array(contactSchema).nullable().optional(),
});

export const ixpSchema = z.strictObject({
  slug: req(slug, "the IXP's slug, e.g. linx-lon1"),
  name: opt(text(255)),
  local_as: opt(asnValue),
  peeringdb_ix_id: opt(orNull(int(1, 2_147_483_647))),
  peeringdb_ixlan_id: opt(orNull(int(1, 2_147_483_647))),
  prefixes: opt((v: unknown) => {
    if (v === null) return [];
    if (!Array.isArray(v)) return bad("expected a list of prefixes, e.g. [195.66.224.0/22]");
    const out: string[] = [];
    for (const x of v) {
      const p = cidr(x);
      if (p instanceof Bad) return p;
      out.push(p);
    }
    return out;
  }),
  status: opt(choice(OBJECT_STATUSES)),
  comments: opt(text(10_000, { multiline: true })),
  ...attachments,
});

export const routerSchema = z.strictObject({
  name: req(routerName, "the router's name, e.g. edge1.lon"),
  hostname: req(hostname, "the host name or address peerbot connects to"),
  port: opt(int(1, 65535)),
  platform: req(choice(PLATFORMS), `one of ${PLATFORMS.join(", ")}`),
  local_as: opt(asnValue),
  status: opt(choice(OBJECT_STATUSES)),
  template: opt(
    text(100, { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, expect: "a template name, e.g. bird2" }),
  ),
  config_path: opt(text(500)),
  bgp_router_id: opt((v: unknown) =>
    v === "" || v === null
      ? ""
      : typeof v === "string" && !v.includes("/")
        ? ipValue({ family: 4 })(v)
        : bad("expected an IPv4 address, e.g. 192.0.2.1"),
  ),
  poll_session_state: opt(bool),
  four_eyes: opt(bool),
  username: opt(text(100)),
  credential: opt(secretRef("the SSH password", true)),
  private_key: opt(secretRef("the SSH private key", false)),
  host_key: opt((v: unknown) =>
    v === null || v === "none"
      ? "none"
      : typeof v === "string" && HOST_KEY.test(v)
        ? v
        : bad("expected the pinned host key as SHA256:<base64>, or none"),
  ),
  comments: opt(text(10_000, { multiline: true })),
});

export const ixpSessionSchema = z.strictObject({
  asn: req(asnValue, "the peer's AS number"),
  ip: req(ipValue(), "the peer's address on the exchange"),
  status: req(choice(SESSION_STATUSES), `one of ${SESSION_STATUSES.join(", ")}`),
  route_server: opt(bool),
  password: opt(
    secretRef(
      "a BGP password",
      false,
      "an IXP session's password is kept encrypted by peerbot, not in a variable: use stored or none",
    ),
  ),
  multihop_ttl: opt(orNull(int(1, 255))),
  passive: opt(bool),
  bfd: opt(bool),
  comments: opt(text(10_000, { multiline: true })),
  ...attachments,
});

export const connectionSchema = z.strictObject({
  ixp: req(slug, "the IXP's slug"),
  router: opt(orNull(routerName)),
  name: opt(text(255)),
  ipv4: opt(orNull(ipValue({ family: 4, needLength: true }))),
  ipv6: opt(orNull(ipValue({ family: 6, needLength: true }))),
  vlan: opt(orNull(int(1, 4094))),
  mac: opt((v: unknown) =>
    v === null || v === ""
      ? ""
      : typeof v === "string" && MAC.test(v)
        ? v
        : bad("expected a MAC address, e.g. 00:11:22:33:44:55"),
  ),
  speed: opt(int(0, 100_000_000)),
  status: opt(choice(OBJECT_STATUSES)),
  peeringdb_netixlan_id: opt(orNull(int(1, 2_147_483_647))),
  comments: opt(text(10_000, { multiline: true })),
  sessions: z.array(ixpSessionSchema).nullable().optional(),
});

export const directSessionSchema = z.strictObject({
  router: opt(orNull(routerName)),
  ip: req(ipValue(), "the peer's address"),
  asn: req(asnValue, "the peer's AS number"),
  local_asn: opt(orNull(asnValue)),
  local_ip: opt(orNull(ipValue())),
  relationship: opt(
    choice(RELATIONSHIPS, {
      transit: "transit_provider",
      "transit-provider": "transit_provider",
      "private-peering": "private_peering",
      pni: "private_peering",
    }),
  ),
  status: req(choice(SESSION_STATUSES), `one of ${SESSION_STATUSES.join(", ")}`),
  group: opt(orNull(configSlug)),
  password: opt(secretRef("a BGP password", true)),
  multihop_ttl: opt(orNull(int(1, 255))),
  passive: opt(bool),
  bfd: opt(bool),
  comments: opt(text(10_000, { multiline: true })),
  ...attachments,
});

const section = <T extends z.ZodType>(s: T) => z.array(s).nullable().optional();

export const inventoryFileSchema = z.strictObject({
  version: opt((v: unknown) =>
    v === FILE_VERSION ? v : bad(`this peerbot reads version ${FILE_VERSION} files`),
  ),
  policies: section(policySchema),
  communities: section(communitySchema),
  groups: section(groupSchema),
  autonomous_systems: section(asSchema),
  ixps: section(ixpSchema),
  routers: section(routerSchema),
  connections: section(connectionSchema),
  direct_sessions: section(directSessionSchema),
});

export type InventoryFile = z.output<typeof inventoryFileSchema>;
export type FilePolicy = z.output<typeof policySchema>;
export type FileCommunity = z.output<typeof communitySchema>;
export type FileGroup = z.output<typeof groupSchema>;
export type FileAs = z.output<typeof asSchema>;
export type FileContact = z.output<typeof contactSchema>;
export type FileIxp = z.output<typeof ixpSchema>;
export type FileRouter = z.output<typeof routerSchema>;
export type FileConnection = z.output<typeof connectionSchema>;
export type FileIxpSession = z.output<typeof ixpSessionSchema>;
export type FileDirectSession = z.output<typeof directSessionSchema>;

/** The sections of a file, in the order export writes them. */
export const SECTIONS = [
  "policies",
  "communities",
  "groups",
  "autonomous_systems",
  "ixps",
  "routers",
  "connections",
  "direct_sessions",
] as const;
export type Section = (typeof SECTIONS)[number];
