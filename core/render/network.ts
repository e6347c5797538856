// What sessions hang on and whom they talk to: the IXPs the router is connected to, with our
// connections (ports) there, and the peers' autonomous systems. Each is built once per
// render and shared by every session that refers to it.
import type { ConnectionContext, IxpContext, PeerContext } from "./contract.js";
import { asSets, identifier, RenderError, safeText, TEXT_MAX, type Dialect } from "./escape.js";
import { parseIp } from "./ip.js";
import { IXP_COMM, IXP_EXPORT, IXP_IMPORT, type AsRow, type ConnRow } from "./load.js";
import type { PolicyLevels } from "./policy.js";
import { asn, count, objectStatus } from "./values.js";
import { plural } from "../text.js";

/** One of the router's connections and the IXP it is at. */
export interface IxpPort {
  conn: ConnectionContext;
  ixp: IxpContext;
}

/**
 * The router's IXPs (by id; their sessions and groups are filled in later) and its
 * connections (by id). An IXP's own policies and communities are its levels (policy.ts).
 */
export function buildIxps(
  rows: ConnRow[],
  levels: PolicyLevels,
  dialect: Dialect,
): { ixps: Map<number, IxpContext>; ports: Map<number, IxpPort> } {
  const text = (v: unknown) => safeText(v, dialect);
  const ixps = new Map<number, IxpContext>();
  const ports = new Map<number, IxpPort>();
  for (const c of rows) {
    let ixp = ixps.get(c.ixpId);
    if (!ixp) {
      ixp = {
        id: c.ixpId,
        name: text(c.ixpName),
        slug: identifier(c.ixpSlug, `IXP ${text(c.ixpName)}`),
        status: objectStatus(c.ixpStatus),
        localAsn: asn(c.ixpLocalAsn, `IXP ${text(c.ixpName)}`),
        connections: [],
        groups: [],
        sessions: [],
        importPolicies: levels.policies(IXP_IMPORT, c.ixpId),
        exportPolicies: levels.policies(IXP_EXPORT, c.ixpId),
        communities: levels.communities(IXP_COMM, c.ixpId),
        comments: text(c.ixpComments),
      };
      ixps.set(c.ixpId, ixp);
    }
    const v4 = parseIp(c.v4);
    const v6 = parseIp(c.v6);
    const conn: ConnectionContext = {
      id: c.id,
      name: text(c.name),
      ipv4Address: v4?.family === 4 ? v4.address : null,
      ipv4Prefix: v4?.family === 4 && c.v4len !== null ? `${v4.address}/${c.v4len}` : null,
      ipv6Address: v6?.family === 6 ? v6.address : null,
      ipv6Prefix: v6?.family === 6 && c.v6len !== null ? `${v6.address}/${c.v6len}` : null,
      vlan: typeof c.vlan === "number" && c.vlan >= 0 && c.vlan <= 4095 ? c.vlan : null,
      status: objectStatus(c.status),
      comments: text(c.comments),
    };
    ixp.connections.push(conn);
    ports.set(c.id, { conn, ixp });
  }
  for (const ixp of ixps.values()) ixp.connections.sort((a, b) => a.id - b.id);
  return { ixps, ports };
}

/** What a route-server session's description ends in. */
const ROUTE_SERVER_NOTE = " (route server)";

/** The peers' autonomous systems, each built the first time a session names it. */
export class Peers {
  private readonly rows = new Map<number, AsRow>();
  private readonly peers = new Map<number, PeerContext>();
  private readonly descriptions = new Map<number, string>();
  /** `AS174 (not an as-set.)` for each peer whose irr_as_set has no usable AS-SET. */
  private readonly badAsSets: string[] = [];

  constructor(
    ases: AsRow[],
    private readonly dialect: Dialect,
  ) {
    for (const a of ases) this.rows.set(a.id, a);
  }

  of(asId: number): PeerContext {
    let p = this.peers.get(asId);
    if (!p) {
      const row = this.rows.get(asId);
      if (!row)
        throw new RenderError(`a session refers to an autonomous system (id ${asId}) that was not loaded`);
      const name = safeText(row.name, this.dialect);
      const sets = asSets(row.irrAsSet);
      if (row.irrAsSet.trim() !== "" && sets.length === 0)
        this.badAsSets.push(`AS${row.asn} (${safeText(row.irrAsSet, "generic", 40)})`);
      p = {
        id: asId,
        asn: asn(row.asn, `AS ${name}`),
        name,
        irrAsSet: sets[0] ?? "",
        irrAsSets: sets,
        ipv4MaxPrefixes: count(row.mp4),
        ipv6MaxPrefixes: count(row.mp6),
      };
      this.peers.set(asId, p);
    }
    return p;
  }

  /**
   * A session's description, `AS6939 Hurricane Electric`, escaped once per peer; a route-server
   * session's ends in ` (route server)`, which the dialect's length limit never cuts off.
   */
  description(peer: PeerContext, routeServer = false): string {
    const key = routeServer ? -peer.id - 1 : peer.id;
    let d = this.descriptions.get(key);
    if (d === undefined) {
      const base = `AS${peer.asn} ${peer.name}`;
      d = routeServer
        ? `${safeText(base, this.dialect, TEXT_MAX[this.dialect] - ROUTE_SERVER_NOTE.length)}${ROUTE_SERVER_NOTE}`
        : safeText(base, this.dialect);
      this.descriptions.set(key, d);
    }
    return d;
  }

  /** One warning line for every unusable AS-SET (the first five named), or null. */
  warning(): string | null {
    const bad = this.badAsSets;
    if (!bad.length) return null;
    return (
      `${plural(bad.length, "AS-SET")} peerbot cannot use: ` +
      bad.slice(0, 5).join(", ") +
      (bad.length > 5 ? ", ..." : "")
    );
  }
}
