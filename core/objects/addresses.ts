// Our address on an exchange's peering LAN: inside one of the IXP's prefixes, with that LAN's
// prefix length, and a host address of it (not the network or the IPv4 broadcast address).
import { isIP } from "node:net";
import { UserError } from "../errors.js";
import { parseIp } from "../render/ip.js";
import { clip } from "../text.js";

export interface Cidr {
  /** Canonical host address (dotted quad, or RFC 5952 IPv6). */
  host: string;
  family: 4 | 6;
  len: number;
  value: bigint;
}

/** The address as a number: IPv4 in 32 bits, IPv6 in 128. */
function toBigInt(host: string, family: 4 | 6): bigint {
  if (family === 4) return host.split(".").reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  const [head, tail] = host.includes("::") ? host.split("::") : [host, undefined];
  const a = (head ?? "").split(":").filter(Boolean);
  const b = tail === undefined ? [] : tail.split(":").filter(Boolean);
  const expand = (groups: string[]) =>
    groups.flatMap((g) => {
      if (!g.includes(".")) return [g];
      const v4 = toBigInt(g, 4);
      return [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
    });
  const ea = expand(a);
  const eb = expand(b);
  const groups = tail === undefined ? ea : [...ea, ...Array(8 - ea.length - eb.length).fill("0"), ...eb];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Reads "192.0.2.10/24", "2001:db8::1/64" or a bare address (len null). Null when it is neither. */
export function parseCidr(text: string): (Omit<Cidr, "len"> & { len: number | null }) | null {
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  const ip = parseIp(m[1]);
  if (!ip || !isIP(m[1] as string)) return null;
  const max = ip.family === 4 ? 32 : 128;
  const len = m[2] === undefined ? null : Number(m[2]);
  if (len !== null && len > max) return null;
  return { host: ip.address, family: ip.family, len, value: toBigInt(ip.address, ip.family) };
}

function mask(len: number, family: 4 | 6): bigint {
  const bits = family === 4 ? 32n : 128n;
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(len))) - 1n);
}

/** Whether `addr` lies inside `prefix`. */
export function inPrefix(addr: { value: bigint; family: 4 | 6 }, prefix: Cidr): boolean {
  if (addr.family !== prefix.family) return false;
  const m = mask(prefix.len, prefix.family);
  return (addr.value & m) === (prefix.value & m);
}

const familyName = (f: 4 | 6) => (f === 4 ? "IPv4" : "IPv6");

export interface CheckedAddress {
  /** As stored: host/len. */
  text: string;
  host: string;
  family: 4 | 6;
  /** Set when the IXP lists no peering LAN of that family, so the address could not be checked. */
  unchecked?: boolean;
}

/**
 * Our address at an IXP, checked against its peering LAN prefixes: it must be of `family`, lie in
 * one of them and carry that LAN's prefix length (a bare address takes it); it must not be the
 * LAN's network address or its IPv4 broadcast address. When the IXP lists no LAN of that family
 * (PeeringDB does not know it), an address with its length is taken as it is, marked unchecked.
 */
export function checkIxpAddress(
  text: string,
  family: 4 | 6,
  ixp: { name: string; prefixes: string[] },
): CheckedAddress {
  const a = parseCidr(text);
  if (!a || a.family !== family) {
    throw new UserError(
      `"${clip(text)}" is not an ${familyName(family)} address with its prefix length, e.g. ${family === 4 ? "195.66.224.10/22" : "2001:7f8:4::a:1/64"}.`,
    );
  }
  const lans = ixp.prefixes
    .map((p) => parseCidr(p))
    .filter((p): p is Cidr => !!p && p.family === family && p.len !== null);
  if (!lans.length) {
    if (a.len === null) {
      throw new UserError(
        `${ixp.name} lists no ${familyName(family)} peering LAN, so give the prefix length too, e.g. ${a.host}/${family === 4 ? 22 : 64}.`,
      );
    }
    return { text: `${a.host}/${a.len}`, host: a.host, family, unchecked: true };
  }
  const lan = lans.filter((p) => inPrefix(a, p)).sort((x, y) => y.len - x.len)[0];
  const shown = lans.map((p) => `${p.host}/${p.len}`).join(", ");
  if (!lan) {
    throw new UserError(`${a.host} is not in ${ixp.name}'s peering LAN (${shown}).`);
  }
  if (a.len !== null && a.len !== lan.len) {
    throw new UserError(
      `${a.host}/${a.len} has the wrong prefix length: ${ixp.name}'s peering LAN is ${lan.host}/${lan.len}, so write ${a.host}/${lan.len}.`,
    );
  }
  const bits = family === 4 ? 32 : 128;
  const hostBits = (1n << BigInt(bits - lan.len)) - 1n;
  const hostPart = a.value & hostBits;
  if (lan.len < bits - 1 && (hostPart === 0n || (family === 4 && hostPart === hostBits))) {
    throw new UserError(
      `${a.host} is the ${hostPart === 0n ? "network" : "broadcast"} address of ${ixp.name}'s peering LAN ${lan.host}/${lan.len}, not a port's address.`,
    );
  }
  return { text: `${a.host}/${lan.len}`, host: a.host, family };
}

/** The host part of a stored inet ("195.66.224.10/22" -> "195.66.224.10"). */
export const hostOf = (inet: string | null | undefined): string | null =>
  inet ? (inet.split("/")[0] ?? null) : null;
