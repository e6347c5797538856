// What the exchange knows beside what we know: one IX-API pass joined in memory with one of our
// IXPs and its connections (a pure function, no I/O). It finds the IXP's exchange-LAN network
// service (the service id an admin linked, else PeeringDB's ix id, else a subnet shared with
// the IXP's prefixes), takes our account's network-service configs of it, matches each one to a
// connection (by the config id recorded on the connection, else by IPv4 address, else by IPv6
// address: v4 with v4 and v6 with v6, canonical forms), and flags every difference. It lists the
// service's route servers too.
//
// Every text from the IX-API in the result is on one line and clipped, and every address is in
// its canonical form or marked as unreadable, so a caller can put it in a message as it is.
import { inPrefix, parseCidr, type Cidr } from "../objects/addresses.js";
import { clip, singleLine } from "../text.js";
import type {
  IxApiIp,
  IxApiNetworkFeature,
  IxApiNetworkService,
  IxApiNetworkServiceConfig,
  IxApiPass,
} from "./port.js";

export interface ViewIxp {
  id: number;
  name: string;
  peeringdbIxId: number | null;
  /** Peering LAN prefixes, CIDR text. */
  prefixes: string[];
  /** The linked network-service id; "" to find it in the pass. */
  ixapiServiceId: string;
}

export interface ViewConnection {
  id: number;
  name: string;
  /** With its prefix length, as stored ("195.66.224.10/22"). */
  ipv4Address: string | null;
  ipv6Address: string | null;
  vlan: number | null;
  macAddress: string;
  speed: number;
  ixapiConfigId: string;
}

export type IssueKind =
  /** An address differs (or one side has none). */
  | "address"
  | "mac"
  | "vlan"
  /** The config is not in production. */
  | "state"
  /** The IXP has the config; we have no connection for it. */
  | "not-ours"
  /** We have the connection; the IXP has no config for it. */
  | "not-theirs";

export interface Issue {
  kind: IssueKind;
  /** One line for a person, e.g. "MAC: the IXP has 94:f7:…; we record 1c:b8:…". */
  text: string;
}

export interface VlanView {
  /** "port", "dot1q", "qinq" (anything else clipped). */
  type: string;
  /** The VLAN compared with Connection.vlan: null for untagged, the outer one for QinQ. */
  vlan: number | null;
  /** QinQ's inner VLAN. */
  inner: number | null;
  /** "untagged", "dot1q 100", "qinq 200/100" (outer/inner). */
  text: string;
}

export interface ConfigIp {
  version: 4 | 6;
  /** Canonical host address, or the clipped text when it is not an address. */
  address: string;
  prefixLength: number | null;
  valid: boolean;
}

export interface ConfigView {
  /** The config's id (clipped; see IXAPI_ID in endpoints.ts for what a button may carry). */
  id: string;
  state: string;
  vlan: VlanView;
  /** Mbit/s, or null when the IXP gives none. */
  capacity: number | null;
  ipv4: ConfigIp[];
  ipv6: ConfigIp[];
  /** Lower-case colon form where it is a MAC address. */
  macs: string[];
  connection: { id: number; name: string } | null;
  matchedBy: "config-id" | "ipv4" | "ipv6" | null;
  issues: Issue[];
}

export interface RouteServerView {
  id: string;
  name: string;
  asn: number | null;
  fqdn: string;
  ipv4: string;
  ipv6: string;
  addressFamilies: string[];
  sessionMode: string;
}

export interface IxApiView {
  service: { id: string; name: string; matchedBy: "service-id" | "peeringdb" | "subnet" } | null;
  /** Why no service was found; "" when one was. */
  note: string;
  configs: ConfigView[];
  /** Our connections the IXP has no config for. */
  missing: { connection: { id: number; name: string }; issue: Issue }[];
  routeServers: RouteServerView[];
  /** Every issue counted, of the configs and the missing connections. */
  issueCount: number;
}

const out = (s: unknown, n = 80) => singleLine(typeof s === "string" ? s : s == null ? "" : String(s), n);

/** A MAC address in lower-case colon form; anything else on one line, clipped and lower-cased. */
export function normalizeMacAddress(text: string): string {
  const raw = text.trim().toLowerCase();
  const hex = raw.replace(/[:.\-\s]/g, "");
  if (/^[0-9a-f]{12}$/.test(hex)) return hex.match(/../g)!.join(":");
  return clip(raw, 40);
}

type Prefix = Cidr;

function prefixOf(text: string | null | undefined): Prefix | null {
  if (!text) return null;
  const p = parseCidr(text);
  return p && p.len !== null ? (p as Prefix) : null;
}

/** Whether two prefixes share any address (one contains the other). */
function overlaps(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && (inPrefix(a, b) || inPrefix(b, a));
}

const isExchangeLan = (s: { type?: string }) => !s.type || s.type === "exchange_lan";

function findService(
  pass: IxApiPass,
  ixp: ViewIxp,
): { service: IxApiNetworkService; how: "service-id" | "peeringdb" | "subnet" } | { note: string } {
  if (ixp.ixapiServiceId) {
    const s = pass.services.find((x) => x.id === ixp.ixapiServiceId);
    return s
      ? { service: s, how: "service-id" }
      : {
          note: `The IXP is linked to network service ${clip(ixp.ixapiServiceId, 80)}, which the IX-API did not list.`,
        };
  }
  const lans = pass.services.filter(isExchangeLan);
  // Several services may match (one exchange, several LANs): the one with our configs first.
  const ours = (s: IxApiNetworkService) => pass.configs.some((c) => c.network_service === s.id);
  const pick = (xs: IxApiNetworkService[]) => xs.find(ours) ?? xs[0];
  if (ixp.peeringdbIxId !== null) {
    const s = pick(lans.filter((x) => x.peeringdb_ixid != null && x.peeringdb_ixid === ixp.peeringdbIxId));
    if (s) return { service: s, how: "peeringdb" };
  }
  const mine = ixp.prefixes.map(prefixOf).filter((p): p is Prefix => !!p);
  const s = pick(
    lans.filter((x) =>
      [x.subnet_v4, x.subnet_v6]
        .map(prefixOf)
        .some((theirs) => !!theirs && mine.some((m) => overlaps(m, theirs))),
    ),
  );
  if (s) return { service: s, how: "subnet" };
  return {
    note:
      ixp.peeringdbIxId !== null
        ? `The IX-API lists no exchange-LAN service with PeeringDB ix ${ixp.peeringdbIxId} or a subnet of this IXP's prefixes.`
        : "The IX-API lists no exchange-LAN service with a subnet of this IXP's prefixes.",
  };
}

const vlanId = (v: unknown): number | null =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 4094 ? v : null;

/** The VLAN of a v2 `vlan_config`: port (untagged), dot1q (vlan), qinq (outer_vlan/inner_vlan). */
export function vlanOf(cfg: IxApiNetworkServiceConfig["vlan_config"] | undefined): VlanView {
  const type = out(cfg?.vlan_type, 20) || "port";
  if (type === "dot1q") {
    const vlan = vlanId(cfg?.vlan);
    return { type, vlan, inner: null, text: `dot1q ${vlan ?? "?"}` };
  }
  if (type === "qinq") {
    const vlan = vlanId(cfg?.outer_vlan);
    const inner = vlanId(cfg?.inner_vlan);
    return { type, vlan, inner, text: `qinq ${vlan ?? "?"}/${inner ?? "?"}` };
  }
  if (type === "port") return { type, vlan: null, inner: null, text: "untagged" };
  return { type, vlan: null, inner: null, text: type };
}

function ipOf(ip: IxApiIp): ConfigIp {
  const p = parseCidr(String(ip.address ?? ""));
  const version = ip.version === 6 || (p?.family ?? 4) === 6 ? 6 : 4;
  const len =
    typeof ip.prefix_length === "number" && Number.isInteger(ip.prefix_length)
      ? ip.prefix_length
      : (p?.len ?? null);
  return p && p.family === version
    ? { version, address: p.host, prefixLength: len, valid: true }
    : { version, address: out(ip.address, 60), prefixLength: len, valid: false };
}

/** A stored inet's host and prefix length, canonical; null for none. */
function ours(inet: string | null): { host: string; len: number | null } | null {
  if (!inet) return null;
  const p = parseCidr(inet);
  return p ? { host: p.host, len: p.len } : { host: out(inet, 60), len: null };
}

const withLen = (ip: ConfigIp) =>
  ip.prefixLength === null ? ip.address : `${ip.address}/${ip.prefixLength}`;

function addressIssues(family: 4 | 6, theirs: ConfigIp[], inet: string | null): Issue[] {
  const name = `IPv${family}`;
  const mine = ours(inet);
  if (!theirs.length && !mine) return [];
  if (!mine)
    return [
      { kind: "address", text: `${name}: the IXP has ${theirs.map(withLen).join(", ")}; we have none.` },
    ];
  if (!theirs.length) return [{ kind: "address", text: `${name}: we have ${mine.host}; the IXP has none.` }];
  const same = theirs.find((t) => t.valid && t.address === mine.host);
  if (!same)
    return [
      {
        kind: "address",
        text: `${name}: the IXP has ${theirs.map(withLen).join(", ")}; we have ${mine.host}${mine.len === null ? "" : `/${mine.len}`}.`,
      },
    ];
  if (same.prefixLength !== null && mine.len !== null && same.prefixLength !== mine.len)
    return [
      {
        kind: "address",
        text: `${name} ${mine.host}: /${same.prefixLength} at the IXP, /${mine.len} here.`,
      },
    ];
  return [];
}

function macIssues(theirs: string[], mine: string): Issue[] {
  const m = mine ? normalizeMacAddress(mine) : "";
  if (!theirs.length && !m) return [];
  if (!m) return [{ kind: "mac", text: `MAC: the IXP has ${theirs.join(", ")}; we record none.` }];
  if (!theirs.length) return [{ kind: "mac", text: `MAC: we record ${m}; the IXP has none.` }];
  if (!theirs.includes(m))
    return [{ kind: "mac", text: `MAC: the IXP has ${theirs.join(", ")}; we record ${m}.` }];
  return [];
}

function vlanIssues(v: VlanView, mine: number | null): Issue[] {
  if (v.vlan === mine) return [];
  if (v.vlan === null && v.type === "port")
    return [{ kind: "vlan", text: `VLAN: untagged at the IXP; VLAN ${mine} here.` }];
  return [
    {
      kind: "vlan",
      text: `VLAN: ${v.text} at the IXP; ${mine === null ? "none" : `VLAN ${mine}`} here.`,
    },
  ];
}

function routeServer(f: IxApiNetworkFeature): RouteServerView {
  const addr = (text: string | null | undefined, family: 4 | 6) => {
    if (!text) return "";
    const p = parseCidr(text);
    return p && p.family === family ? p.host : out(text, 60);
  };
  return {
    id: out(f.id, 80),
    name: out(f.name, 100),
    asn: typeof f.asn === "number" && Number.isInteger(f.asn) && f.asn > 0 ? f.asn : null,
    fqdn: out(f.fqdn, 120),
    ipv4: addr(f.ip_v4, 4),
    ipv6: addr(f.ip_v6, 6),
    addressFamilies: (Array.isArray(f.address_families) ? f.address_families : []).map((a) => out(a, 20)),
    sessionMode: out(f.session_mode, 30),
  };
}

const label = (c: { id: number; name: string }) => ({ id: c.id, name: singleLine(c.name, 60) });

/** The IX-API view of one IXP: see the top of this file. */
export function ixApiView(pass: IxApiPass, ixp: ViewIxp, connections: ViewConnection[]): IxApiView {
  const found = findService(pass, ixp);
  if (!("service" in found))
    return { service: null, note: found.note, configs: [], missing: [], routeServers: [], issueCount: 0 };
  const service = found.service;
  const mine = (c: IxApiNetworkServiceConfig) =>
    !pass.accountId || c.consuming_account === pass.accountId || c.managing_account === pass.accountId;
  const configs = pass.configs.filter((c) => c.network_service === service.id && mine(c));
  // A config's IPs: those its `ips` list names (v2), and those that name it (as the client fills in).
  const ipById = new Map(pass.ips.map((ip) => [ip.id, ip]));
  const ipsByConfig = new Map<string, IxApiIp[]>();
  for (const ip of pass.ips) {
    if (!ip.network_service_config) continue;
    ipsByConfig.set(ip.network_service_config, [...(ipsByConfig.get(ip.network_service_config) ?? []), ip]);
  }
  const ipsOf = (c: IxApiNetworkServiceConfig): ConfigIp[] => {
    const listed = (Array.isArray(c.ips) ? c.ips : []).map((id) => ipById.get(id));
    const all = [...listed, ...(ipsByConfig.get(c.id) ?? [])].filter((x): x is IxApiIp => !!x);
    return [...new Set(all)].map(ipOf);
  };
  const macById = new Map(pass.macs.map((m) => [m.id, normalizeMacAddress(String(m.address ?? ""))]));

  // Match: the config id recorded on a connection first, then IPv4, then IPv6; one each.
  const free = new Map(connections.map((c) => [c.id, c]));
  const host = (inet: string | null) => (inet ? (parseCidr(inet)?.host ?? null) : null);
  const match = new Map<string, { c: ViewConnection; by: "config-id" | "ipv4" | "ipv6" }>();
  const views = configs.map((c) => {
    const ips = ipsOf(c);
    return { c, ipv4: ips.filter((i) => i.version === 4), ipv6: ips.filter((i) => i.version === 6) };
  });
  const ids = new Set(configs.map((c) => c.id));
  for (const v of views) {
    const hit = [...free.values()].find((x) => x.ixapiConfigId && x.ixapiConfigId === v.c.id);
    if (hit) {
      match.set(v.c.id, { c: hit, by: "config-id" });
      free.delete(hit.id);
    }
  }
  for (const family of [4, 6] as const) {
    for (const v of views) {
      if (match.has(v.c.id)) continue;
      const theirs = new Set((family === 4 ? v.ipv4 : v.ipv6).filter((i) => i.valid).map((i) => i.address));
      const hit = [...free.values()].find((x) => {
        // A connection recorded as another config of this pass is not taken by address.
        if (x.ixapiConfigId && x.ixapiConfigId !== v.c.id && ids.has(x.ixapiConfigId)) return false;
        const h = host(family === 4 ? x.ipv4Address : x.ipv6Address);
        return !!h && theirs.has(h);
      });
      if (hit) {
        match.set(v.c.id, { c: hit, by: family === 4 ? "ipv4" : "ipv6" });
        free.delete(hit.id);
      }
    }
  }

  let issueCount = 0;
  const configViews: ConfigView[] = views.map(({ c, ipv4, ipv6 }) => {
    const vlan = vlanOf(c.vlan_config);
    const macs = (Array.isArray(c.macs) ? c.macs : []).map((id) => macById.get(id) ?? `? (${out(id, 40)})`);
    const state = out(c.state, 30);
    const m = match.get(c.id);
    const issues: Issue[] = [];
    if (state !== "production")
      issues.push({ kind: "state", text: `State: ${state || "unknown"}, not production.` });
    if (!m) issues.push({ kind: "not-ours", text: "We have no connection for this config." });
    else {
      issues.push(...addressIssues(4, ipv4, m.c.ipv4Address), ...addressIssues(6, ipv6, m.c.ipv6Address));
      issues.push(...macIssues(macs, m.c.macAddress), ...vlanIssues(vlan, m.c.vlan));
    }
    issueCount += issues.length;
    return {
      id: out(c.id, 80),
      state,
      vlan,
      capacity: typeof c.capacity === "number" && Number.isFinite(c.capacity) ? c.capacity : null,
      ipv4,
      ipv6,
      macs,
      connection: m ? label(m.c) : null,
      matchedBy: m?.by ?? null,
      issues,
    };
  });
  const missing = [...free.values()].map((c) => {
    const addr = host(c.ipv4Address) ?? host(c.ipv6Address);
    return {
      connection: label(c),
      issue: {
        kind: "not-theirs" as const,
        text: `Connection #${c.id}${addr ? ` (${addr})` : ""} has no config at the IXP.`,
      },
    };
  });
  issueCount += missing.length;
  const routeServers = pass.features
    .filter((f) => f.type === "route_server" && f.network_service === service.id)
    .map(routeServer);
  return {
    service: { id: out(service.id, 80), name: out(service.name, 100), matchedBy: found.how },
    note: "",
    configs: configViews,
    missing,
    routeServers,
    issueCount,
  };
}
