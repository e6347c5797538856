export const MAX_ASN = 4_294_967_295;

/** Reads "AS714", "as714", "714" or "AS 714" (already joined). Returns null when it is not an ASN. */
export function parseAsn(text: string): number | null {
  const m = /^(?:as)?\s*(\d{1,10})$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= MAX_ASN ? n : null;
}

/**
 * The special-purpose AS numbers (IANA's registry, RFC 7249). `peerable` says whether peerbot
 * peers at an IXP with a network PeeringDB lists under it: never with AS_TRANS, a private or
 * a reserved ASN; the documentation ranges stay peerable because labs and tests use them.
 */
export const SPECIAL_ASNS: readonly { from: number; to: number; what: string; peerable: boolean }[] = [
  { from: 0, to: 0, what: "reserved (RFC 7607)", peerable: false },
  {
    from: 23456,
    to: 23456,
    what: "AS_TRANS, the stand-in for a 4-byte AS number (RFC 6793)",
    peerable: false,
  },
  { from: 64496, to: 64511, what: "reserved for documentation (RFC 5398)", peerable: true },
  { from: 64512, to: 65534, what: "a private AS number (RFC 6996)", peerable: false },
  { from: 65535, to: 65535, what: "reserved (RFC 7300)", peerable: false },
  { from: 65536, to: 65551, what: "reserved for documentation (RFC 5398)", peerable: true },
  { from: 65552, to: 131071, what: "reserved by IANA", peerable: false },
  { from: 4_200_000_000, to: 4_294_967_294, what: "a private AS number (RFC 6996)", peerable: false },
  { from: 4_294_967_295, to: 4_294_967_295, what: "reserved (RFC 7300)", peerable: false },
];

/** What `asn` is when it is a special-purpose one ("a private AS number (RFC 6996)"), else null. */
export function specialAsn(asn: number): { what: string; peerable: boolean } | null {
  return SPECIAL_ASNS.find((r) => asn >= r.from && asn <= r.to) ?? null;
}

/** SQL that is true when the bigint expression `col` is an ASN peerbot may peer with at an IXP. */
export function peerableAsnSql(col: string): string {
  const out = SPECIAL_ASNS.filter((r) => !r.peerable).map((r) =>
    r.from === r.to ? `${col} = ${r.from}` : `${col} between ${r.from} and ${r.to}`,
  );
  return `not (${out.join(" or ")})`;
}

/** Control characters (CR, LF, tab, C1), line and paragraph separators, bidi overrides. */
