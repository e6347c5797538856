// AS-SET fields as networks write them (PeeringDB's irr_as_set, a chat argument) turned into
// the set names and IRR sources bgpq4 is given, and the checks that keep anything else out.
//
// A field may list several sets, separated by spaces, commas, "/" or "&":
//   "RIPE::AS-FOO RADB::AS-BAR", "AS-FOO, AS-BAR", "ipv4:AS-FOO ipv6:AS-FOO6", "RADB:AS-BAR".
// "SOURCE::SET" and "SOURCE:SET" name the IRR source. A hierarchical set name (RFC 2622 §5)
// also contains ":" — "AS714:AS-APPLE" is a set under AS714, not set AS-APPLE from source
// "AS714" — so a first component that is an ASN or an AS- name is never a source. An empty
// field means the network's own ASN. Names are upper-cased and de-duplicated, in order.
import { clip } from "../text.js";

export const MAX_SET_NAME = 100;
export const MAX_SETS_PER_FIELD = 20;
const MAX_FIELD = 1000;
const MAX_ASN = 4_294_967_295;

const HINT = "give an ASN such as AS714 or an AS-SET such as AS-HURRICANE.";
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const SET_COMPONENT = /^AS-[A-Z0-9_-]*[A-Z0-9]$/i;
const ASN_COMPONENT = /^AS(\d+)$/i;
const SOURCE = /^[A-Z0-9][A-Z0-9-]{0,19}$/i;

/** `s` quoted for a message: one line, clipped. */
const quote = (s: string) => `"${clip(s, 40)}"`;

function asnProblem(digits: string): string | null {
  if (digits.length > 1 && digits.startsWith("0")) return "has a leading zero";
  const n = Number(digits);
  if (digits.length > 10 || n < 1 || n > MAX_ASN) return `is out of range (AS1 to AS${MAX_ASN})`;
  return null;
}

/** One sentence saying why `s` is not an ASN or AS-SET name, or null when it is one. */
export function validateSetName(s: string): string | null {
  if (s.length === 0) return `An empty name is not an ASN or AS-SET: ${HINT}`;
  if (CONTROL.test(s)) return `The name ${quote(s)} contains a control character: ${HINT}`;
  if (s.length > MAX_SET_NAME)
    return `The name ${quote(s)} is longer than ${MAX_SET_NAME} characters: ${HINT}`;
  const asn = ASN_COMPONENT.exec(s);
  if (asn) {
    const why = asnProblem(asn[1]!);
    return why ? `${quote(s)} ${why}: ${HINT}` : null;
  }
  const parts = s.split(":");
  let named = false;
  for (const p of parts) {
    const a = ASN_COMPONENT.exec(p);
    if (a) {
      const why = asnProblem(a[1]!);
      if (why) return `${quote(s)} is not a valid AS-SET name: ${quote(p)} ${why}; ${HINT}`;
    } else if (SET_COMPONENT.test(p)) {
      named = true;
    } else {
      return `${quote(s)} is not a valid ASN or AS-SET name: ${HINT}`;
    }
  }
  if (!named) return `${quote(s)} is not a valid AS-SET name (one part must start with AS-): ${HINT}`;
  return null;
}

/** A comma-separated list of IRR sources ("RIPE,RADB"), upper-cased and de-duplicated; "" is []. */
export function validateSources(s: string): string[] | { error: string } {
  const hint = "give IRR sources separated by commas, such as RIPE,RADB.";
  if (CONTROL.test(s)) return { error: `The source list contains a control character: ${hint}` };
  if (s.length > 200) return { error: `The source list is longer than 200 characters: ${hint}` };
  const out: string[] = [];
  for (const raw of s.split(",")) {
    const src = raw.trim();
    if (!src) continue;
    if (!SOURCE.test(src)) return { error: `${quote(src)} is not an IRR source name: ${hint}` };
    const up = src.toUpperCase();
    if (!out.includes(up)) out.push(up);
  }
  if (out.length > 20) return { error: `More than 20 IRR sources were given: ${hint}` };
  return out;
}

/** The sets and sources an AS-SET field names (see the header), or one sentence saying what is wrong. */
export function parseAsSets(
  field: string,
  asn: number,
): { sets: string[]; sources: string[] } | { error: string } {
  if (!Number.isInteger(asn) || asn < 1 || asn > MAX_ASN)
    return { error: `AS${clip(String(asn), 20)} is not a valid ASN: ${HINT}` };
  if (CONTROL.test(field)) return { error: `The AS-SET field contains a control character: ${HINT}` };
  if (field.length > MAX_FIELD)
    return { error: `The AS-SET field is longer than ${MAX_FIELD} characters: ${HINT}` };
  const tokens = field.split(/[\s,/&]+/u).filter(Boolean);
  if (!tokens.length) return { sets: [`AS${asn}`], sources: [] };
  const sets: string[] = [];
  const sources: string[] = [];
  for (const token of tokens) {
    let t = token.replace(/^ipv[46]:/i, "");
    let source: string | undefined;
    const dbl = t.indexOf("::");
    if (dbl >= 0) {
      source = t.slice(0, dbl);
      t = t.slice(dbl + 2);
    } else {
      const colon = t.indexOf(":");
      const first = colon >= 0 ? t.slice(0, colon) : "";
      if (colon >= 0 && !ASN_COMPONENT.test(first) && !/^AS-/i.test(first)) {
        source = first;
        t = t.slice(colon + 1);
      }
    }
    if (source !== undefined) {
      if (!SOURCE.test(source))
        return { error: `${quote(source)} in ${quote(token)} is not an IRR source name: ${HINT}` };
      const up = source.toUpperCase();
      if (!sources.includes(up)) sources.push(up);
    }
    const why = validateSetName(t);
    if (why) return { error: why };
    const up = t.toUpperCase();
    if (!sets.includes(up)) sets.push(up);
  }
  if (sets.length > MAX_SETS_PER_FIELD)
    return { error: `The AS-SET field names more than ${MAX_SETS_PER_FIELD} sets: ${HINT}` };
  return { sets, sources };
}
