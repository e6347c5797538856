// Policy and community resolution by level, Peering Manager's way: a session's routing
// policies and communities come from three levels, the session itself, its autonomous system
// and its IXP (or BGP group), merged in that order. Each level is sorted on its own (policies
// by weight, highest first, then slug; communities by slug), the merge keeps the first
// occurrence, and policies are filtered by address family and kind (import, export or both),
// communities by direction (ingress ones tag what we receive, egress ones what we send).
//
// A policy or community is validated (identifier, BIRD symbol, community value) the first
// time the render reads it, in a level of a rendered session or of an IXP the router is
// connected to, so a broken object this router does not use stops nothing.
//
// Thousands of sessions share a few distinct lists (the benchmark's 5,000 have 61 chains),
// so the work is done once per distinct list or merge, not per session, and what is looked
// up per session is keyed by small integers: see PolicyLevels.
import type { Chains } from "./chains.js";
import type { ChainContext, CommunityContext, PolicyContext } from "./contract.js";
import {
  birdSymbol,
  identifier,
  parseCommunity,
  RenderError,
  safeText,
  type CommunityKind,
  type Dialect,
} from "./escape.js";
import type { Family } from "./ip.js";
import { LINK_KINDS, type LinkKinds, type RenderRows } from "./load.js";
import { bySlug, byWeightThenSlug } from "./values.js";

/** What one owner contributes: its import policies, export policies and communities. */
export type Levels = readonly [PolicyContext[], PolicyContext[], CommunityContext[]];

/** A session's merged lists and the chains made of them. */
export interface Resolved {
  importPolicies: PolicyContext[];
  exportPolicies: PolicyContext[];
  /** The ingress communities (they tag received routes: the import chain's). */
  communities: CommunityContext[];
  importChain: ChainContext;
  exportChain: ChainContext;
  /** The first import policy that filters by IRR (its fallback applies), or null. */
  irrPolicy: PolicyContext | null;
}

const EMPTY_POLICIES: PolicyContext[] = [];
const EMPTY_COMMUNITIES: CommunityContext[] = [];
/** The levels of an owner without links (and of a direct session without a BGP group). */
export const EMPTY_LEVELS: Levels = [EMPTY_POLICIES, EMPTY_POLICIES, EMPTY_COMMUNITIES];

const fitsImport4 = (p: PolicyContext) => p.addressFamily !== "ipv6" && p.kind !== "export";
const fitsImport6 = (p: PolicyContext) => p.addressFamily !== "ipv4" && p.kind !== "export";
const fitsExport4 = (p: PolicyContext) => p.addressFamily !== "ipv6" && p.kind !== "import";
const fitsExport6 = (p: PolicyContext) => p.addressFamily !== "ipv4" && p.kind !== "import";
const ingress = (c: CommunityContext) => c.direction === "ingress";
const egress = (c: CommunityContext) => c.direction === "egress";

/** The three levels' lists in order, filtered, each object once. */
function merge<T extends { id: number }>(a: T[], b: T[], c: T[], keep: (x: T) => boolean): T[] {
  const out: T[] = [];
  for (const level of [a, b, c]) for (const x of level) if (keep(x) && !out.includes(x)) out.push(x);
  return out;
}

/** Every policy and community of the database, escaped, and validated on first use. */
class Catalog {
  private readonly policies = new Map<number, PolicyContext>();
  private readonly communities = new Map<number, CommunityContext>();
  private readonly rawValues = new Map<number, string>();
  private readonly validPolicies = new Set<number>();
  private readonly validCommunities = new Set<number>();
  /** BIRD function name -> the slug that has it, to refuse two policies with one name. */
  private readonly policySymbols = new Map<string, string>();

  constructor(rows: Pick<RenderRows, "policies" | "communities">, dialect: Dialect) {
    const text = (v: unknown) => safeText(v, dialect);
    for (const p of rows.policies) {
      this.policies.set(p.id, {
        id: p.id,
        name: text(p.name),
        slug: p.slug,
        symbol: "",
        kind: p.kind as PolicyContext["kind"],
        weight: p.weight,
        addressFamily: p.af as PolicyContext["addressFamily"],
        irrFilter: p.irr === true,
        irrFallback: p.fb === "accept" ? "accept" : "reject",
        comments: text(p.comments),
      });
    }
    for (const c of rows.communities) {
      this.rawValues.set(c.id, c.value);
      this.communities.set(c.id, {
        id: c.id,
        name: text(c.name),
        slug: c.slug,
        kind: c.kind as CommunityKind,
        direction: c.direction === "egress" ? "egress" : "ingress",
        value: "",
        plainValue: "",
        extType: null,
        bird: "",
        birdAdd: "",
        junos: "",
        junosName: "",
        comments: text(c.comments),
      });
    }
  }

  /** The policy, its slug and BIRD symbol checked the first time. */
  policy(id: number): PolicyContext | undefined {
    const p = this.policies.get(id);
    if (p && !this.validPolicies.has(id)) {
      identifier(p.slug, `routing policy ${p.name}`);
      p.symbol = birdSymbol("policy", p.slug);
      const other = this.policySymbols.get(p.symbol);
      if (other !== undefined && other !== p.slug)
        throw new RenderError(
          `the routing policies ${other} and ${p.slug} would both be called ${p.symbol} in BIRD`,
        );
      this.policySymbols.set(p.symbol, p.slug);
      this.validPolicies.add(id);
    }
    return p;
  }

  /** The community, its slug checked and its value parsed (every dialect's form) the first time. */
  community(id: number): CommunityContext | undefined {
    const c = this.communities.get(id);
    if (c && !this.validCommunities.has(id)) {
      identifier(c.slug, `community ${c.name}`);
      const parsed = parseCommunity(this.rawValues.get(id) ?? "", c.kind, `community ${c.slug}`);
      c.value = parsed.text;
      c.plainValue = parsed.value;
      c.extType = parsed.extType;
      c.bird = parsed.bird;
      const attribute =
        c.kind === "standard"
          ? "bgp_community"
          : c.kind === "large"
            ? "bgp_large_community"
            : "bgp_ext_community";
      c.birdAdd = `${attribute}.add(${parsed.bird})`;
      c.junos = parsed.junos;
      c.junosName = `pb-${c.slug}`;
      this.validCommunities.add(id);
    }
    return c;
  }
}

type List = PolicyContext[] | CommunityContext[];
/** One Map per link kind, keyed by the owner's id. */
const perKind = <V>(): Map<number, V>[] => Array.from({ length: LINK_KINDS }, () => new Map<number, V>());

/**
 * The levels of every owner, and the merge of a session's three levels into its chains.
 *
 * Speed (a 5,000-session router, tests/bench/render.bench.ts):
 * - each level's list is built once per owner, sorted, and interned by content, so that
 *   owners with the same policies share one array and one small id;
 * - the per-owner caches are one Map per link kind keyed by the owner's id: small integers
 *   (Smis) hash much faster than the kind * 2^32 + owner doubles they replaced, over 15,000
 *   lookups per 5,000 sessions;
 * - a session's merge is cached by its three levels' small ids, as two integer keys, so that
 *   sessions with the same levels share one merge and no key string is built per session.
 */
export class PolicyLevels {
  private readonly catalog: Catalog;
  /** Link maps: per kind, owner id -> target ids. */
  private readonly links: Map<number, number[]>[] = perKind<number[]>();
  private readonly levelCache = perKind<List>();
  private readonly interned = new Map<string, List>();
  private readonly listIds = new Map<object, number>([
    [EMPTY_POLICIES, 0],
    [EMPTY_COMMUNITIES, 1],
  ]);
  private readonly levelsCache = perKind<Levels>();
  private readonly levelIds = new Map<Levels, number>([[EMPTY_LEVELS, 0]]);
  private readonly tripleIds = new Map<string, number>();
  private readonly resolvedCache = new Map<number, Map<number, Resolved>>();
  private readonly resolvedWide = new Map<string, Resolved>();
  private readonly usePolicy = (id: number) => this.catalog.policy(id);
  private readonly useCommunity = (id: number) => this.catalog.community(id);

  constructor(
    rows: Pick<RenderRows, "policies" | "communities" | "links">,
    dialect: Dialect,
    private readonly chains: Chains,
  ) {
    this.catalog = new Catalog(rows, dialect);
    for (const l of rows.links) {
      const m = this.links[l.k]!;
      const list = m.get(l.o);
      if (list) list.push(l.t);
      else m.set(l.o, [l.t]);
    }
  }

  /** The policies `owner` links to with link kind `kind`, by weight then slug. */
  policies(kind: number, owner: number): PolicyContext[] {
    return this.level(kind, owner, EMPTY_POLICIES, this.usePolicy, "p", byWeightThenSlug);
  }

  /** The communities `owner` links to with link kind `kind`, by slug. */
  communities(kind: number, owner: number): CommunityContext[] {
    return this.level(kind, owner, EMPTY_COMMUNITIES, this.useCommunity, "c", bySlug);
  }

  /** The three lists an owner contributes, from its link kinds (import, export, community). */
  levels(kinds: LinkKinds, owner: number): Levels {
    const imp = kinds[0];
    const exp = kinds[1];
    const comm = kinds[2];
    let l = this.levelsCache[imp]!.get(owner);
    if (!l) {
      l =
        this.links[imp]!.has(owner) || this.links[exp]!.has(owner) || this.links[comm]!.has(owner)
          ? [this.policies(imp, owner), this.policies(exp, owner), this.communities(comm, owner)]
          : EMPTY_LEVELS;
      this.levelsCache[imp]!.set(owner, l);
    }
    return l;
  }

  /** A session's lists and chains from its own, its AS's and its parent's levels. */
  resolve(family: Family, own: Levels, as: Levels, parent: Levels): Resolved {
    const a = this.levelId(own);
    const b = this.levelId(as);
    const c = this.levelId(parent);
    // Two small-integer keys (own level and family; AS and parent levels) while the ids fit
    // 15 bits, which they do up to 32,767 distinct levels; beyond that, a string.
    let inner: Map<number, Resolved> | undefined;
    const small = b < 0x8000 && c < 0x8000 && a < 0x20000000;
    const key2 = b * 0x8000 + c;
    const wide = small ? "" : `${family}|${a}|${b}|${c}`;
    if (small) {
      const key1 = a * 2 + (family === 4 ? 0 : 1);
      inner = this.resolvedCache.get(key1);
      if (!inner) this.resolvedCache.set(key1, (inner = new Map()));
    }
    const hit = inner ? inner.get(key2) : this.resolvedWide.get(wide);
    if (hit) return hit;
    const importPolicies = merge(own[0], as[0], parent[0], family === 4 ? fitsImport4 : fitsImport6);
    const exportPolicies = merge(own[1], as[1], parent[1], family === 4 ? fitsExport4 : fitsExport6);
    const communities = merge(own[2], as[2], parent[2], ingress);
    const sent = merge(own[2], as[2], parent[2], egress);
    const r: Resolved = {
      importPolicies,
      exportPolicies,
      communities,
      importChain: this.chains.get("import", importPolicies, communities),
      exportChain: this.chains.get("export", exportPolicies, sent.length ? sent : EMPTY_COMMUNITIES),
      irrPolicy: importPolicies.find((p) => p.irrFilter) ?? null,
    };
    if (inner) inner.set(key2, r);
    else this.resolvedWide.set(wide, r);
    return r;
  }

  /** The targets one owner links to with one link kind, validated, sorted and interned. */
  private level<T extends { id: number }>(
    kind: number,
    owner: number,
    empty: T[],
    use: (id: number) => T | undefined,
    tag: string,
    order: (a: T, b: T) => number,
  ): T[] {
    const ids = this.links[kind]!.get(owner);
    if (!ids) return empty;
    let out = this.levelCache[kind]!.get(owner) as T[] | undefined;
    if (!out) {
      out = [];
      for (const id of ids) {
        const x = use(id);
        if (x) out.push(x);
      }
      out = this.intern(tag, out.sort(order));
      this.levelCache[kind]!.set(owner, out as unknown as List);
    }
    return out;
  }

  /** The first list with the same tag and ids, which then stands for this one. */
  private intern<T extends { id: number }>(tag: string, list: T[]): T[] {
    const sig = tag + list.map((x) => x.id).join(",");
    const hit = this.interned.get(sig) as unknown as T[] | undefined;
    if (hit) return hit;
    this.interned.set(sig, list as unknown as List);
    this.listIds.set(list, this.listIds.size);
    return list;
  }

  /** A small number per distinct (import, export, communities) triple of interned lists. */
  private levelId(l: Levels): number {
    let k = this.levelIds.get(l);
    if (k === undefined) {
      const ids = this.listIds;
      const sig = `${ids.get(l[0])!},${ids.get(l[1])!},${ids.get(l[2])!}`;
      k = this.tripleIds.get(sig);
      if (k === undefined) this.tripleIds.set(sig, (k = this.tripleIds.size + 1));
      this.levelIds.set(l, k);
    }
    return k;
  }
}
