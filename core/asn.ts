import { UserError } from "./errors.js";

export const MAX_ASN = 4_294_967_295;

/** Reads "AS714", "as714", "714" or "AS 714" (already joined). Returns null when it is not an ASN. */
export function parseAsn(text: string): number | null {
  const m = /^(?:as)?\s*(\d{1,10})$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return n >= 1 && n <= MAX_ASN ? n : null;
}

export function requireAsn(text: string, usage: string): number {
  const n = parseAsn(text);
  if (n === null) {
    const digits = /^(?:as)?\s*(\d+)$/i.exec(text.trim());
    if (digits)
      throw new UserError(`AS${digits[1]} is out of range: an ASN is a number from 1 to ${MAX_ASN}.`, usage);
    throw new UserError(`"${clip(text)}" is not an AS number.`, usage);
  }
  return n;
}

export function clip(s: string, n = 40): string {
  const oneLine = s.replace(/[\r\n\t]+/g, " ");
  return oneLine.length > n ? `${oneLine.slice(0, n - 1)}…` : oneLine;
}
