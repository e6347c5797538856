// E-mail addresses and header text: what may reach a header of a message peerbot sends.
//
// Addresses are checked with a pragmatic subset of RFC 5321/5322 that real mail servers
// accept: one `@`; a local part of letters, digits and `!#$%&'*+/=?^_`{|}~.-` (no quoted
// local parts, spaces, control characters, quotes, angle brackets or commas), at most 64
// characters, no leading, trailing or doubled dot; a domain name with at least one dot, labels
// of letters, digits and hyphens (an internationalised domain is converted to its ASCII form),
// a top-level label that is not all digits, at most 253 characters; no IP literals
// (`user@[192.0.2.1]`); at most 254 characters in all. Our own sender (PEERBOT_EMAIL_FROM,
// a local AS's override) may also use a single-label domain such as `localhost`.
//
// Header text (a subject, a display name) has every control character, CR, LF, line and
// paragraph separator and bidi override replaced by a space, runs of spaces collapsed, RFC 2047
// encoded-words broken (`=?` -> `= ?`), and is clipped: nothing from outside can start a
// header line of its own, or decode into one at the receiver.
import { domainToASCII } from "node:url";

const LOCAL_CHARS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** Control characters (C0, DEL, C1), line/paragraph separators, bidi embeddings and isolates. */
const UNSAFE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;
const UNSAFE_ALL = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/gu;

export const MAX_ADDRESS = 254;
export const MAX_SUBJECT = 200;
export const MAX_DISPLAY_NAME = 100;

export interface Mailbox {
  /** The address, its domain in lower-case ASCII. */
  address: string;
  /** The display name, header-safe; "" for none. */
  name: string;
}

/** Why `text` is not an address we send to, or null when it is one. */
export function addressProblem(text: string, opts: { allowSingleLabel?: boolean } = {}): string | null {
  if (!text) return "it is empty";
  if (UNSAFE.test(text)) return "it contains control characters or line breaks";
  if (text.length > MAX_ADDRESS) return `it is longer than ${MAX_ADDRESS} characters`;
  const at = text.lastIndexOf("@");
  if (at < 0) return "it has no @";
  if (text.indexOf("@") !== at) return "it has more than one @";
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (!local) return "it has nothing before the @";
  if (local.length > 64) return "its part before the @ is longer than 64 characters";
  if (!LOCAL_CHARS.test(local)) return "its part before the @ has characters peerbot does not send to";
  if (local.startsWith(".") || local.endsWith(".") || local.includes(".."))
    return "its part before the @ has a misplaced dot";
  return domainProblem(domain, opts);
}

function domainProblem(domain: string, opts: { allowSingleLabel?: boolean }): string | null {
  if (!domain) return "it has no domain after the @";
  if (domain.startsWith("[")) return "it is addressed to an IP literal, not a domain";
  const ascii = asciiDomain(domain);
  if (ascii === null) return "its domain is not a valid domain name";
  if (ascii.length > 253) return "its domain is longer than 253 characters";
  const labels = ascii.split(".");
  if (labels.length < 2 && !opts.allowSingleLabel) return "its domain has no dot";
  if (!labels.every((l) => LABEL.test(l))) return "its domain is not a valid domain name";
  if (/^\d+$/.test(labels[labels.length - 1] ?? "")) return "its domain ends in a number, not a name";
  return null;
}

function asciiDomain(domain: string): string | null {
  const lower = domain.toLowerCase();
  if (/^[a-z0-9.-]+$/.test(lower)) return lower;
  // An internationalised domain name: to its A-labels ("" when it is not a valid name).
  const ascii = domainToASCII(lower);
  return ascii ? ascii : null;
}

/** The address with its domain in lower-case ASCII (the local part is kept as written). */
export function normalizeAddress(text: string): string {
  const at = text.lastIndexOf("@");
  const domain = asciiDomain(text.slice(at + 1)) ?? text.slice(at + 1);
  return `${text.slice(0, at)}@${domain}`;
}

/** The key two addresses are the same by: compared case-insensitively. */
export const addressKey = (address: string) => address.toLowerCase();

/**
 * Text for a header: one line, no control characters, at most `max` characters, and no
 * RFC 2047 encoded-word (`=?utf-8?b?…?=` passes through a mail library as plain ASCII and is
 * decoded by the receiver, CR/LF included): its `=?` becomes `= ?`.
 */
export function headerText(s: string | null | undefined, max = MAX_SUBJECT): string {
  const line = (s ?? "").replace(UNSAFE_ALL, " ").replace(/\s+/g, " ").replace(/=\?/g, "= ?").trim();
  if (line.length <= max) return line;
  const cut = /[\ud800-\udbff]/.test(line[max - 2] ?? "") ? max - 2 : max - 1;
  return `${line.slice(0, cut).trimEnd()}…`;
}

export class AddressError extends Error {
  constructor(
    readonly text: string,
    readonly problem: string,
  ) {
    super(`${headerText(text, 80) || "(empty)"} is not a valid e-mail address: ${problem}`);
    this.name = "AddressError";
  }
}

/**
 * Reads one mailbox: `peering@example.net`, `<peering@example.net>`,
 * `Example Peering <peering@example.net>` or `"Example, Inc." <peering@example.net>`.
 * Throws AddressError naming the problem.
 */
export function parseMailbox(text: string, opts: { allowSingleLabel?: boolean } = {}): Mailbox {
  const raw = text.trim();
  if (UNSAFE.test(raw)) throw new AddressError(raw, "it contains control characters or line breaks");
  const m = /^(.*?)\s*<([^<>]*)>$/.exec(raw);
  let name = "";
  let address = raw.replace(/^mailto:/i, "");
  if (m) {
    name = unquote((m[1] ?? "").trim());
    address = (m[2] ?? "").trim();
  } else if (/[<>]/.test(raw)) {
    throw new AddressError(raw, "its angle brackets do not enclose one address");
  }
  const problem = addressProblem(address, opts);
  if (problem) throw new AddressError(address, problem);
  return { address: normalizeAddress(address), name: headerText(name, MAX_DISPLAY_NAME) };
}

function unquote(name: string): string {
  const q = /^"((?:[^"\\]|\\.)*)"$/.exec(name);
  return q ? (q[1] ?? "").replace(/\\(.)/g, "$1") : name;
}

/** RFC 5322 `specials` and the quote: a display name with one of them is written quoted. */
const NEEDS_QUOTES = /[()<>[\]:;@\\,."]/;

/** The mailbox as a header value: `Name <address>` (name quoted when needed), or the address. */
export function formatMailbox(m: Mailbox): string {
  const name = headerText(m.name, MAX_DISPLAY_NAME);
  if (!name) return m.address;
  const shown = NEEDS_QUOTES.test(name) ? `"${name.replace(/(["\\])/g, "\\$1")}"` : name;
  return `${shown} <${m.address}>`;
}

/**
 * Splits a contact's e-mail field into addresses: PeeringDB and hand-made contacts sometimes
 * hold a list ("a@x.net, b@x.net" or with ";"). A field with control characters or line breaks
 * is refused whole (never split into something else), so a hostile value adds no recipient.
 */
export function splitAddressField(field: string): {
  ok: string[];
  bad: { address: string; reason: string }[];
} {
  const ok: string[] = [];
  const bad: { address: string; reason: string }[] = [];
  const text = field.trim();
  if (!text) return { ok, bad };
  if (UNSAFE.test(text)) {
    bad.push({ address: headerText(text, 80), reason: "it contains control characters or line breaks" });
    return { ok, bad };
  }
  for (const part of text.split(/[,;]/)) {
    const a = part.trim().replace(/^mailto:/i, "");
    if (!a) continue;
    const problem = addressProblem(a);
    if (problem) bad.push({ address: headerText(a, 80), reason: problem });
    else ok.push(normalizeAddress(a));
  }
  return { ok, bad };
}

/** A comma-separated setting of addresses (PEERBOT_EMAIL_CC, _BCC); throws AddressError. */
export function parseAddressList(text: string | undefined): string[] {
  const out: string[] = [];
  for (const part of (text ?? "").split(",")) {
    if (!part.trim()) continue;
    out.push(parseMailbox(part).address);
  }
  return out;
}
