// Chains: what a session references in one direction, built from its merged policies and
// communities (policy.ts), and shared between every session with the same lists. A chain is
// `pb-deny` when it has no policy (RFC 8212), the policy's own slug when it is one policy
// and no community, else a generated `pb-in-<hash>` / `pb-out-<hash>` that the FRR, EOS and
// IOS-XR templates define (route-map / route-policy) and BIRD defines as a filter. An import
// chain guarded by a peer's IRR list (irr.ts) is a chain of its own, always generated.
import { createHash } from "node:crypto";
import type {
  ChainContext,
  ChainEntry,
  CommunityContext,
  Direction,
  IrrListContext,
  PolicyContext,
} from "./contract.js";
import { bySlug } from "./values.js";

const byName = (a: ChainContext, b: ChainContext) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byBirdName = (a: ChainContext, b: ChainContext) =>
  a.birdName! < b.birdName! ? -1 : a.birdName! > b.birdName! ? 1 : 0;

/** Every chain of one render, by key; each is built once. */
export class Chains {
  private readonly byKey = new Map<string, ChainContext>();

  /** The chain of `pols` (in order) with `comms` in `direction`. */
  get(direction: Direction, pols: PolicyContext[], comms: CommunityContext[]): ChainContext {
    const key = `${direction}|${pols.map((p) => p.slug).join(",")}|${comms.map((c) => c.slug).join(",")}`;
    let chain = this.byKey.get(key);
    if (!chain) {
      chain = build(key, direction, pols, comms);
      this.byKey.set(key, chain);
    }
    return chain;
  }

  /** `base` (an import chain) guarded by an IRR list: a chain of its own, shared by the peer's sessions. */
  withIrr(base: ChainContext, list: IrrListContext): ChainContext {
    if (base.deny) return base;
    const key = `${base.key}|irr:${list.name}`;
    let chain = this.byKey.get(key);
    if (!chain) {
      chain = build(key, base.direction, base.policies, base.communities, list);
      this.byKey.set(key, chain);
    }
    return chain;
  }

  /**
   * `base` (an import chain) for a session that wanted an IRR list it cannot have and accepts
   * without it: the same policies, with a warning comment the templates write into its
   * definition (one chain per peer, family and problem).
   */
  withWarning(base: ChainContext, comment: string): ChainContext {
    if (base.deny) return base;
    const key = `${base.key}|warn:${comment}`;
    let chain = this.byKey.get(key);
    if (!chain) {
      chain = build(key, base.direction, base.policies, base.communities, null, comment);
      this.byKey.set(key, chain);
    }
    return chain;
  }

  /** The chain refusing everything in `direction`. */
  deny(direction: Direction): ChainContext {
    return this.get(direction, [], []);
  }

  /** The IRR lists some chain checks, by name. */
  irrLists(): IrrListContext[] {
    const lists = new Map<string, IrrListContext>();
    for (const c of this.byKey.values()) if (c.irr) lists.set(c.irr.name, c.irr);
    return [...lists.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Chains needing a definition of their own, by name. */
  generated(): ChainContext[] {
    return [...this.byKey.values()].filter((c) => c.generated).sort(byName);
  }

  /** Chains that are not `deny`, by BIRD filter name. */
  birdFilters(): ChainContext[] {
    return [...this.byKey.values()].filter((c) => c.birdName !== null).sort(byBirdName);
  }

  /** Some chain refuses everything: `pb-deny` must be defined. */
  usesDeny(): boolean {
    return [...this.byKey.values()].some((c) => c.deny);
  }

  /** The policies and the communities some chain applies, each by slug. */
  used(): { policies: PolicyContext[]; communities: CommunityContext[] } {
    const policies = new Map<number, PolicyContext>();
    const communities = new Map<number, CommunityContext>();
    for (const c of this.byKey.values()) {
      for (const p of c.policies) policies.set(p.id, p);
      for (const x of c.communities) communities.set(x.id, x);
    }
    return {
      policies: [...policies.values()].sort(bySlug),
      communities: [...communities.values()].sort(bySlug),
    };
  }
}

function build(
  key: string,
  direction: Direction,
  pols: PolicyContext[],
  comms: CommunityContext[],
  irr: IrrListContext | null = null,
  comment: string | null = null,
): ChainContext {
  const deny = pols.length === 0;
  // A chain that refuses everything sets no community.
  const usedComms = deny ? [] : comms;
  const generated = !deny && (pols.length > 1 || usedComms.length > 0 || irr !== null || comment !== null);
  const prefix = direction === "import" ? "pb-in" : "pb-out";
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 8);
  const name = deny ? "pb-deny" : generated ? `${prefix}-${hash}` : pols[0]!.slug;
  const birdName = deny ? null : `${prefix.replace("-", "_")}_${hash}`;
  // The communities first (one entry), then one entry per policy: sequence 10, 20, ...
  const entries: ChainEntry[] = [];
  if (generated) {
    if (usedComms.length) entries.push({ seq: 0, next: null, policy: null, communities: true });
    for (const p of pols) entries.push({ seq: 0, next: null, policy: p, communities: false });
    entries.forEach((e, i) => {
      e.seq = (i + 1) * 10;
      e.next = i + 1 < entries.length ? (i + 2) * 10 : null;
    });
  }
  const chain: ChainContext = {
    key,
    direction,
    name,
    policies: deny ? [] : pols,
    communities: usedComms,
    deny,
    generated,
    entries,
    standard: usedComms.filter((c) => c.kind === "standard").map((c) => c.plainValue),
    large: usedComms.filter((c) => c.kind === "large").map((c) => c.plainValue),
    rt: usedComms.filter((c) => c.extType === "rt").map((c) => c.plainValue),
    soo: usedComms.filter((c) => c.extType === "soo").map((c) => c.plainValue),
    birdName,
    bird: birdName ? `filter ${birdName}` : "none",
    irr: deny ? null : irr,
    comment: deny ? null : comment,
    junosList: deny
      ? ["pb-deny"]
      : [...(irr ? [irr.name] : []), ...usedComms.map((c) => c.junosName), ...pols.map((p) => p.slug)],
    junos: "",
  };
  chain.junos = chain.junosList.join(" ");
  return chain;
}
