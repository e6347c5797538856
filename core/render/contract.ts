// The template contract: every field a router template can read, and what it means. Templates
// see a RenderContext (core/render/context.ts builds it); templates/router/README.md lists the
// fields, this file documents each one.
//
// Every string in here is already escaped for the router's dialect (safeText), every
// identifier validated, every number range-checked and every address parsed, so a template
// may put any field anywhere its kind of value goes. The context is cyclic (a session points
// at its group, the group at its sessions): never log one, it holds plaintext passwords.
import type { CommunityKind, Dialect } from "./escape.js";
import type { Family } from "./ip.js";
import type { IrrListContext, IrrProblem } from "./irr.js";

export type { IrrEntryContext, IrrListContext, IrrProblem } from "./irr.js";

/** An object's status as rendered: anything but `disabled` or `maintenance` is `enabled`. */
export type EffectiveStatus = "enabled" | "maintenance" | "disabled";
export type Direction = "import" | "export";
export type Afi = "ipv4" | "ipv6";

/** Session statuses that are rendered; the others are left out of the configuration. */
export const RENDERED_STATUSES = ["provisioning", "enabled", "maintenance", "disabled"] as const;

export interface PolicyContext {
  id: number;
  name: string;
  /** The identifier the router knows the policy by (route-map, policy-statement, RPL name). */
  slug: string;
  /** BIRD function the main bird.conf defines for this policy: `policy_<slug with _>`. */
  symbol: string;
  kind: "import" | "export" | "import_export";
  weight: number;
  addressFamily: "all" | "ipv4" | "ipv6";
  /** An import policy that filters the peer's routes by its IRR list (see SessionContext.irr). */
  irrFilter: boolean;
  /** What a session gets when its list cannot be used: refuse all, or accept unfiltered. */
  irrFallback: "reject" | "accept";
  comments: string;
}

export interface CommunityContext {
  id: number;
  name: string;
  slug: string;
  kind: CommunityKind;
  /** ingress: added to routes we receive (import); egress: added to routes we send (export). */
  direction: "ingress" | "egress";
  /** Canonical value: `64500:1`, `64500:1:2`, `rt 64500:100`. */
  value: string;
  /** Value without the extended type: `64500:100`. */
  plainValue: string;
  extType: "rt" | "soo" | null;
  bird: string;
  /** BIRD statement adding it: `bgp_community.add((64500,1))`. */
  birdAdd: string;
  junos: string;
  /** Name peerbot gives its own Junos community / tagging policy: `pb-<slug>`. */
  junosName: string;
  comments: string;
}

export interface ChainEntry {
  seq: number;
  /** The next entry's sequence number, or null on the last entry. */
  next: number | null;
  policy: PolicyContext | null;
  /** This entry sets the chain's communities. */
  communities: boolean;
}

/**
 * The policies (and communities) one session applies in one direction, merged session -> AS
 * -> IXP/BGP group (Peering Manager's order), filtered by family and kind, de-duplicated.
 * Sessions with the same chain share one object.
 */
export interface ChainContext {
  /** `<direction>|<policy slugs>|<community slugs>`: what makes two chains the same. */
  key: string;
  direction: Direction;
  /** What the session references: `pb-deny`, the single policy's slug, or `pb-in-<hash>`. */
  name: string;
  policies: PolicyContext[];
  communities: CommunityContext[];
  /** No policy at all: everything is refused in this direction (RFC 8212). */
  deny: boolean;
  /** The chain needs a definition of its own (FRR/EOS route-map, IOS-XR route-policy). */
  generated: boolean;
  /** A generated chain's entries: the communities (if any), then each policy; else empty. */
  entries: ChainEntry[];
  /** The chain's community values by kind, without the extended type: `64500:1`, `64500:1:2`. */
  standard: string[];
  large: string[];
  rt: string[];
  soo: string[];
  /** BIRD: the named filter peerbot defines for this chain (`pb_in_<hash>`), or null when it refuses all. */
  birdName: string | null;
  /** BIRD channel statement argument: `none` or `filter pb_in_<hash>`. */
  bird: string;
  /**
   * Import chains of IRR-filtered sessions: the peer's list, checked before anything else (a
   * route outside it is dropped). Such a chain is always generated, and its key ends in
   * `|irr:<list name>`. Junos puts the list's policy-statement first in `junosList`.
   */
  irr: IrrListContext | null;
  /**
   * A warning the chain carries into the configuration, or null: an IRR-filtered session whose
   * list cannot be used and whose policy accepts then (`IRR list for AS714 IPv4 missing:
   * accepting routes unfiltered`). Such a chain is generated, keyed by the peer and family.
   */
  comment: string | null;
  /** Junos `import [ ... ]` / `export [ ... ]` list, and the same joined with spaces. */
  junosList: string[];
  junos: string;
}

export interface ConnectionContext {
  id: number;
  name: string;
  ipv4Address: string | null;
  /** Our address with its prefix length, e.g. 195.66.224.10/22. */
  ipv4Prefix: string | null;
  ipv6Address: string | null;
  ipv6Prefix: string | null;
  /** 0-4095, else null. */
  vlan: number | null;
  status: EffectiveStatus;
  comments: string;
}

export interface PeerContext {
  id: number;
  asn: number;
  name: string;
  /** First valid AS-SET of PeeringDB's irr_as_set, or "" (invalid ones are dropped with a warning). */
  irrAsSet: string;
  irrAsSets: string[];
  /** PeeringDB's figures; 0 when unknown. */
  ipv4MaxPrefixes: number;
  ipv6MaxPrefixes: number;
}

export interface BgpGroupInfo {
  id: number;
  name: string;
  slug: string;
  status: EffectiveStatus;
  comments: string;
}

export interface IxpContext {
  id: number;
  name: string;
  slug: string;
  status: EffectiveStatus;
  /** The AS we speak at this IXP. */
  localAsn: number;
  /** Our connections there, by id. */
  connections: ConnectionContext[];
  groups: GroupContext[];
  sessions: SessionContext[];
  /** The IXP's own level (policy.ts), not merged: policies by weight then slug, communities of both directions by slug. */
  importPolicies: PolicyContext[];
  exportPolicies: PolicyContext[];
  communities: CommunityContext[];
  comments: string;
}

/** Sessions of one IXP (or BGP group) and one address family. */
export interface GroupContext {
  /** `ixp:<IXP id>:<1 for route servers, else 0>:<4|6>` or `direct:<BGP group id, 0 for none>:<4|6>`. */
  key: string;
  kind: "ixp" | "direct";
  /** The group holds the IXP's route-server sessions (they get a group of their own). */
  routeServer: boolean;
  /** Router-side group name: `pb-<ixp or group slug>-v4`, `pb-direct-v6`. */
  name: string;
  /** BIRD template name: `pb_<slug>_v4`. */
  symbol: string;
  family: Family;
  afi: Afi;
  /** Junos family name: `inet` or `inet6`. */
  inet: "inet" | "inet6";
  description: string;
  ixp: IxpContext | null;
  bgpGroup: BgpGroupInfo | null;
  /** Shared by every session of the group, else null (then each session carries its own). */
  localAddress: string | null;
  /** The IXP's local AS, or the router's for direct sessions. */
  localAsn: number;
  /** By address. */
  sessions: SessionContext[];
}

export interface SessionContext {
  id: number;
  kind: "ixp" | "direct";
  /** `ixp:<id>` or `direct:<id>`. */
  key: string;
  family: Family;
  afi: Afi;
  address: string;
  peer: PeerContext;
  remoteAsn: number;
  /** `AS6939 Hurricane Electric`, escaped for the dialect. */
  description: string;
  /** The peer's max prefixes for this family; 0 when unknown. */
  maxPrefixes: number;
  /** The session's own status, one of RENDERED_STATUSES. */
  status: string;
  /** The worst of the session's (`provisioning` counts as enabled), its connection's and IXP's or its BGP group's. */
  effectiveStatus: EffectiveStatus;
  /** effectiveStatus is not `enabled`. */
  shutdown: boolean;
  isRouteServer: boolean;
  /** 1-255, or null. */
  multihopTtl: number | null;
  passive: boolean;
  bfd: boolean;
  /** Plaintext TCP-MD5 password (validated), or null. Never log a context. */
  password: string | null;
  /** The IXP's local AS; for a direct session its own local AS, else the router's. */
  localAsn: number;
  /** The session's local AS differs from the router's. */
  localAsOverride: boolean;
  /** The local AS when it differs from the group's (to state on the neighbor), else null. */
  ownLocalAsn: number | null;
  localAddress: string | null;
  /** The local address when the group has none of its own (to state on the neighbor), else null. */
  ownLocalAddress: string | null;
  /** Junos family name: `inet` or `inet6`. */
  inet: "inet" | "inet6";
  /** A direct session's relationship (`transit_provider`, `peering`, ...); null for IXP sessions. */
  relationship: string | null;
  comments: string;
  /** Merged session -> AS -> IXP or BGP group, filtered by family and kind (see ChainContext). */
  importPolicies: PolicyContext[];
  exportPolicies: PolicyContext[];
  /** The ingress communities, merged the same way (the egress ones go to the export chain). */
  communities: CommunityContext[];
  importChain: ChainContext;
  exportChain: ChainContext;
  /** The IRR list guarding the import chain (also `importChain.irr`), or null. */
  irr: IrrListContext | null;
  /**
   * The session filters by IRR but its list cannot be used (`missing`, `stale`, `over the
   * cap`, ...): its import chain is then pb-deny (fallback reject) or unguarded (accept).
   */
  irrProblem: IrrProblem | null;
  /** BIRD protocol name: `pb_<ixp>_as<asn>_i<id>` / `pb_<group>_as<asn>_d<id>`. */
  symbol: string;
  group: GroupContext;
  ixp: IxpContext | null;
  connection: ConnectionContext | null;
  bgpGroup: BgpGroupInfo | null;
}

export interface RouterContext {
  id: number;
  name: string;
  hostname: string;
  platform: string;
  template: string;
  status: EffectiveStatus;
  localAsn: number;
  localAsName: string;
  /** Dotted-quad BGP router id, or "" to leave the router's own. */
  routerId: string;
}

export interface FamilyContext {
  family: Family;
  afi: Afi;
  groups: GroupContext[];
  sessions: SessionContext[];
}

export interface RenderContext {
  dialect: Dialect;
  router: RouterContext;
  localAsn: number;
  ixps: IxpContext[];
  groups: GroupContext[];
  /** Groups and sessions per address family (IPv4 first), for address-family sections. */
  families: FamilyContext[];
  /**
   * Every rendered session, in group order, then by address: IXP groups by IXP slug (route
   * servers after the others), family; then direct groups by BGP group slug (`direct` for
   * none), family.
   */
  sessions: SessionContext[];
  ixpSessions: SessionContext[];
  directSessions: SessionContext[];
  /** Policies referenced by at least one rendered session, by slug. */
  policies: PolicyContext[];
  /** Communities applied by at least one rendered session, by slug. */
  communities: CommunityContext[];
  /** Chains needing a definition of their own, by name. */
  chains: ChainContext[];
  /** Chains that are not `deny`, by BIRD filter name (BIRD defines a filter for each). */
  birdFilters: ChainContext[];
  /** Some session refuses everything in a direction: `pb-deny` must be defined. */
  usesDeny: boolean;
  /** The IRR lists some import chain uses, by name (each defined once). */
  irrLists: IrrListContext[];
  counts: { sessions: number; ixpSessions: number; directSessions: number; shutdown: number };
  /** Data peerbot dropped or could not use (invalid AS-SET, missing local address, ...). */
  warnings: string[];
}
