// Writing a plan, inside the caller's transaction: kind by kind in the order references need
// (policies before the groups that attach them, ASes before sessions, …), a few bulk
// statements each (sql.ts), attachments, deletes children first, then one history row per
// object. Secrets are never written from a file: a reference may only drop a stored one or
// name a variable.
import { recordChanges, type HistoryAuthor, type HistoryEntry, type Tx } from "../history.js";
import { KINDS, type Attachments, type IxpSessionRec, type Kind } from "./model.js";
import { fieldChanges, type Plan } from "./plan.js";
import { deleteRows, insertRows, updateRows, writePairs } from "./sql.js";
import { LINK_TABLES, type LinkOwner, type Stored } from "./state.js";
import { envOf, snapshotOf, TABLES, type Recs, type RowContext } from "./tables.js";

export interface WriteResult {
  created: Partial<Record<Kind, number>>;
  updated: Partial<Record<Kind, number>>;
  deleted: Partial<Record<Kind, number>>;
  historyRows: number;
}

type Item<K extends Kind> = { rec: Recs[K]; cur?: Stored<Recs[K]> };

export async function writePlan(tx: Tx, plan: Plan, author: HistoryAuthor): Promise<WriteResult> {
  const { desired: d, state, deletes } = plan.work;
  const history: HistoryEntry[] = [];
  const result: WriteResult = { created: {}, updated: {}, deleted: {}, historyRows: 0 };
  const count = (m: Partial<Record<Kind, number>>, k: Kind, n: number) => {
    if (n) m[k] = (m[k] ?? 0) + n;
  };

  // Natural key -> id, of what is there and of what is created.
  const ids = {
    as: new Map([...state.ases].map(([k, v]) => [k, v.id])),
    policy: new Map([...state.policies].map(([k, v]) => [k, v.id])),
    community: new Map([...state.communities].map(([k, v]) => [k, v.id])),
    group: new Map([...state.groups].map(([k, v]) => [k, v.id])),
    ixp: new Map([...state.ixps].map(([k, v]) => [k, v.id])),
    router: new Map([...state.routers].map(([k, v]) => [k, v.id])),
  };
  const connIds: (number | null)[] = d.connections.map((c) => c.cur?.id ?? null);
  const connOf = new Map<IxpSessionRec, { conn?: number; stored?: number }>();
  for (const s of d.ixpSessions) connOf.set(s.rec, { conn: s.conn });
  for (const s of state.ixpSessions) connOf.set(s.rec, { stored: s.connectionId });
  const storedConnIxp = new Map(state.connections.map((c) => [c.id, c.rec.ixp]));
  const ctx: RowContext = {
    as: (asn) => ids.as.get(asn) ?? null,
    ixp: (slug) => ids.ixp.get(slug) ?? null,
    router: (name) => (name === null ? null : (ids.router.get(name) ?? null)),
    group: (slug) => (slug === null ? null : (ids.group.get(slug) ?? null)),
    ixpName: (slug) => d.ixps.get(slug)?.rec.name ?? state.ixps.get(slug)?.rec.name ?? slug,
    connectionOf: (r) => {
      const at = connOf.get(r);
      if (at?.conn !== undefined)
        return { id: connIds[at.conn] ?? null, ixp: d.connections[at.conn]?.rec.ixp ?? "" };
      return { id: at?.stored ?? null, ixp: storedConnIxp.get(at?.stored ?? -1) ?? "" };
    },
  };

  /** Creates and updates of one kind; returns the created items with their new ids. */
  async function upsert<K extends Kind>(kind: K, items: Item<K>[]): Promise<{ item: Item<K>; id: number }[]> {
    const spec = TABLES[kind];
    const creates = items.filter((x) => !x.cur);
    const updates = items.filter((x) => x.cur && fieldChanges(x.cur.rec, x.rec).length > 0);
    const newIds = await insertRows(
      tx,
      spec.table,
      spec.columns,
      creates.map((x) => spec.row(x.rec as never, ctx)),
      spec.check,
    );
    await updateRows(
      tx,
      spec.table,
      spec.columns,
      updates.map((x) => ({ id: x.cur!.id, values: spec.row(x.rec as never, ctx) })),
    );
    const created = creates.map((item, i) => ({ item, id: newIds[i]! }));
    for (const { item, id } of created)
      history.push({
        type: kind,
        id,
        repr: spec.repr(item.rec as never, ctx, id),
        action: "create",
        after: snapshotOf(kind, item.rec, id, ctx),
      });
    for (const x of updates)
      history.push({
        type: kind,
        id: x.cur!.id,
        repr: spec.repr(x.rec as never, ctx, x.cur!.id),
        action: "update",
        before: snapshotOf(kind, x.cur!.rec, x.cur!.id, ctx),
        after: snapshotOf(kind, x.rec, x.cur!.id, ctx),
      });
    count(result.created, kind, creates.length);
    count(result.updated, kind, updates.length);
    return created;
  }

  const policies = await upsert("policy", [...d.policies.values()]);
  for (const c of policies) ids.policy.set(c.item.rec.slug, c.id);
  const communities = await upsert("community", [...d.communities.values()]);
  for (const c of communities) ids.community.set(c.item.rec.slug, c.id);
  const groups = await upsert("group", [...d.groups.values()]);
  for (const c of groups) ids.group.set(c.item.rec.slug, c.id);
  const ases = await upsert("as", [...d.ases.values()]);
  for (const c of ases) ids.as.set(c.item.rec.asn, c.id);
  await upsert("contact", d.contacts);
  const ixps = await upsert("ixp", [...d.ixps.values()]);
  for (const c of ixps) ids.ixp.set(c.item.rec.slug, c.id);
  const routerItems = [...d.routers.values()];
  const routers = await upsert("router", routerItems);
  for (const c of routers) ids.router.set(c.item.rec.name, c.id);
  // A router's credential: a variable named, or a stored secret dropped ("stored" keeps it).
  await secretRefs(tx, "Router", "credentialEnv", [
    ...routers.map((c) => ({ id: c.id, from: "none", to: c.item.rec.credential })),
    ...routerItems
      .filter((x) => x.cur)
      .map((x) => ({ id: x.cur!.id, from: x.cur!.rec.credential, to: x.rec.credential })),
  ]);
  await dropStored(
    tx,
    "Router",
    "privateKeyEnc",
    routerItems
      .filter((x) => x.cur?.rec.private_key === "stored" && x.rec.private_key === "none")
      .map((x) => x.cur!.id),
  );

  const conns = await upsert("connection", d.connections);
  const index = new Map(d.connections.map((c, i) => [c as Item<"connection">, i]));
  for (const c of conns) connIds[index.get(c.item)!] = c.id;

  const ixpSessions = await upsert("ixp-session", d.ixpSessions);
  await dropStored(
    tx,
    "IxpSession",
    "passwordEnc",
    d.ixpSessions
      .filter((x) => x.cur?.rec.password === "stored" && x.rec.password === "none")
      .map((x) => x.cur!.id),
  );
  const direct = await upsert("direct-session", d.directSessions);
  await secretRefs(tx, "DirectSession", "passwordEnv", [
    ...direct.map((c) => ({ id: c.id, from: "none", to: c.item.rec.password })),
    ...d.directSessions
      .filter((x) => x.cur)
      .map((x) => ({ id: x.cur!.id, from: x.cur!.rec.password, to: x.rec.password })),
  ]);

  // Attachments: what each object in the file has, against what it had.
  const links: LinkChange[] = [];
  const collect = <K extends LinkOwner>(
    owner: K,
    items: Item<K>[],
    created: { item: Item<K>; id: number }[],
  ) => {
    const newId = new Map(created.map((c) => [c.item, c.id]));
    for (const x of items) {
      const id = x.cur?.id ?? newId.get(x);
      if (id !== undefined)
        links.push({ owner, id, want: x.rec as Attachments, had: x.cur?.rec as Attachments | undefined });
    }
  };
  collect("group", [...d.groups.values()], groups);
  collect("as", [...d.ases.values()], ases);
  collect("ixp", [...d.ixps.values()], ixps);
  collect("ixp-session", d.ixpSessions, ixpSessions);
  collect("direct-session", d.directSessions, direct);
  await writeLinks(tx, links, ids.policy, ids.community);

  // Deletes, children first; each object's history row shows it as it was.
  for (const kind of [...KINDS].reverse()) {
    await deleteRows(tx, TABLES[kind].table, deletes[kind]);
    count(result.deleted, kind, deletes[kind].size);
  }
  const gone = <K extends Kind>(kind: K, all: Iterable<Stored<Recs[K]>>) => {
    for (const s of all)
      if (deletes[kind].has(s.id))
        history.push({
          type: kind,
          id: s.id,
          repr: TABLES[kind].repr(s.rec as never, ctx, s.id),
          action: "delete",
          before: snapshotOf(kind, s.rec, s.id, ctx),
        });
  };
  gone("policy", state.policies.values());
  gone("community", state.communities.values());
  gone("group", state.groups.values());
  gone("as", state.ases.values());
  gone("contact", state.contacts);
  gone("ixp", state.ixps.values());
  gone("router", state.routers.values());
  gone("connection", state.connections);
  gone("ixp-session", state.ixpSessions);
  gone("direct-session", state.directSessions);

  result.historyRows = await recordChanges(tx, author, history);
  return result;
}

/**
 * Where a secret lives, for the rows whose reference changed: `env:VAR` names a variable and
 * drops a stored secret (which would win over it), `none` drops both, `stored` keeps both.
 */
async function secretRefs(
  tx: Tx,
  table: string,
  envColumn: string,
  rows: { id: number; from: string; to: string }[],
): Promise<void> {
  const change = rows.filter((r) => r.from !== r.to && r.to !== "stored");
  if (!change.length) return;
  await tx.$executeRawUnsafe(
    `update "${table}" as t set "passwordEnc" = null, "${envColumn}" = v.env
       from unnest($1::int[], $2::text[]) as v(id, env) where t.id = v.id`,
    change.map((r) => r.id),
    change.map((r) => envOf(r.to)),
  );
}

async function dropStored(tx: Tx, table: string, column: string, ids: number[]): Promise<void> {
  if (ids.length)
    await tx.$executeRawUnsafe(`update "${table}" set "${column}" = null where id = any($1::int[])`, ids);
}

interface LinkChange {
  owner: LinkOwner;
  id: number;
  want: Attachments;
  had?: Attachments;
}

async function writeLinks(
  tx: Tx,
  changes: LinkChange[],
  policyIds: Map<string, number>,
  communityIds: Map<string, number>,
): Promise<void> {
  const add = new Map<string, [number[], number[]]>();
  const drop = new Map<string, [number[], number[]]>();
  const push = (
    m: Map<string, [number[], number[]]>,
    table: string,
    ownerIsA: boolean,
    owner: number,
    other: number,
  ) => {
    const p = m.get(table) ?? [[], []];
    p[0].push(ownerIsA ? owner : other);
    p[1].push(ownerIsA ? other : owner);
    m.set(table, p);
  };
  for (const o of changes) {
    for (const [field, which, lookup] of [
      ["import_policies", "import", policyIds],
      ["export_policies", "export", policyIds],
      ["communities", "communities", communityIds],
    ] as const) {
      const [table, ownerCol] = LINK_TABLES[o.owner][which];
      const want = new Set(o.want[field]);
      const had = new Set(o.had?.[field] ?? []);
      for (const slug of want) {
        if (had.has(slug)) continue;
        const other = lookup.get(slug);
        if (other === undefined) throw new Error(`${field} names ${slug}, which has no id`);
        push(add, table, ownerCol === "A", o.id, other);
      }
      for (const slug of had) {
        const other = lookup.get(slug);
        if (!want.has(slug) && other !== undefined) push(drop, table, ownerCol === "A", o.id, other);
      }
    }
  }
  await writePairs(tx, add, drop);
}
