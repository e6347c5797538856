// IRR prefix lists in the render: the cached lists (core/irr keeps them in IrrPrefixList, one
// per AS and family) made into what the templates see, and the decision, per session, of
// whether its import chain is guarded by one.
//
// A session is filtered by IRR when its own `irrFilter` says so, or, when that is unset, when
// one of its import policies has `irrFilter`. The guard goes in FRONT of the import chain
// (chains.ts keys the chain by the list too): a route outside the list is dropped before any
// policy runs. A session that wants a list it cannot have (none fetched, the AS's IRR turned
// off, no prefixes, older than PEERBOT_IRR_STALE_AFTER, over the size cap) gets its first IRR
// policy's fallback: `reject` makes its import chain pb-deny, `accept` leaves it unfiltered.
// Either way the context's warnings say which sessions, and a change message shows them.
//
// Entries come from an outside source (the IRR through bgpq4, stored as JSON): each is
// parsed here and written back in canonical form, so nothing but digits, dots, colons and the
// dialect's own range syntax reaches a template. A list with an entry that does not parse is
// not used at all (a partial filter would drop a peer's routes for no visible reason).
import type { Afi } from "./contract.js";
import { birdSymbol, type Dialect } from "./escape.js";
import { parseIp, type Family } from "./ip.js";
import type { IrrRow } from "./load.js";
import { plural } from "../text.js";

export const DEFAULT_IRR_STALE_AFTER = 7 * 86_400_000;

export interface IrrEntryContext {
  /** Canonical `192.0.2.0/22`. */
  prefix: string;
  /**
   * The entry in the dialect's syntax: FRR, EOS, IOS-XR `192.0.2.0/22 le 24` (`ge`/`le` as
   * needed); Junos `192.0.2.0/22 upto /24`, `exact` or `prefix-length-range /23-/24`; BIRD
   * `192.0.2.0/22{22,24}`.
   */
  spec: string;
  /** 10, 20, ... (FRR and EOS prefix-list sequence numbers). */
  seq: number;
}

/** One peer's list for one family, as a template defines it. */
export interface IrrListContext {
  asn: number;
  family: Family;
  afi: Afi;
  /** The router-side name: `pb-irr-as714-v4`. */
  name: string;
  /** BIRD prefix-set constant: `pb_irr_as714_v4`. */
  birdName: string;
  /** `ip` or `ipv6` (FRR and EOS `ip prefix-list` / `ipv6 prefix-list`, route-map `match`). */
  ipKeyword: "ip" | "ipv6";
  count: number;
  /** ISO time of the fetch the list comes from. */
  fetchedAt: string;
  /** The list was refreshed and that refresh failed: this is the last good one (still within the limit). */
  stale: boolean;
  entries: IrrEntryContext[];
}

/** Why a session that wants an IRR list does not have one. */
export type IrrProblem = "missing" | "disabled" | "empty" | "stale" | "over the cap" | "invalid";

const PROBLEM_TEXT: Record<IrrProblem, string> = {
  missing: "has not been fetched",
  disabled: "is turned off for the AS",
  empty: "has no prefixes",
  stale: "is older than PEERBOT_IRR_STALE_AFTER",
  "over the cap": "is over the size cap",
  invalid: "holds an entry that is not a prefix",
};

function rangeText(
  dialect: Dialect,
  prefix: string,
  len: number,
  max: number,
  ge: number | undefined,
  le: number | undefined,
): string {
  if (ge === undefined && le === undefined) return dialect === "junos" ? `${prefix} exact` : prefix;
  const lo = ge ?? len;
  const hi = le ?? max;
  switch (dialect) {
    case "junos":
      return lo === len ? `${prefix} upto /${hi}` : `${prefix} prefix-length-range /${lo}-/${hi}`;
    case "bird2":
      return `${prefix}{${lo},${hi}}`;
    default:
      return `${prefix}${ge !== undefined ? ` ge ${ge}` : ""}${le !== undefined ? ` le ${le}` : ""}`;
  }
}

const V4_PREFIX = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;
const V6_PREFIX = /^([0-9A-Fa-f:.]{2,45})\/(\d{1,3})$/;

function v4Network(address: string, len: number): boolean {
  const p = address.split(".");
  const n = ((+p[0]! << 24) | (+p[1]! << 16) | (+p[2]! << 8) | +p[3]!) >>> 0;
  return len === 0 ? n === 0 : len === 32 || (n << len) >>> 0 === 0;
}

/** The entries of one stored list in the dialect's syntax, or null when one does not parse. */
function entriesOf(prefixes: unknown, family: Family, dialect: Dialect): IrrEntryContext[] | null {
  if (!Array.isArray(prefixes)) return null;
  const max = family === 4 ? 32 : 128;
  const out: IrrEntryContext[] = new Array(prefixes.length);
  for (let i = 0; i < prefixes.length; i++) {
    const e = prefixes[i] as Record<string, unknown> | null;
    if (!e || typeof e.prefix !== "string") return null;
    const m = (family === 4 ? V4_PREFIX : V6_PREFIX).exec(e.prefix);
    if (!m) return null;
    const ip = parseIp(m[1]);
    const len = Number(m[2]);
    if (!ip || ip.family !== family || len > max) return null;
    if (family === 4 && !v4Network(ip.address, len)) return null;
    const ge = e["greater-equal"];
    const le = e["less-equal"];
    if (ge !== undefined && (!Number.isInteger(ge) || (ge as number) < len || (ge as number) > max))
      return null;
    if (le !== undefined && (!Number.isInteger(le) || (le as number) < len || (le as number) > max))
      return null;
    if (ge !== undefined && le !== undefined && (ge as number) > (le as number)) return null;
    const prefix = `${ip.address}/${len}`;
    out[i] = {
      prefix,
      spec: rangeText(dialect, prefix, len, max, ge as number | undefined, le as number | undefined),
      seq: (i + 1) * 10,
    };
  }
  return out;
}

export interface IrrOptions {
  /** A list fetched longer ago than this is not used (the fallback applies). */
  staleAfterMs: number;
  now: Date;
}

/** The render's IRR lists, built on first use, and what went wrong with them. */
export class IrrLists {
  private readonly rows = new Map<string, IrrRow>();
  private readonly built = new Map<string, IrrListContext | IrrProblem>();
  /** `AS714 IPv4: the IRR list has not been fetched` -> sessions refused / accepted unfiltered. */
  private readonly problems = new Map<string, { refused: number; accepted: number }>();
  private readonly disabled = new Set<number>();

  constructor(
    rows: IrrRow[],
    disabledAses: Iterable<number>,
    private readonly dialect: Dialect,
    private readonly opts: IrrOptions,
  ) {
    for (const r of rows) this.rows.set(`${r.asId}:${r.family}`, r);
    for (const id of disabledAses) this.disabled.add(id);
  }

  /** The list of the AS for the family, or why there is none. */
  list(asId: number, asn: number, family: Family): IrrListContext | IrrProblem {
    const key = `${asId}:${family}`;
    let b = this.built.get(key);
    if (b === undefined) {
      b = this.build(this.rows.get(key), asId, asn, family);
      this.built.set(key, b);
    }
    return b;
  }

  private build(
    row: IrrRow | undefined,
    asId: number,
    asn: number,
    family: Family,
  ): IrrListContext | IrrProblem {
    if (this.disabled.has(asId)) return "disabled";
    if (!row || row.at === null) return "missing";
    if (row.over) return "over the cap";
    if (this.opts.now.getTime() - new Date(row.at).getTime() > this.opts.staleAfterMs) return "stale";
    const entries = entriesOf(row.prefixes, family, this.dialect);
    if (entries === null) return "invalid";
    if (entries.length === 0) return "empty";
    return {
      asn,
      family,
      afi: family === 4 ? "ipv4" : "ipv6",
      name: `pb-irr-as${asn}-v${family}`,
      birdName: birdSymbol("pb_irr", `as${asn}`, `v${family}`),
      ipKeyword: family === 4 ? "ip" : "ipv6",
      count: entries.length,
      fetchedAt: new Date(row.at).toISOString(),
      stale: row.stale,
      entries,
    };
  }

  /** Records a session that wanted the list and got the fallback. */
  problem(asn: number, family: Family, problem: IrrProblem, refused: boolean): void {
    const k = `AS${asn} IPv${family}: the IRR list ${PROBLEM_TEXT[problem]}`;
    let p = this.problems.get(k);
    if (!p) this.problems.set(k, (p = { refused: 0, accepted: 0 }));
    if (refused) p.refused++;
    else p.accepted++;
  }

  /** One line per list problem: which sessions refuse all routes, which accept them unfiltered. */
  warnings(): string[] {
    return [...this.problems].map(([k, p]) => {
      const parts: string[] = [];
      if (p.refused) parts.push(`${plural(p.refused, "session")} refusing all its routes`);
      if (p.accepted) parts.push(`${plural(p.accepted, "session")} accepting them unfiltered`);
      return `${k} (${parts.join(", ")})`;
    });
  }
}
