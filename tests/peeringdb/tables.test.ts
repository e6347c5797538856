import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLES, copyText, pgTextArray, type ColumnKind } from "../../core/peeringdb/tables.js";
import { runSync } from "../../core/peeringdb/sync.js";
import { PDB_TYPES } from "../../core/peeringdb/types.js";
import { StaticPeeringDbSource } from "../../drivers/peeringdb/static-source.js";
import { createTestDatabase, type TestDatabase } from "../helpers/db.js";
import { net, real } from "./fixtures.js";

const PG_TYPE: Record<ColumnKind, string> = {
  int: "integer",
  bigint: "bigint",
  float: "double precision",
  bool: "boolean",
  text: "text",
  "text[]": "ARRAY",
  ts: "timestamp with time zone",
  inet: "inet",
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(import.meta.filename);
});
afterAll(async () => {
  await db?.drop();
});

describe("mirror tables", () => {
  it("match the migration: every column the sync writes exists with its type, and no other column", async () => {
    for (const type of PDB_TYPES) {
      const spec = TABLES[type];
      const r = await db.pool.query<{ column_name: string; data_type: string }>(
        "select column_name, data_type from information_schema.columns where table_name = $1 order by ordinal_position",
        [spec.table],
      );
      expect(r.rows.map((c) => [c.column_name, c.data_type]).sort()).toEqual(
        spec.columns.map(([name, kind]) => [name, PG_TYPE[kind]]).sort(),
      );
    }
  });

  it("escapes text for COPY and arrays for PostgreSQL", () => {
    expect(copyText("plain")).toBe("plain");
    expect(copyText("a\tb\nc\rd\\e\0f")).toBe("a\\tb\\nc\\rd\\\\ef");
    expect(pgTextArray(["Cable/DSL/ISP", 'say "hi"', "back\\slash", ""])).toBe(
      '{"Cable/DSL/ISP","say \\"hi\\"","back\\\\slash",""}',
    );
  });

  for (const bulk of ["copy", "insert"] as const) {
    it(`round-trips awkward text (${bulk}): quotes, unicode, newlines, tabs, backslashes, NUL, array quoting`, async () => {
      const nasty = 'BT\'s "UK" net \\ tab\there\nnewline ✓ Telefónica \u0000end';
      const types = ["Content", 'quote"d', "back\\slash", "comma,brace{}", "new\nline"];
      const row = net(99_001, 4_200_000_000, nasty, {
        info_types: types,
        notes: "line1\r\nline2",
        aka: "\\N",
      });
      await db.pool.query("truncate pdb_net, pdb_sync_state");
      const data = { net: [...real.net!, row] };
      const report = await runSync(db, new StaticPeeringDbSource(data), undefined, { types: ["net"], bulk });
      expect(report.types[0]?.error).toBeUndefined();
      expect(report.types[0]?.rows).toBe(501);
      const r = await db.pool.query(
        "select name, info_types, notes, aka, asn::text from pdb_net where id = 99001",
      );
      expect(r.rows[0]).toEqual({
        name: nasty.replace("\u0000", ""),
        info_types: types,
        notes: "line1\r\nline2",
        aka: "\\N",
        asn: "4200000000",
      });
      const google = await db.pool.query(
        "select info_types, netixlan_updated from pdb_net where asn = 15169",
      );
      expect(google.rows[0].info_types).toEqual(["Content"]);
    });
  }
});
