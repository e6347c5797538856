// Attachments of policies and communities (to ASes, IXPs, groups and sessions): Peering
// Manager's ids mapped to peerbot's, and shown in states and the history by slug.
import type { ApplyPlan, ImportRun, Table } from "./run.js";
import type { PmRef } from "./source.js";

/** The Prisma include that reads an owner's attachments (an AS, IXP, group or session) by slug. */
export const withLinks = {
  importPolicies: { select: { slug: true } },
  exportPolicies: { select: { slug: true } },
  communities: { select: { slug: true } },
} as const;

/** "a, b, c and 4 more". */
export function listOf(items: string[], max = 8): string {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} and ${shown[shown.length - 1]}`;
}

export interface Links {
  ids: number[];
  /** Sorted, for states. */
  slugs: string[];
}

/**
 * The peerbot policies or communities `pmRefs` name. A community both ingress and egress in
 * Peering Manager is two here, and both are attached. A ref to something not brought in is
 * left out, and said once for the whole run.
 */
export function links(run: ImportRun, kind: "policy" | "community", pmRefs: PmRef[], owner: string): Links {
  const ids: number[] = [];
  for (const r of pmRefs) {
    const found = [
      run.refs.get(kind, r.id),
      kind === "community" ? run.refs.get("community-egress", r.id) : undefined,
    ].filter((x): x is number => x !== undefined);
    if (!found.length)
      run.group(
        `missing-${kind}`,
        owner,
        (owners) =>
          `${owners.length === 1 ? "One attachment" : `${owners.length} attachments`} of a ${kind === "policy" ? "routing policy" : "community"} that was not brought in ${owners.length === 1 ? "was" : "were"} left out (on ${listOf([...new Set(owners)])}).`,
      );
    for (const id of found) if (!ids.includes(id)) ids.push(id);
  }
  const names = run.slugs[kind];
  return { ids, slugs: ids.map((id) => names.get(id) ?? `#${id}`).sort() };
}

/** Slugs of rows' related objects, sorted, for a state read from the database. */
export const slugsOf = (rows: { slug: string }[]) => rows.map((r) => r.slug).sort();

export interface OwnerLinks {
  importPolicies: Links;
  exportPolicies: Links;
  communities: Links;
}

/** The attachments of an owner, from its Peering Manager record; `owner` names it in sentences. */
export function ownerLinks(
  run: ImportRun,
  pm: { import_routing_policies: PmRef[]; export_routing_policies: PmRef[]; communities: PmRef[] },
  owner: string,
): OwnerLinks {
  return {
    importPolicies: links(run, "policy", pm.import_routing_policies, owner),
    exportPolicies: links(run, "policy", pm.export_routing_policies, owner),
    communities: links(run, "community", pm.communities, owner),
  };
}

/** The attachments' slugs, sorted, for the desired state. */
export function linkSlugs(l: OwnerLinks): Record<keyof OwnerLinks, string[]> {
  return {
    importPolicies: l.importPolicies.slugs,
    exportPolicies: l.exportPolicies.slugs,
    communities: l.communities.slugs,
  };
}

/** The same of a row read `withLinks`, for the state peerbot has. */
export function rowLinkSlugs(
  row: Record<keyof OwnerLinks, { slug: string }[]>,
): Record<keyof OwnerLinks, string[]> {
  return {
    importPolicies: slugsOf(row.importPolicies),
    exportPolicies: slugsOf(row.exportPolicies),
    communities: slugsOf(row.communities),
  };
}

type ConnectLinks = Partial<Record<keyof OwnerLinks, { connect: { id: number }[] }>>;
type SetLinks = Partial<Record<keyof OwnerLinks, { set: { id: number }[] }>>;

/** The relations of a new row: only the non-empty ones (each costs a query). */
function connectLinks(l: OwnerLinks): ConnectLinks {
  const out: ConnectLinks = {};
  for (const k of ["importPolicies", "exportPolicies", "communities"] as const)
    if (l[k].ids.length) out[k] = { connect: l[k].ids.map((id) => ({ id })) };
  return out;
}

/** The relations of an updated row: only those that changed (`before` holds their slugs). */
function setLinks(l: OwnerLinks, before: Record<string, unknown> | undefined): SetLinks {
  const out: SetLinks = {};
  for (const k of ["importPolicies", "exportPolicies", "communities"] as const)
    if (JSON.stringify(before?.[k]) !== JSON.stringify(l[k].slugs))
      out[k] = { set: l[k].ids.map((id) => ({ id })) };
  return out;
}

/** run.ts `writes` for an owner of attachments: `data` with its relations `l`, as above. */
export function linkedWrites<D extends object>(
  table: Table<NoInfer<D> & ConnectLinks, NoInfer<D> & SetLinks>,
  data: D,
  l: OwnerLinks,
): Pick<ApplyPlan<Record<string, unknown>>, "create" | "update"> {
  return {
    create: async () =>
      (await table.create({ data: { ...data, ...connectLinks(l) }, select: { id: true } })).id,
    update: async (id, before) => {
      await table.update({ where: { id }, data: { ...data, ...setLinks(l, before) } });
    },
  };
}
