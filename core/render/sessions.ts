// Sessions and their groups. IXP and direct sessions are built by ONE builder: what differs
// between them is where a session hangs (an IXP connection, or a BGP group or nothing for a
// direct session), and that is data, an Attachment, made by ixpAttachment or
// directAttachment. The builder validates and escapes each row, merges its policies
// (policy.ts), puts it in its group (one per IXP or BGP group, route servers apart, and
// address family), and finally orders everything for the templates.
import type { SecretBox } from "../crypto.js";
import type {
  BgpGroupInfo,
  ConnectionContext,
  EffectiveStatus,
  GroupContext,
  IxpContext,
  SessionContext,
} from "./contract.js";
import {
  birdSymbol,
  checkPassword,
  identifier,
  RenderError,
  safeText,
  shortIdent,
  type Dialect,
} from "./escape.js";
import { parseIp, type Family } from "./ip.js";
import {
  AS_LINKS,
  DIRECT_SESSION_LINKS,
  F_BFD,
  F_PASSIVE,
  F_RS,
  GROUP_LINKS,
  irrOf,
  IXP_LINKS,
  IXP_SESSION_LINKS,
  statusOf,
  type DsRow,
  type LinkKinds,
  type SessionRow,
} from "./load.js";
import type { Chains } from "./chains.js";
import type { IrrLists } from "./irr.js";
import type { Peers } from "./network.js";
import { EMPTY_LEVELS, type PolicyLevels } from "./policy.js";
import { asn, objectStatus, ttl, where, worst } from "./values.js";
import { plural } from "../text.js";

/** Where a session hangs, and what it takes from there. */
export interface Attachment {
  kind: "ixp" | "direct";
  /** The place as messages name it: the IXP's name, the BGP group's, or `direct`. */
  at: string;
  /** The worst status of what the session hangs on (connection and IXP, or BGP group). */
  status: EffectiveStatus;
  ixp: IxpContext | null;
  connection: ConnectionContext | null;
  bgpGroup: BgpGroupInfo | null;
  /** The session's own link kinds, and its parent level's (IXP or BGP group; null: none). */
  ownLinks: LinkKinds;
  parentLinks: LinkKinds | null;
  /** The IXP's or BGP group's id (0 for direct sessions without a group). */
  parentId: number;
  /** Our address of each family: the connection's, or a direct session's local address. */
  local4: string | null;
  local6: string | null;
  /** A direct session's own local AS, as loaded (validated per session); null: the group's. */
  ownAsn: string | null;
  /** The local AS of the group: the IXP's, or the router's for direct sessions. */
  groupAsn: number;
  relationship: string | null;
  /** Names the group (`pb-<slug>-v4`) and, shortened, the BIRD protocol. */
  slug: string;
  /** Describes the group: `<title> IPv4`. */
  title: string;
  /** BIRD protocol name up to the AS: `pb_<slug>`; then `_as<asn>_<idTag><id>`. */
  symbolPrefix: string;
  idTag: "i" | "d";
  /** A direct session's environment variable holding its password (wins over its stored one). */
  passwordEnv: string | null;
}

/** Where the sessions of one connection hang: the connection and its IXP. */
export function ixpAttachment(conn: ConnectionContext, ixp: IxpContext): Attachment {
  return {
    kind: "ixp",
    at: ixp.name,
    status: worst(conn.status, ixp.status),
    ixp,
    connection: conn,
    bgpGroup: null,
    ownLinks: IXP_SESSION_LINKS,
    parentLinks: IXP_LINKS,
    parentId: ixp.id,
    local4: conn.ipv4Address,
    local6: conn.ipv6Address,
    ownAsn: null,
    groupAsn: ixp.localAsn,
    relationship: null,
    slug: ixp.slug,
    title: ixp.name,
    symbolPrefix: birdSymbol("pb", shortIdent(ixp.slug, 20)),
    idTag: "i",
    passwordEnv: null,
  };
}

/** Where one direct session hangs: its BGP group, if any (one object per session). */
export function directAttachment(d: DsRow, dialect: Dialect, routerAsn: number): Attachment {
  const text = (v: unknown) => safeText(v, dialect);
  const bgpGroup: BgpGroupInfo | null =
    d.gId !== null
      ? {
          id: d.gId,
          name: text(d.gName),
          slug: identifier(d.gSlug, `BGP group ${text(d.gName)}`),
          status: objectStatus(d.gStatus),
          comments: text(d.gComments),
        }
      : null;
  const lip = parseIp(d.lip);
  const slug = bgpGroup ? bgpGroup.slug : "direct";
  return {
    kind: "direct",
    at: bgpGroup ? bgpGroup.name : "direct",
    status: bgpGroup ? bgpGroup.status : "enabled",
    ixp: null,
    connection: null,
    bgpGroup,
    ownLinks: DIRECT_SESSION_LINKS,
    parentLinks: bgpGroup ? GROUP_LINKS : null,
    parentId: bgpGroup ? bgpGroup.id : 0,
    local4: lip && lip.family === 4 ? lip.address : null,
    local6: lip && lip.family === 6 ? lip.address : null,
    ownAsn: d.lasn,
    groupAsn: routerAsn,
    relationship: d.rel,
    slug,
    title: bgpGroup ? bgpGroup.name : "Direct sessions",
    // `pb_<20>_as<asn>_d<id>` is at most 48 characters, under the 60 that birdSymbol shortens:
    // the prefix and the rest joined give what one birdSymbol call on all four parts would.
    symbolPrefix: birdSymbol("pb", shortIdent(slug, 20)),
    idTag: "d",
    passwordEnv: d.pwenv,
  };
}

function decryptPassword(stored: string, box: SecretBox | null | undefined, where: string): string {
  if (!box)
    throw new RenderError(
      `the session ${where} has a BGP password but no secret key is configured (PEERBOT_SECRET_KEY)`,
    );
  let plain: string;
  try {
    plain = box.decrypt(stored);
  } catch {
    throw new RenderError(
      `the BGP password of the session ${where} cannot be decrypted with the configured secret key`,
    );
  }
  return checkPassword(plain, `the session ${where}`);
}

/** Where passwords named by an environment variable are read (process.env unless told). */
export type PasswordEnv = Readonly<Record<string, string | undefined>>;

/**
 * A direct session's password from the environment variable it names. A missing or empty
 * variable is refused naming the variable; the value itself is never put in a message.
 */
function envPassword(name: string, env: PasswordEnv, where: string): string {
  const value = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(name) ? env[name] : undefined;
  if (value === undefined || value === "")
    throw new RenderError(
      `the BGP password of the session ${where} comes from the environment variable ${safeText(name, "generic", 100)}, which is not set`,
    );
  return checkPassword(value, `the session ${where} (from ${name})`);
}

const bySortKey = (a: [GroupContext, string], b: [GroupContext, string]) =>
  a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** Builds the sessions of one render, then orders them and their groups (finish). */
export class SessionBuilder {
  private readonly unsorted: SessionContext[] = [];
  /** The address sort key of each session in `unsorted`. */
  private readonly ipKeys: string[] = [];
  /** Groups by a small integer (parent id, route-server bit, family) per kind: no key string per session. */
  private readonly ixpGroups = new Map<number, GroupContext>();
  private readonly directGroups = new Map<number, GroupContext>();
  /** Each group's sort key, in the order the groups were made. */
  private readonly groupOrder = new Map<GroupContext, string>();
  /** `connection 3 at LINX LON1 has no IPv6 address` -> how many sessions. */
  private readonly noLocal = new Map<string, number>();

  constructor(
    private readonly dialect: Dialect,
    private readonly routerAsn: number,
    private readonly levels: PolicyLevels,
    private readonly peers: Peers,
    private readonly secretBox: SecretBox | null | undefined,
    private readonly env: PasswordEnv,
    private readonly chains: Chains,
    private readonly irr: IrrLists,
  ) {}

  /** One session row hanging on `at`. */
  add(row: SessionRow, at: Attachment): void {
    const peer = this.peers.of(row.asId);
    const status = statusOf(row.f);
    const rs = (row.f & F_RS) !== 0;
    const ip = parseIp(row.ip);
    if (!ip)
      throw new RenderError(
        `${at.kind === "ixp" ? "IXP" : "direct"} session ${row.id} has an invalid address`,
      );
    const family = ip.family;
    const effective = worst(objectStatus(status), at.status);
    const localAddress = family === 4 ? at.local4 : at.local6;
    if (!localAddress && at.connection) {
      const k = `connection ${at.connection.id} at ${at.at} has no IPv${family} address`;
      this.noLocal.set(k, (this.noLocal.get(k) ?? 0) + 1);
    }
    const localAsn = at.ownAsn !== null ? asn(at.ownAsn, where(peer, at.at, ip.address)) : at.groupAsn;
    const levels = this.levels;
    const res = levels.resolve(
      family,
      levels.levels(at.ownLinks, row.id),
      levels.levels(AS_LINKS, row.asId),
      at.parentLinks ? levels.levels(at.parentLinks, at.parentId) : EMPTY_LEVELS,
    );
    const group = this.group(at, rs, family);
    // IRR: the session's own setting, else its import policies'. Without a usable list the
    // first IRR policy's fallback applies (a session turned on by hand refuses).
    let importChain = res.importChain;
    let irrList: SessionContext["irr"] = null;
    let irrProblem: SessionContext["irrProblem"] = null;
    const own = irrOf(row.f);
    if (own === true || (own === null && res.irrPolicy !== null)) {
      const got = this.irr.list(row.asId, peer.asn, family);
      if (typeof got !== "string") {
        irrList = got;
        importChain = this.chains.withIrr(importChain, got);
      } else if (!importChain.deny) {
        irrProblem = got;
        const refuse = (res.irrPolicy?.irrFallback ?? "reject") === "reject";
        this.irr.problem(peer.asn, family, got, refuse);
        importChain = refuse
          ? this.chains.deny("import")
          : this.chains.withWarning(
              importChain,
              `IRR list for AS${peer.asn} IPv${family} ${got}: accepting routes unfiltered`,
            );
      }
    }
    const session: SessionContext = {
      id: row.id,
      kind: at.kind,
      key: `${at.kind}:${row.id}`,
      family,
      afi: family === 4 ? "ipv4" : "ipv6",
      address: ip.address,
      peer,
      remoteAsn: peer.asn,
      description: this.peers.description(peer, rs),
      maxPrefixes: family === 4 ? peer.ipv4MaxPrefixes : peer.ipv6MaxPrefixes,
      status,
      effectiveStatus: effective,
      shutdown: effective !== "enabled",
      isRouteServer: rs,
      multihopTtl: ttl(row.ttl, peer, at.at, ip.address),
      passive: (row.f & F_PASSIVE) !== 0,
      bfd: (row.f & F_BFD) !== 0,
      password: null,
      localAsn,
      localAsOverride: localAsn !== this.routerAsn,
      ownLocalAsn: null,
      localAddress,
      ownLocalAddress: null,
      inet: family === 4 ? "inet" : "inet6",
      relationship: at.relationship,
      comments: safeText(row.comments, this.dialect),
      importPolicies: res.importPolicies,
      exportPolicies: res.exportPolicies,
      communities: res.communities,
      importChain,
      exportChain: res.exportChain,
      irr: irrList,
      irrProblem,
      symbol: `${at.symbolPrefix}_as${peer.asn}_${at.idTag}${row.id}`,
      group,
      ixp: at.ixp,
      connection: at.connection,
      bgpGroup: at.bgpGroup,
    };
    if (at.passwordEnv)
      session.password = envPassword(at.passwordEnv, this.env, where(peer, at.at, ip.address));
    else if (row.pw)
      session.password = decryptPassword(row.pw, this.secretBox, where(peer, at.at, ip.address));
    this.unsorted.push(session);
    this.ipKeys.push(ip.sortKey);
  }

  /** The session's group, made when its first session arrives. */
  private group(at: Attachment, rs: boolean, family: Family): GroupContext {
    const groups = at.kind === "ixp" ? this.ixpGroups : this.directGroups;
    const slot = at.parentId * 4 + (rs ? 2 : 0) + (family === 6 ? 1 : 0);
    let g = groups.get(slot);
    if (g) return g;
    const short = shortIdent(at.slug, 40);
    const rsTag = rs ? "-rs" : "";
    g = {
      key:
        at.kind === "ixp" ? `ixp:${at.parentId}:${rs ? 1 : 0}:${family}` : `direct:${at.parentId}:${family}`,
      kind: at.kind,
      routeServer: rs,
      name: `pb-${short}${rsTag}-v${family}`,
      symbol: birdSymbol("pb", short + rsTag, `v${family}`),
      family,
      afi: family === 4 ? "ipv4" : "ipv6",
      inet: family === 4 ? "inet" : "inet6",
      description: safeText(`${at.title}${rs ? " route servers" : ""} IPv${family}`, this.dialect),
      ixp: at.ixp,
      bgpGroup: at.bgpGroup,
      localAddress: null,
      localAsn: at.groupAsn,
      sessions: [],
    };
    groups.set(slot, g);
    // IXP groups first, by IXP slug (route servers after the others), family; then direct
    // groups by BGP group slug ("direct" for none), family.
    const order = `${at.kind === "ixp" ? 0 : 1}\0${at.slug}\0${at.parentId}\0${rs ? 1 : 0}${family}`;
    this.groupOrder.set(g, order);
    return g;
  }

  /**
   * Every session in group order then by address, and the groups in that order, each with
   * its sessions, its shared local address (if all its sessions have the same) and its
   * IXP's groups and sessions filled in. Throws when two groups would have the same name.
   */
  finish(): { sessions: SessionContext[]; groups: GroupContext[] } {
    const unsorted = this.unsorted;
    const ipKeys = this.ipKeys;
    // Sort by group rank then address key (precomputed): no key built per comparison.
    const rank = new Map<GroupContext, number>();
    [...this.groupOrder].sort(bySortKey).forEach(([g], i) => rank.set(g, i));
    const ranks = unsorted.map((x) => rank.get(x.group)!);
    const order = Array.from(unsorted.keys()).sort((a, b) => {
      const r = ranks[a]! - ranks[b]!;
      if (r !== 0) return r;
      const ka = ipKeys[a]!;
      const kb = ipKeys[b]!;
      return ka < kb ? -1 : ka > kb ? 1 : unsorted[a]!.id - unsorted[b]!.id;
    });
    const sessions: SessionContext[] = order.map((k) => unsorted[k]!);
    for (const s of sessions) {
      s.group.sessions.push(s);
      if (s.ixp) s.ixp.sessions.push(s);
    }
    // Groups in the order of their first session (sessions are sorted by group first).
    const groups: GroupContext[] = [];
    for (const s of sessions) if (groups[groups.length - 1] !== s.group) groups.push(s.group);
    const names = new Set<string>();
    for (const g of groups) {
      if (names.has(g.name) || names.has(g.symbol))
        throw new RenderError(
          `two session groups would both be called ${g.name}: rename an IXP or BGP group slug`,
        );
      names.add(g.name);
      names.add(g.symbol);
      const first = g.sessions[0]!.localAddress;
      g.localAddress = g.sessions.every((s) => s.localAddress === first) ? first : null;
      for (const s of g.sessions) {
        s.ownLocalAsn = s.localAsn !== g.localAsn ? s.localAsn : null;
        s.ownLocalAddress = g.localAddress === null ? s.localAddress : null;
      }
      if (g.ixp) g.ixp.groups.push(g);
    }
    return { sessions, groups };
  }

  /** One line per missing local address, however many sessions lack it. */
  warnings(): string[] {
    return [...this.noLocal].map(([k, n]) => `${k} (${plural(n, "session")})`);
  }
}
