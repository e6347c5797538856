// Communities, routing policies and BGP groups: Peering Manager's bgp/ and peering/ objects that
// the others attach.
import {
  addressFamily,
  comments,
  communityDirections,
  communityKind,
  name,
  objectStatus,
  policyKind,
  slug,
} from "./mapping.js";
import { linkedWrites, linkSlugs, listOf, ownerLinks, rowLinkSlugs, withLinks } from "./links.js";
import { byId, writes, type ImportRun } from "./run.js";
import type { PmBgpGroup, PmCommunity, PmList, PmRoutingPolicy } from "./source.js";

/** A slug free for `selfId` (its own, or one no other row holds); `-2`, `-3`, ... otherwise. */
export function freeSlug(taken: Map<string, number>, want: string, selfId: number | null): string {
  let s = want;
  for (let i = 2; taken.has(s) && taken.get(s) !== selfId; i++) s = `${want}-${i}`;
  return s;
}

export async function importCommunities(run: ImportRun, list: PmList<PmCommunity>): Promise<void> {
  const rows = await run.tx.community.findMany({ orderBy: { id: "asc" } });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
  for (const c of byId(list)) {
    const label = name(c.name) || c.slug;
    const k = communityKind(c.value, c.kind);
    if ("why" in k) {
      run.skip("community", `Community ${label}: ${k.why}, so it was not brought in.`);
      continue;
    }
    const dirs = communityDirections(c.type);
    const baseSlug = slug(c.slug) ?? slug(c.name);
    if (!dirs || !baseSlug) {
      run.skip(
        "community",
        !dirs
          ? `Community ${label} has the type ${JSON.stringify(name(c.type, 30))}, which peerbot does not know, so it was not brought in.`
          : `Community ${label} has no usable slug, so it was not brought in.`,
      );
      continue;
    }
    if (dirs.unset)
      run.group(
        "community-unset",
        label,
        (items) =>
          `${listOf(items)} ${items.length === 1 ? "has" : "have"} no type in Peering Manager and came in as ingress (tagging routes we receive).`,
      );
    if (dirs.directions.length === 2)
      run.group(
        "community-both",
        label,
        (items) =>
          `${listOf(items)} ${items.length === 1 ? "is" : "are"} both ingress and egress in Peering Manager; peerbot keeps one community per direction, the egress one with "-egress" after its slug, and attaches both.`,
      );
    for (const direction of dirs.directions) {
      const twin = dirs.directions.length === 2 && direction === "egress";
      const refType = twin ? ("community-egress" as const) : ("community" as const);
      const wantSlug = twin ? `${baseSlug}-egress` : baseSlug;
      const { row, adopted } = run.pick(refType, c.id, rowById, () => {
        const other = bySlug.get(wantSlug);
        return other !== undefined ? rowById.get(other) : undefined;
      });
      const desired = {
        name: twin ? `${name(c.name, 90)} (egress)` : name(c.name) || baseSlug,
        slug: freeSlug(bySlug, wantSlug, row?.id ?? null),
        value: c.value.trim(),
        kind: k.kind,
        direction,
        comments: comments(c.description),
      };
      const id = await run.apply({
        family: "community",
        type: "community",
        refType,
        pmId: c.id,
        repr: desired.name,
        adopted,
        existing: row
          ? {
              id: row.id,
              state: {
                name: row.name,
                slug: row.slug,
                value: row.value,
                kind: row.kind,
                direction: row.direction,
                comments: row.comments,
              },
            }
          : null,
        desired,
        ...writes(run.tx.community, desired),
      });
      bySlug.set(desired.slug, id);
      run.slugs.community.set(id, desired.slug);
    }
  }
  for (const r of rows) if (!run.slugs.community.has(r.id)) run.slugs.community.set(r.id, r.slug);
}

export async function importPolicies(run: ImportRun, list: PmList<PmRoutingPolicy>): Promise<void> {
  const rows = await run.tx.routingPolicy.findMany({ orderBy: { id: "asc" } });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
  for (const p of byId(list)) {
    const label = name(p.name) || p.slug;
    const kind = policyKind(p.type);
    const want = slug(p.slug) ?? slug(p.name);
    if (!kind || !want) {
      run.skip(
        "policy",
        !kind
          ? `Routing policy ${label} has the type ${JSON.stringify(name(p.type, 30))}, which peerbot does not know, so it was not brought in.`
          : `Routing policy ${label} has no usable slug, so it was not brought in.`,
      );
      continue;
    }
    if (p.communities.length)
      run.group(
        "policy-communities",
        want,
        (items) =>
          `peerbot's routing policies carry no communities: the communities of ${listOf(items)} were not attached to them (attach them to the AS, IXP, group or session instead).`,
      );
    const { row, adopted } = run.pick("policy", p.id, rowById, () => {
      const other = bySlug.get(want);
      return other !== undefined ? rowById.get(other) : undefined;
    });
    const desired = {
      name: name(p.name) || want,
      slug: freeSlug(bySlug, want, row?.id ?? null),
      kind,
      weight: p.weight,
      addressFamily: addressFamily(p.address_family),
      comments: comments(p.description),
    };
    const id = await run.apply({
      family: "policy",
      type: "policy",
      pmId: p.id,
      repr: desired.slug,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: {
              name: row.name,
              slug: row.slug,
              kind: row.kind,
              weight: row.weight,
              addressFamily: row.addressFamily,
              comments: row.comments,
            },
          }
        : null,
      desired,
      ...writes(run.tx.routingPolicy, desired),
    });
    bySlug.set(desired.slug, id);
    run.slugs.policy.set(id, desired.slug);
  }
  for (const r of rows) if (!run.slugs.policy.has(r.id)) run.slugs.policy.set(r.id, r.slug);
}

export async function importGroups(run: ImportRun, list: PmList<PmBgpGroup>): Promise<void> {
  const rows = await run.tx.bgpGroup.findMany({ orderBy: { id: "asc" }, include: withLinks });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
  for (const g of byId(list)) {
    const label = name(g.name) || g.slug;
    const want = slug(g.slug) ?? slug(g.name);
    const status = objectStatus(g.status);
    if (!want || !status) {
      run.skip(
        "group",
        !want
          ? `BGP group ${label} has no usable slug, so it was not brought in.`
          : `BGP group ${label} has the status ${JSON.stringify(name(g.status, 30))}, which peerbot does not know, so it was not brought in.`,
      );
      continue;
    }
    const { row, adopted } = run.pick("group", g.id, rowById, () => {
      const other = bySlug.get(want);
      return other !== undefined ? rowById.get(other) : undefined;
    });
    const lk = ownerLinks(run, g, `BGP group ${label}`);
    const fields = {
      name: name(g.name) || want,
      slug: freeSlug(bySlug, want, row?.id ?? null),
      status,
      comments: comments(g.description),
    };
    const desired = { ...fields, ...linkSlugs(lk) };
    const id = await run.apply({
      family: "group",
      type: "group",
      pmId: g.id,
      repr: fields.name,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: {
              name: row.name,
              slug: row.slug,
              status: row.status,
              comments: row.comments,
              ...rowLinkSlugs(row),
            },
          }
        : null,
      desired,
      ...linkedWrites(run.tx.bgpGroup, fields, lk),
    });
    bySlug.set(fields.slug, id);
    run.slugs.group.set(id, fields.slug);
  }
  for (const r of rows) if (!run.slugs.group.has(r.id)) run.slugs.group.set(r.id, r.slug);
}
