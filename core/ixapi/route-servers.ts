// The route servers of an exchange: what `peer rs at <IXP>` peers with.
//
// From the IX-API first: the last pass of the exchange's endpoint (IxApiSnapshot.data, an
// IxApiPass of ./port.ts) lists its `route_server` network features. Those of the IXP's own
// exchange-LAN service are taken (`network_service` = InternetExchange.ixapiServiceId); when
// the IXP is not linked to a service yet, those of every exchange-LAN service of the pass
// whose `peeringdb_ixid` is the IXP's PeeringDB ix id. A feature in `collector` session mode
// is a route collector, not a route server to peer with, and is left out; an address is taken
// for a family only when `address_families` (when given) names it (af_inet, af_inet6).
//
// Else (no endpoint, no snapshot, or none of its features is a route server here) from the
// PeeringDB mirror: the operational ports at the IXP's ixlan of networks whose info_type (or
// info_types) is "Route Server", as DE-CIX Frankfurt lists AS6695 on 80.81.192.157 and
// 80.81.193.157. The snapshot is outside input: it is read through a lenient zod schema, each
// feature on its own, and addresses, ASNs and names are checked before anyone sees them.
import { isIP } from "node:net";
import { z } from "zod";
import { MAX_ASN, specialAsn } from "../asn.js";
import type { Database } from "../db.js";
import { parseIp } from "../render/ip.js";
import { singleLine } from "../text.js";

export interface RouteServer {
  asn: number;
  /** On one line, at most 100 characters; the feature's or the network's name, else its FQDN. */
  name: string;
  /** On one line, at most 255 characters; "" when unknown (PeeringDB has none). */
  fqdn: string;
  /** Canonical host addresses (IPv4 first), at least one. */
  addresses: string[];
  source: "ix-api" | "peeringdb";
}

/** What of the IXP row the lookup needs. */
export interface RouteServerIxp {
  id: number;
  peeringdbIxId: number | null;
  peeringdbIxlanId: number | null;
  ixapiEndpointId: number | null;
  ixapiServiceId: string;
}

const NAME_MAX = 100;
const FQDN_MAX = 255;

const text = z.string().nullish().catch(null);
const FeatureSchema = z.object({
  type: z.string(),
  name: text,
  network_service: text,
  asn: z.number().nullish().catch(null),
  fqdn: text,
  ip_v4: text,
  ip_v6: text,
  address_families: z.array(z.string()).nullish().catch(null),
  session_mode: text,
});
const ServiceSchema = z.object({
  id: z.string(),
  type: text,
  peeringdb_ixid: z.number().nullish().catch(null),
});
const PassSchema = z.object({
  features: z.array(z.unknown()).catch([]),
  services: z.array(z.unknown()).catch([]),
});

type Feature = z.output<typeof FeatureSchema>;

/** `n` when it is an ASN peerbot may peer with at an IXP (core/asn.ts), else null. */
function peerableAsn(n: unknown): number | null {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_ASN) return null;
  const special = specialAsn(n);
  return special && !special.peerable ? null : n;
}

/** The canonical host address when `s` is one of `family`, else null. */
function address(s: string | null | undefined, family: 4 | 6): string | null {
  const v = (s ?? "").trim();
  if (isIP(v) !== family) return null;
  return parseIp(v)?.address ?? null;
}

/** The ids of the exchange-LAN services of the pass that are this IXP's. */
function serviceIds(ixp: RouteServerIxp, services: unknown[]): Set<string> {
  if (ixp.ixapiServiceId) return new Set([ixp.ixapiServiceId]);
  const ids = new Set<string>();
  if (ixp.peeringdbIxId === null) return ids;
  for (const raw of services) {
    const s = ServiceSchema.safeParse(raw);
    if (!s.success) continue;
    if (s.data.type && s.data.type !== "exchange_lan") continue;
    if (s.data.peeringdb_ixid === ixp.peeringdbIxId) ids.add(s.data.id);
  }
  return ids;
}

function fromFeature(f: Feature): RouteServer | null {
  if (f.type !== "route_server" || f.session_mode === "collector") return null;
  const asn = peerableAsn(f.asn);
  if (asn === null) return null;
  const families = f.address_families ?? null;
  const v4 = !families || families.includes("af_inet") ? address(f.ip_v4, 4) : null;
  const v6 = !families || families.includes("af_inet6") ? address(f.ip_v6, 6) : null;
  const addresses = [v4, v6].filter((a): a is string => a !== null);
  if (!addresses.length) return null;
  const fqdn = singleLine(f.fqdn, FQDN_MAX);
  return {
    asn,
    name: singleLine(f.name, NAME_MAX) || singleLine(fqdn, NAME_MAX) || `AS${asn}`,
    fqdn,
    addresses,
    source: "ix-api",
  };
}

/** The route servers the endpoint's last IX-API pass lists for the IXP ([] when none). */
async function fromSnapshot(db: Database, ixp: RouteServerIxp): Promise<RouteServer[]> {
  if (ixp.ixapiEndpointId === null) return [];
  const row = await db.prisma.ixApiSnapshot.findUnique({
    where: { endpointId: ixp.ixapiEndpointId },
    select: { data: true },
  });
  const pass = PassSchema.safeParse(row?.data ?? null);
  if (!pass.success) return [];
  const ids = serviceIds(ixp, pass.data.services);
  const out: RouteServer[] = [];
  for (const raw of pass.data.features) {
    const f = FeatureSchema.safeParse(raw);
    if (!f.success || !ids.has(f.data.network_service ?? "")) continue;
    const rs = fromFeature(f.data);
    if (rs) out.push(rs);
  }
  return out;
}

/** The route-server networks' operational ports at the IXP's ixlan in the PeeringDB mirror. */
async function fromPeeringDb(db: Database, ixp: RouteServerIxp): Promise<RouteServer[]> {
  if (ixp.peeringdbIxlanId === null) return [];
  const { rows } = await db.pool.query<{
    asn: string;
    name: string;
    ipaddr4: string | null;
    ipaddr6: string | null;
  }>(
    `select x.asn::text as asn, n.name, host(x.ipaddr4) as ipaddr4, host(x.ipaddr6) as ipaddr6
       from pdb_netixlan x join pdb_net n on n.id = x.net_id
      where x.ixlan_id = $1 and x.status = 'ok' and x.operational and n.status = 'ok'
        and (n.info_type = 'Route Server' or 'Route Server' = any(n.info_types))
      order by x.id`,
    [ixp.peeringdbIxlanId],
  );
  const out: RouteServer[] = [];
  for (const r of rows) {
    const asn = peerableAsn(Number(r.asn));
    if (asn === null) continue;
    const addresses = [address(r.ipaddr4, 4), address(r.ipaddr6, 6)].filter((a): a is string => a !== null);
    if (!addresses.length) continue;
    out.push({
      asn,
      name: singleLine(r.name, NAME_MAX) || `AS${asn}`,
      fqdn: "",
      addresses,
      source: "peeringdb",
    });
  }
  return out;
}

/**
 * The IXP's route servers: from its IX-API snapshot, else from the PeeringDB mirror (see the
 * header), in the order its source lists them, each address once; [] when neither knows one.
 */
export async function routeServersOf(db: Database, ixp: RouteServerIxp): Promise<RouteServer[]> {
  const fromApi = onlyOnce(await fromSnapshot(db, ixp));
  return fromApi.length ? fromApi : onlyOnce(await fromPeeringDb(db, ixp));
}

/** Each address once (the first server listing it keeps it); servers left with none go. */
function onlyOnce(servers: RouteServer[]): RouteServer[] {
  const seen = new Set<string>();
  const out: RouteServer[] = [];
  for (const rs of servers) {
    const addresses = rs.addresses.filter((a) => !seen.has(a));
    for (const a of addresses) seen.add(a);
    if (addresses.length) out.push({ ...rs, addresses });
  }
  return out;
}
