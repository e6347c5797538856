// Autonomous systems (ours and our peers) and IXPs with their PeeringDB links.
import { comments, inet, name, objectStatus, slug } from "./mapping.js";
import { freeSlug } from "./bgp.js";
import { linkedWrites, linkSlugs, ownerLinks, rowLinkSlugs, withLinks } from "./links.js";
import { byId, type ImportRun } from "./run.js";
import type { PmAutonomousSystem, PmInternetExchange, PmList } from "./source.js";

export async function importAutonomousSystems(
  run: ImportRun,
  list: PmList<PmAutonomousSystem>,
): Promise<void> {
  const rows = await run.tx.autonomousSystem.findMany({ include: withLinks });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const byAsn = new Map(rows.map((r) => [Number(r.asn), r]));
  for (const a of byId(list)) {
    const { row, adopted, clash } = run.pick("as", a.id, rowById, () => byAsn.get(a.asn));
    if (clash) {
      run.skip("as", `AS${a.asn} is in Peering Manager twice; only the first one was brought in.`);
      continue;
    }
    const lk = ownerLinks(run, a, `AS${a.asn}`);
    const fields = {
      asn: BigInt(a.asn),
      name: name(a.name, 255) || `AS${a.asn}`,
      irrAsSet: name(a.irr_as_set, 255),
      ipv4MaxPrefixes: a.ipv4_max_prefixes ?? 0,
      ipv6MaxPrefixes: a.ipv6_max_prefixes ?? 0,
      affiliated: a.affiliated,
      comments: comments(a.description, a.comments),
      syncName: a.name_peeringdb_sync,
      syncIrrAsSet: a.irr_as_set_peeringdb_sync,
      // peerbot syncs both max-prefix figures with one flag: on only when Peering Manager syncs both.
      syncMaxPrefixes: a.ipv4_max_prefixes_peeringdb_sync && a.ipv6_max_prefixes_peeringdb_sync,
    };
    const view = (f: typeof fields) => ({ ...f, asn: Number(f.asn) });
    const id = await run.apply({
      family: "as",
      type: "as",
      pmId: a.id,
      repr: `AS${a.asn}`,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: {
              ...view({
                asn: row.asn,
                name: row.name,
                irrAsSet: row.irrAsSet,
                ipv4MaxPrefixes: row.ipv4MaxPrefixes,
                ipv6MaxPrefixes: row.ipv6MaxPrefixes,
                affiliated: row.affiliated,
                comments: row.comments,
                syncName: row.syncName,
                syncIrrAsSet: row.syncIrrAsSet,
                syncMaxPrefixes: row.syncMaxPrefixes,
              }),
              ...rowLinkSlugs(row),
            },
          }
        : null,
      desired: {
        ...view(fields),
        ...linkSlugs(lk),
      },
      ...linkedWrites(run.tx.autonomousSystem, fields, lk),
    });
    run.asns.set(id, a.asn);
  }
  for (const r of rows) if (!run.asns.has(r.id)) run.asns.set(r.id, Number(r.asn));
}

/**
 * The local AS of an object that names it (or, when Peering Manager leaves it unset, the one
 * affiliated AS if there is exactly one); null when neither.
 */
export async function localAsFor(run: ImportRun, ref: { id: number } | null): Promise<number | null> {
  if (ref) return run.refs.get("as", ref.id) ?? null;
  const ours = await run.tx.autonomousSystem.findMany({
    where: { affiliated: true },
    select: { id: true },
    take: 2,
  });
  return ours.length === 1 ? ours[0]!.id : null;
}

export async function importIxps(run: ImportRun, list: PmList<PmInternetExchange>): Promise<void> {
  const rows = await run.tx.internetExchange.findMany({ include: withLinks });
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
  for (const x of byId(list)) {
    const label = name(x.name) || x.slug;
    const want = slug(x.slug) ?? slug(x.name);
    const status = objectStatus(x.status);
    const localAsId = await localAsFor(run, x.local_autonomous_system);
    if (!want || !status || localAsId === null) {
      run.skip(
        "ixp",
        !want
          ? `IXP ${label} has no usable slug, so it was not brought in.`
          : !status
            ? `IXP ${label} has the status ${JSON.stringify(name(x.status, 30))}, which peerbot does not know, so it was not brought in.`
            : x.local_autonomous_system
              ? `IXP ${label}: its local AS${x.local_autonomous_system.asn} was not brought in, so neither was the IXP.`
              : `IXP ${label} has no local AS in Peering Manager and peerbot has no single affiliated AS to give it, so it was not brought in.`,
      );
      continue;
    }
    const { row, adopted } = run.pick("ixp", x.id, rowById, () => {
      const other = bySlug.get(want);
      return (
        (other !== undefined ? rowById.get(other) : undefined) ??
        (x.peeringdb_ixlan !== null
          ? rows.find((r) => r.peeringdbIxlanId === x.peeringdb_ixlan && r.localAsId === localAsId)
          : undefined)
      );
    });
    // The ix of the ixlan and the peering LAN prefixes, from Peering Manager's own PeeringDB
    // cache first, then from peerbot's mirror.
    let ixId: number | null = row?.peeringdbIxId ?? null;
    let prefixes = Object.values(x.peeringdb_prefixes)
      .flat()
      .map((p) => inet(p))
      .filter((p): p is string => p !== null && p.includes("/"));
    if (x.peeringdb_ixlan !== null) {
      const ixlan = await run.tx.pdbIxlan.findUnique({
        where: { id: x.peeringdb_ixlan },
        select: { ix_id: true },
      });
      if (ixlan) ixId = ixlan.ix_id;
      if (!prefixes.length) {
        const pfx = await run.tx.pdbIxpfx.findMany({
          where: { ixlan_id: x.peeringdb_ixlan, status: "ok" },
          select: { prefix: true },
        });
        prefixes = pfx.map((p) => inet(p.prefix)).filter((p): p is string => p !== null);
      }
    }
    if (!prefixes.length && row) prefixes = row.prefixes;
    prefixes = [...new Set(prefixes)].sort();
    const lk = ownerLinks(run, x, `IXP ${label}`);
    const fields = {
      name: name(x.name) || want,
      slug: freeSlug(bySlug, want, row?.id ?? null),
      status,
      localAsId,
      peeringdbIxlanId: x.peeringdb_ixlan,
      peeringdbIxId: ixId,
      prefixes,
      comments: comments(x.description),
    };
    const view = (f: typeof fields) => {
      const { localAsId: las, ...rest } = f;
      return { ...rest, localAs: run.asns.get(las) ?? las };
    };
    const id = await run.apply({
      family: "ixp",
      type: "ixp",
      pmId: x.id,
      repr: fields.name,
      adopted,
      existing: row
        ? {
            id: row.id,
            state: {
              ...view({
                name: row.name,
                slug: row.slug,
                status: row.status,
                localAsId: row.localAsId,
                peeringdbIxlanId: row.peeringdbIxlanId,
                peeringdbIxId: row.peeringdbIxId,
                prefixes: [...row.prefixes].sort(),
                comments: row.comments,
              }),
              ...rowLinkSlugs(row),
            },
          }
        : null,
      desired: {
        ...view(fields),
        ...linkSlugs(lk),
      },
      ...linkedWrites(run.tx.internetExchange, fields, lk),
    });
    bySlug.set(fields.slug, id);
    run.ixps.set(id, { name: fields.name, slug: fields.slug });
  }
  for (const r of rows) if (!run.ixps.has(r.id)) run.ixps.set(r.id, { name: r.name, slug: r.slug });
}
