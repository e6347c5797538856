// Synthetic PeeringDB rows for rule tests, shaped as the real ones (each starts from a real
// record of the type and overrides what the test is about).
import { loadFixtures, type Raw } from "../fakes/peeringdb-server.js";

export const real = loadFixtures();
const T = "2026-01-01T00:00:00Z";

export function net(id: number, asn: number, name: string, extra: Raw = {}): Raw {
  return {
    ...real.net![0]!,
    id,
    asn,
    name,
    aka: "",
    irr_as_set: `AS-${name.toUpperCase().replace(/[^A-Z0-9]+/g, "")}`,
    policy_general: "Open",
    info_type: "NSP",
    info_types: ["NSP"],
    info_prefixes4: 100,
    info_prefixes6: 50,
    created: T,
    updated: T,
    ...extra,
  };
}

export function ix(id: number, name: string): Raw[] {
  return [
    { ...real.ix![0]!, id, name, aka: "", name_long: name, created: T, updated: T },
    { ...real.ixlan![0]!, id, ix_id: id, created: T, updated: T },
  ];
}

export function ixpfx(id: number, ixlanId: number, prefix: string): Raw {
  return {
    ...real.ixpfx![0]!,
    id,
    ixlan_id: ixlanId,
    prefix,
    protocol: prefix.includes(":") ? "IPv6" : "IPv4",
    created: T,
    updated: T,
  };
}

export function netixlan(
  id: number,
  ixId: number,
  netId: number,
  asn: number,
  v4: string | null,
  v6: string | null,
  extra: Raw = {},
): Raw {
  return {
    ...real.netixlan![0]!,
    id,
    net_id: netId,
    ix_id: ixId,
    ixlan_id: ixId,
    asn,
    ipaddr4: v4,
    ipaddr6: v6,
    speed: 10_000,
    is_rs_peer: false,
    operational: true,
    created: T,
    updated: T,
    ...extra,
  };
}

/** The real records plus `extra` rows, by type. */
export function withExtra(extra: Record<string, Raw[]>): Record<string, Raw[]> {
  const out: Record<string, Raw[]> = {};
  for (const [t, rows] of Object.entries(real)) out[t] = [...rows, ...(extra[t] ?? [])];
  return out;
}
