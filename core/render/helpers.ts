// Handlebars helpers for router templates, after Peering Manager's template filters: pick an
// IPv4/IPv6 address, family tests, max prefix, policies and communities by direction, sessions
// by IXP and family, inherited status, JSON, indent, and escaping for the template's dialect.
// Values in the render context are already escaped; these helpers are for template authors
// who build text of their own (`{{quote (concat "Peer " peer.name)}}`).
import type { HelperDelegate, HelperOptions } from "handlebars";
import { birdSymbol, identifier, quoted, safeText, type Dialect } from "./escape.js";
import { parseIp } from "./ip.js";

type Env = { registerHelper(name: string, fn: HelperDelegate): void };

function isOptions(x: unknown): x is HelperOptions {
  return typeof x === "object" && x !== null && "hash" in x && "data" in x;
}

/** Positional arguments without Handlebars' trailing options object. */
function args(all: unknown[]): unknown[] {
  return all.length && isOptions(all[all.length - 1]) ? all.slice(0, -1) : all;
}

function familyOf(x: unknown): 4 | 6 | null {
  if (typeof x === "number") return x === 4 || x === 6 ? x : null;
  if (typeof x === "string") {
    if (x === "ipv4" || x === "4") return 4;
    if (x === "ipv6" || x === "6") return 6;
    return parseIp(x.split("/")[0])?.family ?? null;
  }
  if (typeof x === "object" && x !== null) {
    const o = x as { family?: unknown; address?: unknown };
    if (o.family === 4 || o.family === 6) return o.family;
    if (typeof o.address === "string") return parseIp(o.address)?.family ?? null;
  }
  return null;
}

/** `ipv4`/`ipv6`: the address of that family in a value (address, list, connection, session). */
function pick(x: unknown, family: 4 | 6): string {
  if (typeof x === "string") return parseIp(x.split("/")[0])?.family === family ? x : "";
  if (Array.isArray(x)) {
    for (const v of x) {
      const r = pick(v, family);
      if (r) return r;
    }
    return "";
  }
  if (typeof x === "object" && x !== null) {
    const o = x as Record<string, unknown>;
    const own = o[family === 4 ? "ipv4Address" : "ipv6Address"];
    if (typeof own === "string") return own;
    if (typeof o.address === "string" && o.family === family) return o.address;
  }
  return "";
}

const REDACTED = new Set(["password", "passwordEnc"]);

/** JSON without secrets; objects met again (the context is cyclic) become their `key`/`id`. */
function safeJson(value: unknown, indent?: number): string {
  const seen = new WeakSet<object>();
  return (
    JSON.stringify(
      value,
      function (k, v: unknown) {
        if (REDACTED.has(k)) return v === null || v === undefined ? v : "<secret>";
        if (typeof v === "bigint") return v.toString();
        if (typeof v === "object" && v !== null) {
          if (seen.has(v)) {
            const o = v as { key?: unknown; id?: unknown; slug?: unknown };
            return o.key ?? o.slug ?? o.id ?? "[…]";
          }
          seen.add(v);
        }
        return v;
      },
      indent,
    ) ?? "null"
  );
}

function indentText(text: string, n: number): string {
  const pad = " ".repeat(Math.max(0, Math.min(64, Math.trunc(n))));
  return text
    .split("\n")
    .map((l) => (l.length ? pad + l : l))
    .join("\n");
}

/** Every helper registered below, for Handlebars' `knownHelpers` compile option. */
export const HELPER_NAMES = [
  "eq",
  "ne",
  "gt",
  "lt",
  "and",
  "or",
  "not",
  "concat",
  "join",
  "length",
  "ipv4",
  "ipv6",
  "is_ipv4",
  "is_ipv6",
  "family_of",
  "max_prefix",
  "iterate_policies",
  "communities",
  "sessions",
  "inherited_status",
  "json",
  "indent",
  "text",
  "quote",
  "ident",
  "bird_symbol",
] as const;

export function registerHelpers(env: Env, dialect: Dialect): void {
  const h = (name: (typeof HELPER_NAMES)[number], fn: (...a: unknown[]) => unknown) =>
    env.registerHelper(name, fn as HelperDelegate);

  // Logic.
  h("eq", (...a) => {
    const [x, y] = args(a);
    return x === y;
  });
  h("ne", (...a) => {
    const [x, y] = args(a);
    return x !== y;
  });
  h("gt", (...a) => {
    const [x, y] = args(a);
    return Number(x) > Number(y);
  });
  h("lt", (...a) => {
    const [x, y] = args(a);
    return Number(x) < Number(y);
  });
  h("and", (...a) => args(a).every(Boolean));
  h("or", (...a) => args(a).some(Boolean));
  h("not", (...a) => !args(a)[0]);
  h("concat", (...a) =>
    args(a)
      .map((x) => (x === null || x === undefined ? "" : String(x)))
      .join(""),
  );
  h("join", (...a) => {
    const [list, sep] = args(a);
    return Array.isArray(list) ? list.join(typeof sep === "string" ? sep : " ") : "";
  });
  h("length", (...a) => {
    const [list] = args(a);
    return Array.isArray(list) ? list.length : 0;
  });

  // Addresses and families.
  h("ipv4", (...a) => pick(args(a)[0], 4));
  h("ipv6", (...a) => pick(args(a)[0], 6));
  h("is_ipv4", (...a) => familyOf(args(a)[0]) === 4);
  h("is_ipv6", (...a) => familyOf(args(a)[0]) === 6);
  h("family_of", (...a) => familyOf(args(a)[0]) ?? "");

  // Peering Manager's filters.
  h("max_prefix", (...a) => {
    const [x, fam] = args(a);
    const o = (x ?? {}) as {
      maxPrefixes?: unknown;
      peer?: unknown;
      ipv4MaxPrefixes?: unknown;
      ipv6MaxPrefixes?: unknown;
    };
    if (typeof o.maxPrefixes === "number" && fam === undefined) return o.maxPrefixes;
    const peer = (typeof o.peer === "object" && o.peer !== null ? o.peer : o) as {
      ipv4MaxPrefixes?: unknown;
      ipv6MaxPrefixes?: unknown;
    };
    const f = familyOf(fam ?? x) ?? 4;
    const v = f === 4 ? peer.ipv4MaxPrefixes : peer.ipv6MaxPrefixes;
    return typeof v === "number" ? v : 0;
  });
  h("iterate_policies", (...a) => {
    const [x, direction] = args(a);
    const o = (x ?? {}) as { importPolicies?: unknown; exportPolicies?: unknown };
    const list = direction === "export" ? o.exportPolicies : o.importPolicies;
    return Array.isArray(list) ? list : [];
  });
  h("communities", (...a) => {
    const [x, direction] = args(a);
    const list = ((x ?? {}) as { communities?: unknown }).communities;
    if (!Array.isArray(list)) return [];
    if (direction === undefined) return list;
    return list.filter((c) => (c as { direction?: unknown }).direction === direction);
  });
  h("sessions", (...a) => {
    const [x, fam] = args(a);
    const list = ((x ?? {}) as { sessions?: unknown }).sessions;
    if (!Array.isArray(list)) return [];
    if (fam === undefined) return list;
    const f = familyOf(fam);
    return list.filter((s) => (s as { family?: unknown }).family === f);
  });
  h("inherited_status", (...a) => {
    const x = (args(a)[0] ?? {}) as { effectiveStatus?: unknown; status?: unknown };
    return typeof x.effectiveStatus === "string"
      ? x.effectiveStatus
      : typeof x.status === "string"
        ? x.status
        : "";
  });

  // Output shaping.
  h("json", (...a) => {
    const [x, n] = args(a);
    return safeJson(x, typeof n === "number" ? n : undefined);
  });
  h("indent", function (this: unknown, ...a: unknown[]) {
    const opts = a[a.length - 1];
    const pos = args(a);
    if (isOptions(opts) && typeof opts.fn === "function")
      return indentText(opts.fn(this), Number(pos[0] ?? 2));
    return indentText(String(pos[1] ?? ""), Number(pos[0] ?? 2));
  });

  // Escaping for this template's dialect.
  h("text", (...a) => safeText(args(a)[0], dialect));
  h("quote", (...a) => quoted(args(a)[0], dialect));
  h("ident", (...a) => identifier(args(a)[0], "name"));
  h("bird_symbol", (...a) => birdSymbol(...args(a).map((x) => String(x))));
}
