// The values an inventory object may hold, as zod schemas whose messages are the sentences a
// user reads: every write in core/objects checks its input with these, whoever calls it (chat,
// a file, an import), so a value that is wrong is refused in one sentence and nothing changes.
import { isIP } from "node:net";
import { z } from "zod";
import { parseAsn } from "../asn.js";
import { UserError } from "../errors.js";
import { clip } from "../text.js";

/** Whether `err` is PostgreSQL refusing a duplicate key (two writers raced to make one object). */
export const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: unknown } | null)?.code === "P2002";

/** Runs `fn`, turning a duplicate-key race into `sentence`. */
export async function unique<T>(fn: () => Promise<T>, sentence: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw new UserError(sentence);
    throw err;
  }
}

/** Parses `value` with `schema`, or throws a UserError with the first problem's sentence. */
export function check<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new UserError(r.error.issues[0]?.message ?? "That value is not valid.");
}

/** Any control character, line or paragraph separator, or bidi override. */
const CONTROL = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Text of one line at most `max` characters (names, comments); trimmed. */
export const lineText = (what: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `That ${what} is too long: at most ${max} characters.`)
    .refine((s) => !CONTROL.test(s), `The ${what} must be one line of text, without control characters.`);

export const ROUTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const routerName = z.string().superRefine((s, ctx) => {
  if (!ROUTER_NAME.test(s)) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a router name: use letters, digits, ".", "-" and "_" (no spaces or quotes), starting with a letter or digit, at most 63 characters.`,
    });
  } else if (parseAsn(s) !== null) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" reads as an AS number; give the router a name that does not, e.g. edge1.lon.`,
    });
  }
});

const DNS_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/** A DNS name or an IPv4/IPv6 address. */
export const hostname = z.string().superRefine((s, ctx) => {
  const bare = s.replace(/^\[(.*)\]$/, "$1");
  if (isIP(bare)) return;
  const labels = s.replace(/\.$/, "").split(".");
  if (
    s.length > 253 ||
    !labels.length ||
    !labels.every((l) => DNS_LABEL.test(l)) ||
    /^\d+$/.test(labels.at(-1)!)
  ) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a host name or an IP address, e.g. edge1.lon.example.net or 192.0.2.1.`,
    });
  }
});

export const port = z.number().superRefine((n, ctx) => {
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    ctx.addIssue({ code: "custom", message: `${clip(String(n), 12)} is not a TCP port: use 1 to 65535.` });
  }
});

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The name of an environment variable that holds a credential. */
export const envName = z.string().superRefine((s, ctx) => {
  if (!ENV_NAME.test(s)) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not an environment variable name: letters, digits and "_", not starting with a digit.`,
    });
  }
});

export const username = z.string().superRefine((s, ctx) => {
  if (!/^[A-Za-z0-9._@+-]{1,64}$/.test(s)) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a login name: letters, digits and . _ @ + - only, at most 64 characters.`,
    });
  }
});

/** A dotted-quad IPv4 address (a BGP router id). */
export const routerId = z.string().superRefine((s, ctx) => {
  if (isIP(s) !== 4) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a BGP router id: write it as an IPv4 address, e.g. 192.0.2.1.`,
    });
  }
});

/** A file path for a file router's configuration, or BIRD's included file. */
export const configPath = z.string().superRefine((s, ctx) => {
  if (!s.length || s.length > 1024 || CONTROL.test(s) || s.split(/[\\/]/).includes("..")) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a configuration path: one line, without "..", at most 1024 characters.`,
    });
  }
});

/** An e-mail address, as a contact's (no display name). */
export const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)(?:(?!-)[A-Za-z0-9-]{1,63}(?<!-)\.)+[A-Za-z]{2,63}$/;

export const email = z.string().transform((s, ctx) => {
  const t = s.trim();
  if (!EMAIL.test(t) || t.startsWith(".") || t.includes("..") || /\.@/.test(t)) {
    ctx.addIssue({ code: "custom", message: `"${clip(t)}" is not an e-mail address, e.g. noc@example.net.` });
    return z.NEVER;
  }
  const at = t.lastIndexOf("@");
  return `${t.slice(0, at)}@${t.slice(at + 1).toLowerCase()}`;
});

/** A sender: an address, or `Display Name <address>` (the display name without quotes or brackets). */
export const mailbox = z.string().transform((s, ctx) => {
  const t = s.trim();
  const m = /^(?:([^<>"\\\r\n]{1,100}?)\s*)?<([^<>\s]+)>$/.exec(t);
  const addr = m ? (m[2] as string) : t;
  const name = m?.[1]?.trim() ?? "";
  if (!EMAIL.test(addr) || addr.includes("..") || CONTROL.test(name) || /[,;:]/.test(name)) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(t)}" is not a sender address: write it as peering@example.net or Example Peering <peering@example.net>.`,
    });
    return z.NEVER;
  }
  return name ? `${name} <${addr}>` : addr;
});

export const phone = z.string().superRefine((s, ctx) => {
  if (!/^\+?[0-9 ().x-]{3,40}$/.test(s)) {
    ctx.addIssue({ code: "custom", message: `"${clip(s)}" is not a phone number, e.g. +44 20 7946 0000.` });
  }
});

/** An IRR object name: AS-FOO, AS64500:AS-CUSTOMERS, RIPE::AS-FOO or AS64500; several with spaces or commas. */
const AS_SET_ONE =
  /^(?:[A-Za-z][A-Za-z0-9-]{0,15}::)?(?:AS\d{1,10}|AS-[A-Za-z0-9_-]+)(?::(?:AS\d{1,10}|AS-[A-Za-z0-9_-]+))*$/i;

export const asSet = z.string().transform((s, ctx) => {
  const parts = s
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean);
  const bad = parts.find((p) => !AS_SET_ONE.test(p));
  if (bad !== undefined || s.length > 255) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(bad ?? s)}" is not an AS-SET: write it as AS-EXAMPLE, AS64500:AS-CUSTOMERS or RIPE::AS-EXAMPLE.`,
    });
    return z.NEVER;
  }
  return parts.join(" ");
});

/** PeeringDB's general peering policies. */
export const PEERING_POLICIES = ["Open", "Selective", "Restrictive", "No"] as const;

export const peeringPolicy = z.string().transform((s, ctx) => {
  const hit = PEERING_POLICIES.find((p) => p.toLowerCase() === s.trim().toLowerCase());
  if (!hit) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a peering policy; use ${PEERING_POLICIES.join(", ")} (PeeringDB's).`,
    });
    return z.NEVER;
  }
  return hit;
});

export const maxPrefixes = z.number().superRefine((n, ctx) => {
  if (!Number.isInteger(n) || n < 0 || n > 10_000_000) {
    ctx.addIssue({
      code: "custom",
      message: `${clip(String(n), 16)} is not a max-prefix count: a whole number from 0 to 10000000.`,
    });
  }
});

export const vlan = z.number().superRefine((n, ctx) => {
  if (!Number.isInteger(n) || n < 1 || n > 4094) {
    ctx.addIssue({ code: "custom", message: `${clip(String(n), 12)} is not a VLAN id: use 1 to 4094.` });
  }
});

/** Port speed in Mbit/s (PeeringDB's netixlan.speed). */
export const speed = z.number().superRefine((n, ctx) => {
  if (!Number.isInteger(n) || n < 0 || n > 100_000_000) {
    ctx.addIssue({
      code: "custom",
      message: `${clip(String(n), 16)} is not a port speed: give Mbit/s (10000) or 10G, 100G, 400G.`,
    });
  }
});

/** A MAC address in any usual notation, stored as lower-case aa:bb:cc:dd:ee:ff. */
export const mac = z.string().transform((s, ctx) => {
  const hex = s.trim().toLowerCase();
  const digits = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/.test(hex)
    ? hex.replace(/[:-]/g, "")
    : /^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/.test(hex)
      ? hex.replace(/\./g, "")
      : /^[0-9a-f]{12}$/.test(hex)
        ? hex
        : null;
  if (!digits) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a MAC address; write it as 00:1b:21:3a:4c:5d (or 001b.213a.4c5d).`,
    });
    return z.NEVER;
  }
  if (/^0+$/.test(digits) || parseInt(digits.slice(0, 2), 16) & 1) {
    ctx.addIssue({
      code: "custom",
      message: `${clip(s)} is not a port's MAC address: it is all zeros or a multicast address.`,
    });
    return z.NEVER;
  }
  return digits.match(/../g)!.join(":");
});

export const objectStatus = z.enum(["enabled", "disabled", "maintenance"], {
  error: (i) => `"${clip(String(i.input))}" is not a status; use enabled, disabled or maintenance.`,
});

/** Peering Manager's (and PeeringDB's) contact roles, as peerbot stores them. */
export const CONTACT_ROLES = [
  "technical",
  "policy",
  "noc",
  "abuse",
  "maintenance",
  "sales",
  "public-relations",
] as const;

export const contactRole = z.string().transform((s, ctx) => {
  const k = s
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");
  const hit = CONTACT_ROLES.find((r) => r === k || (r === "public-relations" && k === "pr"));
  if (!hit) {
    ctx.addIssue({
      code: "custom",
      message: `"${clip(s)}" is not a contact role; use one of ${CONTACT_ROLES.join(", ")}.`,
    });
    return z.NEVER;
  }
  return hit;
});
