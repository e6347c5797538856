// The PeeringDB mirror's vocabulary: the object types peerbot mirrors, the shape of one
// validated record of each (the columns of its pdb_<type> table, named as PeeringDB's API
// names its fields), and the port through which the sync reads PeeringDB. The concrete
// client (drivers/peeringdb) validates the API's JSON into these shapes.

/** The mirrored types, in dependency order (parents before children). */
export const PDB_TYPES = [
  "org",
  "fac",
  "ix",
  "ixlan",
  "ixpfx",
  "net",
  "poc",
  "netfac",
  "ixfac",
  "netixlan",
] as const;
export type PdbType = (typeof PDB_TYPES)[number];

/** ISO 8601 timestamp text as PeeringDB sends it, e.g. "2024-02-07T15:42:16Z". */
export type Timestamp = string;

interface Base {
  id: number;
  /** "ok", "pending"; deleted rows never reach a record (they become deletions). */
  status: string;
  created: Timestamp;
  updated: Timestamp;
}

export interface OrgRecord extends Base {
  name: string;
  aka: string;
  name_long: string;
  website: string;
  notes: string;
  address1: string;
  address2: string;
  city: string;
  country: string;
  state: string;
  zipcode: string;
  floor: string;
  suite: string;
  latitude: number | null;
  longitude: number | null;
}

export interface FacRecord extends Base {
  org_id: number;
  campus_id: number | null;
  name: string;
  aka: string;
  name_long: string;
  website: string;
  clli: string;
  rencode: string;
  npanxx: string;
  notes: string;
  net_count: number;
  ix_count: number;
  carrier_count: number;
  sales_email: string;
  sales_phone: string;
  tech_email: string;
  tech_phone: string;
  property: string | null;
  region_continent: string | null;
  status_dashboard: string | null;
  address1: string;
  address2: string;
  city: string;
  country: string;
  state: string;
  zipcode: string;
  floor: string;
  suite: string;
  latitude: number | null;
  longitude: number | null;
}

export interface IxRecord extends Base {
  org_id: number;
  name: string;
  aka: string;
  name_long: string;
  city: string;
  country: string;
  region_continent: string;
  media: string;
  notes: string;
  proto_unicast: boolean;
  proto_multicast: boolean;
  proto_ipv6: boolean;
  website: string;
  url_stats: string;
  tech_email: string;
  tech_phone: string;
  policy_email: string;
  policy_phone: string;
  sales_email: string;
  sales_phone: string;
  net_count: number;
  fac_count: number;
  service_level: string;
  terms: string;
  status_dashboard: string | null;
}

export interface IxlanRecord extends Base {
  ix_id: number;
  name: string;
  descr: string;
  mtu: number | null;
  dot1q_support: boolean;
  rs_asn: number | null;
  arp_sponge: string | null;
  ixf_ixp_member_list_url_visible: string;
  ixf_ixp_import_enabled: boolean;
}

export interface IxpfxRecord extends Base {
  ixlan_id: number;
  /** "IPv4" or "IPv6". */
  protocol: string;
  /** CIDR, e.g. "80.81.192.0/21". */
  prefix: string;
  in_dfz: boolean;
}

export interface NetRecord extends Base {
  org_id: number;
  name: string;
  aka: string;
  name_long: string;
  website: string;
  asn: number;
  looking_glass: string;
  route_server: string;
  irr_as_set: string;
  info_type: string;
  info_types: string[];
  info_prefixes4: number | null;
  info_prefixes6: number | null;
  info_traffic: string;
  info_ratio: string;
  info_scope: string;
  info_unicast: boolean;
  info_multicast: boolean;
  info_ipv6: boolean;
  info_never_via_route_servers: boolean;
  notes: string;
  policy_url: string;
  policy_general: string;
  policy_locations: string;
  policy_ratio: boolean;
  policy_contracts: string;
  allow_ixp_update: boolean;
  status_dashboard: string | null;
  rir_status: string | null;
  netixlan_updated: Timestamp | null;
  netfac_updated: Timestamp | null;
  poc_updated: Timestamp | null;
}

export interface PocRecord extends Base {
  net_id: number;
  /** Abuse, Maintenance, Policy, Technical, NOC, Public Relations, Sales. */
  role: string;
  /** Public, Users, Private. */
  visible: string;
  name: string;
  phone: string;
  email: string;
  url: string;
}

export interface NetfacRecord extends Base {
  net_id: number;
  fac_id: number;
  local_asn: number | null;
  name: string;
  city: string;
  country: string;
}

export interface IxfacRecord extends Base {
  ix_id: number;
  fac_id: number;
  name: string;
  city: string;
  country: string;
}

export interface NetixlanRecord extends Base {
  net_id: number;
  ix_id: number;
  ixlan_id: number;
  name: string;
  notes: string;
  /** Mbit/s. */
  speed: number;
  asn: number;
  ipaddr4: string | null;
  ipaddr6: string | null;
  is_rs_peer: boolean;
  bfd_support: boolean;
  operational: boolean;
  net_side_id: number | null;
  ix_side_id: number | null;
}

export interface PdbRecordMap {
  org: OrgRecord;
  fac: FacRecord;
  ix: IxRecord;
  ixlan: IxlanRecord;
  ixpfx: IxpfxRecord;
  net: NetRecord;
  poc: PocRecord;
  netfac: NetfacRecord;
  ixfac: IxfacRecord;
  netixlan: NetixlanRecord;
}

/** A record that failed validation: skipped, and reported by type and id. */
export interface SkippedRecord {
  type: PdbType;
  /** null when the record had no usable id. */
  id: number | null;
  reason: string;
}

/** One page of a type, validated. */
export interface PdbPage<T extends PdbType = PdbType> {
  /** Valid records whose status is not "deleted". */
  records: PdbRecordMap[T][];
  /** Ids of records with status "deleted" (only answered with `since`). */
  deleted: number[];
  skipped: SkippedRecord[];
  /** How many objects the page held (valid, deleted and skipped). */
  received: number;
  /** Newest `updated` on the page (all statuses), or null for an empty page. */
  maxUpdated: Timestamp | null;
}

export interface PageQuery {
  /** Unix seconds: only objects updated since then, deleted ones included. */
  since?: number;
}

/**
 * The port the sync reads PeeringDB through. drivers/peeringdb's PeeringDbClient implements
 * it over HTTP; tests may hand in anything that yields pages. An error thrown while
 * iterating (HTTP failure, malformed response) aborts that type's sync.
 */
export interface PeeringDbSource {
  pages<T extends PdbType>(type: T, query?: PageQuery): AsyncIterable<PdbPage<T>>;
  /** Requests sent so far for `type`, retries included (for the report; optional). */
  requestsFor?(type: PdbType): number;
}
