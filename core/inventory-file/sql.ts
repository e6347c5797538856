// Bulk statements on a transaction: a handful per table whatever the number of rows
// (INSERT ... SELECT FROM unnest(...), UPDATE ... FROM unnest(...), DELETE ... = ANY(...)).
import type { Tx } from "../history.js";
import { hostOf } from "./model.js";

/** A column and its SQL type: text, int, bigint, bool, inet, textlist (text[]), or an enum's name. */
export type Col = [name: string, type: string];

/** "name slug weight:int kind:PolicyKind" -> columns (text unless typed; capitalised types are enums). */
export function cols(spec: string): Col[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((w) => {
      const [name = "", type = "text"] = w.split(":");
      return [name, /^[A-Z]/.test(type) ? `"${type}"` : type];
    });
}

/** Lists of text (IXP prefixes) travel as one string each, split in SQL. */
const LIST_SEP = "\u001f";
const param = (t: string) => (t === "textlist" ? "text" : t);
const value = (t: string, v: unknown) => (t === "textlist" ? (v as string[]).join(LIST_SEP) : (v ?? null));
const expr = (t: string, ref: string) => (t === "textlist" ? `string_to_array(${ref}, chr(31))` : ref);

/** Inserts rows (column values by name) and returns their ids, in order. */
export async function insertRows(
  tx: Tx,
  table: string,
  columns: Col[],
  rows: Record<string, unknown>[],
  check: string,
): Promise<number[]> {
  if (!rows.length) return [];
  const params = columns.map(([n, t]) => rows.map((r) => value(t, r[n])));
  const names = columns.map(([n]) => `"${n}"`).join(", ");
  const out = await tx.$queryRawUnsafe<{ id: number; k: string | null }[]>(
    `insert into "${table}" (${names}, "updatedAt")
     select ${columns.map(([n, t]) => expr(t, `v."${n}"`)).join(", ")}, now()
       from unnest(${columns.map(([, t], i) => `$${i + 1}::${param(t)}[]`).join(", ")}) as v(${names})
     returning id, "${check}"::text as k`,
    ...params,
  );
  // RETURNING follows the order of the rows inserted; checked, not assumed.
  if (out.length !== rows.length || out.some((r, i) => !sameKey(r.k, rows[i]![check])))
    throw new Error(`inserting into ${table} returned its rows out of order`);
  return out.map((r) => Number(r.id));
}

const sameKey = (got: string | null, want: unknown) =>
  want === null || want === undefined
    ? got === null
    : got !== null && (got === String(want) || hostOf(got) === hostOf(String(want)));

/** Sets every column of each row (by id) to the values given. */
export async function updateRows(
  tx: Tx,
  table: string,
  columns: Col[],
  rows: { id: number; values: Record<string, unknown> }[],
): Promise<void> {
  if (!rows.length) return;
  const names = columns.map(([n]) => `"${n}"`).join(", ");
  await tx.$executeRawUnsafe(
    `update "${table}" as t set ${columns.map(([n, t]) => `"${n}" = ${expr(t, `v."${n}"`)}`).join(", ")}, "updatedAt" = now()
       from unnest($1::int[], ${columns.map(([, t], i) => `$${i + 2}::${param(t)}[]`).join(", ")}) as v(id, ${names})
      where t.id = v.id`,
    rows.map((r) => r.id),
    ...columns.map(([n, t]) => rows.map((r) => value(t, r.values[n]))),
  );
}

export async function deleteRows(tx: Tx, table: string, ids: Iterable<number>): Promise<void> {
  const list = [...ids];
  if (list.length) await tx.$executeRawUnsafe(`delete from "${table}" where id = any($1::int[])`, list);
}

/** Rows of an attachment table ("A", "B") added and removed. */
export async function writePairs(
  tx: Tx,
  add: Map<string, [number[], number[]]>,
  drop: Map<string, [number[], number[]]>,
): Promise<void> {
  for (const [table, [a, b]] of drop)
    await tx.$executeRawUnsafe(
      `delete from "${table}" where ("A", "B") in (select * from unnest($1::int[], $2::int[]))`,
      a,
      b,
    );
  for (const [table, [a, b]] of add)
    await tx.$executeRawUnsafe(
      `insert into "${table}" ("A", "B") select * from unnest($1::int[], $2::int[]) on conflict do nothing`,
      a,
      b,
    );
}
