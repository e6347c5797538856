// How the change history names each kind of object (ObjectChange.objectRepr), in one place so
// that chat, files, imports, syncs and deploys name an object the same way.
import { singleLine } from "../text.js";
import { hostOf } from "./addresses.js";

export const repr = {
  router: (r: { name: string }) => r.name,
  as: (a: { asn: bigint | number }) => `AS${a.asn}`,
  ixp: (x: { name: string }) => singleLine(x.name, 100),
  /** "LINX LON1 195.66.224.10", or "LINX LON1 #3" for a connection without an address. */
  connection: (c: { id: number; ipv4Address: string | null; ipv6Address: string | null }, ixpName: string) =>
    `${singleLine(ixpName, 100)} ${hostOf(c.ipv4Address) ?? hostOf(c.ipv6Address) ?? `#${c.id}`}`,
  contact: (c: { email: string; name: string }, asn: bigint | number) =>
    `AS${asn} ${c.email || singleLine(c.name, 100)}`,
  /** "LINX LON1 195.66.224.21" (as core/peering.ts names IXP sessions). */
  ixpSession: (ixpName: string, ip: string) => `${singleLine(ixpName, 100)} ${hostOf(ip)}`,
  /** "edge1.lon 192.0.2.1" (as core/peering.ts names direct sessions). */
  directSession: (routerName: string | null | undefined, ip: string) =>
    `${routerName ?? "(no router)"} ${hostOf(ip)}`,
};
