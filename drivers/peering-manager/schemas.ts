// zod schemas of the Peering Manager JSON peerbot reads, written from Peering Manager 1.11's
// serializers (peering/api/serializers/models.py, bgp/api/serializers/*.py,
// devices/api/serializers.py, net/api/serializers/connections.py,
// messaging/api/serializers.py) and their nested serializers. Only the fields the import maps
// are required; others are ignored. Tolerated, because versions differ: choice fields as
// {value, label} (ChoiceField) or as a bare value, text left unset as null, relations and
// lists absent in older versions. A record that does not pass is refused on its own, with
// the reason, and the rest of the list is read.
import { isIP } from "node:net";
import { z } from "zod";
import type {
  PmAutonomousSystem,
  PmBgpGroup,
  PmCommunity,
  PmConnection,
  PmContact,
  PmContactAssignment,
  PmDirectSession,
  PmEmail,
  PmInternetExchange,
  PmIxpSession,
  PmKind,
  PmPlatform,
  PmRecords,
  PmRoutingPolicy,
  PmRouter,
} from "../../core/migrate/peering-manager/source.js";

const MAX_ASN = 4_294_967_295;

const id = z.int().positive();
const text = z
  .string()
  .nullish()
  .transform((v) => v ?? "");
const optText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v === "" ? null : v));
const flag = z
  .boolean()
  .nullish()
  .transform((v) => v ?? false);
/** `s`, or null when left out or null. */
const orNull = <T extends z.ZodType>(s: T) => s.nullish().transform((v) => v ?? null);
const asn = z.int().min(1).max(MAX_ASN);
const count = z.int().min(0).max(2_147_483_647);

/** ChoiceField: {"value": ..., "label": ...}; a bare value from older versions; null when unset. */
const choice = z
  .union([z.object({ value: z.union([z.string(), z.number()]).nullable() }), z.string(), z.number()])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined) return null;
    const raw = typeof v === "object" ? v.value : v;
    return raw === null || raw === "" ? null : String(raw);
  });

/** An address with or without its prefix length: "195.66.224.10/22", "2001:db8::1". */
const address = z.string().refine((s) => {
  const [host, len, more] = s.split("/");
  if (more !== undefined || !host || !isIP(host)) return false;
  if (len === undefined) return true;
  return /^\d{1,3}$/.test(len) && Number(len) <= (isIP(host) === 4 ? 32 : 128);
}, "not an IP address");
const optAddress = z
  .union([address, z.literal("")])
  .nullish()
  .transform((v) => (v ? v : null));

const ref = z.object({ id, display: z.string().optional() });
const refs = z
  .array(ref)
  .nullish()
  .transform((v) => v ?? []);
const namedRef = z.object({
  id,
  display: z.string().optional(),
  name: z.string(),
  slug: z.string().optional(),
});
const asRef = z.object({ id, display: z.string().optional(), asn });

const autonomousSystem = z.object({
  id,
  asn,
  name: z.string(),
  name_peeringdb_sync: flag,
  description: text,
  comments: text,
  irr_as_set: optText,
  irr_as_set_peeringdb_sync: flag,
  ipv6_max_prefixes: orNull(count),
  ipv6_max_prefixes_peeringdb_sync: flag,
  ipv4_max_prefixes: orNull(count),
  ipv4_max_prefixes_peeringdb_sync: flag,
  import_routing_policies: refs,
  export_routing_policies: refs,
  communities: refs,
  affiliated: flag,
}) satisfies z.ZodType<PmAutonomousSystem>;

const internetExchange = z.object({
  id,
  name: z.string(),
  slug: z.string(),
  description: text,
  peeringdb_ixlan: orNull(z.union([id, ref.transform((r) => r.id)])),
  peeringdb_prefixes: z
    .record(z.string(), z.array(z.string()))
    .nullish()
    .transform((v) => v ?? {}),
  status: choice,
  local_autonomous_system: orNull(asRef),
  import_routing_policies: refs,
  export_routing_policies: refs,
  communities: refs,
}) satisfies z.ZodType<PmInternetExchange>;

const connection = z.object({
  id,
  name: text,
  peeringdb_netixlan: orNull(z.union([id, ref.transform((r) => r.id)])),
  status: choice,
  vlan: orNull(z.int().min(0).max(4095)),
  mac_address: optText,
  ipv6_address: optAddress,
  ipv4_address: optAddress,
  internet_exchange_point: orNull(namedRef),
  router: orNull(namedRef),
  interface: text,
  description: text,
  comments: text,
}) satisfies z.ZodType<PmConnection>;

const platform = z.object({
  id,
  name: z.string(),
  slug: z.string(),
  napalm_driver: text,
}) satisfies z.ZodType<PmPlatform>;

const router = z.object({
  id,
  name: z.string(),
  hostname: z.string(),
  platform: orNull(namedRef),
  status: choice,
  poll_bgp_sessions_state: flag,
  configuration_template: orNull(namedRef),
  communities: refs,
  local_autonomous_system: orNull(asRef),
  napalm_username: optText,
  comments: text,
}) satisfies z.ZodType<PmRouter>;

const bgpGroup = z.object({
  id,
  name: z.string(),
  slug: z.string(),
  description: text,
  status: choice,
  import_routing_policies: refs,
  export_routing_policies: refs,
  communities: refs,
}) satisfies z.ZodType<PmBgpGroup>;

const routingPolicy = z.object({
  id,
  name: z.string(),
  slug: z.string(),
  description: text,
  type: choice.transform((v) => v ?? "import-policy"),
  weight: z.int().min(0).max(32767),
  address_family: z
    .union([z.int(), z.object({ value: z.int() }).transform((o) => o.value)])
    .refine((v) => v === 0 || v === 4 || v === 6, "address_family must be 0, 4 or 6"),
  communities: refs,
}) satisfies z.ZodType<PmRoutingPolicy>;

const community = z.object({
  id,
  name: z.string(),
  slug: z.string(),
  description: text,
  value: z.string(),
  type: choice,
  kind: choice,
}) satisfies z.ZodType<PmCommunity>;

const session = {
  id,
  service_reference: optText,
  autonomous_system: asRef,
  ip_address: address,
  status: choice,
  password: optText,
  multihop_ttl: orNull(z.int().min(0).max(255)),
  passive: flag,
  import_routing_policies: refs,
  export_routing_policies: refs,
  communities: refs,
  bfd: orNull(ref),
  comments: text,
};

const ixpSession = z.object({
  ...session,
  ixp_connection: orNull(ref),
  is_route_server: flag,
}) satisfies z.ZodType<PmIxpSession>;

const directSession = z.object({
  ...session,
  local_autonomous_system: orNull(asRef),
  local_ip_address: optAddress,
  bgp_group: orNull(namedRef),
  relationship: z
    .union([namedRef, z.string()])
    .nullish()
    .transform((v) => (v === "" || v === undefined ? null : v)),
  router: orNull(namedRef),
}) satisfies z.ZodType<PmDirectSession>;

const contact = z.object({
  id,
  name: z.string(),
  title: text,
  phone: text,
  email: text,
}) satisfies z.ZodType<PmContact>;

const contactAssignment = z.object({
  id,
  content_type: z.string(),
  object_id: id,
  contact: namedRef,
  role: orNull(namedRef),
}) satisfies z.ZodType<PmContactAssignment>;

const email = z.object({
  id,
  name: z.string(),
  subject: text,
  template: text,
}) satisfies z.ZodType<PmEmail>;

const OBJECTS = {
  "autonomous-systems": autonomousSystem,
  "internet-exchanges": internetExchange,
  connections: connection,
  platforms: platform,
  routers: router,
  "bgp-groups": bgpGroup,
  "routing-policies": routingPolicy,
  communities: community,
  "ixp-sessions": ixpSession,
  "direct-sessions": directSession,
  contacts: contact,
  "contact-assignments": contactAssignment,
  emails: email,
};

export const SCHEMAS: { [K in PmKind]: z.ZodType<PmRecords[K]> } = OBJECTS;

/**
 * The fields to ask for (`?fields=`, Peering Manager 1.10 and later; older versions send every
 * field): only those peerbot reads, which also spares the server the config context it would
 * otherwise compute for every object.
 */
export const FIELDS: { [K in PmKind]: string } = Object.fromEntries(
  Object.entries(OBJECTS).map(([k, o]) => [k, Object.keys(o.shape).join(",")]),
) as { [K in PmKind]: string };

/** The list page every Peering Manager list endpoint answers (DRF's LimitOffsetPagination). */
export const pageSchema = z.object({
  count: z.int().min(0),
  next: z.string().nullable(),
  previous: z.string().nullable().optional(),
  results: z.array(z.unknown()),
});

/** GET /api/status/. */
export const statusSchema = z.object({ "peering-manager-version": z.string().nullish() }).loose();

/** The first problem zod found, as a short phrase: "ip_address: not an IP address". */
export function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return "invalid";
  const where = i.path.length ? `${i.path.join(".")}: ` : "";
  return `${where}${i.message}`.slice(0, 160);
}
