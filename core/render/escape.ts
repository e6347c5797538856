// Escaping and validation per router dialect. Every string from outside (PeeringDB names,
// AS-SETs, descriptions, comments) reaches a template only through `safeText`, which keeps
// it readable but unable to leave its statement; identifiers are validated and refused when
// invalid; numbers and addresses are validated values. `maskSecrets` hides BGP passwords in
// any configuration text or diff shown to people.
import { createHash } from "node:crypto";

export const PLATFORM_DIALECTS = ["junos", "iosxr", "eos", "bird2", "frr"] as const;
export type PlatformDialect = (typeof PLATFORM_DIALECTS)[number];
/** `generic` is for templates of unknown syntax (a `file` router with a custom template): strictest rules. */
export type Dialect = PlatformDialect | "generic";

/** A problem a user can fix (bad identifier, password a router cannot carry, broken template). */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenderError";
  }
}

export function isPlatformDialect(s: string): s is PlatformDialect {
  return (PLATFORM_DIALECTS as readonly string[]).includes(s);
}

/**
 * The syntax a router's configuration is written in: the template's when it names a built-in
 * one (`junos`, `junos-edge`, `frr.custom`), else the router's platform, else `generic`.
 */
export function dialectFor(platform: string, template: string): Dialect {
  const t = template.trim().toLowerCase();
  if (isPlatformDialect(t)) return t;
  for (const d of PLATFORM_DIALECTS)
    if (t.startsWith(`${d}-`) || t.startsWith(`${d}_`) || t.startsWith(`${d}.`)) return d;
  if (isPlatformDialect(platform)) return platform;
  return "generic";
}

/** Longest description each dialect gets (FRR, EOS and IOS-XR print it to end of line). */
export const TEXT_MAX: Record<Dialect, number> = {
  junos: 255,
  bird2: 255,
  frr: 80,
  eos: 80,
  iosxr: 80,
  generic: 80,
};

// Characters kept as they are in every dialect. Everything else is replaced: this one set is
// safe inside BIRD's "..." (no `"`, `\`, newline), inside Junos' description "..." (no `"`,
// newline, `;`, `{}`, `#`, `/*`), and as an FRR/EOS/IOS-XR end-of-line argument (no newline,
// no `!` or `#` that could start a comment, no `?` that asks the CLI for help, no `|`).
const KEEP_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:/()'+&@=_%-";
const REPLACE: Record<string, string> = {
  '"': "'",
  "`": "'",
  "\\": "/",
  "{": "(",
  "[": "(",
  "<": "(",
  "}": ")",
  "]": ")",
  ">": ")",
  ";": ",",
  "|": "/",
  "!": ".",
  "?": ".",
  "#": " ",
  "*": " ",
  $: "S",
  "^": " ",
  "~": "-",
};
/** What each ASCII character becomes (control characters: a space). */
const ASCII: string[] = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  if (KEEP_CHARS.includes(ch)) return ch;
  if (REPLACE[ch] !== undefined) return REPLACE[ch];
  return " ";
});
const ALREADY_SAFE = /^(?:[A-Za-z0-9.,:/()'+&@=_%-]+(?: [A-Za-z0-9.,:/()'+&@=_%-]+)*)?$/;

function isSpaceLike(c: number): boolean {
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200f) ||
    (c >= 0x2028 && c <= 0x202f) ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Readable, statement-safe text: accents folded (Türk -> Turk), hostile characters replaced by
 * harmless look-alikes, control characters and line breaks turned into spaces, other
 * non-ASCII characters into `_`, whitespace collapsed, cut to the dialect's length.
 */
export function safeText(value: unknown, dialect: Dialect, max = TEXT_MAX[dialect]): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (s.length <= max && ALREADY_SAFE.test(s)) return s;
  // Bound the work on hostile, very long input before any heavier processing.
  if (s.length > max * 4 + 16) s = s.slice(0, max * 4 + 16);
  s = s.normalize("NFKD").replace(/\p{M}/gu, "");
  let out = "";
  let space = true; // collapses runs and drops leading spaces
  for (let i = 0; i < s.length && out.length <= max; i++) {
    const c = s.charCodeAt(i);
    let r: string;
    if (c < 128) r = ASCII[c]!;
    else if (isSpaceLike(c)) r = " ";
    else {
      r = "_";
      if (c >= 0xd800 && c <= 0xdbff) i++; // one mark for a whole surrogate pair
    }
    if (r === " ") {
      if (!space) out += " ";
      space = true;
    } else {
      out += r;
      space = r.endsWith(" ");
    }
  }
  if (out.length > max) out = out.slice(0, max);
  return out.trimEnd();
}

/** A string literal for dialects that quote (BIRD, Junos); bare safe text elsewhere. */
export function quoted(value: unknown, dialect: Dialect): string {
  const t = safeText(value, dialect);
  return dialect === "bird2" || dialect === "junos" ? `"${t}"` : t;
}

const IDENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** A name used as a configuration identifier (policy, group, route-map): validated, never rewritten. */
export function identifier(value: unknown, what: string): string {
  if (typeof value === "string" && IDENT.test(value)) return value;
  throw new RenderError(
    `${what} ${JSON.stringify(safeText(value, "generic", 40))} is not a valid name: use letters, digits, "-" and "_" (at most 63)`,
  );
}

/** A BIRD symbol from validated identifier parts: `pb`, `linx-lon1`, `v4` -> `pb_linx_lon1_v4`. */
export function birdSymbol(...parts: (string | number)[]): string {
  const s = parts
    .map((p) => String(p).replace(/-/g, "_"))
    .filter((p) => p.length > 0)
    .join("_");
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s))
    throw new RenderError(`${JSON.stringify(safeText(s, "generic", 40))} is not a valid BIRD name`);
  // BIRD limits symbol length; keep well inside it and stay unique with a short hash.
  if (s.length <= 60) return s;
  return `${s.slice(0, 51)}_${createHash("sha256").update(s).digest("hex").slice(0, 8)}`;
}

/** Truncates a validated identifier for use inside a longer generated name. */
export function shortIdent(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n).replace(/[-_]+$/, "");
}

const PASSWORD = /^[A-Za-z0-9%&()*+,./:<=>@[\]^_~-]{1,80}$/;

/**
 * A TCP-MD5 password every dialect can carry verbatim (quoted or as one word); refused
 * otherwise. The message names the session, never the password.
 */
export function checkPassword(password: string, where: string): string {
  if (PASSWORD.test(password)) return password;
  throw new RenderError(
    `the BGP password of ${where} cannot be written into a router configuration safely: ` +
      `use 1 to 80 letters, digits or any of %&()*+,./:<=>@[]^_~-`,
  );
}

const AS_SET =
  /^(?:[A-Za-z0-9-]{1,16}::)?(?:AS\d{1,10}|AS-[A-Za-z0-9_-]{1,80}|RS-[A-Za-z0-9_-]{1,80})(?::(?:AS\d{1,10}|AS-[A-Za-z0-9_-]{1,80}))*$/i;

/** The valid AS-SET names in a PeeringDB irr_as_set value (which may list several). */
export function asSets(value: unknown): string[] {
  if (typeof value !== "string" || value === "") return [];
  // Most networks name one AS-SET: no split needed.
  if (value.length <= 128 && AS_SET.test(value)) return [value];
  return value.split(/[\s,;]+/).filter((s) => s.length > 0 && s.length <= 128 && AS_SET.test(s));
}

// ---------------------------------------------------------------------------
// Communities
// ---------------------------------------------------------------------------

export type CommunityKind = "standard" | "extended" | "large";

export interface ParsedCommunity {
  kind: CommunityKind;
  /** Canonical text: `64500:1`, `64500:1:2`, `rt 64500:100` / `soo 192.0.2.1:7`. */
  text: string;
  /** For extended communities: `rt` or `soo`. */
  extType: "rt" | "soo" | null;
  /** `a:b` (standard/extended) or `a:b:c` (large). */
  value: string;
  /** BIRD pair/triplet/ec literal: `(64500,1)`, `(64500,1,2)`, `(rt,64500,100)`. */
  bird: string;
  /** Junos `members` value: `64500:1`, `large:64500:1:2`, `target:64500:100`, `origin:64500:100`. */
  junos: string;
}

const WELL_KNOWN: Record<string, string> = {
  "graceful-shutdown": "65535:0",
  blackhole: "65535:666",
  "no-export": "65535:65281",
  "no-advertise": "65535:65282",
  "no-export-subconfed": "65535:65283",
  "local-as": "65535:65283",
  "no-peer": "65535:65284",
};

const U16 = 65535;
const U32 = 4294967295;

function uint(s: string, max: number): number | null {
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= max ? n : null;
}

/** Parses a community value of the given kind; refused (RenderError) when malformed. */
export function parseCommunity(raw: string, kind: CommunityKind, what: string): ParsedCommunity {
  const v = raw.trim().toLowerCase();
  const bad = (): never => {
    throw new RenderError(
      `${what} has an invalid ${kind} community value ${JSON.stringify(safeText(raw, "generic", 40))}`,
    );
  };
  if (kind === "standard") {
    const m = /^(\d+):(\d+)$/.exec(WELL_KNOWN[v] ?? v);
    if (!m) return bad();
    const a = uint(m[1]!, U16);
    const b = uint(m[2]!, U16);
    if (a === null || b === null) return bad();
    return {
      kind,
      text: `${a}:${b}`,
      extType: null,
      value: `${a}:${b}`,
      bird: `(${a},${b})`,
      junos: `${a}:${b}`,
    };
  }
  if (kind === "large") {
    const m = /^(\d+):(\d+):(\d+)$/.exec(v.replace(/^large:/, ""));
    if (!m) return bad();
    const [a, b, c] = [uint(m[1]!, U32), uint(m[2]!, U32), uint(m[3]!, U32)];
    if (a === null || b === null || c === null) return bad();
    return {
      kind,
      text: `${a}:${b}:${c}`,
      extType: null,
      value: `${a}:${b}:${c}`,
      bird: `(${a},${b},${c})`,
      junos: `large:${a}:${b}:${c}`,
    };
  }
  const m = /^(rt|target|ro|soo|origin)[: ](\d+|\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(v);
  if (!m) return bad();
  const extType = m[1] === "rt" || m[1] === "target" ? "rt" : "soo";
  const admin = m[2]!;
  let value: string;
  if (admin.includes(".")) {
    const octets = admin.split(".").map((o) => uint(o, 255));
    const local = uint(m[3]!, U16);
    if (octets.some((o) => o === null) || local === null) return bad();
    value = `${octets.join(".")}:${local}`;
  } else {
    const asn = uint(admin, U32);
    const local = uint(m[3]!, asn !== null && asn > U16 ? U16 : U32);
    if (asn === null || local === null) return bad();
    value = `${asn}:${local}`;
  }
  const [ga, gb] = value.split(":");
  return {
    kind,
    text: `${extType} ${value}`,
    extType,
    value,
    bird: `(${extType === "rt" ? "rt" : "ro"},${ga},${gb})`,
    junos: `${extType === "rt" ? "target" : "origin"}:${value}`,
  };
}

// ---------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------

export const MASK = "********";

type LineRule = (line: string) => string | null;

const MASK_RULES: LineRule[] = [
  // Junos: authentication-key "..."; (the router may show "$9$..." followed by ## SECRET-DATA)
  (l) =>
    /\bauthentication-key\s/.test(l)
      ? l.replace(/(\bauthentication-key\s+)(?:"(?:[^"\\]|\\.)*"?|[^\s;]+)/g, `$1"${MASK}"`)
      : null,
  // IOS-XR: password clear|encrypted <value>
  (l) =>
    /\bpassword\s+(?:clear|encrypted)\s/.test(l)
      ? l.replace(/(\bpassword\s+(?:clear|encrypted)\s+)\S+/g, `$1${MASK}`)
      : null,
  // FRR / EOS: neighbor <peer> password [0|7|8a] <value>
  (l) =>
    /\bneighbor\s+\S+\s+password\s/.test(l)
      ? l.replace(/(\bneighbor\s+\S+\s+password\s+(?:(?:0|7|8a)\s+(?=\S))?)\S+/g, `$1${MASK}`)
      : null,
  // BIRD and anything else: password "..." / password <word>
  (l) =>
    /\bpassword\s/.test(l)
      ? l.replace(/(\bpassword\s+)(?:"(?:[^"\\]|\\.)*"?|[^\s;]+)/g, (_m, p: string) => `${p}"${MASK}"`)
      : null,
];

/**
 * Hides BGP passwords in configuration text or a unified diff of it, line by line, whatever
 * the dialect (every dialect's pattern is tried: a masked line too many is harmless, one too
 * few is not). `platform` is accepted for symmetry with the renderer and future rules.
 */
export function maskSecrets(text: string, _platform?: string): string {
  if (!/password|authentication-key/.test(text)) return text;
  return text
    .split("\n")
    .map((line) => {
      for (const rule of MASK_RULES) {
        const r = rule(line);
        if (r !== null) return r;
      }
      return line;
    })
    .join("\n");
}

// ---------------------------------------------------------------------------
// Structure: a last line of defence against a template (ours or a user's) that lets text
// escape. Braces must balance outside strings and comments, strings must end on their line,
// and no control character may appear.
// ---------------------------------------------------------------------------

/** Characters that have no place in a configuration (tab and newline excepted). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]/;

/**
 * Checks a rendered configuration: no control character (tab and newline excepted); for
 * Junos and BIRD, braces balanced outside strings and comments (`#` to end of line,
 * `/* *\/`) and every string closed on its own line. Returns whether some line ends in
 * spaces or tabs (for the caller to tidy). Throws RenderError naming the line. The scans are
 * regular expressions and indexOf, which skip the ordinary text natively.
 */
export function checkStructure(text: string, dialect: Dialect): { trailingSpace: boolean } {
  const lineAt = (index: number) => {
    let n = 1;
    for (let p = text.indexOf("\n"); p >= 0 && p < index; p = text.indexOf("\n", p + 1)) n++;
    return n;
  };
  const fail = (what: string, index: number): never => {
    throw new RenderError(`the rendered configuration has ${what} on line ${lineAt(index)}`);
  };
  const ctl = CONTROL.exec(text);
  if (ctl) fail("a control character", ctl.index);
  const last = text.charCodeAt(text.length - 1);
  const trailingSpace = last === 32 || last === 9 || /[ \t]\n/.test(text);
  if (dialect !== "junos" && dialect !== "bird2") return { trailingSpace };
  // The next occurrence of each special token, found with indexOf (no match objects: a
  // configuration of 5,000 sessions has some 100,000 braces and quotes).
  const n = text.length;
  let depth = 0;
  let pos = 0;
  let pQuote = -2;
  let pHash = -2;
  let pOpen = -2;
  let pClose = -2;
  let pComment = -2;
  for (;;) {
    if (pQuote !== -1 && pQuote < pos) pQuote = text.indexOf('"', pos);
    if (pHash !== -1 && pHash < pos) pHash = text.indexOf("#", pos);
    if (pOpen !== -1 && pOpen < pos) pOpen = text.indexOf("{", pos);
    if (pClose !== -1 && pClose < pos) pClose = text.indexOf("}", pos);
    if (pComment !== -1 && pComment < pos) pComment = text.indexOf("/*", pos);
    let i = n;
    if (pQuote >= 0 && pQuote < i) i = pQuote;
    if (pHash >= 0 && pHash < i) i = pHash;
    if (pOpen >= 0 && pOpen < i) i = pOpen;
    if (pClose >= 0 && pClose < i) i = pClose;
    if (pComment >= 0 && pComment < i) i = pComment;
    if (i === n) break;
    if (i === pOpen) {
      depth++;
      pos = i + 1;
    } else if (i === pClose) {
      if (--depth < 0) fail("a closing brace without a block", i);
      pos = i + 1;
    } else if (i === pHash) {
      const nl = text.indexOf("\n", i);
      pos = nl < 0 ? n : nl;
    } else if (i === pComment) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) fail("an unterminated comment", i);
      pos = end + 2;
    } else {
      // A string ends on its own line; a backslash escapes the next character.
      const nl = text.indexOf("\n", i + 1);
      let q = text.indexOf('"', i + 1);
      for (;;) {
        if (q < 0 || (nl >= 0 && q > nl)) fail("an unterminated string", i);
        let bs = 0;
        for (let k = q - 1; k > i && text.charCodeAt(k) === 92; k--) bs++;
        if (bs % 2 === 0) break;
        q = text.indexOf('"', q + 1);
      }
      pos = q + 1;
    }
  }
  if (depth !== 0) throw new RenderError(`the rendered configuration leaves ${depth} block(s) open`);
  return { trailingSpace };
}
