// The values a routing policy, a community or a BGP group is made of, validated the way the
// renderer will read them (core/render/escape.ts), so that nothing chat accepts stops a render
// later: slugs are configuration identifiers, community values parse for every dialect.
import type { AddressFamily, CommunityKind, PolicyKind } from "../db.js";
import { UserError } from "../errors.js";
import { birdSymbol, identifier, parseCommunity, RenderError } from "../render/escape.js";
import { clip, singleLine } from "../text.js";

/** A slug as the render wants it: `[A-Za-z0-9][A-Za-z0-9_-]{0,62}`. */
export const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** Longest name (one line) of a policy, community or group. */
export const NAME_MAX = 100;

/** A slug typed by the user: refused in one sentence when the render could not use it. */
export function checkSlug(slug: string, what: string): string {
  try {
    return identifier(slug, what);
  } catch {
    throw new UserError(
      `"${clip(slug)}" cannot name a ${what}: use letters, digits, "-" and "_", starting with a letter or digit, at most 63 characters.`,
    );
  }
}

/** The slug made from a name: "Learned at LINX" -> "learned-at-linx". */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "")
    .slice(0, 63)
    .replace(/[-_]+$/, "");
}

/** A name typed by the user, on one line; refused when empty or too long. */
export function checkName(name: string, what: string): string {
  const n = singleLine(name, NAME_MAX + 1);
  if (!n) throw new UserError(`Give the ${what} a name.`);
  if (n.length > NAME_MAX)
    throw new UserError(`That ${what} name is too long: at most ${NAME_MAX} characters.`);
  return n;
}

/** The slug of a community or group, made from its name; refused when nothing is left of it. */
export function slugFromName(name: string, what: string): string {
  const slug = slugify(name);
  if (!SLUG.test(slug))
    throw new UserError(
      `peerbot cannot make a configuration name out of "${clip(name)}" for the ${what}: use a name with letters or digits.`,
    );
  return slug;
}

// ---------------------------------------------------------------------------
// Routing policies
// ---------------------------------------------------------------------------

/** import | export | both, as the user says it, to the schema's PolicyKind. */
export const POLICY_KINDS: Record<string, PolicyKind> = {
  import: "import",
  export: "export",
  both: "import_export",
  "import-export": "import_export",
  import_export: "import_export",
};

/** What a PolicyKind is called in messages. */
export const POLICY_KIND_WORD: Record<PolicyKind, string> = {
  import: "import",
  export: "export",
  import_export: "import and export",
};

/** v4 | v6 | both, as the user says it, to the schema's AddressFamily. */
export const FAMILIES: Record<string, AddressFamily> = {
  v4: "ipv4",
  ipv4: "ipv4",
  "4": "ipv4",
  v6: "ipv6",
  ipv6: "ipv6",
  "6": "ipv6",
  both: "all",
  all: "all",
};

export const FAMILY_WORD: Record<AddressFamily, string> = {
  ipv4: "IPv4",
  ipv6: "IPv6",
  all: "IPv4 and IPv6",
};

/** Peering Manager's weight is a positive small integer. */
export const WEIGHT_MAX = 32767;

// ---------------------------------------------------------------------------
// Communities
// ---------------------------------------------------------------------------

export interface CommunityValue {
  kind: CommunityKind;
  /**
   * As stored: `65000:100`, `65000:1:2`, or Peering Manager's extended form `target:65000:100` /
   * `origin:192.0.2.1:7` (rt: and soo: are written that way too).
   */
  value: string;
}

const U16 = 65535;
const U32 = 4_294_967_295;
const EXTENDED = /^(rt|target|ro|soo|origin)[: ]/;
const WELL_KNOWN_NAME = /^[a-z][a-z-]+$/;

const FORMS =
  "a standard community is two numbers up to 65535 (65000:100), a large one three numbers up to 4294967295 (65000:1:2), an extended one target: or origin: with an AS number or IPv4 address and a number (target:65000:100)";

/** The first part of a community that is out of range, as a sentence; null when none is. */
function outOfRange(parts: string[], max: number): string | null {
  const i = parts.findIndex((p) => !/^\d{1,10}$/.test(p) || Number(p) > max);
  if (i === -1) return null;
  const nth = ["first", "second", "third"][i] ?? "last";
  return `its ${nth} part must be a number from 0 to ${max}`;
}

/**
 * A community value with its kind inferred from its form, as the render parses it for every
 * dialect; refused in one sentence when it does not parse.
 */
export function inferCommunity(raw: string): CommunityValue {
  const v = raw.trim().toLowerCase();
  const shown = `"${clip(raw.trim(), 40)}"`;
  const parse = (kind: CommunityKind) => {
    try {
      return parseCommunity(v, kind, "community");
    } catch (err) {
      if (err instanceof RenderError) return null;
      throw err;
    }
  };
  if (EXTENDED.test(v)) {
    const p = parse("extended");
    if (!p)
      throw new UserError(
        `${shown} is not an extended community: write target:<AS or IPv4>:<number> or origin:<AS or IPv4>:<number>, e.g. target:65000:100 (the number is at most 65535 after a 4-byte AS or an IPv4 address).`,
      );
    return { kind: "extended", value: `${p.extType === "rt" ? "target" : "origin"}:${p.value}` };
  }
  const plain = v.replace(/^large:/, "");
  const parts = plain.split(":");
  if (parts.length === 3 || v.startsWith("large:")) {
    const p = parts.length === 3 ? parse("large") : null;
    if (!p)
      throw new UserError(
        `${shown} is not a large community: ${parts.length === 3 ? outOfRange(parts, U32) : "it has three numbers"}, e.g. 65000:1:2.`,
      );
    return { kind: "large", value: p.value };
  }
  if (parts.length === 2 || WELL_KNOWN_NAME.test(v)) {
    const p = parse("standard");
    if (!p) {
      const why =
        parts.length === 2
          ? outOfRange(parts, U16)
          : "it is neither two numbers nor a well-known name (no-export)";
      throw new UserError(`${shown} is not a standard community: ${why}, e.g. 65000:100.`);
    }
    return { kind: "standard", value: p.value };
  }
  throw new UserError(`${shown} is not a community value: ${FORMS}.`);
}

/**
 * The BIRD function name of a policy (`peering-in` -> `policy_peering_in`): two slugs must not
 * share one. A slug BIRD cannot use (one imported from elsewhere) is its own name.
 */
export function policySymbol(slug: string): string {
  try {
    return birdSymbol("policy", slug);
  } catch {
    return slug;
  }
}
