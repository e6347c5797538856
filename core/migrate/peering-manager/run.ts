// One import run inside its transaction: the ExternalRefs of this instance (Peering Manager id
// -> peerbot id, per object type), the history rows to write, the summary, and apply(), the one
// way an object is created, adopted, updated or left alone.
import type { SecretBox } from "../../crypto.js";
import {
  recordChanges,
  type HistoryAuthor,
  type HistoryEntry,
  type HistoryObjectType,
  type Tx,
} from "../../history.js";
import type { PmList } from "./source.js";
import type { Family, ImportSummary } from "./summary.js";

/** ExternalRef.objectType values: the history type, and one more for a community's egress twin. */
export type RefType = HistoryObjectType | "community-egress" | "email-template";

export class RefStore {
  private readonly map = new Map<string, { localId: number; rowId: number | null }>();
  private readonly inserts: { objectType: string; externalId: string; localId: number }[] = [];
  private readonly updates: { rowId: number; localId: number }[] = [];

  constructor(readonly source: string) {}

  static async load(tx: Tx, source: string): Promise<RefStore> {
    const store = new RefStore(source);
    const rows = await tx.externalRef.findMany({ where: { source } });
    for (const r of rows)
      store.map.set(`${r.objectType}:${r.externalId}`, { localId: r.localId, rowId: r.id });
    return store;
  }

  get(type: RefType, pmId: number): number | undefined {
    return this.map.get(`${type}:${pmId}`)?.localId;
  }

  /** Every Peering Manager id of `type` this instance was imported with. */
  ids(type: RefType): number[] {
    const p = `${type}:`;
    return [...this.map.keys()].filter((k) => k.startsWith(p)).map((k) => Number(k.slice(p.length)));
  }

  set(type: RefType, pmId: number, localId: number): void {
    const key = `${type}:${pmId}`;
    const cur = this.map.get(key);
    if (cur?.localId === localId) return;
    if (cur && cur.rowId !== null) this.updates.push({ rowId: cur.rowId, localId });
    else if (cur) {
      const pending = this.inserts.find((i) => i.objectType === type && i.externalId === String(pmId));
      if (pending) pending.localId = localId;
    } else this.inserts.push({ objectType: type, externalId: String(pmId), localId });
    this.map.set(key, { localId, rowId: cur?.rowId ?? null });
  }

  async flush(tx: Tx): Promise<void> {
    // One statement for all of them: Prisma's createMany takes about half a millisecond a row.
    if (this.inserts.length)
      await tx.$executeRaw`insert into "ExternalRef" (source, "objectType", "externalId", "localId", "updatedAt")
        select ${this.source}, t, e, l, now() from unnest(${this.inserts.map((i) => i.objectType)}::text[],
          ${this.inserts.map((i) => i.externalId)}::text[], ${this.inserts.map((i) => i.localId)}::int[]) as x(t, e, l)`;
    for (const u of this.updates)
      await tx.externalRef.update({ where: { id: u.rowId }, data: { localId: u.localId } });
    this.inserts.length = 0;
    this.updates.length = 0;
  }
}

/** A JSON text with object keys sorted, for comparing states. */
export function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : typeof x === "bigint"
        ? x.toString()
        : x,
  );
}

export interface ApplyPlan<S extends Record<string, unknown>> {
  family: Family;
  type: HistoryObjectType;
  refType?: RefType;
  pmId: number;
  repr: string;
  /** The peerbot object it is (by its ExternalRef, or adopted by natural key), with its state. */
  existing: { id: number; state: S } | null;
  adopted: boolean;
  /** The state Peering Manager's record maps to (same fields as `existing.state`). */
  desired: S;
  create(): Promise<number>;
  update(id: number, before: S): Promise<void>;
}

/** A list's records in Peering Manager id order: each run meets them in the same order. */
export const byId = <T extends { id: number }>(list: PmList<T>): T[] =>
  [...list.records].sort((a, b) => a.id - b.id);

/**
 * The part of a Prisma model (`run.tx.contact`, ...) that an ApplyPlan writes through, with
 * the data of a create (C) and of an update (U); Prisma checks them against the model's own.
 */
export interface Table<C, U = C> {
  create(args: { data: C; select: { id: true } }): PromiseLike<{ id: number }>;
  update(args: { where: { id: number }; data: U }): PromiseLike<unknown>;
}

/** An ApplyPlan's create and update of an object whose row is `data` (links.ts: with attachments). */
export function writes<D extends object>(
  table: Table<NoInfer<D>>,
  data: D,
): Pick<ApplyPlan<Record<string, unknown>>, "create" | "update"> {
  return {
    create: async () => (await table.create({ data, select: { id: true } })).id,
    update: async (id) => {
      await table.update({ where: { id }, data });
    },
  };
}

export class ImportRun {
  private readonly history: HistoryEntry[] = [];
  private readonly grouped = new Map<string, { items: string[]; make: (items: string[]) => string }>();
  /** Slugs of policies and communities, and names of groups, by peerbot id (filled as families finish). */
  readonly slugs = {
    policy: new Map<number, string>(),
    community: new Map<number, string>(),
    group: new Map<number, string>(),
  };
  /** ASNs, IXPs, routers and connections by peerbot id, for states and sentences. */
  readonly asns = new Map<number, number>();
  readonly ixps = new Map<number, { name: string; slug: string }>();
  readonly routers = new Map<number, string>();
  /** The IXP name of each connection, for how sessions are named. */
  readonly connections = new Map<number, string>();

  constructor(
    readonly tx: Tx,
    readonly author: HistoryAuthor,
    readonly refs: RefStore,
    readonly summary: ImportSummary,
    readonly secrets: SecretBox | undefined,
  ) {}

  /** peerbot objects already given to a Peering Manager object in this run, as "<ref type>:<id>". */
  private readonly claimed = new Set<string>();

  /**
   * The peerbot row a Peering Manager object is: the one its ExternalRef names, else the one
   * with the same natural key (adopted), unless another object of this run already took that
   * one (`clash`: two Peering Manager objects that peerbot would take for one).
   */
  pick<R extends { id: number }>(
    refType: RefType,
    pmId: number,
    rowById: Map<number, R>,
    natural: () => R | undefined,
  ): { row: R | undefined; adopted: boolean; clash: R | undefined } {
    const refId = this.refs.get(refType, pmId);
    const byRef = refId !== undefined ? rowById.get(refId) : undefined;
    if (byRef && !this.claimed.has(`${refType}:${byRef.id}`))
      return { row: byRef, adopted: false, clash: undefined };
    const cand = natural();
    if (!cand) return { row: undefined, adopted: false, clash: undefined };
    if (this.claimed.has(`${refType}:${cand.id}`)) return { row: undefined, adopted: false, clash: cand };
    return { row: cand, adopted: true, clash: undefined };
  }

  skip(family: Family, sentence?: string): void {
    this.summary.counts[family].skipped++;
    if (sentence) this.summary.note(sentence);
  }

  /** A sentence about several objects at once, made from their list when the run ends. */
  group(key: string, item: string, make: (items: string[]) => string): void {
    const g = this.grouped.get(key);
    if (g) g.items.push(item);
    else this.grouped.set(key, { items: [item], make });
  }

  /** Creates, updates or leaves the object; records the history row and the ExternalRef. */
  async apply<S extends Record<string, unknown>>(p: ApplyPlan<S>): Promise<number> {
    const counts = this.summary.counts[p.family];
    let id: number;
    if (!p.existing) {
      id = await p.create();
      counts.created++;
      this.history.push({ type: p.type, id, repr: p.repr, action: "create", after: p.desired });
    } else {
      id = p.existing.id;
      if (stable(p.existing.state) !== stable(p.desired)) {
        await p.update(id, p.existing.state);
        counts.updated++;
        this.history.push({
          type: p.type,
          id,
          repr: p.repr,
          action: "update",
          before: p.existing.state,
          after: p.desired,
        });
      } else counts.unchanged++;
      if (p.adopted) this.summary.adopted.push(p.repr);
    }
    this.refs.set(p.refType ?? p.type, p.pmId, id);
    this.claimed.add(`${p.refType ?? p.type}:${id}`);
    return id;
  }

  async finish(): Promise<void> {
    for (const g of this.grouped.values()) this.summary.note(g.make(g.items));
    this.grouped.clear();
    await this.refs.flush(this.tx);
    await recordChanges(this.tx, this.author, this.history);
    this.history.length = 0;
  }
}

/** Local ids of Peering Manager refs of `type`, in order, with how many named objects that were not brought in. */
export function localIds(
  run: ImportRun,
  type: RefType,
  pmRefs: { id: number }[],
): { ids: number[]; missing: number } {
  const ids: number[] = [];
  let missing = 0;
  for (const r of pmRefs) {
    const id = run.refs.get(type, r.id);
    if (id === undefined) missing++;
    else if (!ids.includes(id)) ids.push(id);
  }
  return { ids, missing };
}
