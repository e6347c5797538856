// IP addresses as validated values: every address that reaches a template went through here,
// so a template never prints a string from outside where an address belongs. Hand-written
// parsers (no regular expressions, no per-call closures): rendering parses one address per
// session, thousands per router.

export type Family = 4 | 6;

export interface IpAddress {
  /** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
  address: string;
  family: Family;
  /** Opaque key whose string order is the numeric order (IPv4 before IPv6). */
  sortKey: string;
}

const groups = new Uint16Array(8);

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** A dotted quad from s[from..to) as an unsigned 32-bit number, or -1. No leading zeros. */
function v4Number(s: string, from: number, to: number): number {
  let value = 0;
  let octets = 0;
  let n = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (digits > 0 && n === 0) return -1;
      n = n * 10 + (c - 48);
      if (++digits > 3 || n > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || octets === 4) return -1;
      value = value * 256 + n;
      octets++;
      n = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  return octets === 4 ? value : -1;
}

/** Fills `groups` from an IPv6 address; false when it is not one. */
function parseV6(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const start = i;
    let v = 0;
    let digits = 0;
    let d: number;
    while (i < n && digits < 5 && (d = hexDigit(s.charCodeAt(i))) >= 0) {
      v = v * 16 + d;
      digits++;
      i++;
    }
    if (i < n && s.charCodeAt(i) === 46) {
      // Embedded IPv4 tail: the rest of the string.
      if (count > 6) return false;
      const v4 = v4Number(s, start, n);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = n;
      break;
    }
    if (digits === 0 || digits > 4 || count >= 8) return false;
    groups[count++] = v;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === n) {
      return false;
    }
  }
  if (gap >= 0) {
    if (count > 7) return false;
    const tail = count - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[count - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  } else if (count !== 8) {
    return false;
  }
  return true;
}

function formatV6(): string {
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8;) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j < 8 && groups[j] === 0) j++;
    if (j - k > bestLen) {
      bestStart = k;
      bestLen = j - k;
    }
    k = j;
  }
  let out = "";
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += k === 0 ? "::" : ":";
      k += bestLen - 1;
      continue;
    }
    out += groups[k]!.toString(16);
    if (k < 7) out += ":";
  }
  return out;
}

/** Returns the canonical address, or null when `s` is not a plain IPv4/IPv6 host address. */
export function parseIp(s: string | null | undefined): IpAddress | null {
  if (typeof s !== "string") return null;
  const t = s.length && (s.charCodeAt(0) <= 32 || s.charCodeAt(s.length - 1) <= 32) ? s.trim() : s;
  if (t.indexOf(":") < 0) {
    const v = v4Number(t, 0, t.length);
    if (v < 0) return null;
    // Without leading zeros the text already is canonical.
    return { address: t, family: 4, sortKey: String.fromCharCode(4, v >>> 16, v & 0xffff) };
  }
  if (!parseV6(t)) return null;
  return {
    address: formatV6(),
    family: 6,
    sortKey: String.fromCharCode(
      6,
      groups[0]!,
      groups[1]!,
      groups[2]!,
      groups[3]!,
      groups[4]!,
      groups[5]!,
      groups[6]!,
      groups[7]!,
    ),
  };
}
