// The port the Peering Manager import reads through, and the records it reads: the fields of
// Peering Manager's REST serializers that peerbot maps, as they are after validation
// (drivers/peering-manager/schemas.ts checks each record against these shapes). Modelled on
// Peering Manager 1.11 (peering/api/serializers, bgp/api/serializers, devices/api/serializers,
// net/api/serializers, messaging/api/serializers); choice fields ({value, label}) arrive here
// as their value, nested objects ({id, url, display, ...}) with the fields the import uses.

/** A nested object as Peering Manager serializes a relation: {id, url, display, ...}. */
export interface PmRef {
  id: number;
  display?: string;
}

export interface PmNamedRef extends PmRef {
  name: string;
  slug?: string;
}

export interface PmAutonomousSystem {
  id: number;
  asn: number;
  name: string;
  name_peeringdb_sync: boolean;
  description: string;
  comments: string;
  irr_as_set: string | null;
  irr_as_set_peeringdb_sync: boolean;
  ipv6_max_prefixes: number | null;
  ipv6_max_prefixes_peeringdb_sync: boolean;
  ipv4_max_prefixes: number | null;
  ipv4_max_prefixes_peeringdb_sync: boolean;
  import_routing_policies: PmRef[];
  export_routing_policies: PmRef[];
  communities: PmRef[];
  affiliated: boolean;
}

export interface PmInternetExchange {
  id: number;
  name: string;
  slug: string;
  description: string;
  /** PeeringDB ixlan id (a primary key). */
  peeringdb_ixlan: number | null;
  /** {"ipv4": [...], "ipv6": [...]} from Peering Manager's PeeringDB cache. */
  peeringdb_prefixes: Record<string, string[]>;
  status: string | null;
  local_autonomous_system: (PmRef & { asn: number }) | null;
  import_routing_policies: PmRef[];
  export_routing_policies: PmRef[];
  communities: PmRef[];
}

export interface PmConnection {
  id: number;
  name: string;
  peeringdb_netixlan: number | null;
  status: string | null;
  vlan: number | null;
  mac_address: string | null;
  /** With the peering LAN's prefix length: "195.66.224.10/22". */
  ipv6_address: string | null;
  ipv4_address: string | null;
  internet_exchange_point: PmNamedRef | null;
  router: PmNamedRef | null;
  interface: string;
  description: string;
  comments: string;
}

export interface PmPlatform {
  id: number;
  name: string;
  slug: string;
  napalm_driver: string;
}

export interface PmRouter {
  id: number;
  name: string;
  hostname: string;
  platform: PmNamedRef | null;
  status: string | null;
  poll_bgp_sessions_state: boolean;
  configuration_template: PmNamedRef | null;
  communities: PmRef[];
  local_autonomous_system: (PmRef & { asn: number }) | null;
  napalm_username: string | null;
  comments: string;
}

export interface PmBgpGroup {
  id: number;
  name: string;
  slug: string;
  description: string;
  status: string | null;
  import_routing_policies: PmRef[];
  export_routing_policies: PmRef[];
  communities: PmRef[];
}

export interface PmRoutingPolicy {
  id: number;
  name: string;
  slug: string;
  description: string;
  /** import-policy | export-policy | import-export-policy */
  type: string;
  weight: number;
  /** 0 (all), 4 or 6. */
  address_family: number;
  communities: PmRef[];
}

export interface PmCommunity {
  id: number;
  name: string;
  slug: string;
  description: string;
  value: string;
  /** ingress | egress | ingress-egress, or null when not set. */
  type: string | null;
  /** standard | extended | large; null when Peering Manager does not validate values. */
  kind: string | null;
}

interface PmSession {
  id: number;
  service_reference: string | null;
  autonomous_system: PmRef & { asn: number };
  ip_address: string;
  status: string | null;
  /** In clear text, as Peering Manager keeps it. */
  password: string | null;
  multihop_ttl: number | null;
  passive: boolean;
  import_routing_policies: PmRef[];
  export_routing_policies: PmRef[];
  communities: PmRef[];
  /** The BFD configuration, if any (peerbot keeps only whether BFD is on). */
  bfd: PmRef | null;
  comments: string;
}

export interface PmIxpSession extends PmSession {
  ixp_connection: PmRef | null;
  is_route_server: boolean;
}

export interface PmDirectSession extends PmSession {
  local_autonomous_system: (PmRef & { asn: number }) | null;
  local_ip_address: string | null;
  bgp_group: PmNamedRef | null;
  /** A relationship object (1.6 and later) or its slug (older versions). */
  relationship: PmNamedRef | string | null;
  router: PmNamedRef | null;
}

export interface PmContact {
  id: number;
  name: string;
  title: string;
  phone: string;
  email: string;
}

export interface PmContactAssignment {
  id: number;
  /** "<app>.<model>", e.g. "peering.autonomoussystem". */
  content_type: string;
  object_id: number;
  contact: PmNamedRef;
  role: PmNamedRef | null;
}

export interface PmEmail {
  id: number;
  name: string;
  subject: string;
  /** Jinja2. */
  template: string;
}

export interface PmRecords {
  "autonomous-systems": PmAutonomousSystem;
  "internet-exchanges": PmInternetExchange;
  connections: PmConnection;
  platforms: PmPlatform;
  routers: PmRouter;
  "bgp-groups": PmBgpGroup;
  "routing-policies": PmRoutingPolicy;
  communities: PmCommunity;
  "ixp-sessions": PmIxpSession;
  "direct-sessions": PmDirectSession;
  contacts: PmContact;
  "contact-assignments": PmContactAssignment;
  emails: PmEmail;
}

export type PmKind = keyof PmRecords;

/** Every kind, in the order the import reads them. */
export const PM_KINDS: readonly PmKind[] = [
  "routing-policies",
  "communities",
  "bgp-groups",
  "autonomous-systems",
  "internet-exchanges",
  "platforms",
  "routers",
  "connections",
  "ixp-sessions",
  "direct-sessions",
  "contacts",
  "contact-assignments",
  "emails",
];

/** A list as read: the valid records, and those refused with the reason (one sentence each). */
export interface PmList<T> {
  records: T[];
  /** Records that do not have the shape peerbot reads, by their id when they have one. */
  invalid: { id: number | null; why: string }[];
  /** The API path it came from, e.g. "/api/bgp/communities/". */
  path: string;
}

/** Where the import reads from: drivers/peering-manager's client, or a test's own. */
export interface PeeringManagerSource {
  /** host[:port] of the instance, as the summary and the ExternalRef source name it. */
  readonly host: string;
  /** Checks the token and reads the version ("1.11.0"), or null when the instance does not say. */
  status(): Promise<{ version: string | null }>;
  list<K extends PmKind>(kind: K): Promise<PmList<PmRecords[K]>>;
  /** HTTP requests sent so far. */
  readonly requests: number;
}

/** Everything read from one instance, by kind. */
export type PmSnapshot = { [K in PmKind]: PmList<PmRecords[K]> } & { version: string | null; host: string };

/** Reads every kind, one after the other (the instance is asked for one list at a time). */
export async function readSnapshot(source: PeeringManagerSource): Promise<PmSnapshot> {
  const { version } = await source.status();
  const out: Partial<Record<PmKind, PmList<unknown>>> = {};
  for (const kind of PM_KINDS) out[kind] = await source.list(kind);
  return { ...(out as { [K in PmKind]: PmList<PmRecords[K]> }), version, host: source.host };
}
